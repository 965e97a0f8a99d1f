// One point of a watch's history (watches.h), also what a sparkline's buckets take.
#pragma once

#include <cstdint>

namespace memview::gui {

struct WatchSample {
  int64_t t_ns = 0;
  double value = 0;
  bool readable = false;  // false: a gap (the bytes could not be read at t)
};

}  // namespace memview::gui
