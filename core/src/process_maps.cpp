// /proc/PID/maps parsing and the explanations for refused access to another process.
#include "memview/process_maps.h"

#if !defined(_WIN32)  // Windows: process_maps_win32.cpp reads the map with VirtualQueryEx
#include <fcntl.h>
#include <unistd.h>
#endif

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#if !defined(_WIN32)
#include "sources/owner_name.h"
#endif

namespace memview {

namespace {

std::string_view next_field(std::string_view& line) {
  while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
  const size_t space = line.find(' ');
  std::string_view field = line.substr(0, space);
  line.remove_prefix(space == std::string_view::npos ? line.size() : space);
  return field;
}

bool parse_hex(std::string_view text, uint64_t& out) {
  if (text.empty()) return false;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out, 16);
  return ec == std::errc() && ptr == text.data() + text.size();
}

bool parse_dec(std::string_view text, uint64_t& out) {
  if (text.empty()) return false;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out, 10);
  return ec == std::errc() && ptr == text.data() + text.size();
}

#if !defined(_WIN32)
// Reads a whole /proc file (their size is not known in advance: st_size is 0).
Result<std::string> read_proc_file(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    return make_error(err == ENOENT                   ? Errc::not_found
                      : err == EACCES || err == EPERM ? Errc::permission
                                                      : Errc::io,
                      fmt::format("cannot open {}: {}", path, std::strerror(err)));
  }
  std::string text;
  char buf[16384];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      close(fd);
      return make_error(err == EACCES || err == EPERM ? Errc::permission
                        : err == ESRCH                ? Errc::not_found
                                                      : Errc::io,
                        fmt::format("cannot read {}: {}", path, std::strerror(err)));
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return text;
}

// The four uids of the "Uid:" line of /proc/PID/status: real, effective, saved, fs.
bool process_uids(pid_t pid, uid_t uids[4]) {
  std::ifstream in(fmt::format("/proc/{}/status", pid));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Uid:", 0) != 0) continue;
    std::istringstream row(line.substr(4));
    for (int i = 0; i < 4; ++i) {
      unsigned long v = 0;
      if (!(row >> v)) return false;
      uids[i] = static_cast<uid_t>(v);
    }
    return true;
  }
  return false;
}

bool have_cap_sys_ptrace() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("CapEff:", 0) != 0) continue;
    uint64_t caps = 0;
    std::string_view hex = line;
    hex.remove_prefix(7);
    while (!hex.empty() && (hex.front() == ' ' || hex.front() == '\t')) hex.remove_prefix(1);
    if (!parse_hex(hex, caps)) return false;
    constexpr unsigned kCapSysPtrace = 19;
    return (caps >> kCapSysPtrace) & 1u;
  }
  return false;
}
#endif

}  // namespace

std::string MapRegion::perms() const {
  std::string p = "----";
  if (read) p[0] = 'r';
  if (write) p[1] = 'w';
  if (exec) p[2] = 'x';
  p[3] = shared ? 's' : 'p';
  return p;
}

bool MapRegion::is_stack() const {
  return path == "[stack]" || path.rfind("[stack:", 0) == 0;
}

bool MapRegion::is_deleted() const {
  constexpr std::string_view kDeleted = " (deleted)";
  return path.size() > kDeleted.size() &&
         std::string_view(path).substr(path.size() - kDeleted.size()) == kDeleted;
}

std::string MapRegion::kind() const {
  if (is_heap()) return "heap";
  if (is_stack()) return "stack";
  if (path == "[vdso]") return "vdso";
  if (path == "[vvar]" || path == "[vvar_vclock]") return "vvar";
  if (path == "[vsyscall]") return "vsyscall";
  if (path.rfind("/dev/shm/", 0) == 0 || path.rfind("/SYSV", 0) == 0) return "shm";
  if (shared) return "shared";
  if (!path.empty() && path.front() != '[') return "file";
  return "anon";
}

std::string MapRegion::object_spec() const {
  std::string p = path;
  if (is_deleted()) return {};  // unlinked: no name opens it any more
  if (p.rfind("/dev/shm/", 0) == 0) return "shm:/" + p.substr(9);
  if (p.rfind("/SYSV", 0) == 0) {
    // "/SYSV0000abcd": the key in hex; key 0 is IPC_PRIVATE, which no key can open.
    uint64_t key = 0;
    if (p.size() >= 13 && parse_hex(std::string_view(p).substr(5, 8), key) && key != 0) {
      return fmt::format("sysvkey:0x{:08x}", key);
    }
    return {};
  }
  if (shared && !p.empty() && p.front() == '/') return "file:" + p;
  return {};
}

std::vector<MapRegion> parse_proc_maps(std::string_view text) {
  std::vector<MapRegion> out;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);

    MapRegion r;
    const std::string_view range = next_field(line);
    const size_t dash = range.find('-');
    if (dash == std::string_view::npos || !parse_hex(range.substr(0, dash), r.start) ||
        !parse_hex(range.substr(dash + 1), r.end) || r.end <= r.start) {
      continue;
    }
    const std::string_view perms = next_field(line);
    if (perms.size() != 4) continue;
    r.read = perms[0] == 'r';
    r.write = perms[1] == 'w';
    r.exec = perms[2] == 'x';
    r.shared = perms[3] == 's';
    if (!parse_hex(next_field(line), r.offset)) continue;
    r.device = std::string(next_field(line));
    if (!parse_dec(next_field(line), r.inode)) continue;
    // The path is the rest of the line after the padding; it may contain spaces.
    while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    r.path = std::string(line);
    out.push_back(std::move(r));
  }
  return out;
}

#if !defined(_WIN32)
Result<std::vector<MapRegion>> read_process_maps(pid_t pid) {
  if (pid <= 0) return make_error(Errc::invalid_argument, fmt::format("bad process id {}", pid));
  Result<std::string> text = read_proc_file(fmt::format("/proc/{}/maps", pid));
  if (!text) {
    if (text.error().code == Errc::not_found) {
      return make_error(Errc::not_found, fmt::format("no process with id {}", pid));
    }
    if (text.error().code == Errc::permission) {
      return make_error(Errc::permission, explain_access_denied(pid));
    }
    return text.error();
  }
  return parse_proc_maps(*text);
}
#endif

const MapRegion* region_at_or_after(const std::vector<MapRegion>& regions, uint64_t address) {
  auto it = std::upper_bound(regions.begin(), regions.end(), address,
                             [](uint64_t a, const MapRegion& r) { return a < r.end; });
  return it == regions.end() ? nullptr : &*it;
}

#if !defined(_WIN32)
std::optional<int> yama_ptrace_scope() {
  std::ifstream in("/proc/sys/kernel/yama/ptrace_scope");
  int v = 0;
  if (!(in >> v)) return std::nullopt;
  return v;
}

std::string explain_access_denied(pid_t pid) {
  const uid_t me = geteuid();
  const bool root_or_cap = me == 0 || have_cap_sys_ptrace();
  uid_t uids[4] = {0, 0, 0, 0};
  const bool known = process_uids(pid, uids);
  std::string why;
  if (known && !root_or_cap && (uids[0] != me || uids[1] != me || uids[2] != me || uids[3] != me)) {
    const bool mixed = uids[0] != uids[1] || uids[1] != uids[2];
    why = fmt::format(
        "permission denied: process {} belongs to user {} (uid {}){} and memview runs as {} "
        "(uid {}); run memview as that user or as root, or grant it CAP_SYS_PTRACE "
        "(`sudo setcap cap_sys_ptrace=eip $(command -v memview)`)",
        pid, detail::owner_name(uids[1]), uids[1],
        mixed ? " with changed credentials (setuid)" : "", detail::owner_name(me), me);
  } else if (const std::optional<int> scope = yama_ptrace_scope();
             scope && *scope >= 1 && !(root_or_cap && *scope < 3)) {
    switch (*scope) {
      case 1:
        why = fmt::format(
            "permission denied: Yama ptrace_scope is 1 (/proc/sys/kernel/yama/ptrace_scope): "
            "only a debugger that started process {} may read its memory; allow it with "
            "`sudo sysctl kernel.yama.ptrace_scope=0`, or run memview as root or with "
            "CAP_SYS_PTRACE (`sudo setcap cap_sys_ptrace=eip $(command -v memview)`), or let "
            "the program allow it with prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY)",
            pid);
        break;
      case 2:
        why = fmt::format(
            "permission denied: Yama ptrace_scope is 2 (/proc/sys/kernel/yama/ptrace_scope): "
            "only a process with CAP_SYS_PTRACE may read process {}'s memory; run memview as "
            "root or `sudo setcap cap_sys_ptrace=eip $(command -v memview)`, or lower it with "
            "`sudo sysctl kernel.yama.ptrace_scope=1`",
            pid);
        break;
      default:
        why = fmt::format(
            "permission denied: Yama ptrace_scope is {} (/proc/sys/kernel/yama/ptrace_scope): "
            "reading another process's memory is disabled on this machine until the next "
            "reboot",
            *scope);
        break;
    }
  } else if (!root_or_cap) {
    why = fmt::format(
        "permission denied reading process {}: it may be non-dumpable (a setuid program or "
        "one that called prctl(PR_SET_DUMPABLE, 0)); run memview as root or grant it "
        "CAP_SYS_PTRACE (`sudo setcap cap_sys_ptrace=eip $(command -v memview)`)",
        pid);
  } else {
    why = fmt::format(
        "permission denied reading process {} even with CAP_SYS_PTRACE: a security module "
        "(SELinux, AppArmor) or a container boundary refuses it",
        pid);
  }
  return why;
}
#endif

uint64_t user_address_space_top(const std::vector<MapRegion>& regions) {
  uint64_t highest = 0;
  for (const MapRegion& r : regions) {
    if (r.path == "[vsyscall]") continue;
    highest = std::max(highest, r.end);
  }
  for (const uint64_t top : {uint64_t{1} << 47, uint64_t{1} << 48, uint64_t{1} << 56}) {
    if (highest <= top) return top;
  }
  return ~uint64_t{0};
}

}  // namespace memview
