// list_processes() on Linux: the numeric directories of /proc.
#if !defined(_WIN32)

#include "memview/process_list.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <map>
#include <string_view>

#include "sources/owner_name.h"

namespace memview {

namespace {

constexpr size_t kMaxCommand = 256;

bool parse_pid(std::string_view name, uint32_t& pid) {
  if (name.empty()) return false;
  const auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), pid);
  return ec == std::errc() && end == name.data() + name.size() && pid > 0;
}

std::string read_comm(const std::string& dir) {
  std::ifstream in(dir + "/comm");
  std::string name;
  std::getline(in, name);
  return name;
}

// argv joined by spaces (the file holds NUL-separated arguments); empty for kernel threads.
std::string read_command(const std::string& dir) {
  std::ifstream in(dir + "/cmdline", std::ios::binary);
  std::string text(kMaxCommand, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(std::max<std::streamsize>(0, in.gcount())));
  while (!text.empty() && text.back() == '\0') text.pop_back();
  std::replace(text.begin(), text.end(), '\0', ' ');
  return text;
}

// Opening /proc/PID/mem makes the same ptrace access check (PTRACE_MODE_ATTACH) as reading
// the memory with process_vm_readv, without reading anything.
bool may_read_memory(const std::string& dir) {
  const int fd = open((dir + "/mem").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  close(fd);
  return true;
}

}  // namespace

std::vector<ProcessEntry> list_processes() {
  std::vector<ProcessEntry> out;
  std::map<uid_t, std::string> users;  // one passwd lookup per owner
  DIR* proc = opendir("/proc");
  if (!proc) return out;
  while (const dirent* e = readdir(proc)) {
    ProcessEntry p;
    if (!parse_pid(e->d_name, p.pid)) continue;
    const std::string dir = std::string("/proc/") + e->d_name;
    struct stat st {};
    if (stat(dir.c_str(), &st) != 0) continue;  // exited since readdir
    p.command = read_command(dir);
    if (p.command.empty()) continue;  // a kernel thread (or a zombie): no memory to read
    p.name = read_comm(dir);
    auto user = users.find(st.st_uid);
    if (user == users.end()) user = users.emplace(st.st_uid, detail::owner_name(st.st_uid)).first;
    p.user = user->second;
    p.readable = may_read_memory(dir);
    out.push_back(std::move(p));
  }
  closedir(proc);
  std::sort(out.begin(), out.end(),
            [](const ProcessEntry& a, const ProcessEntry& b) { return a.pid < b.pid; });
  return out;
}

}  // namespace memview

#endif
