#include "tracked_bytes.h"

#include <algorithm>

namespace memview::gui {

size_t gather_known(const ChangeTracker& tracker, uint64_t address, size_t n, std::byte* out) {
  size_t done = 0;
  while (done < n) {
    const TrackedBytes row = tracker.row(address + done, n - done);
    if (row.length == 0) break;
    size_t i = 0;
    for (; i < row.length; ++i) {
      const uint8_t f = row.flags[i];
      if (!(f & kKnown) || (f & kUnreadable)) break;
      out[done + i] = row.values[i];
    }
    done += i;
    if (i < row.length) break;
  }
  return done;
}

std::vector<std::byte> gather_known(const ChangeTracker& tracker, uint64_t address, size_t n) {
  std::vector<std::byte> out(n);
  out.resize(gather_known(tracker, address, n, out.data()));
  return out;
}

}  // namespace memview::gui
