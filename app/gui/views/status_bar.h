// The status bar: source, size, read-write or read-only (and why) or gone, cursor,
// selection, paused, held writes, changes per second, frame time.
#pragma once

#include <string>
#include <vector>

#include "memview/source.h"
#include "theme.h"
#include "views/hex_view.h"

namespace memview::gui {

struct FrameStats {
  double cpu_ms = 0;    // time to build the last frame (UI + poll), smoothed
  double frame_ms = 0;  // time between frames, smoothed
};

struct StatusBarInput {
  const SourceInfo* info = nullptr;  // null when no source is shown (the Open tab)
  const HexViewState* hex = nullptr;
  double changes_per_second = 0;
  bool paused = false;  // the tab does not poll
  // The source is gone: its name removed, its process exited or its link dropped.
  bool gone = false;
  SourceEvent::Kind gone_kind = SourceEvent::Kind::removed;
  size_t pending_edits = 0;  // edits a source's worker has not finished yet
  std::string attached;      // how many processes map it (attached_status), empty: not known
  std::string sweep;         // the activity sweeper's achieved period (activity_status)
  // A whole process (its address space as one source): the size of what it maps, from its
  // memory map; 0 mappings: not known, the source's size is shown.
  uint64_t mapped_bytes = 0;
  size_t mappings = 0;
  FrameStats frame;
  std::string freezes;    // the tab's frozen watches (WatchesState::freeze_summary), empty: none
  size_t discovered = 0;  // objects listed (Open tab)
  std::string notice;     // the app's latest message (App::notice), shown last
};

// The fields shown, left to right (also what tests read).
std::vector<std::string> status_fields(const StatusBarInput& in);
// What the bar drew: the right edge of its text, and whether a field had to be cut at the
// window's edge (then "..." ends it and hovering the bar shows every field).
struct StatusBarDrawn {
  float right = 0;
  bool cut = false;
};
StatusBarDrawn draw_status_bar(const StatusBarInput& in, const Palette& palette);

std::string human_size(uint64_t n);

}  // namespace memview::gui
