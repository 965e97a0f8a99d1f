// The timeline's widgets: the Record button and its form, Save recording, and the strip
// under the grid (change density, trigger marks, the position; drag to scrub, wheel to
// zoom, Home/End, Left/Right to the previous/next change, Live, playback). They change the
// TimelineState's position directly; what needs the source or the recording's other
// bytes (starting, stepping, saving) is returned as an action for the App to carry out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "theme.h"
#include "timeline.h"

namespace memview::gui {

struct RecordAction {
  bool start = false;  // start recording state.plan
  bool stop = false;
  std::string save_path;  // save the recording there
};

// The toolbar's part: "Record..." (a form: what, rate, ring), or "Stop recording", and
// "Save recording...". `plan` is what a press would record now.
RecordAction draw_record_controls(TimelineState& t, const Palette& pal, bool can_record);

struct StripAction {
  int step = 0;  // -1 / +1: step to the previous / next change
};

// Height the strip takes under the grid (controls and the density row).
float timeline_strip_height();
// The strip, `width` wide. present_ns: the present in recording time (live tabs), else
// unset. Its keys act once it was clicked, or with Alt while the grid has the keyboard
// (grid_focused): the grid keeps plain arrows and Home/End for its cursor.
StripAction draw_timeline_strip(TimelineState& t, const Palette& pal, float width,
                                std::optional<int64_t> present_ns, int64_t now_ns,
                                bool grid_focused);

}  // namespace memview::gui
