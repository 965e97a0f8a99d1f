// Small helpers over ChangeTracker for views: views read what the poller last saw, never
// the source itself.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "memview/change_tracker.h"

namespace memview::gui {

// Copies up to `n` bytes starting at `address` into out, stopping at the first byte that
// was never read or is unreadable in the latest poll. Returns how many were copied.
size_t gather_known(const ChangeTracker& tracker, uint64_t address, size_t n, std::byte* out);

// The same, into a vector; the result is shorter than n when a byte was unavailable.
std::vector<std::byte> gather_known(const ChangeTracker& tracker, uint64_t address, size_t n);

}  // namespace memview::gui
