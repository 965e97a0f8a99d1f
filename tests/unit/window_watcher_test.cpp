#include "memview/window_watcher.h"

#include <gtest/gtest.h>

#include <vector>

#include "memory_source_double.h"

namespace memview {
namespace {

using testing::MemorySource;

struct Seen {
  uint64_t address;
  std::vector<std::byte> old_bytes, new_bytes;
};

std::vector<Seen> poll(WindowWatcher& w, Source& src, ByteRange r, uint64_t* changed = nullptr,
                       std::vector<ByteRange>* unreadable = nullptr) {
  std::vector<Seen> seen;
  Result<WindowWatcher::PollResult> res = w.poll(src, r, [&](const WindowWatcher::Change& c) {
    seen.push_back({c.address,
                    {c.old_bytes.begin(), c.old_bytes.end()},
                    {c.new_bytes.begin(), c.new_bytes.end()}});
  });
  EXPECT_TRUE(res) << res.error().message;
  if (res && changed) *changed = res->changed_bytes;
  if (res && unreadable) *unreadable = res->unreadable;
  return seen;
}

TEST(WindowWatcher, FirstPollIsTheBaselineThenChangesCarryOldAndNew) {
  MemorySource src(300000, 0x1000);
  WindowWatcher w;
  const ByteRange window{0x1000 + 10, 200000};
  EXPECT_TRUE(poll(w, src, window).empty());
  src.set(0x1000 + 100, {0xaa, 0xbb});
  // A run across a 64 KiB block boundary comes in two pieces, in order.
  const uint64_t boundary = 0x10000;
  src.set(boundary - 1, {0x01, 0x02});
  uint64_t changed = 0;
  std::vector<Seen> seen = poll(w, src, window, &changed);
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].address, 0x1000u + 100);
  EXPECT_EQ(seen[0].new_bytes, (std::vector<std::byte>{std::byte{0xaa}, std::byte{0xbb}}));
  EXPECT_EQ(seen[0].old_bytes[0], static_cast<std::byte>(((100) * 7 + 3) & 0xff));
  EXPECT_EQ(seen[1].address, boundary - 1);
  EXPECT_EQ(seen[2].address, boundary);
  EXPECT_EQ(changed, 4u);
  EXPECT_TRUE(poll(w, src, window).empty()) << "no change, nothing reported";
  EXPECT_LE(w.memory_bytes(), window.length * 9 / 8 + WindowWatcher::kBlock + 64);
}

TEST(WindowWatcher, UnreadableBytesKeepTheirValueAndABaselineIsNotAChange) {
  MemorySource src(8192);
  src.add_hole({1000, 100});
  WindowWatcher w;
  std::vector<ByteRange> bad;
  EXPECT_TRUE(poll(w, src, {0, 8192}, nullptr, &bad).empty());
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_EQ(bad[0], (ByteRange{1000, 100}));
  // The hole becomes readable with other bytes: first sight, not a change.
  src.set(1010, {0x55});
  src.clear_holes();
  EXPECT_TRUE(poll(w, src, {0, 8192}, nullptr, &bad).empty());
  EXPECT_TRUE(bad.empty());
  src.set(1010, {0x66});
  std::vector<Seen> seen = poll(w, src, {0, 8192});
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].old_bytes[0], std::byte{0x55});
}

TEST(WindowWatcher, GrowingShrinkingAndMovingTheWindow) {
  MemorySource src(10000);
  WindowWatcher w;
  EXPECT_TRUE(poll(w, src, {0, 4000}).empty());
  src.set(5000, {0x11});
  EXPECT_TRUE(poll(w, src, {0, 8000}).empty()) << "new bytes of a grown window are a baseline";
  src.set(5000, {0x12});
  EXPECT_EQ(poll(w, src, {0, 8000}).size(), 1u);
  EXPECT_TRUE(poll(w, src, {0, 3000}).empty());
  src.set(5000, {0x13});
  EXPECT_TRUE(poll(w, src, {0, 8000}).empty()) << "a forgotten tail starts over";
  EXPECT_TRUE(poll(w, src, {100, 8000}).empty()) << "a moved window starts over";
}

TEST(WindowWatcher, RefusesAWindowLargerThanItHolds) {
  MemorySource src(4096);
  WindowWatcher w(1024);
  Result<WindowWatcher::PollResult> r = w.poll(src, {0, 4096}, nullptr);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("more than one watch holds"), std::string::npos);
  WindowWatcher big;
  r = big.poll(src, {0, uint64_t{1} << 47}, nullptr);  // a whole address space
  ASSERT_FALSE(r);
  EXPECT_EQ(big.memory_bytes(), 0u);
}

}  // namespace
}  // namespace memview
