/* The writer process of the record tests: plain C, no memview code.
 *
 *   rec_writer counter KIND NAME HOLD_US COUNT
 *     KIND shm (NAME: shm name), file (NAME: path), sysv (NAME ignored), pid (own heap).
 *     Creates a 4096-byte object, prints "ready SPEC ADDRESS" (ADDRESS: where the counter
 *     is, in the spec's addresses), waits for a line on stdin, then stores the 64-bit
 *     counter values 1..COUNT at ADDRESS, holding each for HOLD_US microseconds, prints
 *     "done" and waits for stdin to close (or exits at once with EXIT_AFTER=1 in argv[6]).
 *   rec_writer seqlock NAME
 *     A 4096-byte shm object holding at offset 0 a 256-byte struct { u64 seq; u64 sum;
 *     u8 data[240]; } rewritten continuously as a seqlock (seq odd while writing; sum is
 *     the sum of the data bytes) until stdin closes. Prints "ready" first.
 */
#define _GNU_SOURCE  // NOLINT(bugprone-reserved-identifier): glibc's feature-test macro
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <time.h>
#include <unistd.h>

#define SIZE 4096

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void wait_line(void) {
  char line[64];
  if (!fgets(line, sizeof line, stdin)) exit(0);
}

static void wait_eof(void) {
  char line[64];
  while (fgets(line, sizeof line, stdin)) {
  }
}

static unsigned char* create(const char* kind, const char* name, char* spec, size_t spec_len,
                             int* sysv_id) {
  void* p = MAP_FAILED;
  if (strcmp(kind, "shm") == 0 || strcmp(kind, "file") == 0) {
    const int is_shm = strcmp(kind, "shm") == 0;
    const int fd = is_shm ? shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600)
                          : open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd < 0 || ftruncate(fd, SIZE) != 0) return NULL;
    p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    snprintf(spec, spec_len, "%s:%s", kind, name);
  } else if (strcmp(kind, "sysv") == 0) {
    *sysv_id = shmget(IPC_PRIVATE, SIZE, IPC_CREAT | 0600);
    if (*sysv_id < 0) return NULL;
    p = shmat(*sysv_id, NULL, 0);
    if (p == (void*)-1) p = MAP_FAILED;
    snprintf(spec, spec_len, "sysv:%d", *sysv_id);
  } else if (strcmp(kind, "pid") == 0) {
    /* memview reads this process's memory: allow it without being our ancestor. */
    prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
    p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    snprintf(spec, spec_len, "pid:%d", (int)getpid());
  }
  if (p == MAP_FAILED) return NULL;
  memset(p, 0, SIZE);
  return (unsigned char*)p;
}

static int counter(int argc, char** argv) {
  if (argc < 6) return 2;
  char spec[512];
  int sysv_id = -1;
  unsigned char* base = create(argv[2], argv[3], spec, sizeof spec, &sysv_id);
  if (!base) {
    perror("create");
    return 1;
  }
  const uint64_t hold = strtoull(argv[4], NULL, 10) * 1000ull;
  const uint64_t count = strtoull(argv[5], NULL, 10);
  const int exit_after = argc > 6 && strcmp(argv[6], "1") == 0;
  /* The counter lives at offset 64; for pid: its virtual address. */
  volatile uint64_t* value = (volatile uint64_t*)(base + 64);
  const unsigned long long address =
      strcmp(argv[2], "pid") == 0 ? (unsigned long long)(uintptr_t)value : 64ull;
  printf("ready %s %llu\n", spec, address);
  fflush(stdout);
  wait_line();
  const uint64_t start = now_ns();
  for (uint64_t v = 1; v <= count; ++v) {
    *value = v;
    const uint64_t until = start + v * hold;
    while (now_ns() < until) {
      const uint64_t left = until - now_ns();
      if (left > 200000) {
        struct timespec ts = {0, (long)(left - 100000)};
        nanosleep(&ts, NULL);
      }
    }
  }
  printf("done\n");
  fflush(stdout);
  if (!exit_after) wait_eof();
  if (sysv_id >= 0) shmctl(sysv_id, IPC_RMID, NULL);
  if (strcmp(argv[2], "shm") == 0) shm_unlink(argv[3]);
  return 0;
}

struct seq_struct {
  _Atomic uint64_t seq;
  uint64_t sum;
  unsigned char data[240];
};

/* The sum of the data bytes: each round adds 31 to every byte (mod 256), so a copy that
 * mixes two rounds does not add up to either round's sum. */
static uint64_t byte_sum(const unsigned char* p, size_t n) {
  uint64_t h = 0;
  for (size_t i = 0; i < n; ++i) h += p[i];
  return h;
}

static atomic_int stop_flag;

static void* wait_stdin(void* arg) {
  (void)arg;
  wait_eof();
  atomic_store(&stop_flag, 1);
  return NULL;
}

static int seqlock(int argc, char** argv) {
  if (argc < 3) return 2;
  char spec[512];
  int sysv_id = -1;
  unsigned char* base = create("shm", argv[2], spec, sizeof spec, &sysv_id);
  if (!base) {
    perror("create");
    return 1;
  }
  struct seq_struct* s = (struct seq_struct*)base;
  pthread_t t;
  pthread_create(&t, NULL, wait_stdin, NULL);
  printf("ready %s 0\n", spec);
  fflush(stdout);
  uint64_t round = 0;
  while (!atomic_load(&stop_flag)) {
    const uint64_t seq = atomic_load_explicit(&s->seq, memory_order_relaxed);
    atomic_store_explicit(&s->seq, seq + 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
    ++round;
    /* Byte by byte, so that a reader that ignored the seqlock would see torn data. */
    for (size_t i = 0; i < sizeof s->data; ++i) {
      ((volatile unsigned char*)s->data)[i] = (unsigned char)(round * 31 + i * 7);
    }
    s->sum = byte_sum(s->data, sizeof s->data);
    atomic_store_explicit(&s->seq, seq + 2, memory_order_release);
    /* A few microseconds outside the critical section: a window for consistent reads. */
    const uint64_t until = now_ns() + 3000;
    while (now_ns() < until) {
    }
  }
  pthread_join(t, NULL);
  shm_unlink(argv[2]);
  return 0;
}

int main(int argc, char** argv) {
  if (argc >= 2 && strcmp(argv[1], "counter") == 0) return counter(argc, argv);
  if (argc >= 2 && strcmp(argv[1], "seqlock") == 0) return seqlock(argc, argv);
  fprintf(stderr,
          "usage: rec_writer counter KIND NAME HOLD_US COUNT [EXIT_AFTER] | seqlock NAME\n");
  return 2;
}
