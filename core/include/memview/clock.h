// Monotonic time in nanoseconds: the time base of change stamps.
#pragma once

#include <chrono>
#include <cstdint>

namespace memview {

inline int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace memview
