// The grid's context menu, the part the tab carries out: a bookmark at the cursor, the Add
// overlay form at the selection, a watch of the selection, a find of the selected bytes.
#include <fmt/format.h>

#include <utility>

#include "app.h"
#include "watches.h"

namespace memview::gui {

void App::take_grid_menu_action(Session& s) {
  const GridMenuAction action = std::exchange(s.hex.menu_action, GridMenuAction::none);
  const ByteRange r = s.hex.selection_or_cursor();
  switch (action) {
    case GridMenuAction::none:
      return;
    case GridMenuAction::bookmark:
      s.bookmarks.add({}, s.hex.cursor);
      side_tab_request = SideTab::bookmarks;
      return;
    case GridMenuAction::add_overlay:
      overlay_form.at_cursor = false;
      overlay_form.offset_text = fmt::format("0x{:x}", r.address - s.info().base);
      side_tab_request = SideTab::add_overlay;
      return;
    case GridMenuAction::add_watch:
      if (Result<WatchTarget> t = watch_selection(r); t) {
        s.watches.add_requests.push_back(std::move(*t));
      } else {
        s.watches.set_message(t.error().message, true);
      }
      side_tab_request = SideTab::watches;
      return;
    case GridMenuAction::find_value:
      s.find.form.mode = FindMode::pattern;
      s.find.form.pattern_kind = PatternKind::hex;
      s.find.form.pattern = s.hex.find_hex;
      s.find.focus_request = true;
      side_tab_request = SideTab::find;
      return;
  }
}

}  // namespace memview::gui
