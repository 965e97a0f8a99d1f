// Source::read_pieces on a real process: the batched process_vm_readv path must return
// exactly what one read() per piece returns, holes and all, and scans and finds over a
// process with many small mappings (read in batches) find exactly the planted values.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "memview/find_pattern.h"
#include "memview/scan.h"
#include "memview/source_spec.h"

namespace memview {
namespace {

constexpr uint64_t kPage = 4096;
constexpr size_t kCells = 600;  // 3 pages each: 2 readable, then a guard page
constexpr uint32_t kNeedle = 0x5eedf00d;

// kCells small mappings (a PROT_NONE page between each pair keeps them apart), one needle
// in each readable page pair, and a few pages unmapped outright; a child process that
// inherits all of it and waits.
class SmallMappings : public ::testing::Test {
 protected:
  void SetUp() override {
    area_ = static_cast<std::byte*>(mmap(nullptr, kCells * 3 * kPage, PROT_READ | PROT_WRITE,
                                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    ASSERT_NE(area_, MAP_FAILED);
    for (size_t i = 0; i < kCells * 3 * kPage; ++i) area_[i] = std::byte(i * 7 + 1);
    for (size_t c = 0; c < kCells; ++c) {
      std::byte* cell = area_ + c * 3 * kPage;
      ASSERT_EQ(mprotect(cell + 2 * kPage, kPage, PROT_NONE), 0);
      if (c % 97 == 50) {  // this cell's second page is gone: a hole inside a piece
        ASSERT_EQ(munmap(cell + kPage, kPage), 0);
        holes_.push_back(address(cell + kPage));
      }
      std::memcpy(cell + 8 * (c % 500), &kNeedle, 4);
      needles_.push_back(address(cell + 8 * (c % 500)));
    }
    child_ = fork();
    if (child_ == 0) {
      for (;;) pause();
    }
    ASSERT_GT(child_, 0);
    Result<SourcePtr> s = open_source(fmt::format("pid:{}", child_));
    ASSERT_TRUE(s.ok()) << s.error().message;
    source_ = std::move(*s);
  }
  void TearDown() override {
    source_.reset();
    if (child_ > 0) {
      kill(child_, SIGKILL);
      waitpid(child_, nullptr, 0);
    }
    if (area_ != MAP_FAILED) munmap(area_, kCells * 3 * kPage);
  }
  static uint64_t address(const std::byte* p) { return reinterpret_cast<uint64_t>(p); }
  uint64_t cell(size_t c) const { return address(area_) + c * 3 * kPage; }

  std::byte* area_ = static_cast<std::byte*>(MAP_FAILED);
  pid_t child_ = -1;
  SourcePtr source_;
  std::vector<uint64_t> needles_;
  std::vector<uint64_t> holes_;
};

TEST_F(SmallMappings, ReadPiecesReturnsWhatReadReturnsForEachPiece) {
  // Whole cells, cells running into their guard page, a piece across an unmapped page, an
  // empty piece, and pieces in reverse order: every kind of stop inside a batch.
  std::vector<std::pair<uint64_t, size_t>> wanted;
  for (size_t c = 0; c < kCells; ++c) {
    wanted.emplace_back(cell(c), c % 5 == 0 ? 3 * kPage - 100 : 2 * kPage - c % 64);
    if (c % 11 == 0) wanted.emplace_back(cell(c) + 10, 0);
  }
  wanted.emplace_back(cell(3) + 5, 100);
  wanted.emplace_back(cell(1) + 7, 300);
  std::vector<std::vector<std::byte>> batched(wanted.size());
  std::vector<std::vector<std::byte>> alone(wanted.size());
  std::vector<ReadPiece> pieces;
  for (size_t k = 0; k < wanted.size(); ++k) {
    batched[k].assign(wanted[k].second, std::byte{0xee});
    alone[k].assign(wanted[k].second, std::byte{0xee});
    pieces.push_back({wanted[k].first, batched[k]});
  }
  const std::vector<ReadOutcome> outcomes = source_->read_pieces(pieces);
  ASSERT_EQ(outcomes.size(), wanted.size());
  size_t incomplete = 0;
  for (size_t k = 0; k < wanted.size(); ++k) {
    const ReadOutcome one = source_->read(wanted[k].first, alone[k]);
    EXPECT_EQ(outcomes[k].unreadable, one.unreadable) << "piece " << k;
    EXPECT_EQ(outcomes[k].message.empty(), one.message.empty()) << "piece " << k;
    EXPECT_EQ(batched[k], alone[k]) << "piece " << k;
    incomplete += one.complete() ? 0 : 1;
  }
  EXPECT_GT(incomplete, kCells / 5);  // the guard pages and the holes were met
}

TEST_F(SmallMappings, ReadPiecesInsideARangedSourceReportsWhatLiesOutside) {
  Result<SourcePtr> ranged =
      open_source(fmt::format("pid:{}@0x{:x}+{}", child_, cell(10), 90 * kPage));
  ASSERT_TRUE(ranged.ok()) << ranged.error().message;
  std::vector<std::byte> a(2 * kPage), b(2 * kPage), c(2 * kPage);
  const std::vector<ReadPiece> pieces{
      {cell(11), a}, {cell(9), b}, {cell(39) + kPage, c}};  // inside, before, across the end
  const std::vector<ReadOutcome> out = (*ranged)->read_pieces(pieces);
  ASSERT_EQ(out.size(), 3U);
  EXPECT_TRUE(out[0].complete());
  EXPECT_EQ(out[1].unreadable, (std::vector<ByteRange>{{cell(9), 2 * kPage}}));
  ASSERT_FALSE(out[2].complete());
  EXPECT_EQ(out[2].unreadable.back().end(), cell(39) + 3 * kPage);
  EXPECT_EQ(0, std::memcmp(a.data(), area_ + 33 * kPage, 2 * kPage));
}

TEST_F(SmallMappings, ScansAndFindsOverManySmallMappingsFindEveryNeedle) {
  // The cells as ranges, holes included (the whole process would include, under ASan, its
  // terabytes of shadow).
  std::vector<ByteRange> ranges;
  for (size_t c = 0; c < kCells; ++c) ranges.push_back({cell(c), 2 * kPage});
  ScanOptions o;
  o.type = ScanType::u32;
  Result<ScanState> s =
      first_scan(*source_, o, {ScanOp::eq, fmt::format("{}", kNeedle), ""}, nullptr, ranges);
  ASSERT_TRUE(s.ok()) << s.error().message;
  std::vector<uint64_t> found;
  s->visit([&](const Candidate& c) {
    if (c.address >= cell(0) && c.address < cell(kCells)) found.push_back(c.address);
    return true;
  });
  EXPECT_EQ(found, needles_);
  Result<BytePattern> p = parse_hex_pattern("0d f0 ed 5e");
  ASSERT_TRUE(p.ok());
  Result<FindResult> f = find_pattern(*source_, *p, 100000, nullptr, ranges);
  ASSERT_TRUE(f.ok()) << f.error().message;
  std::vector<uint64_t> at;
  for (uint64_t a : f->addresses) {
    if (a >= cell(0) && a < cell(kCells)) at.push_back(a);
  }
  EXPECT_EQ(at, needles_);
  EXPECT_EQ(f->stats.bytes_unreadable, holes_.size() * kPage) << "the unmapped pages";
  EXPECT_EQ(s->stats.bytes_unreadable, holes_.size() * kPage);
  // Narrowing after the process changed some of them finds exactly those.
  const uint32_t other = kNeedle + 1;
  std::vector<uint64_t> changed;
  for (size_t c = 0; c < kCells; c += 7) {
    ASSERT_TRUE(source_->write(needles_[c], std::as_bytes(std::span(&other, 1))).ok());
    changed.push_back(needles_[c]);
  }
  Result<ScanState> n = narrow(*source_, std::move(*s), {ScanOp::changed, "", ""});
  ASSERT_TRUE(n.ok()) << n.error().message;
  std::vector<uint64_t> narrowed;
  n->visit([&](const Candidate& c) {
    if (c.address >= cell(0) && c.address < cell(kCells)) narrowed.push_back(c.address);
    return true;
  });
  EXPECT_EQ(narrowed, changed);
}

}  // namespace
}  // namespace memview
