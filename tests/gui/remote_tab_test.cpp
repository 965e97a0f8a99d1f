// gdb: tabs in real headless frames of the viewer: the stub's I/O runs on a worker, so a
// stub that never answers leaves the frame at full speed, a real gdbserver's target is
// read and edited through the same path, and a stub killed mid-session is a banner.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "gui_test_support.h"
#include "memview/async_source.h"
#include "target_process.h"
#include "views/status_bar.h"

namespace memview::gui::testing {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// A TCP listener on 127.0.0.1 that accepts connections and never sends a byte.
class SilentStub {
 public:
  SilentStub() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    ok_ = bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
          getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0 && listen(fd_, 4) == 0;
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
      for (;;) {
        const int c = accept(fd_, nullptr, nullptr);
        if (c < 0) return;
        accepted_.push_back(c);
      }
    });
  }
  ~SilentStub() {
    shutdown(fd_, SHUT_RDWR);
    thread_.join();
    close(fd_);
    for (int c : accepted_) close(c);
  }
  bool ok() const { return ok_; }
  std::string spec() const { return fmt::format("gdb:127.0.0.1:{}", port_); }

 private:
  bool ok_ = false;
  int fd_ = -1;
  int port_ = 0;
  std::vector<int> accepted_;
  std::thread thread_;
};

// The tab opened last (selected from the next frame on).
Session& tab(AppHarness& h) {
  Session* s = h.app.last_opened();
  if (!s) {
    ADD_FAILURE() << "no tab opened";
    std::abort();
  }
  return *s;
}

// What the status bar shows for that tab.
std::vector<std::string> status_of(AppHarness& h) {
  Session& s = tab(h);
  StatusBarInput in;
  in.info = &s.info();
  in.hex = &s.hex;
  in.gone = s.poller->source_gone();
  in.gone_kind = s.banner.kind;
  in.pending_edits = s.editor->pending();
  return status_fields(in);
}

bool any_contains(const std::vector<std::string>& fields, const std::string& what) {
  return std::any_of(fields.begin(), fields.end(),
                     [&](const std::string& f) { return f.find(what) != std::string::npos; });
}

// The median wall time of a headless frame with a local shm tab: the same harness's
// floor, so that the limit below holds in sanitizer builds too.
double local_frame_ms() {
  ShmObject obj(4096, "remote-floor");
  AppHarness h;
  if (!obj.ok() || !h.app.open(obj.spec()).ok()) return 0;
  h.frames(10);
  std::vector<double> t;
  for (int i = 0; i < 60; ++i) {
    const auto t0 = Clock::now();
    h.frame();
    t.push_back(ms_since(t0));
  }
  return median(t);
}

TEST(RemoteTab, AStubThatNeverAnswersLeavesTheFrameAtFullSpeed) {
  const double floor_ms = local_frame_ms();
  // 5 ms in an optimised build (where a frame takes well under 1 ms); a sanitizer build's
  // frames are slower, so never less than 3x the same harness's local frame.
  const double limit_ms = std::max(5.0, 3 * floor_ms);
  SilentStub stub;
  ASSERT_TRUE(stub.ok());
  AppHarness h;
  const auto t0 = Clock::now();
  Status st = h.app.open(stub.spec());
  const double open_ms = ms_since(t0);
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_LT(open_ms, 250) << "opening waited on the link";
  EXPECT_NE(tab(h).info().name.find("connecting"), std::string::npos);

  // The stub's first reply never comes: the worker waits 2 s for it, the frames do not.
  std::vector<double> waiting_frames;
  const auto start = Clock::now();
  while (ms_since(start) < 1700) {
    const auto f0 = Clock::now();
    h.frame();
    const double took = ms_since(f0);
    if (any_contains(status_of(h), "waiting")) waiting_frames.push_back(took);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_GE(waiting_frames.size(), 100u) << "the status said it was waiting in too few frames";
  const double slowest = *std::max_element(waiting_frames.begin(), waiting_frames.end());
  std::printf("frames while waiting: %zu, median %.3f ms, slowest %.3f ms (local floor %.3f ms)\n",
              waiting_frames.size(), median(waiting_frames), slowest, floor_ms);
  EXPECT_LT(median(waiting_frames), limit_ms)
      << "local floor " << floor_ms << " ms; " << waiting_frames.size() << " frames";
  // Any frame that waited on the link would take 2 s (the reply timeout).
  EXPECT_LT(slowest, 250.0);
  EXPECT_GT(tab(h).hex.unreadable_bytes, 0) << "nothing read yet: shown as unreadable";

  // Then the open fails: a banner says why, and the viewer runs on.
  ASSERT_TRUE(frames_until(h, [&] { return tab(h).banner.visible; }));
  EXPECT_TRUE(tab(h).banner.gone);
  EXPECT_NE(tab(h).banner.message.find("remote protocol"), std::string::npos)
      << tab(h).banner.message;
  EXPECT_FALSE(any_contains(status_of(h), "waiting"));
  h.frames(5);
}

#define REQUIRE_GDBSERVER()                                               \
  if (!memview::test::have_program("gdbserver")) {                        \
    GTEST_SKIP() << "gdbserver not installed (run scripts/install-deps)"; \
  }

struct Debugged {
  std::unique_ptr<memview::test::Target> target;
  std::unique_ptr<memview::test::GdbServer> server;
  SourcePtr local;  // the same memory through /proc: what the target really holds

  uint8_t byte_at(uint64_t address) {
    std::byte b{0xee};
    std::span<std::byte> one(&b, 1);
    EXPECT_TRUE(local->read(address, one).complete());
    return static_cast<uint8_t>(b);
  }
};

Debugged start_debugged() {
  Debugged d;
  d.target = memview::test::Target::start();
  if (!d.target) return d;
  d.server = memview::test::GdbServer::attach(d.target->pid);
  Result<SourcePtr> local = open_source(d.target->range_spec());
  if (local.ok()) d.local = std::move(local.value());
  return d;
}

// Opens the target's struct through its stub and waits until all of it was read.
void open_state(AppHarness& h, Debugged& d) {
  const memview::test::Target& t = *d.target;
  ASSERT_TRUE(h.app.open(d.server->spec(fmt::format("@0x{:x}+{}", t.state, t.state_size))).ok());
  ASSERT_TRUE(frames_until(h, [&] {
    const ChangeTracker& tr = tab(h).poller->tracker();
    return tr.known(t.state) && tr.known(t.state + t.state_size - 1) &&
           !(tr.flags(t.state) & kUnreadable);
  }));
}

TEST(RemoteTab, ARealGdbserverTargetIsReadAndEditedWithoutWaiting) {
  REQUIRE_GDBSERVER();
  Debugged d = start_debugged();
  ASSERT_TRUE(d.target && d.server && d.local);
  const memview::test::Target& t = *d.target;
  AppHarness h;
  open_state(h, d);
  Session& s = tab(h);
  EXPECT_TRUE(s.info().writable);
  EXPECT_TRUE(s.info().status.empty()) << s.info().status;
  // Every byte as the target holds it (gdbserver keeps it stopped: nothing moves).
  for (uint64_t a = t.state; a < t.state + t.state_size; ++a) {
    ASSERT_EQ(static_cast<uint8_t>(s.poller->tracker().value(a)), d.byte_at(a)) << a - t.state;
  }
  EXPECT_EQ(s.poller->tracker().value(t.field("magic")), std::byte{0x56});

  // Typed into the grid: the write runs on the worker, then shows as ours.
  const uint64_t command = t.field("command");
  h.goto_offset(fmt::format("0x{:x}", command));
  ASSERT_EQ(tab(h).hex.cursor, command);
  h.type("2a");
  ASSERT_TRUE(frames_until(h, [&] { return s.editor->pending() == 0; }));
  EXPECT_EQ(d.byte_at(command), 0x2a);
  EXPECT_FALSE(tab(h).hex.message_is_error) << tab(h).hex.message;
  EXPECT_NE(tab(h).hex.message.find("wrote 1 byte at"), std::string::npos) << tab(h).hex.message;
  EXPECT_TRUE(s.poller->tracker().flags(command) & kOwnEdit);
  ASSERT_EQ(s.editor->undo_stack().size(), 1u);
  EXPECT_EQ(s.editor->undo_stack().back().before, std::vector<std::byte>{std::byte{0}});

  // An edit is pending until the worker ran it; the status bar says so meanwhile.
  const std::byte value[] = {std::byte{0x11}, std::byte{0x22}};
  ASSERT_TRUE(s.editor->write(t.field("values"), value).ok());
  EXPECT_EQ(s.editor->pending(), 1u);
  EXPECT_TRUE(any_contains(status_of(h), "1 edit pending"));
  ASSERT_TRUE(frames_until(h, [&] { return s.editor->pending() == 0; }));
  EXPECT_FALSE(any_contains(status_of(h), "pending"));
  EXPECT_EQ(d.byte_at(t.field("values")), 0x11);
  EXPECT_EQ(d.byte_at(t.field("values") + 1), 0x22);
  ASSERT_TRUE(frames_until(
      h, [&] { return s.poller->tracker().value(t.field("values") + 1) == std::byte{0x22}; }));

  // Undo puts back what was there.
  h.ctrl(GLFW_KEY_Z);
  ASSERT_TRUE(frames_until(h, [&] { return s.editor->pending() == 0; }));
  EXPECT_FALSE(tab(h).hex.message_is_error) << tab(h).hex.message;
  EXPECT_EQ(d.byte_at(t.field("values")), 10);  // values[0] = 10
  EXPECT_EQ(d.byte_at(t.field("values") + 1), 0);

  // Someone else changes the byte we wrote: undoing our write is refused, nothing is
  // written over their byte.
  const std::byte theirs[] = {std::byte{0x77}};
  ASSERT_TRUE(d.local->write(command, theirs).ok());
  h.ctrl(GLFW_KEY_Z);
  ASSERT_TRUE(frames_until(h, [&] { return s.editor->pending() == 0; }));
  EXPECT_TRUE(tab(h).hex.message_is_error);
  EXPECT_NE(tab(h).hex.message.find("undo refused"), std::string::npos) << tab(h).hex.message;
  EXPECT_NE(tab(h).hex.message.find("changed by someone else"), std::string::npos)
      << tab(h).hex.message;
  EXPECT_EQ(d.byte_at(command), 0x77);
  EXPECT_TRUE(s.editor->can_undo()) << "the refused entry stays";
  // The grid shows their byte once fetched.
  ASSERT_TRUE(frames_until(h, [&] { return s.poller->tracker().value(command) == theirs[0]; }));
}

TEST(RemoteTab, AStubKilledMidSessionIsADisconnectBanner) {
  REQUIRE_GDBSERVER();
  Debugged d = start_debugged();
  ASSERT_TRUE(d.target && d.server && d.local);
  const memview::test::Target& t = *d.target;
  AppHarness h;
  open_state(h, d);
  Session& s = tab(h);
  d.server->child->signal(SIGKILL);
  d.server->child->wait();
  ASSERT_TRUE(frames_until(h, [&] { return s.banner.visible; }));
  EXPECT_TRUE(s.banner.gone);
  EXPECT_NE(s.banner.message.find("127.0.0.1"), std::string::npos) << s.banner.message;
  EXPECT_TRUE(s.poller->source_gone());
  // Still showing what was read last; the viewer keeps drawing frames.
  EXPECT_EQ(s.poller->tracker().value(t.field("magic")), std::byte{0x56});
  h.frames(10);
  // An edit now fails (pending, then refused), and says why.
  const std::byte b[] = {std::byte{1}};
  Status w = s.editor->write(t.field("command"), b);
  if (w.ok()) {
    ASSERT_TRUE(frames_until(h, [&] { return s.editor->pending() == 0; }));
    EXPECT_TRUE(tab(h).hex.message_is_error) << tab(h).hex.message;
  }
  EXPECT_EQ(d.byte_at(t.field("command")), 0);
}

}  // namespace
}  // namespace memview::gui::testing
