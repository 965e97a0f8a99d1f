/* The target of the scan tests: plants one value (argv[1], an int32 computed at run time, so
 * it appears nowhere in the program's own code) in a global, on the heap, on the stack and in
 * a MAP_SHARED mapping, and a text (argv[2]) in ASCII and UTF-16LE on the heap. Prints the
 * addresses as one JSON line, then obeys commands on stdin:
 *   step    global += 5, heap -= 3, shared += 7, stack unchanged
 *   unmap   unmaps the shared mapping
 *   exit    ends
 * Each command is answered with "ok". Plain C: a program like any other. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int32_t g_value; /* the global plant (.bss) */

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  volatile int32_t stack_value = (int32_t)strtol(argv[1], NULL, 0);
  g_value = stack_value;
  int32_t* heap = malloc(4096);
  if (!heap) return 1;
  memset(heap, 0, 4096);
  heap[100] = stack_value;
  int32_t* shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (shared == MAP_FAILED) return 1;
  shared[7] = stack_value;
  const char* text = argv[2];
  size_t n = strlen(text);
  char* ascii = malloc(n + 1);
  uint16_t* utf16 = malloc(2 * n + 2);
  if (!ascii || !utf16) return 1;
  memcpy(ascii, text, n + 1);
  for (size_t i = 0; i < n; ++i) utf16[i] = (uint16_t)(unsigned char)text[i];
  utf16[n] = 0;
  printf(
      "{\"global\": %lu, \"heap\": %lu, \"stack\": %lu, \"shared\": %lu, \"ascii\": %lu, "
      "\"utf16\": %lu}\n",
      (unsigned long)(uintptr_t)&g_value, (unsigned long)(uintptr_t)&heap[100],
      (unsigned long)(uintptr_t)&stack_value, (unsigned long)(uintptr_t)&shared[7],
      (unsigned long)(uintptr_t)ascii, (unsigned long)(uintptr_t)utf16);
  fflush(stdout);
  char line[64];
  while (fgets(line, sizeof line, stdin)) {
    if (strncmp(line, "step", 4) == 0) {
      g_value += 5;
      heap[100] -= 3;
      shared[7] += 7;
    } else if (strncmp(line, "unmap", 5) == 0) {
      munmap(shared, 4096);
    } else if (strncmp(line, "exit", 4) == 0) {
      break;
    }
    printf("ok\n");
    fflush(stdout);
  }
  return 0;
}
