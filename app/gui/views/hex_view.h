// The hex grid: address, hex and ASCII columns over the bytes the poller last read.
//
// A frame of the grid has two phases around the session's poll:
//   hex_view_begin()   opens the grid's child window, handles keyboard and mouse (edits go
//                      to the Editor at once) and lays out the visible rows;
//   hex_view_request() asks the Poller for exactly the visible rows (and a pending copy);
//   (the session polls)
//   hex_view_end()     draws from the ChangeTracker and closes the child window.
// Rows are drawn as runs of text and highlight rectangles on the draw list, not a widget
// per byte. Scrolling is virtual (a 64-bit top row and an own scrollbar): ImGui's float
// scroll positions cannot address the rows of a 1 GiB mapping exactly.
//
// The cursor moves through one call, hex_view_move_cursor(): keys, mouse, Go to, undo,
// bookmarks, regions, overlay fields and workspaces all use it. When the source shrinks or
// moves so that the cursor's byte is gone, hex_view_fit_source() clamps the cursor, says
// so, and holds every write at the cursor (typing, paste, the inspector) until the user
// moves the cursor or confirms with Enter: keys typed for one byte never land on another.
//
// Everything a test wants to check (cursor, selection, what an edit wrote, the message,
// how many bytes glow) is plain data in HexViewState.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "memview/change_tracker.h"
#include "memview/editor.h"
#include "memview/poller.h"
#include "memview/source.h"
#include "theme.h"
#include "transient_message.h"
#include "widget_rect.h"

namespace memview::gui {

enum class HexColumn { hex, ascii };

// Geometry of the last frame, in screen coordinates (for mouse hit tests and tests).
struct HexLayout {
  bool valid = false;
  int bytes_per_row = 16;  // the row width this layout was made for
  float char_w = 0;
  float row_h = 0;
  int addr_digits = 8;
  float addr_x = 0;
  float hex_x = 0;    // left edge of the first hex digit of byte 0
  float ascii_x = 0;  // left edge of the ASCII character of byte 0
  float rows_y = 0;   // top of the first visible row
  float grid_right = 0;
  float grid_bottom = 0;
  int rows_fit = 1;       // rows that fit completely
  int rows_drawn = 0;     // including a partial last row
  uint64_t row_base = 0;  // address of row 0 (base rounded down to bytes_per_row)
  uint64_t total_rows = 0;
};

// What was under the mouse.
struct HexHit {
  bool inside = false;  // on a byte cell (false: a clamped position while dragging)
  uint64_t address = 0;
  HexColumn column = HexColumn::hex;
};

// How the grid brings the cursor into view at its next layout.
enum class CursorReveal {
  none,     // leave the scroll position alone
  visible,  // scroll just enough to show the cursor's row
  center,   // the cursor's row a third of the way down
  top,      // the cursor's row as the top row
};

// What a cursor move does with the selection.
enum class CursorSelect {
  none,    // drop the selection
  extend,  // select from where the cursor was (or from the existing anchor) to the target
  range,   // select from `anchor` to the target
};

// One cursor move (see hex_view_move_cursor).
struct CursorMove {
  uint64_t address = 0;  // the new cursor, absolute; clamped into the source
  CursorSelect select = CursorSelect::none;
  uint64_t anchor = 0;  // CursorSelect::range: the selection's other end (clamped too)
  CursorReveal reveal = CursorReveal::visible;
  bool focus = false;  // give the grid the keyboard (a click in another panel moved it)
};

// "Find this value" takes at most this many bytes of the selection.
inline constexpr uint64_t kMaxFindBytes = 256;

// How a copy puts the bytes on the clipboard: "de ad", "{0xde, 0xad}", or the text (bytes
// that are not printable ASCII as '.'). find_pattern fills HexViewState::find_hex instead.
enum class CopyFormat { hex, c_array, text, find_pattern };

// What the grid's context menu asks the tab to do this frame (copies and Go to the view does
// itself); the App takes it after hex_view_end and resets it.
enum class GridMenuAction { none, bookmark, add_overlay, add_watch, find_value };

struct HexViewState {
  // Cursor and selection (absolute addresses). The cursor moves only through
  // hex_view_move_cursor() and hex_view_fit_source(); Escape, or a click without a drag,
  // drops the selection.
  uint64_t cursor = 0;
  HexColumn column = HexColumn::hex;
  int pending_nibble = -1;  // first typed hex digit of the cursor byte, -1 when none
  bool editing = false;     // double-click edit mode (cosmetic: typing always edits)
  bool has_anchor = false;  // selection = [min(anchor, cursor), max(anchor, cursor)]
  uint64_t anchor = 0;
  bool mouse_selecting = false;
  // The cursor's byte went away under it (the source shrank or moved) and the cursor was
  // clamped from lost_cursor: writes at the cursor are held until the user moves the
  // cursor or presses Enter in the grid.
  bool writes_held = false;
  uint64_t lost_cursor = 0;

  // Scrolling (in rows) and focus.
  uint64_t top_row = 0;
  CursorReveal reveal = CursorReveal::visible;  // applied at the next layout
  bool focus_request = true;
  bool focused = false;
  float scroll_grab = -1;  // scrollbar drag: grab offset inside the thumb

  // The byte under the mouse (a tooltip shows it after a moment).
  bool hover_valid = false;
  uint64_t hover_address = 0;
  double hover_since = 0;

  // Go-to dialog.
  bool goto_request = false;
  bool goto_open = false;
  bool goto_focus = false;
  std::string goto_text;
  std::string goto_error;

  // Feedback: the last message (errors of edits, undo refusals, copy/paste results).
  // Shown in the toolbar for a few seconds (transient_message.h).
  std::string message;
  bool message_is_error = false;
  MessageClock message_clock;

  // The last successful write made by this view (typing, paste, undo/redo).
  uint64_t last_write_address = 0;
  std::vector<std::byte> last_write;
  uint64_t write_count = 0;

  // Copy: requested by Ctrl+C or the context menu, completed after the poll of the same
  // frame.
  bool copy_request = false;
  ByteRange copy_range;
  CopyFormat copy_format = CopyFormat::hex;
  std::string last_copied;

  // Context menu (right-click on a byte; the byte becomes the cursor unless it is inside
  // the selection). Its items as last drawn, by label, for tests.
  GridMenuAction menu_action = GridMenuAction::none;
  std::string find_hex;  // "Find this value": the selection's bytes (at most kMaxFindBytes)
  std::vector<std::pair<std::string, WidgetRect>> menu_items;

  // Results of the last draw.
  uint64_t visible_begin = 0;  // address range of the visible rows
  uint64_t visible_end = 0;
  int highlighted_bytes = 0;  // bytes glowing from a foreign change
  int own_edit_bytes = 0;
  int unreadable_bytes = 0;  // never read: drawn as "??"
  int stale_bytes = 0;       // not readable now: drawn dimmed with the last value read
  int tinted_bytes = 0;      // bytes drawn with an overlay field colour
  int marked_bytes = 0;      // bytes drawn with a mark (HexViewContext::marks)
  int bookmarked_rows = 0;   // rows drawn with a bookmark mark
  bool tooltip_shown = false;
  HexLayout layout;

  // The selection, or the cursor byte when nothing is selected.
  ByteRange selection_or_cursor() const;
  bool has_selection() const { return has_anchor && anchor != cursor; }
};

struct HexViewContext {
  const SourceInfo& info;
  const ChangeTracker& tracker;
  Editor* editor = nullptr;  // null: no editing
  const Palette& palette;
  int64_t now_ns = 0;
  // The viewer's settings for every grid (Settings owns them).
  int bytes_per_row = 16;  // 8, 16 or 32 (anything else is taken as 16)
  float fade_seconds = 1.0f;
  // Optional colour per byte (overlay fields, Find's candidates), set between
  // hex_view_begin and hex_view_end: tint[a - tint_begin] for a in [tint_begin, tint_end);
  // 0 = none. Drawn as a band along the bottom of the cells (tint_underline()), so the
  // change glow, own-edit marks and the selection, which fill the cells, stay visible.
  const ImU32* tint = nullptr;
  uint64_t tint_begin = 0;
  uint64_t tint_end = 0;
  // Optional: byte ranges marked by a line along the top of their cells in both columns
  // (a running write watch, a diff's changed bytes), clear of the fields' band at the bottom.
  const ByteRange* marks = nullptr;
  size_t mark_count = 0;
  ImU32 mark_colour = 0;
  // Optional: bookmarked addresses, sorted: their rows get a mark left of the address.
  const uint64_t* bookmarks = nullptr;
  size_t bookmark_count = 0;
  // Optional: adds lines to the hover tooltip of a byte (e.g. the overlay field there).
  std::function<void(uint64_t address)> tooltip_extra = nullptr;
};

// Phase 1: child window, input, layout. `size` as for ImGui::BeginChild.
void hex_view_begin(HexViewState& state, HexViewContext& ctx, ImVec2 size);
// The ranges to poll this frame.
void hex_view_request(const HexViewState& state, Poller& poller);
// Phase 2: draws the grid, the go-to dialog, completes a copy; ends the child window.
void hex_view_end(HexViewState& state, HexViewContext& ctx);

// Width the grid needs for its columns and scrollbar with the current font.
float hex_view_preferred_width(int bytes_per_row, const SourceInfo& info);

// Hit test against the last layout (for tests and the view itself).
HexHit hex_view_hit(const HexViewState& state, const SourceInfo& info, ImVec2 pos);
// Screen position of the centre of a byte's cell in a column (last layout).
ImVec2 hex_view_cell_center(const HexViewState& state, uint64_t address, HexColumn column);

// The one way the cursor moves. Afterwards: the cursor (and an anchor) lie inside the
// source (both at its base when it is empty, with no selection); a half-typed byte is
// dropped; held writes are released (the user chose where the cursor is); the grid shows
// the cursor as `move.reveal` asks at its next layout.
void hex_view_move_cursor(HexViewState& state, const SourceInfo& info, const CursorMove& move);

// Moves the cursor to an offset typed by the user (decimal or 0x hex; see
// parse_source_offset) and centres it.
Status hex_view_goto(HexViewState& state, const SourceInfo& info, std::string_view text);

// Keeps the cursor and anchor inside the source after it changed (resized, moved,
// reopened). When the cursor's byte is gone the cursor is clamped, a message says where it
// went, and writes at the cursor are held (HexViewState::writes_held). Returns whether the
// cursor had to move.
bool hex_view_fit_source(HexViewState& state, const SourceInfo& info);

// Enter in the grid while writes are held: the user accepts the clamped cursor.
void hex_view_confirm_cursor(HexViewState& state);

}  // namespace memview::gui
