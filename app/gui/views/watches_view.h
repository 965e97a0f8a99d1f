// The Watches panel: the add box (a typed address, or the grid's selection), the table of
// watches (name, type, value glowing on change, min, max, changes, last change, sparkline),
// and for the selected watch its plot, CSV export and freeze controls. No I/O: adds,
// removals and freezes are requests (watches.h applies them at the end of the frame); the
// values come from the session's poll.
#pragma once

#include <cstdint>
#include <string>

#include "memview/source.h"
#include "theme.h"
#include "views/hex_view.h"
#include "views/overlay_view.h"
#include "watches.h"

namespace memview::gui {

struct WatchesContext {
  const SourceInfo& info;
  const HexViewState& hex;  // the selection, for "Add selection"
  const Palette& palette;
  int64_t now_ns = 0;
  float fade_seconds = 1.0f;
};

// "Watches (3)###watches", with a mark when some are frozen.
std::string watches_tab_label(const WatchesState& state);
void draw_watches(WatchesState& state, const WatchesContext& ctx);

// A watch of an overlay field: its scalar type (integers, enums, bools, pointers and floats
// of 1, 2, 4 or 8 bytes; not bitfields) at the field's address, named overlay.path.
Result<WatchTarget> watch_field(const Field& field, uint64_t address, std::string name);
// Moves what the overlay tree's "Watch" menu asked for into the panel's add requests (or a
// message saying why a field cannot be watched). True when something was asked for.
bool take_overlay_watches(OverlayPanelState& overlays, WatchesState& watches);

}  // namespace memview::gui
