// The pid: source against a real, running debuggee (debug_target.c).
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "memview/poller.h"
#include "memview/process_maps.h"
#include "memview/source_spec.h"
#include "target_process.h"

namespace memview {
namespace {

using test::Target;

template <class T>
T load(const std::vector<std::byte>& bytes, uint64_t offset) {
  T v{};
  std::memcpy(&v, bytes.data() + offset, sizeof v);
  return v;
}

template <class T>
std::span<const std::byte> as_bytes_of(const T& v) {
  return std::as_bytes(std::span<const T>(&v, 1));
}

SourcePtr open_ok(const std::string& spec) {
  Result<SourcePtr> s = open_source(spec);
  EXPECT_TRUE(s.ok()) << spec << ": " << (s.ok() ? "" : s.error().message);
  return s.ok() ? std::move(s.value()) : nullptr;
}

TEST(ProcessSource, ReadsTheGlobalStructWhileItRuns) {
  auto t = Target::start();
  ASSERT_TRUE(t);
  SourcePtr src = open_ok(t->range_spec());
  ASSERT_TRUE(src);
  EXPECT_EQ(src->info().kind, "pid");
  EXPECT_EQ(src->info().base, t->state);
  EXPECT_EQ(src->info().size, t->state_size);
  EXPECT_TRUE(src->info().writable);

  std::vector<std::byte> bytes(t->state_size);
  ReadOutcome r = src->read(t->state, bytes);
  ASSERT_TRUE(r.complete()) << r.message;
  EXPECT_EQ(load<uint32_t>(bytes, t->fields["magic"].offset), 0x4d454d56u);
  EXPECT_STREQ(reinterpret_cast<const char*>(bytes.data() + t->fields["name"].offset),
               "memview-target");
  EXPECT_EQ(load<int32_t>(bytes, t->fields["values"].offset + 8), 30);
  EXPECT_EQ(load<uint64_t>(bytes, t->fields["self"].offset), t->state);

  // The process keeps running: its counter moves between two reads (waiting up to 5 s for
  // the scheduler on a busy machine).
  const uint64_t c1 = load<uint64_t>(bytes, t->fields["counter"].offset);
  uint64_t c2 = c1;
  for (int i = 0; i < 500 && c2 == c1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ASSERT_TRUE(src->read(t->state, bytes).complete());
    c2 = load<uint64_t>(bytes, t->fields["counter"].offset);
  }
  EXPECT_GT(c2, c1);
}

TEST(ProcessSource, WholeAddressSpaceIsAddressedByVirtualAddresses) {
  auto t = Target::start();
  ASSERT_TRUE(t);
  SourcePtr src = open_ok(fmt::format("pid:{}", t->pid));
  ASSERT_TRUE(src);
  EXPECT_EQ(src->info().base, 0u);
  EXPECT_GE(src->info().size, uint64_t{1} << 47);
  std::vector<std::byte> bytes(4);
  ASSERT_TRUE(src->read(t->field("magic"), bytes).complete());
  EXPECT_EQ(load<uint32_t>(bytes, 0), 0x4d454d56u);

  // The first page is never mapped: unreadable, and the buffer is left as it was.
  std::vector<std::byte> low(64, std::byte{0xaa});
  ReadOutcome r = src->read(0, low);
  ASSERT_EQ(r.unreadable.size(), 1u);
  EXPECT_EQ(r.unreadable[0], (ByteRange{0, 64}));
  EXPECT_FALSE(r.message.empty());
  for (std::byte b : low) EXPECT_EQ(b, std::byte{0xaa});
}

TEST(ProcessSource, HolesAreUnreadableNeverZeros) {
  auto t = Target::start();
  ASSERT_TRUE(t);
  SourcePtr src = open_ok(fmt::format("pid:{}", t->pid));
  ASSERT_TRUE(src);
  // rw | unmapped | PROT_NONE | rw
  std::vector<std::byte> bytes(size_t{4} * 4096, std::byte{0xaa});
  ReadOutcome r = src->read(t->pages, bytes);
  ASSERT_EQ(r.unreadable.size(), 1u) << r.message;
  EXPECT_EQ(r.unreadable[0], (ByteRange{t->pages + 4096, uint64_t{2} * 4096}));
  for (size_t i = 0; i < bytes.size(); ++i) {
    const bool hole = i >= 4096 && i < size_t{3} * 4096;
    ASSERT_EQ(bytes[i], hole ? std::byte{0xaa} : std::byte{0x5a}) << "byte " << i;
  }
  // Unaligned, starting inside the hole and ending 10 bytes into the last page.
  std::vector<std::byte> tail(2 * 4096 - 100 + 10, std::byte{0xaa});
  r = src->read(t->pages + 4096 + 100, tail);
  ASSERT_EQ(r.unreadable.size(), 1u);
  EXPECT_EQ(r.unreadable[0], (ByteRange{t->pages + 4096 + 100, 2 * 4096 - 100}));
  for (size_t i = tail.size() - 10; i < tail.size(); ++i) EXPECT_EQ(tail[i], std::byte{0x5a});
}

TEST(ProcessSource, WritesReachTheRunningProcess) {
  auto t = Target::start();
  ASSERT_TRUE(t);
  SourcePtr src = open_ok(t->range_spec());
  ASSERT_TRUE(src);
  const uint32_t command = 4242;
  ASSERT_TRUE(src->write(t->field("command"), as_bytes_of(command)).ok());
  // The program itself reports what it saw.
  EXPECT_EQ(t->child->line_starting("command"), std::optional<std::string>("command 4242"));

  // Stop its counter, then set it: the value stays as written.
  const int32_t off = 0;
  ASSERT_TRUE(src->write(t->field("running"), as_bytes_of(off)).ok());
  const uint64_t counter = 0x1122334455667788;
  ASSERT_TRUE(src->write(t->field("counter"), as_bytes_of(counter)).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::vector<std::byte> bytes(8);
  ASSERT_TRUE(src->read(t->field("counter"), bytes).complete());
  EXPECT_EQ(load<uint64_t>(bytes, 0), counter);
}

TEST(ProcessSource, WriteAcrossAHoleWritesNothing) {
  auto t = Target::start();
  ASSERT_TRUE(t);
  SourcePtr src = open_ok(fmt::format("pid:{}", t->pid));
  ASSERT_TRUE(src);
  std::vector<std::byte> data(32, std::byte{0x11});
  Status s = src->write(t->pages + 4096 - 16, data);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::out_of_range);
  EXPECT_NE(s.error().message.find("not mapped"), std::string::npos) << s.error().message;
  std::vector<std::byte> bytes(16);
  ASSERT_TRUE(src->read(t->pages + 4096 - 16, bytes).complete());
  for (std::byte b : bytes) EXPECT_EQ(b, std::byte{0x5a});
  // Outside a range source: refused before anything happens.
  SourcePtr ranged = open_ok(t->range_spec());
  ASSERT_TRUE(ranged);
  s = ranged->write(t->state + t->state_size - 2, data);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::out_of_range);
}

TEST(ProcessSource, RegionsByName) {
  auto t = Target::start();
  ASSERT_TRUE(t);
  SourcePtr heap = open_ok(fmt::format("pid:{}:[heap]", t->pid));
  ASSERT_TRUE(heap);
  EXPECT_LE(heap->info().base, t->heap);
  EXPECT_GE(heap->info().base + heap->info().size, t->heap + 256);
  std::vector<std::byte> bytes(256);
  ASSERT_TRUE(heap->read(t->heap, bytes).complete());
  for (size_t i = 0; i < 256; ++i) ASSERT_EQ(bytes[i], static_cast<std::byte>(i));

  SourcePtr stack = open_ok(fmt::format("pid:{}:[stack]", t->pid));
  ASSERT_TRUE(stack);
  EXPECT_GT(stack->info().size, 0u);

  // The executable by a substring of its path: all its mappings, g_state among them.
  SourcePtr exe = open_ok(fmt::format("pid:{}:debug_target", t->pid));
  ASSERT_TRUE(exe);
  EXPECT_LE(exe->info().base, t->state);
  EXPECT_GE(exe->info().base + exe->info().size, t->state + t->state_size);

  // By an address inside a mapping.
  SourcePtr by_addr = open_ok(fmt::format("pid:{}:0x{:x}", t->pid, t->heap + 10));
  ASSERT_TRUE(by_addr);
  EXPECT_EQ(by_addr->info().base, heap->info().base);

  Result<SourcePtr> none = open_source(fmt::format("pid:{}:no-such-mapping", t->pid));
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, Errc::not_found);
  EXPECT_NE(none.error().message.find("regions"), std::string::npos);
  Result<SourcePtr> ambiguous = open_source(fmt::format("pid:{}:/", t->pid));
  ASSERT_FALSE(ambiguous.ok());
  EXPECT_NE(ambiguous.error().message.find("matches"), std::string::npos);
  Result<SourcePtr> hole = open_source(fmt::format("pid:{}:0x{:x}", t->pid, t->pages + 4096));
  ASSERT_FALSE(hole.ok());
  EXPECT_EQ(hole.error().code, Errc::not_found);
}

TEST(ProcessSource, ExitIsAnEventAndTheViewKeepsWhatItRead) {
  auto t = Target::start();
  ASSERT_TRUE(t);
  SourcePtr src = open_ok(t->range_spec());
  ASSERT_TRUE(src);
  Poller poller(*src);
  poller.request({t->state, t->state_size});
  Poller::PollResult first = poller.poll(1);
  EXPECT_TRUE(first.events.empty());
  ASSERT_TRUE(poller.tracker().known(t->field("magic")));

  t->child->signal(SIGKILL);
  ASSERT_NE(t->child->wait(), -1);
  poller.request({t->state, t->state_size});
  Poller::PollResult second = poller.poll(2);
  ASSERT_EQ(second.events.size(), 1u);
  EXPECT_EQ(second.events[0].kind, SourceEvent::Kind::exited);
  EXPECT_NE(second.events[0].message.find("exited"), std::string::npos);
  EXPECT_TRUE(poller.source_gone());
  // The last values stay, flagged unreadable.
  EXPECT_EQ(poller.tracker().value(t->field("magic")), std::byte{0x56});
  EXPECT_TRUE(poller.tracker().flags(t->field("magic")) & kUnreadable);
  // Only once.
  EXPECT_TRUE(src->refresh().empty());
  const uint32_t v = 1;
  Status s = src->write(t->field("command"), as_bytes_of(v));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::removed);
}

TEST(ProcessSource, ChangeTrackingSeesTheCounterMove) {
  auto t = Target::start();
  ASSERT_TRUE(t);
  SourcePtr src = open_ok(t->range_spec());
  ASSERT_TRUE(src);
  Poller poller(*src);
  poller.tracker().set_record_changes(true);
  poller.request({t->state, t->state_size});
  (void)poller.poll(1);
  (void)poller.tracker().take_changes();
  Poller::PollResult r;
  for (int64_t now = 2; now < 500 && r.changed_bytes == 0; ++now) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    poller.request({t->state, t->state_size});
    r = poller.poll(now);
  }
  EXPECT_GT(r.changed_bytes, 0u);
  const uint64_t counter = t->field("counter");
  bool saw_counter = false;
  for (const ChangeRun& run : poller.tracker().take_changes()) {
    EXPECT_GE(run.address, counter);
    EXPECT_LE(run.address + run.new_bytes.size(), counter + 8);
    saw_counter = true;
  }
  EXPECT_TRUE(saw_counter);
  EXPECT_GT(poller.tracker().changed_ns(counter), 0);
}

TEST(ProcessSource, MissingProcessAndBadSpecs) {
  // A pid that certainly is free: a child that already exited and was reaped.
  const pid_t gone = fork();
  if (gone == 0) _exit(0);
  waitpid(gone, nullptr, 0);
  Result<SourcePtr> s = open_source(fmt::format("pid:{}", gone));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::not_found);
  EXPECT_NE(s.error().message.find("no process"), std::string::npos);

  for (const char* bad :
       {"pid:", "pid:abc", "pid:0", "pid:-5", "pid:12x", "pid:99999999999", "pid:1@", "pid:1@0x10",
        "pid:1@0x10+0", "pid:1@0x20-0x10", "pid:1@0xffffffffffffffff+2", "pid:1:", "pid:1@zz+1"}) {
    Result<SourceSpec> p = parse_source_spec(bad);
    EXPECT_FALSE(p.ok()) << bad;
    if (!p.ok()) {
      EXPECT_EQ(p.error().code, Errc::invalid_argument) << bad;
    }
  }
  struct Good {
    const char* text;
    const char* canonical;
  };
  for (const Good& g :
       {Good{"pid:42", "pid:42"}, Good{"pid:42@4096+16", "pid:42@0x1000+0x10"},
        Good{"pid:42@0x1000-0x1010", "pid:42@0x1000+0x10"}, Good{"pid:42:[heap]", "pid:42:[heap]"},
        Good{"pid:42:lib c.so", "pid:42:lib c.so"}}) {
    Result<SourceSpec> p = parse_source_spec(g.text);
    ASSERT_TRUE(p.ok()) << g.text << ": " << p.error().message;
    EXPECT_EQ(p->text(), g.canonical);
  }
}

TEST(ProcessSource, SharedMappingsAreLiveAtomicAndFollowTheTarget) {
  auto t = Target::start();
  ASSERT_TRUE(t);
  SourcePtr src = open_ok(fmt::format("pid:{}", t->pid));
  ASSERT_TRUE(src);
  // The same object opened by name stands in for a third process writing to it.
  SourcePtr peer = open_ok("shm:" + t->shm_name);
  ASSERT_TRUE(peer);

  std::vector<std::byte> bytes(64);
  ASSERT_TRUE(src->read(t->shm, bytes).complete());
  for (std::byte b : bytes) EXPECT_EQ(b, std::byte{0x33});
  // A peer's write is seen through pid: and tracked as a change.
  Poller poller(*src);
  poller.request({t->shm, 4096});
  (void)poller.poll(1);
  const uint64_t word = 0x0102030405060708;
  ASSERT_TRUE(peer->write(128, as_bytes_of(word)).ok());
  poller.request({t->shm, 4096});
  EXPECT_EQ(poller.poll(2).changed_bytes, 8u);
  EXPECT_EQ(poller.tracker().value(t->shm + 128), std::byte{0x08});

  // Writes through pid: reach the object; compare-and-swap is atomic here.
  const uint32_t v = 0xcafef00d;
  ASSERT_TRUE(src->write(t->shm + 256, as_bytes_of(v)).ok());
  std::vector<std::byte> four(4);
  ASSERT_TRUE(peer->read(256, four).complete());
  EXPECT_EQ(load<uint32_t>(four, 0), v);
  uint64_t expected = 0xcafef00d;
  Result<bool> swapped = src->compare_exchange(t->shm + 256, 4, expected, 0x12345678);
  ASSERT_TRUE(swapped.ok()) << swapped.error().message;
  EXPECT_TRUE(*swapped);
  expected = 1;
  swapped = src->compare_exchange(t->shm + 256, 4, expected, 2);
  ASSERT_TRUE(swapped.ok());
  EXPECT_FALSE(*swapped);
  EXPECT_EQ(expected, 0x12345678u);
  // Private memory has no atomic path: a clear refusal, nothing written.
  expected = 0;
  Result<bool> priv = src->compare_exchange(t->field("command"), 4, expected, 1);
  ASSERT_FALSE(priv.ok());
  EXPECT_EQ(priv.error().code, Errc::unsupported);
  EXPECT_NE(priv.error().message.find("shared"), std::string::npos) << priv.error().message;

  // The object shrinks under both mappings: the lost pages are unreadable, never a crash.
  ASSERT_EQ(truncate(("/dev/shm" + t->shm_name).c_str(), 4096), 0);
  std::vector<std::byte> span(size_t{3} * 4096, std::byte{0xaa});
  ReadOutcome r = src->read(t->shm, span);
  ASSERT_EQ(r.unreadable.size(), 1u) << r.message;
  EXPECT_EQ(r.unreadable[0], (ByteRange{t->shm + 4096, uint64_t{2} * 4096}));
  EXPECT_EQ(span[128], std::byte{0x08});
  for (size_t i = 4096; i < span.size(); ++i) ASSERT_EQ(span[i], std::byte{0xaa});
  poller.request({t->shm, uint64_t{3} * 4096});
  Poller::PollResult pr = poller.poll(3);
  ASSERT_FALSE(pr.unreadable.empty());
  EXPECT_EQ(pr.unreadable.front().address, t->shm + 4096);

  // The target unmaps it: after the next maps check the bytes are gone, not stale.
  const uint32_t unmap = 2;
  ASSERT_TRUE(src->write(t->field("command"), as_bytes_of(unmap)).ok());
  ASSERT_TRUE(t->child->line_starting("unmapped").has_value());
  Status w = src->write(t->shm, as_bytes_of(v));
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().code, Errc::out_of_range);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  (void)src->refresh();
  r = src->read(t->shm, bytes);
  ASSERT_EQ(r.unreadable.size(), 1u);
  EXPECT_EQ(r.unreadable[0], (ByteRange{t->shm, bytes.size()}));
}

TEST(ProcessSource, AnotherUsersProcessIsExplained) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to drop to another user";
  auto t = Target::start();
  ASSERT_TRUE(t);
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t child = fork();
  if (child == 0) {
    close(fds[0]);
    std::string out;
    if (setresgid(65534, 65534, 65534) != 0 || setresuid(65534, 65534, 65534) != 0) {
      out = "setuid failed";
    } else {
      Result<SourcePtr> s = open_source(fmt::format("pid:{}", t->pid));
      out = s.ok() ? "opened" : fmt::format("{}|{}", errc_name(s.error().code), s.error().message);
    }
    (void)!write(fds[1], out.data(), out.size());
    _exit(0);
  }
  close(fds[1]);
  std::string got;
  char buf[1024];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) got.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  waitpid(child, nullptr, 0);
  ASSERT_NE(got, "setuid failed");
  EXPECT_EQ(got.substr(0, got.find('|')), errc_name(Errc::permission)) << got;
  EXPECT_NE(got.find("belongs to user root"), std::string::npos) << got;
  EXPECT_NE(got.find("CAP_SYS_PTRACE"), std::string::npos) << got;
}

}  // namespace
}  // namespace memview
