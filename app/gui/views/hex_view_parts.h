// Internal to the hex view (hex_view.cpp and the hex_*.cpp files beside it): the column
// geometry of a row and the pieces hex_view_begin/end are made of.
#pragma once

#include <cstdint>
#include <span>

#include "views/hex_view.h"

namespace memview::gui::hex_parts {

constexpr char kHexDigits[] = "0123456789abcdef";
constexpr int kMaxBytesPerRow = 32;

// Column of byte i inside the hex text of a row: "xx xx xx xx xx xx xx xx  xx ..."
// (an extra space after every 8 bytes, as hexdump -C).
constexpr int hex_char_pos(int i) {
  return 3 * i + i / 8;
}
constexpr int hex_text_len(int bpr) {
  return hex_char_pos(bpr - 1) + 2;
}

// 8, 16 or 32; anything else is taken as 16.
int valid_bytes_per_row(int bpr);
// The top row clamped so that the last row is at the bottom at the lowest.
uint64_t clamp_top(uint64_t top, const HexLayout& l);
// Scrolls so that the cursor shows as state.reveal asks, then clears the request.
void apply_reveal(HexViewState& s, const SourceInfo& info);

void set_message(HexViewState& s, std::string text, bool error);
// Writes through the editor; records the result for the UI and tests.
bool write_bytes(HexViewState& s, HexViewContext& ctx, uint64_t address,
                 std::span<const std::byte> bytes, const char* what);
// Whether a write at the cursor may go ahead; when writes are held it says why instead.
bool cursor_writable(HexViewState& s, const char* what);

// Input (hex_input.cpp), each with the grid focused and no popup open.
void handle_navigation_keys(HexViewState& s, const HexViewContext& ctx);
void handle_edit_keys(HexViewState& s, HexViewContext& ctx);
void handle_typing(HexViewState& s, HexViewContext& ctx);
// The grid's cells as one invisible button: click, drag, double-click, right-click (opens
// the context menu), wheel.
void handle_mouse(HexViewState& s, const SourceInfo& info);
// Asks for a copy of `r` (refused with a message when it is too long to copy).
void request_copy(HexViewState& s, ByteRange r, CopyFormat format);

// The grid's context menu (hex_menu.cpp), opened by handle_mouse.
inline constexpr const char* kGridMenuId = "##gridmenu";
void draw_grid_menu(HexViewState& s);

// Drawing (hex_rows.cpp): every visible row with its highlights and the cursor frame.
void draw_rows(HexViewState& s, const HexViewContext& ctx);

}  // namespace memview::gui::hex_parts
