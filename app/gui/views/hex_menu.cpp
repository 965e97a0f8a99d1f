// The grid's context menu: copies in three forms and Go to, which the view does itself, and
// the actions the tab takes (GridMenuAction): bookmark, overlay, watch, find.
#include <algorithm>

#include "hex_view_parts.h"
#include "views/hex_view.h"

namespace memview::gui::hex_parts {

namespace {

// A menu item, recorded for tests; true when chosen.
bool grid_menu_item(HexViewState& s, const char* label, const char* shortcut = nullptr) {
  const bool chosen = ImGui::MenuItem(label, shortcut);
  s.menu_items.emplace_back(label, WidgetRect::last_item());
  return chosen;
}

}  // namespace

void draw_grid_menu(HexViewState& s) {
  if (!ImGui::BeginPopup(kGridMenuId)) return;
  s.menu_items.clear();
  const ByteRange r = s.selection_or_cursor();
  if (grid_menu_item(s, "Copy as hex", "Ctrl+C")) request_copy(s, r, CopyFormat::hex);
  if (grid_menu_item(s, "Copy as C array")) request_copy(s, r, CopyFormat::c_array);
  if (grid_menu_item(s, "Copy as text")) request_copy(s, r, CopyFormat::text);
  ImGui::Separator();
  if (grid_menu_item(s, "Go to...", "Ctrl+G")) s.goto_request = true;
  if (grid_menu_item(s, "Bookmark here", "Ctrl+B")) s.menu_action = GridMenuAction::bookmark;
  ImGui::Separator();
  if (grid_menu_item(s, "Add overlay here")) s.menu_action = GridMenuAction::add_overlay;
  if (grid_menu_item(s, "Add watch")) s.menu_action = GridMenuAction::add_watch;
  if (grid_menu_item(s, "Find this value")) {
    // The bytes are read with the next poll; the action follows when they are there.
    request_copy(s, {r.address, std::min(r.length, kMaxFindBytes)}, CopyFormat::find_pattern);
  }
  ImGui::EndPopup();
}

}  // namespace memview::gui::hex_parts
