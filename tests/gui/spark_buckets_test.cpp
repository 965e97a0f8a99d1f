// The sparkline's buckets kept between frames (spark_buckets.h) equal buckets computed from
// scratch over the whole history, frame after frame, while samples arrive, the window moves
// on, is scrubbed back, and the history drops its oldest samples.
#include <gtest/gtest.h>

#include <cmath>
#include <deque>
#include <random>
#include <vector>

#include "spark_buckets.h"

namespace memview::gui {
namespace {

constexpr int64_t kMs = 1'000'000;

// Every sample of the window's buckets, straight from the definition.
std::vector<SparkBucket> brute_force(const std::deque<WatchSample>& s, int64_t end_ns,
                                     int64_t span_ns, size_t count) {
  const int64_t dt = span_ns / static_cast<int64_t>(count);
  const int64_t k1 = end_ns / dt;  // end_ns > 0 here
  const int64_t k0 = k1 - static_cast<int64_t>(count) + 1;
  std::vector<SparkBucket> out(count);
  for (const WatchSample& a : s) {
    const int64_t k = a.t_ns / dt;
    if (a.t_ns < 0 || k < k0 || k > k1) continue;
    SparkBucket& b = out[static_cast<size_t>(k - k0)];
    if (!a.readable) {
      b.gap = true;
    } else if (!b.any) {
      b = {a.value, a.value, a.value, a.value, true, b.gap};
    } else {
      b.lo = std::min(b.lo, a.value);
      b.hi = std::max(b.hi, a.value);
      b.last = a.value;
    }
  }
  return out;
}

std::vector<SparkBucket> as_vector(const SparkBuckets& b) {
  return {b.buckets.begin(), b.buckets.end()};
}

TEST(SparkBuckets, KeptBetweenFramesEqualsComputedFromScratch) {
  std::mt19937_64 rng(7);
  std::deque<WatchSample> history;
  SparkBuckets kept;
  const int64_t span = 1'000 * kMs;  // the history below holds ~3 s
  const size_t count = 56;
  int64_t now = 20'000 * kMs;
  double v = 0;
  for (int frame = 0; frame < 3000; ++frame) {
    // 0..40 samples per 16 ms frame, some unreadable; the history keeps its newest 4000.
    const int n = static_cast<int>(rng() % 41);
    for (int i = 0; i < n; ++i) {
      v += static_cast<double>(static_cast<int>(rng() % 21) - 10);
      const int64_t t = now + static_cast<int64_t>(rng() % (16 * kMs));
      if (!history.empty() && t <= history.back().t_ns) continue;
      history.push_back({t, v, rng() % 50 != 0});
      if (history.size() > 4000) history.pop_front();
    }
    now += 16 * kMs;
    // Now and then a scrub back a few seconds, then live again.
    const int64_t end = frame % 500 == 250 ? now - 3000 * kMs : now;
    update_spark_buckets(kept, history, end, span, count);
    ASSERT_EQ(as_vector(kept), brute_force(history, end, span, count)) << "frame " << frame;
    SparkBuckets fresh;
    update_spark_buckets(fresh, history, end, span, count);
    ASSERT_EQ(as_vector(fresh), as_vector(kept)) << "frame " << frame;
  }
}

TEST(SparkBuckets, TheValueBeforeTheWindowHoldsIntoIt) {
  // A value unchanged for a minute is two samples (watches keep a run's first and last).
  std::deque<WatchSample> history{{1'000 * kMs, 5.0, true}, {61'000 * kMs, 5.0, true}};
  SparkBuckets b;
  update_spark_buckets(b, history, 60'000 * kMs, 10'000 * kMs, 50);
  ASSERT_TRUE(b.has_before);
  EXPECT_EQ(b.before.value, 5.0);
  for (const SparkBucket& k : b.buckets) EXPECT_FALSE(k.any);
  // The run's last sample moves on as the value stays: the newest bucket takes it.
  history.back().t_ns = 62'000 * kMs;
  update_spark_buckets(b, history, 62'000 * kMs, 10'000 * kMs, 50);
  EXPECT_TRUE(b.buckets.back().any);
  EXPECT_EQ(b.buckets.back().last, 5.0);
}

TEST(SparkBuckets, AWidthChangeRebuilds) {
  std::deque<WatchSample> history;
  for (int i = 0; i < 1000; ++i)
    history.push_back({int64_t{i + 1} * 10 * kMs, std::sin(i * 0.1), true});
  SparkBuckets b;
  update_spark_buckets(b, history, 10'000 * kMs, 5'000 * kMs, 40);
  update_spark_buckets(b, history, 10'000 * kMs, 5'000 * kMs, 70);
  EXPECT_EQ(b.buckets.size(), 70U);
  EXPECT_EQ(as_vector(b), brute_force(history, 10'000 * kMs, 5'000 * kMs, 70));
}

}  // namespace
}  // namespace memview::gui
