#include "spark_buckets.h"

#include <algorithm>
#include <cmath>

namespace memview::gui {
namespace {

int64_t floor_div(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

void add(SparkBucket& b, const WatchSample& s) {
  if (!s.readable || !std::isfinite(s.value)) {
    b.gap = true;
  } else if (!b.any) {
    b.any = true;
    b.lo = b.hi = b.first = b.last = s.value;
  } else {
    b.lo = std::min(b.lo, s.value);
    b.hi = std::max(b.hi, s.value);
    b.last = s.value;
  }
}

bool by_time(const WatchSample& a, int64_t t) {
  return a.t_ns < t;
}

}  // namespace

void update_spark_buckets(SparkBuckets& b, const std::deque<WatchSample>& samples, int64_t end_ns,
                          int64_t span_ns, size_t count) {
  count = std::max<size_t>(1, count);
  const int64_t dt = std::max<int64_t>(1, span_ns / static_cast<int64_t>(count));
  const int64_t k1 = floor_div(end_ns, dt);
  const int64_t k0 = k1 - static_cast<int64_t>(count) + 1;
  const int64_t t0 = k0 * dt;
  const int64_t t_end = (k1 + 1) * dt - 1;  // the window's last instant
  const bool went_back =
      !samples.empty() && samples.back().t_ns < b.seen_until_ns && samples.back().t_ns >= t0;
  if (dt != b.dt_ns || k0 < b.first || went_back) {
    b.buckets.clear();
    b.dt_ns = dt;
    b.first = k0;
    b.seen_until_ns = t0 - 1;
  }
  // The oldest buckets fall out; a window that moved back drops its newest (and will take
  // their samples again when it moves forward).
  while (b.first < k0 && !b.buckets.empty()) {
    b.buckets.pop_front();
    ++b.first;
  }
  if (b.buckets.empty()) b.first = k0;
  while (!b.buckets.empty() && b.first + static_cast<int64_t>(b.buckets.size()) > k1 + 1) {
    b.buckets.pop_back();
  }
  // Samples before the window (arrived late) are not taken; those after it wait for it.
  b.seen_until_ns = std::clamp(b.seen_until_ns, t0 - 1, t_end);
  b.buckets.resize(count);
  // The samples not seen yet, up to the window's end.
  auto it = std::upper_bound(samples.begin(), samples.end(), b.seen_until_ns,
                             [](int64_t t, const WatchSample& a) { return t < a.t_ns; });
  for (; it != samples.end() && it->t_ns <= t_end; ++it) {
    add(b.buckets[static_cast<size_t>(floor_div(it->t_ns, dt) - b.first)], *it);
    b.seen_until_ns = it->t_ns;
  }
  // What holds at the window's start.
  auto at = std::lower_bound(samples.begin(), samples.end(), t0, by_time);
  b.has_before = at != samples.begin();
  if (b.has_before) b.before = *(at - 1);
}

}  // namespace memview::gui
