// See mark_exec.h.
#include "mark_exec.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <utility>
#include <vector>

#if defined(_WIN32)
#include <stdlib.h>
#else
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#endif

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "memview/json_bytes.h"
#include "memview/text_bytes.h"

namespace memview::cli {

MarkExec::MarkExec(std::string command, std::string recording_path)
    : command_(std::move(command)), recording_(std::move(recording_path)) {
  thread_ = std::thread([this] { loop(); });
}

MarkExec::~MarkExec() {
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    quit_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void MarkExec::post(const RecordingEvent& mark, uint64_t index) {
  Job job;
  const double t_s = static_cast<double>(mark.t_ns) / 1e9;
  job.t_s = fmt::format("{:.9f}", t_s);
  job.text = printable_text(mark.text);
  job.index = std::to_string(index);
  const nlohmann::json event = {{"event", "mark"},
                                {"text", json_from_bytes(mark.text)},
                                {"t_s", t_s},
                                {"marks", index},
                                {"file", json_from_bytes(recording_)}};
  job.json = json_dump(event) + "\n";
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (queue_.size() >= kMaxQueued) {
      ++skipped_;
      return;
    }
    queue_.push_back(std::move(job));
  }
  wake_.notify_one();
}

void MarkExec::drain(const std::function<bool()>& give_up) {
  std::unique_lock<std::mutex> lock(mutex_);
  while ((!queue_.empty() || running_) && !give_up()) {
    idle_.wait_for(lock, std::chrono::milliseconds(100));
  }
}

uint64_t MarkExec::ran() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return ran_;
}

uint64_t MarkExec::skipped() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return skipped_;
}

void MarkExec::loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return quit_ || !queue_.empty(); });
    if (quit_) return;
    Job job = std::move(queue_.front());
    queue_.pop_front();
    running_ = true;
    lock.unlock();
    run_one(job);
    lock.lock();
    running_ = false;
    ++ran_;
    idle_.notify_all();
  }
}

#if defined(_WIN32)

void MarkExec::run_one(const Job& job) const {
  // Only this thread sets these variables, and nothing else in the CLI reads them.
  _putenv_s("MEMVIEW_MARK_T_S", job.t_s.c_str());
  _putenv_s("MEMVIEW_MARK_TEXT", job.text.c_str());
  _putenv_s("MEMVIEW_MARK_INDEX", job.index.c_str());
  _putenv_s("MEMVIEW_RECORDING", recording_.c_str());
  std::FILE* p = _popen(command_.c_str(), "w");
  if (!p) return;
  std::fwrite(job.json.data(), 1, job.json.size(), p);
  _pclose(p);
}

#else

void MarkExec::run_one(const Job& job) const {
  std::vector<std::string> env_strings = {
      "MEMVIEW_MARK_T_S=" + job.t_s, "MEMVIEW_MARK_TEXT=" + job.text,
      "MEMVIEW_MARK_INDEX=" + job.index, "MEMVIEW_RECORDING=" + recording_};
  size_t inherited = 0;
  for (char** e = environ; e && *e; ++e) ++inherited;
  std::vector<char*> envp;
  envp.reserve(env_strings.size() + inherited + 1);
  for (std::string& s : env_strings) envp.push_back(s.data());
  for (char** e = environ; e && *e; ++e) {
    const std::string_view v(*e);
    if (v.rfind("MEMVIEW_MARK_", 0) != 0 && v.rfind("MEMVIEW_RECORDING=", 0) != 0) {
      envp.push_back(*e);
    }
  }
  envp.push_back(nullptr);
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[0], 0);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // The CLI ignores SIGPIPE (a closed stdout is an error there); the command gets the default.
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
  std::string sh = "/bin/sh";
  std::string dash_c = "-c";
  std::string command = command_;
  char* argv[] = {sh.data(), dash_c.data(), command.data(), nullptr};
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, "/bin/sh", &actions, &attr, argv, envp.data());
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[0]);
  if (rc == 0) {
    // A command that does not read its stdin closes the pipe: EPIPE, not a signal (ignored).
    size_t done = 0;
    while (done < job.json.size()) {
      const ssize_t n = write(fds[1], job.json.data() + done, job.json.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
  }
  close(fds[1]);
  if (rc != 0) return;
  // Poll, so that a command still running when the CLI gives up waiting does not hold the
  // CLI: quit_ is checked between polls.
  for (;;) {
    int status = 0;
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid || (r < 0 && errno != EINTR)) return;
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      if (quit_) return;
    }
    usleep(5000);
  }
}

#endif

}  // namespace memview::cli
