// The debuggee of the debugger tests: a known global struct, a heap buffer, and a mapping
// with a hole and a PROT_NONE page.
//
// On start it prints one line per fact, then "ready", and flushes:
//   pid PID
//   state ADDR SIZE                 &g_state, sizeof g_state
//   offset FIELD OFFSET SIZE        gcc's own offsetof/sizeof for each field
//   pages ADDR                      4 pages: rw, unmapped, PROT_NONE, rw
//   heap ADDR                       a 256-byte malloc'd buffer
//   shm ADDR NAME                   a 64 KiB POSIX shm object it maps MAP_SHARED (bytes
//                                   0x33), unlinked again when it exits normally
// While running it increments g_state.counter every millisecond (while g_state.running)
// and prints "command N" whenever g_state.command changes; command 2 makes it unmap the
// shm mapping (then it prints "unmapped"), command 0xdead makes it exit.
#define _GNU_SOURCE  // NOLINT(bugprone-reserved-identifier): glibc's feature-test macro
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

enum test_mode { MODE_IDLE = 0, MODE_RUN = 1, MODE_DONE = 7 };

struct test_inner {
  uint16_t a;
  int8_t b;
};

struct test_state {
  uint32_t magic;  // 0x4d454d56
  uint32_t command;
  uint64_t counter;
  double ratio;
  char name[16];
  struct test_inner inner;
  unsigned flags : 3;
  unsigned level : 5;
  enum test_mode mode;
  union {
    uint32_t u;
    float f;
  } num;
  struct {
    int32_t x;
    int32_t y;
  };
  int32_t values[4];
  int32_t running;
  void* self;
};

volatile struct test_state g_state = {
    .magic = 0x4d454d56,
    .command = 0,
    .counter = 0,
    .ratio = 1.5,
    .name = "memview-target",
    .inner = {.a = 0x1234, .b = -5},
    .flags = 5,
    .level = 17,
    .mode = MODE_RUN,
    .num = {.u = 0x3f800000},
    .x = -1,
    .y = 2,
    .values = {10, 20, 30, 40},
    .running = 1,
};

#define OFFSET(f) \
  printf("offset %s %zu %zu\n", #f, offsetof(struct test_state, f), sizeof(g_state.f))

int main(void) {
  g_state.self = (void*)&g_state;
  const size_t page = 4096;
  char* pages = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (pages == MAP_FAILED) return 1;
  memset(pages, 0x5a, 4 * page);
  munmap(pages + page, page);
  mprotect(pages + 2 * page, page, PROT_NONE);
  unsigned char* heap = malloc(256);
  for (int i = 0; i < 256; ++i) heap[i] = (unsigned char)i;

  char shm_name[64];
  snprintf(shm_name, sizeof shm_name, "/memview-dbg-%d", (int)getpid());
  const int fd = shm_open(shm_name, O_RDWR | O_CREAT | O_EXCL, 0600);
  if (fd < 0 || ftruncate(fd, 65536) != 0) return 1;
  unsigned char* shm = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (shm == MAP_FAILED) return 1;
  memset(shm, 0x33, 65536);

  printf("pid %d\n", (int)getpid());
  printf("state %p %zu\n", (void*)&g_state, sizeof g_state);
  OFFSET(magic);
  OFFSET(command);
  OFFSET(counter);
  OFFSET(ratio);
  OFFSET(name);
  OFFSET(inner);
  OFFSET(inner.a);
  OFFSET(inner.b);
  OFFSET(mode);
  OFFSET(num);
  OFFSET(num.u);
  OFFSET(num.f);
  OFFSET(x);
  OFFSET(y);
  OFFSET(values);
  OFFSET(running);
  OFFSET(self);
  printf("pages %p\n", (void*)pages);
  printf("heap %p\n", (void*)heap);
  printf("shm %p %s\n", (void*)shm, shm_name);
  printf("ready\n");
  fflush(stdout);

  uint32_t seen = 0;
  const struct timespec tick = {0, 1000000};
  for (;;) {
    if (g_state.running) g_state.counter = g_state.counter + 1;
    const uint32_t c = g_state.command;
    if (c != seen) {
      seen = c;
      printf("command %u\n", c);
      if (c == 2 && shm) {
        munmap(shm, 65536);
        shm = NULL;
        printf("unmapped\n");
      }
      fflush(stdout);
      if (c == 0xdead) break;
    }
    nanosleep(&tick, NULL);
  }
  free(heap);
  shm_unlink(shm_name);
  return 0;
}
