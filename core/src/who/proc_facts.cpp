// /proc facts about processes and threads (Linux).
#if defined(__linux__)

#include "who/proc_facts.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <fstream>
#include <sstream>
#include <string_view>

#include <fmt/format.h>

namespace memview::detail {
namespace {

// Reads a small /proc file whole (st_size is 0 there, so read until EOF); capped.
std::string read_small(const std::string& path, size_t cap = 1 << 20) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  std::string text;
  char buf[4096];
  while (text.size() < cap) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return text;
}

std::vector<pid_t> numeric_entries(const std::string& dir) {
  std::vector<pid_t> out;
  DIR* d = opendir(dir.c_str());
  if (!d) return out;
  while (const dirent* e = readdir(d)) {
    const std::string_view name = e->d_name;
    pid_t v = 0;
    const auto [ptr, ec] = std::from_chars(name.data(), name.data() + name.size(), v);
    if (ec == std::errc() && ptr == name.data() + name.size() && v > 0) out.push_back(v);
  }
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::vector<pid_t> list_pids() {
  return numeric_entries("/proc");
}

std::vector<pid_t> list_tasks(pid_t pid) {
  return numeric_entries(fmt::format("/proc/{}/task", pid));
}

std::string task_comm(pid_t pid, pid_t tid) {
  std::string comm =
      read_small(tid == pid || tid <= 0 ? fmt::format("/proc/{}/comm", pid)
                                        : fmt::format("/proc/{}/task/{}/comm", pid, tid),
                 4096);
  while (!comm.empty() && (comm.back() == '\n' || comm.back() == '\0')) comm.pop_back();
  return comm;
}

std::string process_command(pid_t pid) {
  std::string cmd = read_small(fmt::format("/proc/{}/cmdline", pid), size_t{64} * 1024);
  while (!cmd.empty() && cmd.back() == '\0') cmd.pop_back();
  if (cmd.empty()) {
    const std::string comm = task_comm(pid, pid);
    return comm.empty() ? std::string() : "[" + comm + "]";
  }
  std::replace(cmd.begin(), cmd.end(), '\0', ' ');
  return cmd;
}

std::optional<uid_t> process_euid(pid_t pid) {
  const std::string status = read_small(fmt::format("/proc/{}/status", pid), size_t{64} * 1024);
  const size_t at = status.find("\nUid:");
  if (at == std::string::npos) return std::nullopt;
  std::istringstream row(status.substr(at + 5, 64));
  unsigned long real = 0;
  unsigned long effective = 0;
  if (!(row >> real >> effective)) return std::nullopt;
  return static_cast<uid_t>(effective);
}

bool process_exists(pid_t pid) {
  return access(fmt::format("/proc/{}", pid).c_str(), F_OK) == 0;
}

std::vector<int> online_cpus() {
  // "0-3,6,8-9"
  std::vector<int> cpus;
  const std::string text = read_small("/sys/devices/system/cpu/online", 4096);
  std::string_view rest = text;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    rest.remove_prefix(comma == std::string_view::npos ? rest.size() : comma + 1);
    while (!item.empty() && (item.back() == '\n' || item.back() == ' ')) item.remove_suffix(1);
    if (item.empty()) continue;
    const size_t dash = item.find('-');
    int lo = 0;
    int hi = 0;
    const std::string_view a = item.substr(0, dash);
    if (std::from_chars(a.data(), a.data() + a.size(), lo).ec != std::errc()) continue;
    hi = lo;
    if (dash != std::string_view::npos) {
      const std::string_view b = item.substr(dash + 1);
      if (std::from_chars(b.data(), b.data() + b.size(), hi).ec != std::errc()) continue;
    }
    for (int c = lo; c <= hi && c < 65536; ++c) cpus.push_back(c);
  }
  if (cpus.empty()) {
    const long n = sysconf(_SC_NPROCESSORS_ONLN);
    for (long c = 0; c < std::max(1L, n); ++c) cpus.push_back(static_cast<int>(c));
  }
  return cpus;
}

bool have_capability(unsigned cap) {
  const std::string status = read_small("/proc/self/status", size_t{64} * 1024);
  const size_t at = status.find("\nCapEff:");
  if (at == std::string::npos) return false;
  std::string_view hex = std::string_view(status).substr(at + 8);
  while (!hex.empty() && (hex.front() == ' ' || hex.front() == '\t')) hex.remove_prefix(1);
  hex = hex.substr(0, hex.find('\n'));
  uint64_t caps = 0;
  if (std::from_chars(hex.data(), hex.data() + hex.size(), caps, 16).ec != std::errc())
    return false;
  return cap < 64 && ((caps >> cap) & 1u) != 0;
}

std::optional<int> perf_event_paranoid() {
  std::ifstream in("/proc/sys/kernel/perf_event_paranoid");
  int v = 0;
  if (!(in >> v)) return std::nullopt;
  return v;
}

}  // namespace memview::detail

#endif
