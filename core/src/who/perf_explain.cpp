// Explanations of perf_event_open / ring buffer failures for write breakpoints (Linux).
#if defined(__linux__)

#include "who/perf_explain.h"

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include <unistd.h>

#include <fstream>

#include "sources/owner_name.h"
#include "who/proc_facts.h"

namespace memview::detail {
namespace {

const char* const kSetcap =
    "`sudo setcap cap_perfmon,cap_sys_ptrace=ep $(command -v memview-cli)` (and the same for "
    "memview)";

std::string what(const PerfFacts& f) {
  if (f.tid != 0 && f.tid != f.pid) {
    return fmt::format("cannot watch thread {} of process {}", f.tid, f.pid);
  }
  return fmt::format("cannot watch process {}", f.pid);
}

std::string errno_text(int err) {
  return fmt::format("{} ({})", std::strerror(err), err);
}

std::string explain_access(const PerfFacts& f) {
  if (f.paranoid && *f.paranoid > 2 && !f.cap_perfmon) {
    return fmt::format(
        "{}: perf_event_paranoid is {} (/proc/sys/kernel/perf_event_paranoid), which lets only "
        "privileged users open performance events; allow it with `sudo sysctl "
        "kernel.perf_event_paranoid=2`, or run memview as root or with CAP_PERFMON: {}",
        what(f), *f.paranoid, kSetcap);
  }
  if (f.target_uid && *f.target_uid != f.my_uid && !f.cap_sys_ptrace) {
    return fmt::format(
        "{}: it belongs to user {} (uid {}) and memview runs as {} (uid {}); watching another "
        "user's process needs CAP_SYS_PTRACE: run memview as that user or as root, or {}",
        what(f), f.target_user, *f.target_uid, f.my_user, f.my_uid, kSetcap);
  }
  if (!f.cap_sys_ptrace) {
    return fmt::format(
        "{}: the kernel refused ({}); the process may be non-dumpable (a setuid program or one "
        "that called prctl(PR_SET_DUMPABLE, 0)), which only CAP_SYS_PTRACE may watch: run "
        "memview as root or {}",
        what(f), errno_text(f.err), kSetcap);
  }
  return fmt::format(
      "{}: the kernel refused ({}) even with CAP_SYS_PTRACE: a security module (SELinux, "
      "AppArmor, lockdown) or a container's seccomp filter blocks perf_event_open; allow "
      "perf_event_open in that policy (containers: --cap-add PERFMON and a seccomp profile "
      "that permits it)",
      what(f), errno_text(f.err));
}

std::string explain_open(const PerfFacts& f) {
  switch (f.err) {
    case EACCES:
      return explain_access(f);
    case EPERM:
      if ((f.paranoid && *f.paranoid > 2 && !f.cap_perfmon) ||
          (f.target_uid && *f.target_uid != f.my_uid && !f.cap_sys_ptrace)) {
        return explain_access(f);
      }
      return fmt::format(
          "{}: perf_event_open was refused ({}): a seccomp filter (container runtimes block it "
          "by default: run with --cap-add PERFMON and a seccomp profile that permits "
          "perf_event_open) or a security module (SELinux, AppArmor, kernel lockdown) forbids "
          "it",
          what(f), errno_text(f.err));
    case ENOSPC:
      return fmt::format(
          "{}: all hardware debug registers of that thread are in use ({} asked for; x86-64 has "
          "4): a debugger's hardware watchpoints (gdb `watch`, `info watchpoints`) or another "
          "watch hold them; a debugger that set them keeps them reserved even after it detached, "
          "until the thread exits (the kernel's rule): delete those watchpoints before detaching, "
          "or watch fewer bytes",
          what(f), f.watches);
    case ENOENT:
    case EOPNOTSUPP:
    case ENODEV:
      return fmt::format(
          "{}: hardware breakpoints are not available in this environment ({}): the kernel "
          "offers no breakpoint events (CONFIG_HAVE_HW_BREAKPOINT) or the virtual machine gives "
          "it no debug registers; run on a host or a VM that exposes them",
          what(f), errno_text(f.err));
    case ENOSYS:
      return fmt::format(
          "{}: perf_event_open is not available ({}): the kernel was built without "
          "CONFIG_PERF_EVENTS, or a seccomp filter hides the system call",
          what(f), errno_text(f.err));
    case EMFILE:
    case ENFILE:
      return fmt::format(
          "{}: out of file descriptors ({}): each thread needs one breakpoint per watch and CPU; "
          "raise the limit (`ulimit -n`) or watch fewer bytes",
          what(f), errno_text(f.err));
    case EINVAL:
      return fmt::format(
          "{}: the kernel rejected the breakpoint ({}): this CPU does not support a write "
          "breakpoint of that length and alignment",
          what(f), errno_text(f.err));
    default:
      return fmt::format("{}: perf_event_open failed: {}", what(f), errno_text(f.err));
  }
}

std::string explain_mmap(const PerfFacts& f) {
  if (f.err == EPERM || f.err == ENOMEM) {
    return fmt::format(
        "{}: the {} KiB sample ring buffer exceeds this user's locked-memory allowance "
        "(kernel.perf_event_mlock_kb = {} KiB per user, then `ulimit -l`); raise it with `sudo "
        "sysctl kernel.perf_event_mlock_kb=2048` or `ulimit -l`, or run memview with "
        "CAP_IPC_LOCK or as root",
        what(f), f.ring_kib, f.mlock_kb ? fmt::format("{}", *f.mlock_kb) : std::string("?"));
  }
  return fmt::format("{}: cannot map the sample ring buffer: {}", what(f), errno_text(f.err));
}

}  // namespace

std::string explain_perf_error(const PerfFacts& facts) {
  return facts.step == PerfStep::mmap ? explain_mmap(facts) : explain_open(facts);
}

bool perf_error_is_vanished_thread(int err) {
  return err == ESRCH;
}

PerfFacts gather_perf_facts(PerfStep step, int err, int64_t pid, int64_t tid, unsigned watches) {
  PerfFacts f;
  f.step = step;
  f.err = err;
  f.paranoid = perf_event_paranoid();
  f.cap_perfmon = have_capability(kCapPerfmon) || have_capability(kCapSysAdmin);
  f.cap_sys_ptrace = have_capability(kCapSysPtrace);
  f.my_uid = geteuid();
  f.my_user = owner_name(f.my_uid);
  f.pid = pid;
  f.tid = tid;
  if (pid > 0) {
    if (const std::optional<uid_t> uid = process_euid(static_cast<pid_t>(pid))) {
      f.target_uid = *uid;
      f.target_user = owner_name(*uid);
    }
  }
  f.watches = watches;
  std::ifstream in("/proc/sys/kernel/perf_event_mlock_kb");
  uint64_t kb = 0;
  if (in >> kb) f.mlock_kb = kb;
  return f;
}

}  // namespace memview::detail

#endif
