// Change stamps of the activity map: milliseconds since the map's epoch plus one (0 means
// "never changed"), so a chunk's time fits in 4 bytes; and the decay of change counts.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

namespace memview::activity_time {

inline uint32_t stamp(int64_t ns, int64_t epoch_ns) {
  const int64_t ms = std::max<int64_t>(0, (ns - epoch_ns) / 1'000'000) + 1;
  return static_cast<uint32_t>(std::min<int64_t>(ms, std::numeric_limits<uint32_t>::max()));
}

inline int64_t to_ns(uint32_t stamp, int64_t epoch_ns) {
  return stamp == 0 ? 0 : epoch_ns + (static_cast<int64_t>(stamp) - 1) * 1'000'000;
}

// `count` as of stamp `last`, decayed to stamp `now` (halving every half_life_s seconds).
inline double decay(double count, uint32_t last, uint32_t now, double half_life_s) {
  if (last == 0 || now <= last) return count;
  const double seconds = static_cast<double>(now - last) / 1000.0;
  return count * std::exp2(-seconds / half_life_s);
}

}  // namespace memview::activity_time
