#include "memview/poller.h"

#include <gtest/gtest.h>

#include "memory_source_double.h"

namespace memview {
namespace {

using testing::MemorySource;
constexpr int64_t kSec = 1'000'000'000;

TEST(MergeRanges, MergesOverlappingAndAdjacentAndClamps) {
  EXPECT_TRUE(merge_ranges({}, 0, 100).empty());
  EXPECT_EQ(merge_ranges({{10, 5}, {0, 4}, {12, 10}}, 0, 100),
            (std::vector<ByteRange>{{0, 4}, {10, 12}}));
  // Adjacent ranges become one read.
  EXPECT_EQ(merge_ranges({{0, 4}, {4, 4}}, 0, 100), (std::vector<ByteRange>{{0, 8}}));
  // Contained range.
  EXPECT_EQ(merge_ranges({{0, 50}, {10, 5}}, 0, 100), (std::vector<ByteRange>{{0, 50}}));
  // Clamped to [lo, hi); ranges entirely outside vanish.
  EXPECT_EQ(merge_ranges({{90, 50}, {200, 5}, {0, 20}}, 10, 100),
            (std::vector<ByteRange>{{10, 10}, {90, 10}}));
  EXPECT_TRUE(merge_ranges({{0, 10}}, 50, 50).empty());
  // An end past 2^64 saturates instead of wrapping around to a tiny range.
  EXPECT_EQ(merge_ranges({{~uint64_t{0} - 4, 100}}, 0, ~uint64_t{0}),
            (std::vector<ByteRange>{{~uint64_t{0} - 4, 4}}));
  // Zero-length ranges are dropped.
  EXPECT_TRUE(merge_ranges({{5, 0}}, 0, 100).empty());
}

TEST(Poller, ReadsOnlyWhatWasRequestedOncePerPoll) {
  MemorySource src(1 << 20);
  Poller p(src);
  p.request({1000, 100});
  p.request({1050, 100});  // overlaps: read once
  p.request({500000, 16});
  Poller::PollResult r = p.poll(1);
  EXPECT_EQ(src.bytes_read, 150u + 16u);
  EXPECT_EQ(r.changed_bytes, 0u);
  EXPECT_TRUE(p.tracker().known(1149));
  EXPECT_TRUE(p.tracker().known(500015));
  EXPECT_EQ(p.poll_count(), 1u);
  // Requests are cleared by poll(): nothing is read without a new request.
  (void)p.poll(2);
  EXPECT_EQ(src.bytes_read, 166u);
  src.at(1010) = ~src.at(1010);
  p.request({1000, 100});
  r = p.poll(3);
  EXPECT_EQ(r.changed_bytes, 1u);
  EXPECT_EQ(p.tracker().changed_ns(1010), 3);
  EXPECT_EQ(p.poll_count(), 3u);
}

TEST(Poller, ShrinkFlagsTrackedBytesPastTheEndAndKeepsValues) {
  MemorySource src(8192);
  Poller p(src);
  p.request({0, 8192});
  (void)p.poll(1);
  const std::byte kept = src.at(6000);
  src.resize_later(5000);
  p.request({0, 8192});  // the view still asks for the old size: clamped, not an error
  Poller::PollResult r = p.poll(2);
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].kind, SourceEvent::Kind::resized);
  EXPECT_EQ(r.events[0].old_size, 8192u);
  EXPECT_EQ(r.events[0].new_size, 5000u);
  EXPECT_TRUE(r.unreadable.empty());
  EXPECT_EQ(p.tracker().flags(4999), kKnown);
  EXPECT_EQ(p.tracker().flags(5000), kKnown | kUnreadable);
  EXPECT_EQ(p.tracker().flags(8191), kKnown | kUnreadable);
  EXPECT_EQ(p.tracker().value(6000), kept);
  ASSERT_EQ(p.event_log().size(), 1u);
  EXPECT_FALSE(p.source_gone());

  // Grows back: the bytes are read again (the double zero-fills, like ftruncate does).
  src.resize_later(8192);
  p.request({0, 8192});
  r = p.poll(3);
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].new_size, 8192u);
  EXPECT_EQ(p.tracker().flags(6000), kKnown);
  EXPECT_EQ(p.tracker().value(6000), std::byte{0});
  EXPECT_EQ(p.tracker().changed_ns(6000), kept == std::byte{0} ? 0 : 3);
}

TEST(Poller, RemovalIsReportedAndRemembered) {
  MemorySource src(4096);
  Poller p(src);
  src.remove_later();
  p.request({0, 16});
  Poller::PollResult r = p.poll(1);
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].kind, SourceEvent::Kind::removed);
  EXPECT_TRUE(p.source_gone());
  (void)p.poll(2);
  EXPECT_TRUE(p.source_gone());
  EXPECT_EQ(p.event_log().size(), 1u);
}

TEST(Poller, EventLogIsCappedKeepingTheNewest) {
  MemorySource src(4096);
  Poller p(src);
  for (int i = 1; i <= 100; ++i) {
    src.resize_later(4096 + static_cast<uint64_t>(i));
    (void)p.poll(i);
  }
  ASSERT_EQ(p.event_log().size(), 64u);
  EXPECT_EQ(p.event_log().front().new_size, 4096u + 37);
  EXPECT_EQ(p.event_log().back().new_size, 4096u + 100);
}

TEST(Poller, UnreadablePartsAreReported) {
  MemorySource src(4096);
  src.add_hole({100, 20});
  Poller p(src);
  p.request({0, 200});
  Poller::PollResult r = p.poll(1);
  ASSERT_EQ(r.unreadable.size(), 1u);
  EXPECT_EQ(r.unreadable[0], (ByteRange{100, 20}));
}

TEST(Poller, ChangesPerSecondCountsTheLastSecond) {
  MemorySource src(4096);
  Poller p(src);
  p.request({0, 64});
  (void)p.poll(0);  // baseline: not counted
  EXPECT_EQ(p.changes_per_second(0), 0.0);
  for (uint64_t a = 0; a < 10; ++a) src.at(a) = ~src.at(a);
  p.request({0, 64});
  EXPECT_EQ(p.poll(kSec / 2).changed_bytes, 10u);
  src.set(20, {0xee, 0xee, 0xee, 0xee, 0xee});
  p.request({0, 64});
  EXPECT_EQ(p.poll(kSec * 9 / 10).changed_bytes, 5u);
  EXPECT_DOUBLE_EQ(p.changes_per_second(kSec * 9 / 10), 15.0);
  // 1.6 s: the poll at 0.5 s has left the window, the one at 0.9 s has not.
  EXPECT_DOUBLE_EQ(p.changes_per_second(kSec * 16 / 10), 5.0);
  EXPECT_DOUBLE_EQ(p.changes_per_second(kSec * 2), 0.0);
}

}  // namespace
}  // namespace memview
