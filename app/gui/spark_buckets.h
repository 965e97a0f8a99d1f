// The buckets a sparkline draws, kept between frames. Buckets lie on a grid of absolute time
// (bucket k covers [k * dt, (k + 1) * dt)), so as time moves on only the newest buckets take
// samples and the oldest fall out: a frame looks at the samples that arrived since the last
// frame (found by one binary search), not at the whole window. Each bucket holds the exact
// span of its samples. No ImGui: the sparkline (views/plot.h) draws from this.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <limits>

#include "watch_sample.h"

namespace memview::gui {

struct SparkBucket {
  double lo = 0, hi = 0, first = 0, last = 0;  // readable values: span, first and last
  bool any = false;                            // a readable sample falls in it
  bool gap = false;                            // an unreadable one does
  bool operator==(const SparkBucket&) const = default;
};

struct SparkBuckets {
  int64_t dt_ns = 0;                // bucket width (0: nothing built yet)
  int64_t first = 0;                // grid index of buckets.front()
  std::deque<SparkBucket> buckets;  // after an update: exactly the window's buckets
  // Every sample up to this time (inclusive) that lies in the buckets' span is in them.
  int64_t seen_until_ns = std::numeric_limits<int64_t>::min();
  // The last sample before the window's first bucket (its value holds into the window).
  WatchSample before;
  bool has_before = false;
};

// Brings `b` to the window of `count` buckets spanning span_ns and ending at end_ns (the
// bucket holding end_ns is the last), taking from `samples` (oldest first, appended to
// between calls; the last one's time may move later) only what it has not seen. A window
// that moved back before the buckets, a changed width, or a history that went back in time
// rebuilds them.
void update_spark_buckets(SparkBuckets& b, const std::deque<WatchSample>& samples, int64_t end_ns,
                          int64_t span_ns, size_t count);

}  // namespace memview::gui
