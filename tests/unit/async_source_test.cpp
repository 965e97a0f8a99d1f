// AsyncSource: a source whose I/O runs on a worker, read and edited by a caller that never
// waits. Behind it: a real POSIX shm object another "process" (the test's own mapping)
// changes, and real TCP sockets on 127.0.0.1 that refuse or never answer.
#include "memview/async_source.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

#include <fmt/format.h>

#include "memview/clock.h"
#include "memview/editor.h"
#include "memview/poller.h"
#include "memview/source_spec.h"
#include "peer_shm.h"

namespace memview {
namespace {

using testing::PeerShm;

constexpr int64_t kMs = 1'000'000;

std::unique_ptr<AsyncSource> open_async(const std::string& spec) {
  Result<SourceSpec> parsed = parse_source_spec(spec);
  EXPECT_TRUE(parsed.ok());
  return AsyncSource::open(*parsed, {});
}

// Polls `ranges` (as a frame would, every 2 ms) until `done` or 10 s; returns done().
bool poll_until(Poller& poller, const std::vector<ByteRange>& ranges,
                const std::function<bool()>& done, std::vector<SourceEvent>* events = nullptr) {
  const int64_t deadline = now_ns() + 10'000 * kMs;
  while (now_ns() < deadline) {
    for (const ByteRange& r : ranges) poller.request(r);
    Poller::PollResult r = poller.poll(now_ns());
    if (events) events->insert(events->end(), r.events.begin(), r.events.end());
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return done();
}

// Collects the editor's outcomes (polling in between) until `n` edits have ended.
std::vector<EditOutcome> collect(Editor& editor, Poller& poller, size_t n) {
  std::vector<EditOutcome> all;
  poll_until(poller, {}, [&] {
    for (EditOutcome& o : editor.collect()) all.push_back(std::move(o));
    return all.size() >= n;
  });
  return all;
}

// A TCP listener on 127.0.0.1 that accepts connections and never says anything.
class SilentPeer {
 public:
  SilentPeer() {
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
  ~SilentPeer() {
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

TEST(AsyncSource, ServesWhatTheWorkerFetchedAndFetchesWhatWasAsked) {
  PeerShm peer(8192);
  ASSERT_TRUE(peer.ok());
  for (size_t i = 0; i < 8192; ++i) peer.bytes()[i] = static_cast<std::byte>(i * 7);
  auto src = open_async(peer.spec());

  // Before its worker opened anything: not writable, says so, reads nothing.
  EXPECT_FALSE(src->info().writable);
  EXPECT_NE(src->info().status.find("connecting"), std::string::npos) << src->info().status;
  std::vector<std::byte> out(16, std::byte{0xee});
  ReadOutcome r = src->read(0, out);
  ASSERT_EQ(r.unreadable.size(), 1u);
  EXPECT_EQ(r.unreadable[0], (ByteRange{0, 16}));
  EXPECT_NE(r.message.find("connecting"), std::string::npos) << r.message;
  EXPECT_EQ(out[0], std::byte{0xee}) << "unreadable bytes are left as they were";

  Poller poller(*src);
  ASSERT_TRUE(poll_until(poller, {{0, 4096}}, [&] { return poller.tracker().known(4095); }));
  EXPECT_TRUE(src->opened());
  EXPECT_TRUE(src->info().writable);
  EXPECT_EQ(src->info().size, 8192u);
  for (uint64_t a : {0u, 1u, 100u, 4095u}) {
    EXPECT_EQ(poller.tracker().value(a), static_cast<std::byte>(a * 7)) << a;
  }
  // A range nobody asked for has not been read: unreadable, waiting; bytes left alone.
  std::vector<std::byte> second(16, std::byte{0xee});
  r = src->read(6000, second);
  ASSERT_EQ(r.unreadable.size(), 1u);
  EXPECT_NE(r.message.find("waiting"), std::string::npos) << r.message;
  EXPECT_EQ(second[0], std::byte{0xee});
  // Half fetched, half not: the fetched half is served.
  std::vector<std::byte> straddle(32, std::byte{0xee});
  r = src->read(4096 - 16, straddle);
  ASSERT_EQ(r.unreadable.size(), 1u);
  EXPECT_EQ(r.unreadable[0], (ByteRange{4096, 16}));
  EXPECT_EQ(straddle[0], static_cast<std::byte>((4096 - 16) * 7));
  EXPECT_EQ(straddle[16], std::byte{0xee});

  // Once asked, it is the worker's next fetch.
  ASSERT_TRUE(poll_until(poller, {{6000, 16}}, [&] { return poller.tracker().known(6015); }));
  EXPECT_EQ(poller.tracker().value(6000), static_cast<std::byte>(6000 * 7));

  // Another process changes a byte: it arrives as a change.
  peer.bytes()[100] = std::byte{0x5c};
  ASSERT_TRUE(poll_until(poller, {{0, 4096}},
                         [&] { return poller.tracker().value(100) == std::byte{0x5c}; }));
  EXPECT_NE(poller.tracker().changed_ns(100), 0);
}

TEST(AsyncSource, EditsArePendingThenEndWithTheWorkersExactJournal) {
  PeerShm peer(4096);
  ASSERT_TRUE(peer.ok());
  auto src = open_async(peer.spec());
  Poller poller(*src);
  Editor editor(*src, &poller.tracker());
  ASSERT_TRUE(poll_until(poller, {{0, 64}}, [&] { return poller.tracker().known(63); }));

  // Someone else writes just before we do; the caller has not seen it yet.
  peer.bytes()[10] = std::byte{0x77};
  const std::byte mine[] = {std::byte{0x42}, std::byte{0x43}};
  ASSERT_TRUE(editor.write(10, mine).ok());
  EXPECT_EQ(editor.pending(), 1u);
  ASSERT_TRUE(editor.can_undo());  // the journal expected meanwhile
  EXPECT_EQ(editor.undo_stack().back().before[0], std::byte{0}) << "predicted from the cache";

  std::vector<EditOutcome> done = collect(editor, poller, 1);
  ASSERT_EQ(done.size(), 1u);
  ASSERT_TRUE(done[0].status.ok()) << done[0].status.error().message;
  EXPECT_EQ(editor.pending(), 0u);
  EXPECT_EQ(peer.bytes()[10], std::byte{0x42});
  EXPECT_EQ(peer.bytes()[11], std::byte{0x43});
  // The journal now holds what was really there when the worker wrote.
  ASSERT_EQ(editor.undo_stack().size(), 1u);
  EXPECT_EQ(editor.undo_stack().back().before,
            (std::vector<std::byte>{std::byte{0x77}, std::byte{0}}));
  // Our bytes are marked ours, not someone else's change.
  EXPECT_TRUE(poller.tracker().flags(10) & kOwnEdit);
  const int64_t stamp = poller.tracker().changed_ns(10);
  ASSERT_TRUE(poll_until(poller, {{0, 64}}, [&] { return true; }));
  EXPECT_EQ(poller.tracker().changed_ns(10), stamp);

  // Undo: pending, then the bytes the worker read back in place.
  ASSERT_TRUE(editor.undo().ok());
  EXPECT_TRUE(editor.can_redo());
  done = collect(editor, poller, 1);
  ASSERT_EQ(done.size(), 1u);
  ASSERT_TRUE(done[0].status.ok()) << done[0].status.error().message;
  EXPECT_EQ(peer.bytes()[10], std::byte{0x77});
  EXPECT_EQ(peer.bytes()[11], std::byte{0});

  // Redo, then someone else overwrites our bytes: the undo is refused and writes nothing.
  ASSERT_TRUE(editor.redo().ok());
  done = collect(editor, poller, 1);
  ASSERT_TRUE(done.size() == 1 && done[0].status.ok());
  EXPECT_EQ(peer.bytes()[10], std::byte{0x42});
  peer.bytes()[11] = std::byte{0x99};
  ASSERT_TRUE(editor.undo().ok());
  done = collect(editor, poller, 1);
  ASSERT_EQ(done.size(), 1u);
  ASSERT_FALSE(done[0].status.ok());
  EXPECT_EQ(done[0].status.error().code, Errc::changed);
  EXPECT_EQ(peer.bytes()[10], std::byte{0x42});
  EXPECT_EQ(peer.bytes()[11], std::byte{0x99});
  // The refused entry stays for the user to decide, as in place.
  EXPECT_TRUE(editor.can_undo());
  EXPECT_FALSE(editor.can_redo());

  // Several edits in a row run in order, each with one outcome.
  for (unsigned i = 0; i < 5; ++i) {
    const std::byte b[] = {static_cast<std::byte>(0xa0 + i)};
    ASSERT_TRUE(editor.write(20 + i, b).ok());
  }
  EXPECT_EQ(editor.pending(), 5u);
  done = collect(editor, poller, 5);
  ASSERT_EQ(done.size(), 5u);
  for (unsigned i = 0; i < 5; ++i) {
    EXPECT_TRUE(done[i].status.ok());
    EXPECT_EQ(done[i].request.address, 20u + i);
    EXPECT_EQ(peer.bytes()[20 + i], static_cast<std::byte>(0xa0 + i));
  }
  EXPECT_EQ(editor.undo_stack().size(), 6u);

  // What the Editor refuses at once stays at once: outside the object.
  const std::byte one[] = {std::byte{1}};
  EXPECT_FALSE(editor.write(4096, one).ok());
  EXPECT_EQ(editor.pending(), 0u);
}

TEST(AsyncSource, RefreshReportsWhatTheWorkerSaw) {
  PeerShm peer(8192);
  ASSERT_TRUE(peer.ok());
  auto src = open_async(peer.spec());
  Poller poller(*src);
  ASSERT_TRUE(poll_until(poller, {{0, 64}}, [&] { return src->opened(); }));
  std::vector<SourceEvent> events;
  ASSERT_TRUE(peer.truncate(4096));
  ASSERT_TRUE(poll_until(
      poller, {{0, 64}}, [&] { return !events.empty(); }, &events));
  EXPECT_EQ(events[0].kind, SourceEvent::Kind::resized);
  EXPECT_EQ(src->info().size, 4096u) << "the info that goes with the event";
  events.clear();
  ASSERT_TRUE(peer.unlink());
  ASSERT_TRUE(poll_until(
      poller, {{0, 64}}, [&] { return !events.empty(); }, &events));
  EXPECT_EQ(events[0].kind, SourceEvent::Kind::removed);
}

TEST(AsyncSource, LocalSourcesOpenDirectly) {
  PeerShm peer(4096);
  ASSERT_TRUE(peer.ok());
  Result<SourcePtr> src = open_source_nonblocking(peer.spec());
  ASSERT_TRUE(src.ok()) << src.error().message;
  EXPECT_EQ(dynamic_cast<AsyncSource*>(src->get()), nullptr);
  EXPECT_EQ((*src)->edit_queue(), nullptr);
  EXPECT_FALSE(open_source_nonblocking("gdb:host:0").ok()) << "a bad spec fails at once";
}

TEST(AsyncSource, ASilentStubNeverBlocksTheCaller) {
  SilentPeer stub;
  ASSERT_TRUE(stub.ok());
  int64_t t0 = now_ns();
  Result<SourcePtr> opened = open_source_nonblocking(stub.spec());
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_LT(now_ns() - t0, 200 * kMs);
  Source& src = **opened;
  ASSERT_NE(dynamic_cast<AsyncSource*>(&src), nullptr) << "gdb: states blocking_io";
  EXPECT_NE(src.info().name.find("connecting"), std::string::npos) << src.info().name;

  // The worker waits up to 2 s for the stub's first reply; the caller never does.
  Poller poller(src);
  Editor editor(src, &poller.tracker());
  int64_t slowest = 0;
  int polls = 0;
  const int64_t until = now_ns() + 1000 * kMs;
  while (now_ns() < until) {
    poller.request({0x1000, 256});
    const int64_t a = now_ns();
    (void)poller.poll(a);
    slowest = std::max(slowest, now_ns() - a);
    ++polls;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  EXPECT_GT(polls, 50);
  EXPECT_LT(slowest, 100 * kMs) << "a poll waited on the link";
  EXPECT_NE(src.info().status.find("waiting"), std::string::npos) << src.info().status;
  std::vector<std::byte> out(4);
  ReadOutcome r = src.read(0x1000, out);
  EXPECT_FALSE(r.complete());
  EXPECT_NE(r.message.find("connecting"), std::string::npos) << r.message;
  // No edit can be queued before the source is open.
  const std::byte b[] = {std::byte{1}};
  Status w = editor.write(0x1000, b);
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.error().message.find("not connected"), std::string::npos) << w.error().message;

  // Dropping it while its worker is inside the wait returns at once.
  t0 = now_ns();
  opened = make_error(Errc::io, "dropped");
  EXPECT_LT(now_ns() - t0, 200 * kMs);
}

TEST(AsyncSource, AFailedOpenIsADisconnectWithTheReason) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const int port = ntohs(addr.sin_port);
  close(fd);  // bound, never listened: connections are refused
  Result<SourcePtr> opened = open_source_nonblocking(fmt::format("gdb:127.0.0.1:{}", port));
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  Poller poller(**opened);
  std::vector<SourceEvent> events;
  ASSERT_TRUE(poll_until(
      poller, {{0, 16}}, [&] { return !events.empty(); }, &events));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, SourceEvent::Kind::disconnected);
  EXPECT_NE(events[0].message.find("refused"), std::string::npos) << events[0].message;
  EXPECT_TRUE(poller.source_gone());
  const SourceInfo& info = (*opened)->info();
  EXPECT_FALSE(info.writable);
  EXPECT_NE(info.read_only_reason.find("refused"), std::string::npos) << info.read_only_reason;
  EXPECT_TRUE(info.status.empty()) << info.status;
  std::vector<std::byte> out(4);
  ReadOutcome r = (*opened)->read(0, out);
  EXPECT_NE(r.message.find("refused"), std::string::npos) << r.message;
}

}  // namespace
}  // namespace memview
