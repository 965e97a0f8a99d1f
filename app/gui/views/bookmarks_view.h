// Bookmarks: named offsets in a source; a click jumps the grid's cursor there. Part of the
// saved workspace. Adding and removing from the panel are requests, applied by
// apply_requests() at the end of the frame.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "inline_edit.h"
#include "memview/source.h"
#include "theme.h"
#include "views/hex_view.h"
#include "widget_rect.h"

namespace memview::gui {

struct Bookmark {
  std::string name;
  uint64_t address = 0;  // absolute
};

struct BookmarksState {
  std::vector<Bookmark> items;
  std::string new_name;
  WidgetRect name_box, add_button;
  std::vector<WidgetRect> go_rects;  // last frame, one per item

  // Renaming (a double-click on a name, or F2 for the bookmark at the cursor): which item,
  // and its edit box. rename_request: the item to rename from the next frame, -1 none.
  int renaming = -1;
  int rename_request = -1;
  InlineEdit rename;
  WidgetRect rename_box;

  // Asked for by the panel this frame.
  std::vector<Bookmark> add_requests;
  std::vector<size_t> remove_requests;  // indexes into items

  // Adds a bookmark at `address` (a default name when `name` is empty).
  void add(std::string name, uint64_t address);
  // Applies the panel's requests (removals first, by index; then additions).
  void apply_requests();
};

// Moves the grid's cursor to a bookmark.
// The nearest bookmark after (forward) or before `address`, -1 none.
int bookmark_next(const BookmarksState& state, uint64_t address, bool forward);
// The first bookmark at `address`, -1 none.
int bookmark_at(const BookmarksState& state, uint64_t address);
void bookmark_goto(const Bookmark& b, HexViewState& hex, const SourceInfo& info);
void draw_bookmarks(BookmarksState& state, HexViewState& hex, const SourceInfo& info,
                    const Palette& palette);

}  // namespace memview::gui
