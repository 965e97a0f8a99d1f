// The writer and reader of the "who" tests: a counter written by two named functions in two
// threads, in a POSIX shm object (shm mode) or in a global (global mode), and a process that
// only reads it (reader mode). Plain C, no memview code: it shares memory the way any
// program would.
//
//   who_target shm NAME     creates /NAME (4 KiB, 0666 before the umask), the counter at
//                           offset 0x40; unlinks it at exit
//   who_target global       the counter is the global g_counter
//   who_target reader NAME  maps /NAME read-only and reads the counter every 100 us until
//                           a line (or EOF) arrives on stdin
//
// On start it prints "ready ADDR" (the counter's address in this process) and flushes.
// Then it reads commands from stdin, one per line, answering each:
//   alpha N | beta N  start a thread running writer_alpha / writer_beta, N writes of the
//                     counter (a short pause every 1000 writes); prints "started" at once
//                     and "alpha-done N" / "beta-done N" (its own count) when it finishes
//   hold alpha N      start the thread but keep it waiting for "release" ("held")
//   nest alpha N      start a thread that starts the writing thread and ends ("nested")
//   rename alpha N    a thread named alpha writes N times, renames itself alpha-later,
//                     writes N more, prints "renamed-done 2N" and waits for "release"
//   release           let held threads write ("released")
//   spin MS           write the counter from writer_spin in this thread as fast as possible
//                     for MS milliseconds; prints "spin WRITES" (the writes it made)
//   exit              unlink (shm mode) and exit ("bye")
#define _GNU_SOURCE  // NOLINT(bugprone-reserved-identifier): glibc's feature-test macro
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

volatile uint64_t g_counter;

static volatile uint64_t* counter;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t released_cv = PTHREAD_COND_INITIALIZER;
static int released;

struct job {
  char name[16];
  long writes;
  int hold;
  int nest;
  int rename;
};

static void start(const char* name, long writes, int hold, int nest, int rename);

static void wait_for_release(void) {
  pthread_mutex_lock(&lock);
  while (!released) pthread_cond_wait(&released_cv, &lock);
  pthread_mutex_unlock(&lock);
}

static void say(const char* text) {
  pthread_mutex_lock(&lock);
  fputs(text, stdout);
  fflush(stdout);
  pthread_mutex_unlock(&lock);
}

static void pause_briefly(void) {
  const struct timespec ts = {0, 200000};
  nanosleep(&ts, NULL);
}

// Each store to the counter below is on a line of its own, marked for the tests.
__attribute__((noinline)) long writer_alpha(long n) {
  long done = 0;
  for (long i = 0; i < n; ++i) {
    *counter = *counter + 1;  // WHO-STORE-ALPHA
    ++done;
    if (i % 1000 == 999) pause_briefly();
  }
  return done;
}

__attribute__((noinline)) long writer_beta(long n) {
  long done = 0;
  for (long i = 0; i < n; ++i) {
    *counter = *counter + 2;  // WHO-STORE-BETA
    ++done;
    if (i % 1000 == 999) pause_briefly();
  }
  return done;
}

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

__attribute__((noinline)) long writer_spin(long ms) {
  long done = 0;
  const uint64_t end = now_ms() + (uint64_t)ms;
  while (now_ms() < end) {
    for (int i = 0; i < 256; ++i) {
      *counter = *counter + 1;  // WHO-STORE-SPIN
      ++done;
    }
  }
  return done;
}

static void* run_job(void* arg) {
  struct job* j = arg;
  // Named here too, before any write: the creator's pthread_setname_np may come after the
  // thread's first stores, and who-writes reports the name a thread had when it wrote.
  pthread_setname_np(pthread_self(), j->name);
  if (j->nest) {  // a thread created by a thread
    start(j->name, j->writes, 0, 0, 0);
    free(j);
    return NULL;
  }
  if (j->hold) wait_for_release();
  if (j->rename) {
    long done = writer_alpha(j->writes);
    pthread_setname_np(pthread_self(), "alpha-later");
    done += writer_alpha(j->writes);
    pthread_mutex_lock(&lock);
    printf("renamed-done %ld\n", done);
    fflush(stdout);
    pthread_mutex_unlock(&lock);
    wait_for_release();
    free(j);
    return NULL;
  }
  long done = strcmp(j->name, "alpha") == 0 ? writer_alpha(j->writes) : writer_beta(j->writes);
  pthread_mutex_lock(&lock);
  printf("%s-done %ld\n", j->name, done);
  fflush(stdout);
  pthread_mutex_unlock(&lock);
  free(j);
  return NULL;
}

static void start(const char* name, long writes, int hold, int nest, int rename) {
  struct job* j = calloc(1, sizeof *j);
  snprintf(j->name, sizeof j->name, "%s", name);
  j->writes = writes;
  j->hold = hold;
  j->nest = nest;
  j->rename = rename;
  pthread_t t;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_create(&t, &attr, run_job, j);
  pthread_attr_destroy(&attr);
  pthread_setname_np(t, name);
  say(nest ? "nested\n" : hold ? "held\n" : "started\n");
}

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "";
  char shm_name[256] = "";
  if (strcmp(mode, "global") == 0) {
    counter = &g_counter;
  } else if ((strcmp(mode, "shm") == 0 || strcmp(mode, "reader") == 0) && argc > 2) {
    snprintf(shm_name, sizeof shm_name, "/%s", argv[2][0] == '/' ? argv[2] + 1 : argv[2]);
    const int reader = strcmp(mode, "reader") == 0;
    const int fd = reader ? shm_open(shm_name, O_RDONLY, 0)
                          : shm_open(shm_name, O_RDWR | O_CREAT | O_EXCL, 0666);
    // 0644 whatever the umask: the permission tests open it as another user.
    if (fd < 0 || (!reader && (fchmod(fd, 0644) != 0 || ftruncate(fd, 4096) != 0))) {
      perror("shm");
      return 1;
    }
    unsigned char* base =
        mmap(NULL, 4096, reader ? PROT_READ : PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (base == MAP_FAILED) return 1;
    counter = (volatile uint64_t*)(base + 0x40);
    if (reader) {
      printf("ready %p\n", (void*)counter);
      fflush(stdout);
      uint64_t sum = 0;
      // Reads until anything arrives on stdin (or it closes), never writes.
      for (;;) {
        struct timespec ts = {0, 100000};
        sum += *counter;
        nanosleep(&ts, NULL);
        fd_set in;
        FD_ZERO(&in);
        FD_SET(0, &in);
        struct timeval tv = {0, 0};
        if (select(1, &in, NULL, NULL, &tv) > 0) {
          break;
        }
      }
      printf("reader-sum %llu\n", (unsigned long long)sum);
      return 0;
    }
  } else {
    fprintf(stderr, "usage: who_target shm NAME | global | reader NAME\n");
    return 2;
  }

  printf("ready %p\n", (void*)counter);
  fflush(stdout);
  char line[256];
  while (fgets(line, sizeof line, stdin)) {
    char what[32] = "";
    long n = 0;
    if (sscanf(line, "hold %31s %ld", what, &n) == 2) {
      start(what, n, 1, 0, 0);
    } else if (sscanf(line, "nest %31s %ld", what, &n) == 2) {
      start(what, n, 0, 1, 0);
    } else if (sscanf(line, "rename %31s %ld", what, &n) == 2) {
      start(what, n, 0, 0, 1);
    } else if (strncmp(line, "release", 7) == 0) {
      pthread_mutex_lock(&lock);
      released = 1;
      pthread_cond_broadcast(&released_cv);
      pthread_mutex_unlock(&lock);
      say("released\n");
    } else if (sscanf(line, "spin %ld", &n) == 1) {
      const long done = writer_spin(n);
      pthread_mutex_lock(&lock);
      printf("spin %ld\n", done);
      fflush(stdout);
      pthread_mutex_unlock(&lock);
    } else if (sscanf(line, "%31s %ld", what, &n) == 2 &&
               (!strcmp(what, "alpha") || !strcmp(what, "beta"))) {
      start(what, n, 0, 0, 0);
    } else if (strncmp(line, "exit", 4) == 0) {
      break;
    } else {
      say("unknown command\n");
    }
  }
  if (shm_name[0]) shm_unlink(shm_name);
  say("bye\n");
  return 0;
}
