// What /proc says about processes and threads, for "who maps this" and "who writes here"
// (Linux). Every function tolerates a process that exits while it is being read: it then
// returns empty/nullopt, never an error that stops a scan.
#pragma once

#if defined(__linux__)

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace memview::detail {

// Every numeric entry of /proc (processes, not threads), ascending.
std::vector<pid_t> list_pids();
// The threads of `pid` (/proc/PID/task), ascending; empty when the process is gone.
std::vector<pid_t> list_tasks(pid_t pid);
// /proc/PID/cmdline with NULs turned into spaces; "[comm]" for kernel threads and zombies.
std::string process_command(pid_t pid);
// /proc/PID/comm (or /proc/PID/task/TID/comm for a thread), without the newline.
std::string task_comm(pid_t pid, pid_t tid);
// The effective uid (second field of "Uid:" in /proc/PID/status).
std::optional<uid_t> process_euid(pid_t pid);
// Whether /proc/PID exists.
bool process_exists(pid_t pid);
// Online CPUs (/sys/devices/system/cpu/online), e.g. {0, 1}; falls back to 0..n-1.
std::vector<int> online_cpus();

// Linux capabilities of this process (CapEff of /proc/self/status).
bool have_capability(unsigned cap);
inline constexpr unsigned kCapSysPtrace = 19;
inline constexpr unsigned kCapSysAdmin = 21;
inline constexpr unsigned kCapPerfmon = 38;

// /proc/sys/kernel/perf_event_paranoid, nullopt when the file does not exist.
std::optional<int> perf_event_paranoid();

}  // namespace memview::detail

#endif
