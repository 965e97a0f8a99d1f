// How strongly a byte another process changed glows: the grid, the overlay tree and the
// tooltips fade it the same way.
#pragma once

#include <algorithm>
#include <cstdint>

namespace memview::gui {

// 1 for a change seen at now_ns, fading linearly to 0 after fade_seconds; 0 for a byte
// never changed (changed_ns == 0).
inline float change_glow(int64_t changed_ns, int64_t now_ns, float fade_seconds) {
  if (changed_ns == 0) return 0.0f;
  const double fade_ns = std::max(0.01f, fade_seconds) * 1e9;
  const double age = static_cast<double>(now_ns - changed_ns);
  if (age < 0) return 1.0f;
  if (age >= fade_ns) return 0.0f;
  return static_cast<float>(1.0 - age / fade_ns);
}

}  // namespace memview::gui
