// The hex grid's cursor: the one move operation, keeping it inside a source that changed,
// and scrolling it into view.
#include <algorithm>

#include <fmt/format.h>

#include "source_offsets.h"
#include "views/hex_view.h"
#include "views/hex_view_parts.h"

namespace memview::gui {

using hex_parts::set_message;

ByteRange HexViewState::selection_or_cursor() const {
  if (!has_anchor) return {cursor, 1};
  const uint64_t lo = std::min(anchor, cursor);
  const uint64_t hi = std::max(anchor, cursor);
  return {lo, hi - lo + 1};
}

void hex_view_move_cursor(HexViewState& s, const SourceInfo& info, const CursorMove& m) {
  s.pending_nibble = -1;
  s.writes_held = false;
  if (m.focus) s.focus_request = true;
  if (info.size == 0) {
    s.cursor = s.anchor = info.base;
    s.has_anchor = false;
    return;
  }
  const uint64_t last = source_end(info) - 1;
  switch (m.select) {
    case CursorSelect::none:
      s.has_anchor = false;
      break;
    case CursorSelect::extend:
      if (!s.has_anchor) s.anchor = s.cursor;
      s.has_anchor = true;
      break;
    case CursorSelect::range:
      s.anchor = m.anchor;
      s.has_anchor = true;
      break;
  }
  s.anchor = std::clamp(s.anchor, info.base, last);
  s.cursor = std::clamp(m.address, info.base, last);
  if (m.reveal != CursorReveal::none) s.reveal = m.reveal;
}

Status hex_view_goto(HexViewState& s, const SourceInfo& info, std::string_view text) {
  auto target = parse_source_offset(text, info);
  if (!target.ok()) return target.error();
  hex_view_move_cursor(s, info, {.address = target.value(), .reveal = CursorReveal::center});
  return {};
}

bool hex_view_fit_source(HexViewState& s, const SourceInfo& info) {
  if (info.size == 0) {
    const bool moved = s.cursor != info.base;
    s.cursor = s.anchor = info.base;
    s.has_anchor = false;
    s.pending_nibble = -1;
    return moved;
  }
  const uint64_t last = source_end(info) - 1;
  s.anchor = std::clamp(s.anchor, info.base, last);
  if (s.cursor >= info.base && s.cursor <= last) return false;
  // The cursor's byte is gone: the keys the user is typing were meant for it, not for
  // whatever byte the clamp lands on.
  const uint64_t was = s.cursor;
  s.cursor = std::clamp(s.cursor, info.base, last);
  s.pending_nibble = -1;
  s.writes_held = true;
  s.lost_cursor = was;
  s.reveal = CursorReveal::visible;
  set_message(s,
              fmt::format("the byte at 0x{:x} is gone (the object is now 0x{:x}..0x{:x}): the "
                          "cursor moved to 0x{:x}; nothing is written until you move the cursor "
                          "or press Enter",
                          was, info.base, last + 1, s.cursor),
              true);
  return true;
}

void hex_view_confirm_cursor(HexViewState& s) {
  if (!s.writes_held) return;
  s.writes_held = false;
  set_message(s, fmt::format("typing writes at 0x{:x} again", s.cursor), false);
}

namespace hex_parts {

int valid_bytes_per_row(int bpr) {
  return bpr == 8 || bpr == 16 || bpr == 32 ? bpr : 16;
}

uint64_t clamp_top(uint64_t top, const HexLayout& l) {
  const uint64_t max_top =
      l.total_rows > static_cast<uint64_t>(l.rows_fit) ? l.total_rows - l.rows_fit : 0;
  return std::min(top, max_top);
}

void apply_reveal(HexViewState& s, const SourceInfo& info) {
  const CursorReveal reveal = s.reveal;
  s.reveal = CursorReveal::none;
  const HexLayout& l = s.layout;
  if (reveal == CursorReveal::none || s.cursor < l.row_base || info.size == 0) return;
  const uint64_t row = (s.cursor - l.row_base) / static_cast<uint64_t>(l.bytes_per_row);
  const uint64_t fit = static_cast<uint64_t>(l.rows_fit);
  switch (reveal) {
    case CursorReveal::none:
      break;
    case CursorReveal::visible:
      if (row < s.top_row) {
        s.top_row = row;
      } else if (row >= s.top_row + fit) {
        s.top_row = row - fit + 1;
      }
      break;
    case CursorReveal::center: {
      const uint64_t above = fit / 3;
      s.top_row = row > above ? row - above : 0;
      break;
    }
    case CursorReveal::top:
      s.top_row = row;
      break;
  }
  s.top_row = clamp_top(s.top_row, l);
}

bool cursor_writable(HexViewState& s, const char* what) {
  if (!s.writes_held) return true;
  set_message(s,
              fmt::format("{} held: the byte at 0x{:x} is gone and the cursor moved to 0x{:x}; "
                          "move the cursor or press Enter to write there",
                          what, s.lost_cursor, s.cursor),
              true);
  return false;
}

}  // namespace hex_parts

}  // namespace memview::gui
