// The Find panel (a side tab, Ctrl+F from anywhere): value scans with narrowing and pattern
// searches, a progress bar while a job runs, and the results as a virtual table whose
// current values are polled like the grid (only the visible rows) and glow on change. A
// click on a result moves the grid's cursor there; its context menu bookmarks it, adds it
// as a watch typed as the scan's value (value scans), or copies its address; a double-click
// on a current value edits it through the Editor.
// The panel draws from FindState and only records requests (find_state.h applies them).
#pragma once

#include <cstdint>

#include "find_state.h"
#include "memview/change_tracker.h"
#include "memview/editor.h"
#include "memview/source.h"
#include "theme.h"
#include "views/bookmarks_view.h"
#include "views/hex_view.h"
#include "watches.h"

namespace memview::gui {

struct FindViewContext {
  const SourceInfo& info;
  const ChangeTracker& tracker;
  Editor* editor = nullptr;
  const Palette& palette;
  HexViewState& hex;
  BookmarksState& bookmarks;
  WatchesState& watches;
  int64_t now_ns = 0;
  float fade_seconds = 1.0f;
};

// The table lists at most this many rows (ImGui's float positions lose whole rows
// beyond); the count says how many there are, and narrowing brings the rest in.
inline constexpr uint64_t kFindMaxTableRows = 4'000'000;

// "Find###find", with the candidate count when there are results.
std::string find_tab_label(const FindState& state);

// Writes `text` (a value of the row's type) at result row `row`; journalled by the Editor.
Status find_write_value(FindState& state, FindViewContext& ctx, uint64_t row,
                        const std::string& text);

void draw_find(FindState& state, FindViewContext& ctx);

}  // namespace memview::gui
