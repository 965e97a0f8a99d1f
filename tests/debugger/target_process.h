// Test helpers: the debuggee (debug_target.c) as a real child process, and Debian's real
// gdbserver attached to it on 127.0.0.1 (a free port chosen by gdbserver itself).
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

extern char** environ;

namespace memview::test {

// A child process whose stdout (or stderr) we read line by line.
class Child {
 public:
  ~Child() { stop(); }

  // Starts argv[0] with its stdout (err_too: and stderr) on a pipe we read.
  static std::unique_ptr<Child> spawn(const std::vector<std::string>& argv, bool read_stderr) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return nullptr;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], read_stderr ? 2 : 1);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = 0;
    const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    if (rc != 0) {
      close(fds[0]);
      return nullptr;
    }
    auto c = std::unique_ptr<Child>(new Child());
    c->pid_ = pid;
    c->fd_ = fds[0];
    return c;
  }

  pid_t pid() const { return pid_; }

  // The next line, waiting at most timeout_ms; nullopt on timeout or end of output.
  std::optional<std::string> line(int timeout_ms = 10000) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      const size_t nl = buffer_.find('\n');
      if (nl != std::string::npos) {
        std::string l = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return l;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                            deadline - std::chrono::steady_clock::now())
                            .count();
      if (left <= 0) return std::nullopt;
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left)) <= 0) continue;
      char buf[4096];
      const ssize_t n = read(fd_, buf, sizeof buf);
      if (n <= 0) return std::nullopt;
      buffer_.append(buf, static_cast<size_t>(n));
    }
  }

  // Waits for a line starting with prefix (skipping others).
  std::optional<std::string> line_starting(const std::string& prefix, int timeout_ms = 10000) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                            deadline - std::chrono::steady_clock::now())
                            .count();
      if (left <= 0) return std::nullopt;
      std::optional<std::string> l = line(static_cast<int>(left));
      if (!l) return std::nullopt;
      if (l->rfind(prefix, 0) == 0) return l;
    }
  }

  void signal(int sig) {
    if (pid_ > 0) kill(pid_, sig);
  }

  // Waits for the child to end (reaping it); returns its wait status or -1 on timeout.
  int wait(int timeout_ms = 10000) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (pid_ > 0) {
      int status = 0;
      const pid_t r = waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        pid_ = -1;
        return status;
      }
      if (std::chrono::steady_clock::now() > deadline) return -1;
      usleep(2000);
    }
    return 0;
  }

  void stop() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
    if (fd_ >= 0) {
      close(fd_);
      fd_ = -1;
    }
  }

 private:
  Child() = default;
  pid_t pid_ = -1;
  int fd_ = -1;
  std::string buffer_;
};

struct FieldFact {
  uint64_t offset = 0;
  uint64_t size = 0;
};

// debug_target.c running, with the facts it printed at start.
struct Target {
  std::unique_ptr<Child> child;
  pid_t pid = 0;
  uint64_t state = 0;  // &g_state
  uint64_t state_size = 0;
  uint64_t pages = 0;  // 4 pages: rw, unmapped, PROT_NONE, rw (filled with 0x5a)
  uint64_t heap = 0;   // 256 bytes 0, 1, ..., 255
  uint64_t shm = 0;    // 64 KiB MAP_SHARED of the POSIX shm object shm_name (0x33 bytes)
  std::string shm_name;
  std::map<std::string, FieldFact> fields;

  // The debuggee unlinks its shm object only when it exits normally.
  ~Target() {
    child.reset();
    if (!shm_name.empty()) shm_unlink(shm_name.c_str());
  }

  static std::unique_ptr<Target> start() {
    auto t = std::make_unique<Target>();
    t->child = Child::spawn({MEMVIEW_DEBUG_TARGET}, false);
    if (!t->child) return nullptr;
    t->pid = t->child->pid();
    for (;;) {
      std::optional<std::string> l = t->child->line();
      if (!l) return nullptr;
      std::istringstream in(*l);
      std::string what;
      in >> what;
      if (what == "ready") break;
      if (what == "state") {
        in >> std::hex >> t->state >> std::dec >> t->state_size;
      } else if (what == "pages") {
        in >> std::hex >> t->pages;
      } else if (what == "heap") {
        in >> std::hex >> t->heap;
      } else if (what == "shm") {
        in >> std::hex >> t->shm >> std::dec >> t->shm_name;
      } else if (what == "offset") {
        std::string name;
        FieldFact f;
        in >> name >> f.offset >> f.size;
        t->fields[name] = f;
      }
    }
    return t;
  }

  uint64_t field(const std::string& name) const { return state + fields.at(name).offset; }
  std::string range_spec() const {
    std::ostringstream s;
    s << "pid:" << pid << "@0x" << std::hex << state << "+" << std::dec << state_size;
    return s.str();
  }
};

// gdbserver --attach 127.0.0.1:0 PID; the port is read from its "Listening on port N".
struct GdbServer {
  std::unique_ptr<Child> child;
  int port = 0;

  static std::unique_ptr<GdbServer> attach(pid_t pid) {
    auto g = std::make_unique<GdbServer>();
    g->child = Child::spawn({"gdbserver", "--attach", "127.0.0.1:0", std::to_string(pid)}, true);
    if (!g->child) return nullptr;
    std::optional<std::string> l = g->child->line_starting("Listening on port", 20000);
    if (!l) return nullptr;
    g->port = std::atoi(l->c_str() + std::strlen("Listening on port"));
    return g->port > 0 ? std::move(g) : nullptr;
  }
  std::string spec(const std::string& suffix = {}) const {
    return "gdb:127.0.0.1:" + std::to_string(port) + suffix;
  }
};

inline bool have_program(const char* name) {
  const std::string cmd = std::string("command -v ") + name + " >/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0;
}

}  // namespace memview::test
