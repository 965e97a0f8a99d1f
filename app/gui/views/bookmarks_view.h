// Bookmarks: named offsets in a source; a click (or Enter) jumps the grid's cursor there.
// Part of the saved workspace.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "memview/source.h"
#include "theme.h"
#include "views/hex_view.h"
#include "views/overlay_view.h"

namespace memview::gui {

struct Bookmark {
  std::string name;
  uint64_t address = 0;  // absolute
};

struct BookmarksState {
  std::vector<Bookmark> items;
  std::string new_name;
  WidgetRect add_button;
  std::vector<WidgetRect> go_rects;  // last frame, one per item

  // Adds a bookmark at `address` (a default name when `name` is empty).
  void add(std::string name, uint64_t address);
};

// Moves the grid's cursor to a bookmark.
void bookmark_goto(const Bookmark& b, HexViewState& hex, const SourceInfo& info);
void draw_bookmarks(BookmarksState& state, HexViewState& hex, const SourceInfo& info,
                    const Palette& palette);

}  // namespace memview::gui
