// Scans under faults. Mapped sources compare the bytes where they lie (detail::InPlaceSource):
// the same candidates as the copying path, and an object that shrinks under the scan is
// reported as unreadable, never a crash (the compare faults, the copying path takes over).
// A process that exits in the middle of a scan or a narrowing leaves the rest unreadable.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "in_place_source.h"
#include "memview/scan.h"
#include "memview/source_spec.h"
#include "peer_shm.h"

namespace memview {
namespace {

std::set<uint64_t> addresses_of(const ScanState& s) {
  std::set<uint64_t> out;
  s.visit([&](const Candidate& c) {
    out.insert(c.address);
    return true;
  });
  return out;
}

SourcePtr open_read_only(const std::string& spec) {
  OpenOptions o;
  o.read_only = true;
  Result<SourcePtr> s = open_source(spec, o);
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
  return s.ok() ? std::move(*s) : nullptr;
}

// Touches every page (a fault on a page past the object's end is what the guard catches).
struct Counter {
  size_t bytes = 0;
  unsigned sum = 0;
  static void run(void* c, const std::byte* data, size_t n) {
    auto* self = static_cast<Counter*>(c);
    for (size_t i = 0; i < n; i += 512) self->sum += static_cast<unsigned>(data[i]);
    self->bytes += n;
  }
};

TEST(ScanFaults, MappedSourcesCompareInPlaceAndFindWhatACopyFinds) {
  const size_t size = (size_t{1} << 20) + 4096;
  testing::PeerShm peer(size);
  ASSERT_TRUE(peer.ok());
  std::mt19937_64 rng(17);
  for (size_t i = 0; i < size; ++i) peer.bytes()[i] = static_cast<std::byte>(rng() % 4);
  SourcePtr src = open_read_only(peer.spec());
  ASSERT_TRUE(src);
  auto* mapped = dynamic_cast<detail::InPlaceSource*>(src.get());
  ASSERT_NE(mapped, nullptr);
  Counter c;
  EXPECT_TRUE(mapped->run_in_place(100, 5000, &Counter::run, &c));
  EXPECT_EQ(c.bytes, 5000u);
  EXPECT_FALSE(mapped->run_in_place(size - 10, 11, &Counter::run, &c));  // past the end
  // The reference: the same scan over the bytes as a plain buffer.
  for (ScanOp op : {ScanOp::eq, ScanOp::gt, ScanOp::ne}) {
    for (bool every : {false, true}) {
      ScanOptions o;
      o.type = ScanType::u32;
      o.every_byte = every;
      const uint32_t v = 0x03020100;
      Result<ScanState> got = first_scan(*src, o, {op, "0x03020100", ""});
      ASSERT_TRUE(got.ok());
      std::set<uint64_t> want;
      for (size_t p = 0; p + 4 <= size; p += every ? 1 : 4) {
        uint32_t x = 0;
        std::memcpy(&x, peer.bytes() + p, 4);
        if (op == ScanOp::eq ? x == v : op == ScanOp::gt ? x > v : x != v) want.insert(p);
      }
      EXPECT_EQ(addresses_of(*got), want) << scan_op_name(op) << " every=" << every;
      EXPECT_EQ(got->stats.bytes_scanned, size);
      // Each candidate's value is the one in memory.
      got->visit([&](const Candidate& cand) {
        EXPECT_EQ(std::memcmp(cand.value.data(), peer.bytes() + cand.address, 4), 0);
        return cand.address < 100000;
      });
    }
  }
}

TEST(ScanFaults, AnObjectThatShrankUnderTheScanIsUnreadableNotACrash) {
  const size_t size = size_t{1} << 20;
  testing::PeerShm peer(size);
  ASSERT_TRUE(peer.ok());
  std::memset(peer.bytes(), 7, size);
  SourcePtr src = open_read_only(peer.spec());
  ASSERT_TRUE(src);
  // The source still believes the old size (no refresh): the in-place compare faults on the
  // first page past the new end and the copying path reports the rest.
  ASSERT_TRUE(peer.truncate(size / 4));
  Counter c;
  auto* mapped = dynamic_cast<detail::InPlaceSource*>(src.get());
  ASSERT_NE(mapped, nullptr);
  EXPECT_FALSE(mapped->run_in_place(0, size, &Counter::run, &c));
  ScanOptions o;
  o.type = ScanType::u8;
  Result<ScanState> r = first_scan(*src, o, {ScanOp::eq, "7", ""});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->count(), size / 4);
  EXPECT_EQ(r->stats.bytes_scanned, size / 4);
  EXPECT_EQ(r->stats.bytes_unreadable, size - size / 4);
  EXPECT_NE(r->stats.unreadable_message.find("shrank"), std::string::npos)
      << r->stats.unreadable_message;
  // Shrinking and growing while a scan runs: whatever each pass saw, never a crash, and
  // every byte is either scanned or unreadable.
  ASSERT_TRUE(peer.truncate(size));
  std::atomic<bool> stop{false};
  std::thread shrinker([&] {
    for (int k = 0; !stop; ++k) {
      (void)peer.truncate(k % 2 == 0 ? 8192 : size);
      std::this_thread::yield();
    }
  });
  for (int pass = 0; pass < 20; ++pass) {
    Result<ScanState> s = first_scan(*src, o, {ScanOp::ne, "0", ""});
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(s->stats.bytes_scanned + s->stats.bytes_unreadable, size);
  }
  stop = true;
  shrinker.join();
}

// Forwards to a pid: source and kills the process right after the first read: the exit
// lands in the middle of the scan, deterministically.
class KillAfterFirstRead final : public Source {
 public:
  KillAfterFirstRead(SourcePtr inner, pid_t child) : inner_(std::move(inner)), child_(child) {}
  const SourceInfo& info() const override { return inner_->info(); }
  ReadOutcome read(uint64_t address, std::span<std::byte> out) override {
    ReadOutcome r = inner_->read(address, out);
    if (++reads_ == 1 && child_ > 0) {
      kill(child_, SIGKILL);
      waitpid(child_, nullptr, 0);
      child_ = -1;
    }
    return r;
  }
  Status write(uint64_t address, std::span<const std::byte> data) override {
    return inner_->write(address, data);
  }
  std::vector<SourceEvent> refresh() override { return inner_->refresh(); }

 private:
  SourcePtr inner_;
  pid_t child_;
  int reads_ = 0;
};

pid_t idle_child() {
  const pid_t child = fork();
  if (child == 0) {
    for (;;) pause();
  }
  return child;
}

TEST(ScanFaults, AProcessThatExitsMidScanOrMidNarrowingLeavesTheRestUnreadable) {
  constexpr uint64_t kPiece = uint64_t{1} << 20;
  void* mem = mmap(nullptr, kPiece * 4, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(mem, MAP_FAILED);
  std::memset(mem, 7, kPiece * 4);
  const auto base = reinterpret_cast<uint64_t>(mem);
  // Four ranges: four blocks, read one after another by one thread.
  const std::vector<ByteRange> ranges{{base, kPiece},
                                      {base + kPiece, kPiece},
                                      {base + 2 * kPiece, kPiece},
                                      {base + 3 * kPiece, kPiece}};
  ScanOptions o;
  o.type = ScanType::u8;
  o.threads = 1;
  pid_t child = idle_child();
  Result<SourcePtr> inner = open_source(fmt::format("pid:{}", child));
  ASSERT_TRUE(inner.ok()) << inner.error().message;
  KillAfterFirstRead dying(std::move(*inner), child);
  Result<ScanState> s = first_scan(dying, o, {ScanOp::eq, "7", ""}, nullptr, ranges);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->count(), kPiece);
  EXPECT_EQ(s->stats.bytes_scanned, kPiece);
  EXPECT_EQ(s->stats.bytes_unreadable, 3 * kPiece);
  EXPECT_NE(s->stats.unreadable_message.find("exited"), std::string::npos)
      << s->stats.unreadable_message;
  // Narrowing: the candidates of the blocks read after the exit are dropped, not kept as
  // if unchanged.
  child = idle_child();
  inner = open_source(fmt::format("pid:{}", child));
  ASSERT_TRUE(inner.ok());
  Result<ScanState> all = first_scan(**inner, o, {ScanOp::eq, "7", ""}, nullptr, ranges);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->count(), 4 * kPiece);
  KillAfterFirstRead dying2(std::move(*inner), child);
  Result<ScanState> n = narrow(dying2, std::move(*all), {ScanOp::unchanged, "", ""});
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->count(), kPiece);
  EXPECT_GE(n->stats.bytes_unreadable, 3 * kPiece);
  munmap(mem, kPiece * 4);
}

}  // namespace
}  // namespace memview
