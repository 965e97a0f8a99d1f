// The activity map: a narrow vertical strip beside the grid's scrollbar showing where in the
// whole object (or, for a pid: tab, in every readable mapping of the process) bytes changed,
// from the views the tab's background sweeper (memview/activity.h) publishes.
//
// Each pixel row covers an equal share of the swept chunks (for a process: the chunks of its
// mappings one after the other, gaps between mappings drawn as gap lines), coloured with the
// grid's glow colour by how recently and how often it changed; unreadable parts are grey. The
// grid's visible rows are outlined; a click or drag moves the cursor there; hovering shows the
// range, its mapping and its last change. F8 / Shift+F8 (activity_map_jump) move the cursor to
// the next / previous chunk that changed within the last `recent_s` seconds outside the rows
// on screen.
//
// The view owns no I/O: the session starts the sweeper and hands its latest view over
// (session_activity.cpp). Times are in the sweeper's time base, memview::now_ns(), which the
// session stores in `clock_ns` each frame (the frame's own clock may be a test's).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "memview/activity.h"
#include "theme.h"
#include "views/hex_view.h"
#include "widget_rect.h"

namespace memview::gui {

struct ActivityMapState {
  // The tab runs a sweeper and shows the map. Off until asked for (the toolbar's Map box):
  // a sweep reads the whole object, which maps every page of it into the viewer. The box
  // is remembered (Settings::activity_map) for the tabs opened later.
  bool enabled = false;
  double cpu_budget = 0.25;  // share of one core the sweeper may use
  double recent_s = 30.0;    // F8 and the map's colour: changes within this many seconds
  int64_t clock_ns = 0;      // memview::now_ns() of this frame (set by the session)
  std::shared_ptr<const ActivityView> view;  // the newest published view; null until swept
  std::string error;                         // why the tab has no sweeper (or it failed)

  // Results of the last draw (what tests read).
  WidgetRect rect;                          // the strip
  WidgetRect checkbox;                      // the toolbar's Map box
  std::vector<ActivityCell> cells;          // one per pixel row
  int changed_rows = 0;                     // rows holding a chunk that ever changed
  int unreadable_rows = 0;                  // rows holding an unreadable chunk
  int gap_lines = 0;                        // boundaries between non-adjacent regions
  float window_top = 0, window_bottom = 0;  // the outline of the visible rows (screen y)
  bool tooltip_shown = false;
  uint64_t cells_version = 0;  // sweeps() of the view the cells came from
  std::string message;         // the last jump's outcome when it found nothing
};

// Width of the strip (0 when the map is off).
float activity_map_width(const ActivityMapState& s);

// The chunks pixel row k of `rows` covers, as ActivityView::rows() splits them.
size_t activity_map_row_first_chunk(size_t chunks, size_t rows, size_t k);
// The pixel row holding chunk c.
size_t activity_map_row_of_chunk(size_t chunks, size_t rows, size_t c);

// Draws the strip at the current cursor position, `height` tall, beside the grid whose state
// is `hex`; a click or drag moves its cursor.
void draw_activity_map(ActivityMapState& s, HexViewState& hex, const SourceInfo& info,
                       const Palette& palette, float height);

// F8 (forward) / Shift+F8: moves the cursor to the start of the next / previous chunk that
// changed within recent_s seconds and lies outside the visible rows. Returns whether it moved
// (otherwise s.message says why).
bool activity_map_jump(ActivityMapState& s, HexViewState& hex, const SourceInfo& info,
                       bool forward);

// The status bar's field: the achieved sweep period and CPU share, "sweeping..." before the
// first sweep, the error, or empty when the map is off.
std::string activity_status(const ActivityMapState& s);

}  // namespace memview::gui
