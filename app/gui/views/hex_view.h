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

namespace memview::gui {

enum class HexColumn { hex, ascii };

// Geometry of the last frame, in screen coordinates (for mouse hit tests and tests).
struct HexLayout {
  bool valid = false;
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

struct HexViewState {
  // Settings.
  int bytes_per_row = 16;  // 8, 16 or 32
  float fade_seconds = 1.0f;
  bool paused = false;  // no polling: the display freezes

  // Cursor and selection (absolute addresses).
  uint64_t cursor = 0;
  HexColumn column = HexColumn::hex;
  int pending_nibble = -1;  // first typed hex digit of the cursor byte, -1 when none
  bool editing = false;     // double-click edit mode (cosmetic: typing always edits)
  bool has_anchor = false;  // selection = [min(anchor, cursor), max(anchor, cursor)]
  uint64_t anchor = 0;
  bool mouse_selecting = false;

  // Scrolling (in rows) and focus.
  uint64_t top_row = 0;
  bool scroll_to_cursor = true;
  bool center_cursor = false;
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
  std::string message;
  bool message_is_error = false;

  // The last successful write made by this view (typing, paste, undo/redo).
  uint64_t last_write_address = 0;
  std::vector<std::byte> last_write;
  uint64_t write_count = 0;

  // Copy: requested by Ctrl+C, completed after the poll of the same frame.
  bool copy_request = false;
  ByteRange copy_range;
  std::string last_copied;

  // Results of the last draw.
  uint64_t visible_begin = 0;  // address range of the visible rows
  uint64_t visible_end = 0;
  int highlighted_bytes = 0;  // bytes glowing from a foreign change
  int own_edit_bytes = 0;
  int unreadable_bytes = 0;  // drawn as "??"
  int tinted_bytes = 0;      // bytes drawn with an overlay field colour
  bool tooltip_shown = false;
  HexLayout layout;

  // The selection, or the cursor byte when nothing is selected.
  ByteRange selection_or_cursor() const;
  bool has_selection() const { return has_anchor && anchor != cursor; }
  // Keeps cursor/anchor inside [base, base + size).
  void clamp_to(const SourceInfo& info);
  // Glow strength (0..1) of a byte changed at changed_ns, at now_ns.
  float glow(int64_t changed_ns, int64_t now_ns) const;
};

struct HexViewContext {
  const SourceInfo& info;
  const ChangeTracker& tracker;
  Editor* editor = nullptr;  // null: no editing
  const Palette& palette;
  int64_t now_ns = 0;
  // Optional background colour per byte (overlay fields), set between hex_view_begin and
  // hex_view_end: tint[a - tint_begin] for a in [tint_begin, tint_end); 0 = none. Drawn
  // under the change glow, own-edit marks and the selection, so those stay visible.
  const ImU32* tint = nullptr;
  uint64_t tint_begin = 0;
  uint64_t tint_end = 0;
  // Optional: adds lines to the hover tooltip of a byte (e.g. the overlay field there).
  std::function<void(uint64_t address)> tooltip_extra = nullptr;
};

// Phase 1: child window, input, layout. `size` as for ImGui::BeginChild.
void hex_view_begin(HexViewState& state, HexViewContext& ctx, ImVec2 size);
// The ranges to poll this frame.
void hex_view_request(const HexViewState& state, const SourceInfo& info, Poller& poller);
// Phase 2: draws the grid, the go-to dialog, completes a copy; ends the child window.
void hex_view_end(HexViewState& state, HexViewContext& ctx);

// Width the grid needs for its columns and scrollbar with the current font.
float hex_view_preferred_width(int bytes_per_row, const SourceInfo& info);

// Hit test against the last layout (for tests and the view itself).
HexHit hex_view_hit(const HexViewState& state, const SourceInfo& info, ImVec2 pos);
// Screen position of the centre of a byte's cell in a column (last layout).
ImVec2 hex_view_cell_center(const HexViewState& state, uint64_t address, HexColumn column);

// Moves the cursor to an offset typed by the user (decimal or 0x hex); "address" values
// inside [base, end) are taken as addresses for sources whose base is not 0.
Status hex_view_goto(HexViewState& state, const SourceInfo& info, std::string_view text);

}  // namespace memview::gui
