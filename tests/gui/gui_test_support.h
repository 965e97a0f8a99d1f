// Shared pieces of the GUI tests: a shared memory object the test owns, an independent
// peer process (python3's multiprocessing.shared_memory) that reads and writes it, and a
// harness that runs real frames of the App in a headless ImGui context.
#pragma once

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include <GLFW/glfw3.h>
#include <gtest/gtest.h>

#include "app.h"
#include "headless.h"
#include "memview/clock.h"

namespace memview::gui::testing {

inline std::string unique_name(const std::string& stem) {
  static std::atomic<int> counter{0};
  return "memview-gui-" + stem + "-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
}

// A POSIX shared memory object created with plain shm_open/mmap: the test's own view of
// the bytes, independent of memview's backend.
class ShmObject {
 public:
  explicit ShmObject(size_t size, const std::string& stem = "obj")
      : name_(unique_name(stem)), size_(size) {
    fd_ = shm_open(("/" + name_).c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd_ < 0) return;
    if (ftruncate(fd_, static_cast<off_t>(size)) != 0) return;
    void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
    if (p != MAP_FAILED) map_ = static_cast<unsigned char*>(p);
  }
  ~ShmObject() {
    if (map_) munmap(map_, size_);
    if (fd_ >= 0) close(fd_);
    if (!unlinked_) shm_unlink(("/" + name_).c_str());
  }
  ShmObject(const ShmObject&) = delete;
  ShmObject& operator=(const ShmObject&) = delete;

  bool ok() const { return map_ != nullptr; }
  const std::string& name() const { return name_; }  // without the leading '/'
  std::string spec() const { return "shm:" + name_; }
  unsigned char* bytes() { return map_; }
  size_t size() const { return size_; }
  bool truncate(size_t size) { return ftruncate(fd_, static_cast<off_t>(size)) == 0; }
  bool unlink() {
    unlinked_ = shm_unlink(("/" + name_).c_str()) == 0;
    return unlinked_;
  }

 private:
  std::string name_;
  size_t size_ = 0;
  int fd_ = -1;
  unsigned char* map_ = nullptr;
  bool unlinked_ = false;
};

// Runs python3 with a script; returns its stdout (trailing newline removed).
inline std::string run_python(const std::string& script, int* status = nullptr) {
  char path[] = "/tmp/memview-gui-peer-XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0) return "<mkstemp failed>";
  (void)!write(fd, script.data(), script.size());
  close(fd);
  const std::string cmd = std::string(MEMVIEW_PYTHON3) + " " + path + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  if (p) {
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
    const int st = pclose(p);
    if (status) *status = st;
  }
  unlink(path);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

// The peer attaches by name. Python's resource tracker would unlink an object it merely
// attached to when the peer exits, so the peer unregisters it.
inline std::string peer_prelude(const std::string& name) {
  return "from multiprocessing import shared_memory, resource_tracker\n"
         "shm = shared_memory.SharedMemory(name='" +
         name +
         "', create=False)\n"
         "resource_tracker.unregister(shm._name, 'shared_memory')\n";
}

// Bytes [offset, offset+n) as read by another process, as lowercase hex.
inline std::string peer_read_hex(const std::string& name, size_t offset, size_t n) {
  return run_python(peer_prelude(name) + "print(bytes(shm.buf[" + std::to_string(offset) + ":" +
                    std::to_string(offset + n) + "]).hex())\nshm.close()\n");
}

// One write of a logged peer (run_logged_writer): the monotonic times right before and
// right after it, and the value it wrote.
struct LoggedWrite {
  int64_t before_ns = 0;
  int64_t after_ns = 0;
  int value = 0;
};

// A python peer that, for each v of `values` in turn, stores the bytes of the Python
// expression `bytes_of_v` (in v) at shm.buf[begin:end] as one slice assignment (one memcpy)
// and sleeps `gap_ms`; returns its log of every write.
inline std::vector<LoggedWrite> run_logged_writer(const std::string& name,
                                                  const std::vector<int>& values, uint64_t begin,
                                                  uint64_t end, const std::string& bytes_of_v,
                                                  int gap_ms) {
  std::string list;
  for (int v : values) list += std::to_string(v) + ",";
  const std::string script =
      peer_prelude(name) + "import time, struct\nlog = []\nfor v in [" + list +
      "]:\n    data = " + bytes_of_v + "\n    t0 = time.monotonic_ns()\n    shm.buf[" +
      std::to_string(begin) + ":" + std::to_string(end) +
      "] = data\n    log.append((t0, time.monotonic_ns(), v))\n"
      "    time.sleep(" +
      std::to_string(gap_ms / 1000.0) + ")\nshm.close()\nfor t0, t1, v in log: print(t0, t1, v)\n";
  int status = -1;
  const std::string out = run_python(script, &status);
  EXPECT_EQ(status, 0) << out;
  std::vector<LoggedWrite> log;
  std::istringstream in(out);
  LoggedWrite w;
  while (in >> w.before_ns >> w.after_ns >> w.value) log.push_back(w);
  return log;
}

// The values the object may have held at monotonic time `mono` by a peer's log: the last
// write finished by then (`initial` before any), and one in progress at that instant (a
// sample may fall inside a write when the peer was descheduled in it).
inline std::vector<int> held_at(const std::vector<LoggedWrite>& log, int64_t mono,
                                int initial = 0) {
  int settled = initial;
  for (const LoggedWrite& w : log) {
    if (w.after_ns <= mono) settled = w.value;
  }
  std::vector<int> out{settled};
  for (const LoggedWrite& w : log) {
    if (w.before_ns <= mono && mono < w.after_ns) out.push_back(w.value);
  }
  return out;
}

// Another process writes hex bytes at offset.
inline void peer_write_hex(const std::string& name, size_t offset, const std::string& hex) {
  int status = -1;
  const std::string out =
      run_python(peer_prelude(name) + "data = bytes.fromhex('" + hex + "')\nshm.buf[" +
                     std::to_string(offset) + ":" + std::to_string(offset) +
                     "+len(data)] = data\nshm.close()\n",
                 &status);
  ASSERT_EQ(status, 0) << out;
}

// python3 creating a shared memory object with a marker and a heap buffer with another;
// prints "PID SHM_NAME BUFFER_ADDRESS" and lives until its stdin closes.
class PythonTarget {
 public:
  PythonTarget() {
    int in[2], out[2];
    if (pipe(in) != 0 || pipe(out) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(in[0], 0);
      dup2(out[1], 1);
      close(in[1]);
      close(out[0]);
      const char* script =
          "import ctypes, os, sys\n"
          "from multiprocessing import shared_memory\n"
          "shm = shared_memory.SharedMemory(create=True, size=65536)\n"
          "shm.buf[0:8] = b'REGIONS!'\n"
          "buf = ctypes.create_string_buffer(b'heap-marker-1234', 4096)\n"
          "print(os.getpid(), shm.name.lstrip('/'), ctypes.addressof(buf), flush=True)\n"
          "sys.stdin.read()\n"
          "shm.close()\n"
          "shm.unlink()\n";
      execl(MEMVIEW_PYTHON3, MEMVIEW_PYTHON3, "-c", script, static_cast<char*>(nullptr));
      _exit(127);
    }
    close(in[0]);
    close(out[1]);
    stdin_ = in[1];
    FILE* f = fdopen(out[0], "r");
    char line[512] = {};
    if (f && fgets(line, sizeof line, f)) {
      std::istringstream ss(line);
      ss >> target_pid_ >> shm_name_ >> buffer_;
    }
    if (f) fclose(f);
  }
  ~PythonTarget() { end(); }
  PythonTarget(const PythonTarget&) = delete;
  PythonTarget& operator=(const PythonTarget&) = delete;

  bool ok() const { return target_pid_ > 0 && !shm_name_.empty() && buffer_ != 0; }
  int64_t pid() const { return target_pid_; }
  const std::string& shm_name() const { return shm_name_; }
  uint64_t buffer() const { return buffer_; }
  // Closes its stdin: it unlinks its object and exits; waits for that.
  void end() {
    if (stdin_ >= 0) close(stdin_);
    stdin_ = -1;
    if (pid_ > 0) {
      int status = 0;
      waitpid(pid_, &status, 0);
    }
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
  int stdin_ = -1;
  int64_t target_pid_ = 0;
  std::string shm_name_;
  uint64_t buffer_ = 0;
};

// A temporary XDG config directory for one App.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/memview-gui-cfg-XXXXXX";
    const char* p = mkdtemp(tmpl);
    path_ = p ? p : "";
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Real frames of the App in a headless ImGui context, with a controllable clock (the
// change-highlight time base) that advances 1/60 s per frame.
class AppHarness {
 public:
  explicit AppHarness(ImVec2 display = ImVec2(1400, 900))
      : imgui(display), app(make_options(config)) {
    body = [this] {
      app.frame(now);
      now += kFrameNs;
    };
  }

  static constexpr int64_t kFrameNs = 16'666'667;

  void frame() { imgui.frame(body); }
  void frames(int n) {
    for (int i = 0; i < n; ++i) frame();
  }
  // Frames until every queued key has been delivered.
  int settle() { return imgui.frames_until_idle(body); }
  void type(const std::string& text) {
    imgui.type(text);
    settle();
  }
  void tap(int key) {
    imgui.tap(key);
    settle();
  }
  void ctrl(int key) {
    imgui.chord(GLFW_KEY_LEFT_CONTROL, key);
    settle();
  }
  void shift(int key) {
    imgui.chord(GLFW_KEY_LEFT_SHIFT, key);
    settle();
  }
  void goto_offset(const std::string& text) {
    ctrl(GLFW_KEY_G);
    type(text);
    tap(GLFW_KEY_ENTER);
  }
  Session& session() {
    Session* s = app.active_session();
    if (!s) {
      ADD_FAILURE() << "no active session";
      std::abort();
    }
    return *s;
  }
  HexViewState& hex() { return session().hex; }

  TempDir config;
  HeadlessImGui imgui;
  App app;
  int64_t now = memview::now_ns();
  std::function<void()> body;

 private:
  static AppOptions make_options(const TempDir& dir) {
    AppOptions o;
    o.config_dir = dir.path() + "/memview";
    return o;
  }
};

// Frames, with a short real pause after each (the workers run beside them, as beside a
// real frame loop), until pred() holds or `seconds` passed; returns whether it held.
template <class Pred>
bool frames_until(AppHarness& h, Pred pred, double seconds = 30.0) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    h.frame();
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return pred();
}

// Frames until the Open view's object list (read on a worker) holds `spec`.
inline bool frames_until_listed(AppHarness& h, const std::string& spec) {
  return frames_until(h, [&] {
    const auto& objects = h.app.open_view.objects;
    return std::any_of(objects.begin(), objects.end(),
                       [&](const DiscoveredObject& o) { return o.spec == spec; });
  });
}

// An overlay of `type` declared by the C text `decls` at `address` of the active tab, once
// its parse ended: ready, or failed with its error() (the caller asserts which).
inline Overlay* overlay_from_text(AppHarness& h, const std::string& decls, const std::string& type,
                                  uint64_t address, const std::string& title = "") {
  DeclOrigin origin;
  origin.kind = DeclOrigin::Kind::text;
  origin.text = decls;
  Overlay* o = h.app.add_overlay(h.session(), origin, type, address, 1, title);
  if (o == nullptr) return nullptr;
  frames_until(h, [&] {
    return o->state() == Overlay::State::ready || o->state() == Overlay::State::failed;
  });
  return o;
}

}  // namespace memview::gui::testing
