// The perf_event side of "who writes here" (Linux): per-CPU sample ring buffers and write
// breakpoint events that send their samples there.
//
// One ring per online CPU, owned by a dummy software event of this process on that CPU (so
// closing the breakpoints of one process never takes a ring away from the others). Every
// breakpoint is opened for one thread on one CPU with inheritance to the threads that
// thread creates later, and redirected (PERF_EVENT_IOC_SET_OUTPUT) into that CPU's ring:
// per-task events cannot share a ring across tasks unless they are bound to a CPU, and
// inherited per-task events cannot be mapped at all.
//
// Thread-safety: used by the who-writes worker thread only.
#pragma once

#if defined(__linux__)

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "memview/result.h"

namespace memview::detail {

// An owned file descriptor.
class EventFd {
 public:
  EventFd() = default;
  explicit EventFd(int fd) : fd_(fd) {}
  ~EventFd();
  EventFd(EventFd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  EventFd& operator=(EventFd&& o) noexcept;
  EventFd(const EventFd&) = delete;
  EventFd& operator=(const EventFd&) = delete;
  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

// A record read from a ring.
struct PerfRecord {
  enum class Kind { sample, lost, fork, exit, throttle } kind = Kind::sample;
  uint64_t id = 0;   // sample/lost/throttle: the event's id (the original event's when inherited)
  uint64_t ip = 0;   // sample
  uint32_t pid = 0;  // sample/fork/exit
  uint32_t tid = 0;
  uint32_t ppid = 0;  // fork/exit: the parent
  uint32_t ptid = 0;
  uint64_t time = 0;  // CLOCK_MONOTONIC ns
  uint64_t lost = 0;  // lost: samples dropped
};

class PerfRing {
 public:
  // Opens the dummy owner event on `cpu` and maps 1 + data_pages pages (data_pages a power
  // of two). Errors carry errno in `err` for explain_perf_error.
  static Result<PerfRing> open(int cpu, unsigned data_pages, int& err, bool& mmap_failed);
  PerfRing() = default;
  ~PerfRing();
  PerfRing(PerfRing&& o) noexcept;
  PerfRing& operator=(PerfRing&& o) noexcept;
  PerfRing(const PerfRing&) = delete;
  PerfRing& operator=(const PerfRing&) = delete;

  int cpu() const { return cpu_; }
  int fd() const { return fd_.get(); }
  size_t bytes() const { return data_size_; }
  // Appends every complete record to `out` and frees their space in the ring.
  void drain(std::vector<PerfRecord>& out);

 private:
  int cpu_ = -1;
  EventFd fd_;
  void* base_ = nullptr;
  size_t map_size_ = 0;
  size_t data_offset_ = 0;
  size_t data_size_ = 0;
  std::vector<unsigned char> scratch_;  // a record that wraps around the end
};

// One write breakpoint of `length` bytes at `address` in thread `tid`, on `cpu`, sampling
// every hit into `ring`. `sideband` asks for fork/exit records (one event per thread and
// CPU is enough). Returns the fd or -1 with errno set.
int open_write_breakpoint(pid_t tid, int cpu, uint64_t address, unsigned length, bool sideband,
                          const PerfRing& ring);

// The kernel's id of an event (what its samples carry), 0 on failure.
uint64_t event_id(int fd);
// The event's count (exact number of hits), 0 on failure.
uint64_t event_count(int fd);
// Stops counting (this event and the copies its thread's children inherited).
void disable_event(int fd);

// Self-test: a counting write breakpoint on a word of this process, in the calling thread,
// then `writes` stores to that word. Returns 0 and the count the kernel kept, or the errno
// of perf_event_open.
int probe_write_breakpoint(unsigned writes, uint64_t& counted);

}  // namespace memview::detail

#endif
