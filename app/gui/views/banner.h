// The banner above the grid when the source was resized, removed, its process exited or its
// link dropped: it says what happened in one sentence, that the viewer keeps showing the
// bytes it last read, and offers to reopen.
#pragma once

#include <cstdint>
#include <string>

#include "memview/source.h"
#include "theme.h"

namespace memview::gui {

struct BannerState {
  bool visible = false;
  bool gone = false;  // removed, exited or disconnected (else: resized)
  SourceEvent::Kind kind = SourceEvent::Kind::resized;
  std::string message;
  int64_t since_ns = 0;
  std::string reopen_error;  // why the last reopen failed

  void add(const SourceEvent& event, int64_t now_ns);
};

enum class BannerAction { none, reopen, close_tab };

// Draws the banner (when visible) across the available width; returns what was clicked.
BannerAction draw_banner(BannerState& state, const Palette& palette);

}  // namespace memview::gui
