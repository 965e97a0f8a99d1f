// BackgroundList: the Open view's tables are read on workers. A slow read never holds up
// poll() (the frame), the list arrives once, reads repeat only when due or asked for, and a
// refresh asked for during a read is not lost.
#include "background_list.h"

#include <atomic>
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "memview/clock.h"

namespace memview::gui {
namespace {

constexpr int64_t kSecond = 1'000'000'000;

// A read that takes `hold` and counts itself; the list holds the read's number.
struct SlowRead {
  std::shared_ptr<std::atomic<int>> reads = std::make_shared<std::atomic<int>>(0);
  std::chrono::milliseconds hold{0};
  BackgroundList<int>::Read fn() const {
    return [reads = reads, hold = hold] {
      std::this_thread::sleep_for(hold);
      return std::vector<int>{++*reads};
    };
  }
};

// Polls like frames do (`now` stands still unless the caller moves it) until a list comes.
std::optional<std::vector<int>> poll_until_list(BackgroundList<int>& list, int64_t now) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto got = list.poll(true, now, kSecond)) return got;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return std::nullopt;
}

TEST(BackgroundList, ASlowReadNeverHoldsUpTheFrame) {
  SlowRead read;
  read.hold = std::chrono::milliseconds(300);
  BackgroundList<int> list("slow", read.fn());
  const int64_t t0 = now_ns();
  EXPECT_FALSE(list.poll(true, 1, kSecond).has_value());  // starts the read
  EXPECT_TRUE(list.reading());
  EXPECT_FALSE(list.poll(true, 2, kSecond).has_value());  // still reading
  EXPECT_LT(now_ns() - t0, 100'000'000) << "poll waited for the read";
  const auto got = poll_until_list(list, 3);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, std::vector<int>{1});
  EXPECT_FALSE(list.poll(true, 4, kSecond).has_value()) << "a list is handed over once";
}

TEST(BackgroundList, ReadsAgainWhenDueOrAskedAndOnlyWhileWanted) {
  SlowRead read;
  BackgroundList<int> list("quick", read.fn());
  EXPECT_FALSE(list.poll(false, 1, kSecond).has_value());
  EXPECT_FALSE(list.reading()) << "not wanted: nothing read";
  ASSERT_EQ(poll_until_list(list, 1), std::vector<int>{1});
  // Before the interval: no new read.
  list.poll(true, kSecond / 2, kSecond);
  EXPECT_FALSE(list.reading());
  // After it: the next read.
  list.poll(true, 1 + kSecond, kSecond);
  EXPECT_TRUE(list.reading());
  ASSERT_EQ(poll_until_list(list, 1 + kSecond), std::vector<int>{2});
  // Asked for: at once, however recent the last read.
  list.refresh();
  list.poll(true, 2 + kSecond, kSecond);
  EXPECT_TRUE(list.reading());
  ASSERT_EQ(poll_until_list(list, 2 + kSecond), std::vector<int>{3});
}

TEST(BackgroundList, ARefreshAskedDuringAReadReadsAgainAfterIt) {
  SlowRead read;
  read.hold = std::chrono::milliseconds(100);
  BackgroundList<int> list("refresh", read.fn());
  list.poll(true, 1, kSecond);
  ASSERT_TRUE(list.reading());
  list.refresh();  // what the first read saw may be older than this request
  ASSERT_EQ(poll_until_list(list, 2), std::vector<int>{1});
  ASSERT_EQ(poll_until_list(list, 3), std::vector<int>{2}) << "the refresh was kept";
  EXPECT_EQ(*read.reads, 2);
}

}  // namespace
}  // namespace memview::gui
