/* The layout of the seed test mapping (seed_creator.cpp), for the layout tests under wine:
 * libclang is not available in the Windows build, so the layout is computed on Linux and
 * exported as JSON (seed_layout.json, made with
 *   memview-cli layout --header tests/windows/seed_layout.h --type "struct seed" --json --full
 * and re-made by wine_tests.py when a Linux memview-cli is given with --linux-cli). */
#include <stdint.h>

struct seed {
  char magic[16];   /* "memview seed" */
  uint32_t counter; /* +1 every 10 ms */
  uint32_t pid;
  uint8_t reserved[40];
  uint32_t inbox; /* printed by the creator when it changes */
};
