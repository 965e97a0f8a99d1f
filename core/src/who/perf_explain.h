// One sentence for each way perf_event_open or its ring buffer can refuse a write
// breakpoint, saying how to fix it. The explanation is a pure function of the facts
// (errno, perf_event_paranoid, capabilities, owners), so every branch is testable on any
// machine; gather_perf_facts() collects the facts of this machine (Linux).
#pragma once

#if defined(__linux__)

#include <cstdint>
#include <optional>
#include <string>

namespace memview::detail {

enum class PerfStep {
  open,  // perf_event_open of the breakpoint
  mmap,  // mapping the ring buffer
};

struct PerfFacts {
  PerfStep step = PerfStep::open;
  int err = 0;                  // errno
  std::optional<int> paranoid;  // /proc/sys/kernel/perf_event_paranoid
  bool cap_perfmon = false;     // CAP_PERFMON (or CAP_SYS_ADMIN, which implies it)
  bool cap_sys_ptrace = false;
  uint32_t my_uid = 0;
  std::string my_user;
  int64_t pid = 0;  // the watched process
  int64_t tid = 0;  // the thread
  std::optional<uint32_t> target_uid;
  std::string target_user;
  unsigned watches = 0;              // breakpoints asked for in that thread
  unsigned ring_kib = 0;             // mmap: the ring buffer's size
  std::optional<uint64_t> mlock_kb;  // /proc/sys/kernel/perf_event_mlock_kb
};

// The explanation, starting with what failed ("cannot watch thread T of process P: ...").
std::string explain_perf_error(const PerfFacts& facts);

// Whether this errno means "try the next thread" (the thread exited meanwhile) rather
// than a failure worth reporting.
bool perf_error_is_vanished_thread(int err);

// The machine's facts for one failure.
PerfFacts gather_perf_facts(PerfStep step, int err, int64_t pid, int64_t tid, unsigned watches);

}  // namespace memview::detail

#endif
