// The hex grid's input: navigation keys, edit commands (copy, paste, undo, redo), typed
// digits and characters, and the mouse. Edits go to the Editor at once; the cursor moves
// only through hex_view_move_cursor.
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "keys.h"
#include "memview/numbers.h"
#include "source_offsets.h"
#include "views/hex_view.h"
#include "views/hex_view_parts.h"
#include "words.h"

namespace memview::gui::hex_parts {

namespace {

constexpr uint64_t kMaxCopyBytes = 1u << 20;

int hex_value(unsigned c) {
  if (c >= '0' && c <= '9') return static_cast<int>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<int>(c - 'a' + 10);
  if (c >= 'A' && c <= 'F') return static_cast<int>(c - 'A' + 10);
  return -1;
}

void move_to(HexViewState& s, const SourceInfo& info, uint64_t target, bool extend) {
  hex_view_move_cursor(
      s, info, {.address = target, .select = extend ? CursorSelect::extend : CursorSelect::none});
}

// The clipboard as bytes for the column the cursor is in: hex digits, or the text itself.
Result<std::vector<std::byte>> clipboard_bytes(HexColumn column) {
  const char* clip = ImGui::GetClipboardText();
  const std::string text = clip ? clip : "";
  if (column == HexColumn::hex) {
    auto parsed = parse_hex_bytes(text);
    if (!parsed.ok()) {
      return make_error(Errc::invalid_argument,
                        "clipboard is not hex bytes (" + parsed.error().message + ")");
    }
    return parsed;
  }
  if (text.empty()) return make_error(Errc::invalid_argument, "the clipboard is empty");
  std::vector<std::byte> bytes;
  for (char ch : text) bytes.push_back(static_cast<std::byte>(ch));
  return bytes;
}

void paste(HexViewState& s, HexViewContext& ctx) {
  if (!cursor_writable(s, "paste")) return;
  auto bytes = clipboard_bytes(s.column);
  if (!bytes.ok()) {
    set_message(s, "paste refused: " + bytes.error().message, true);
    return;
  }
  const uint64_t c = s.cursor;
  const uint64_t end = source_end(ctx.info);
  // Checked here too so the message names the cursor; the editor refuses it anyway.
  if (bytes->size() > end - c) {
    set_message(s,
                fmt::format("paste refused: {} at 0x{:x} do not fit (the object ends at "
                            "0x{:x}); nothing written",
                            bytes_text(bytes->size()), c, end),
                true);
    return;
  }
  if (!write_bytes(s, ctx, c, *bytes, "paste")) return;
  hex_view_move_cursor(
      s, ctx.info, {.address = c + bytes->size() - 1, .select = CursorSelect::range, .anchor = c});
  set_message(s, fmt::format("pasted {} at 0x{:x}", bytes_text(bytes->size()), c), false);
}

// Undo (or redo) the newest journal entry; the cursor goes to the bytes it restored.
void undo_or_redo(HexViewState& s, HexViewContext& ctx, bool redo) {
  Editor& ed = *ctx.editor;
  const char* verb = redo ? "redo" : "undo";
  if (!(redo ? ed.can_redo() : ed.can_undo())) {
    set_message(s, fmt::format("nothing to {}", verb), false);
    return;
  }
  Status st = redo ? ed.redo() : ed.undo();
  if (!st.ok()) {
    set_message(s, fmt::format("{} refused: {}", verb, st.error().message), true);
    return;
  }
  // After an undo the entry is on the redo stack; after a redo, back on the undo stack.
  const Edit& e = redo ? ed.undo_stack().back() : ed.redo_stack().back();
  const std::vector<std::byte>& now = redo ? e.after : e.before;
  move_to(s, ctx.info, e.address, false);
  s.last_write_address = e.address;
  s.last_write = now;
  ++s.write_count;
  set_message(s,
              fmt::format("{} the edit of {} at 0x{:x}", redo ? "redid" : "undid",
                          bytes_text(now.size()), e.address),
              false);
}

// One typed byte at the cursor; the cursor moves on to the next byte.
void type_byte(HexViewState& s, HexViewContext& ctx, std::byte b) {
  const uint64_t at = s.cursor;
  if (!write_bytes(s, ctx, at, std::span<const std::byte>(&b, 1), "edit")) return;
  s.message.clear();
  const bool more = at + 1 < source_end(ctx.info);
  hex_view_move_cursor(s, ctx.info, {.address = more ? at + 1 : at});
}

}  // namespace

void request_copy(HexViewState& s, ByteRange r, CopyFormat format) {
  if (r.length > kMaxCopyBytes) {
    set_message(s,
                fmt::format("copy refused: {} selected, at most {} can be copied",
                            bytes_text(r.length), kMaxCopyBytes),
                true);
    return;
  }
  s.copy_request = true;
  s.copy_range = r;
  s.copy_format = format;
}

void set_message(HexViewState& s, std::string text, bool error) {
  s.message = std::move(text);
  s.message_clock.restart();
  s.message_is_error = error;
}

bool write_bytes(HexViewState& s, HexViewContext& ctx, uint64_t address,
                 std::span<const std::byte> bytes, const char* what) {
  if (!ctx.editor) {
    set_message(s, fmt::format("{}: this view cannot edit", what), true);
    return false;
  }
  Status st = ctx.editor->write(address, bytes);
  if (!st.ok()) {
    set_message(s, fmt::format("{} refused: {}", what, st.error().message), true);
    return false;
  }
  s.last_write_address = address;
  s.last_write.assign(bytes.begin(), bytes.end());
  ++s.write_count;
  return true;
}

void handle_navigation_keys(HexViewState& s, const HexViewContext& ctx) {
  const SourceInfo& info = ctx.info;
  if (info.size == 0) return;
  const ImGuiIO& io = ImGui::GetIO();
  const bool shift = io.KeyShift;
  const bool ctrl = io.KeyCtrl;
  const HexLayout& l = s.layout;
  const uint64_t bpr = static_cast<uint64_t>(l.bytes_per_row);
  const uint64_t base = info.base;
  const uint64_t end = source_end(info);
  const uint64_t page = bpr * static_cast<uint64_t>(std::max(1, l.rows_fit));
  const uint64_t c = s.cursor;
  const uint64_t row_start = l.row_base + (c - l.row_base) / bpr * bpr;
  // Alt with these keys belongs to the timeline strip under the grid.
  if (io.KeyAlt) return;

  if (key_pressed(ImGuiKey_LeftArrow)) move_to(s, info, c > base ? c - 1 : base, shift);
  if (key_pressed(ImGuiKey_RightArrow)) move_to(s, info, c + 1, shift);
  // Written as differences: c + bpr would wrap near the top of a 64-bit address space.
  if (key_pressed(ImGuiKey_UpArrow)) move_to(s, info, c - base >= bpr ? c - bpr : c, shift);
  if (key_pressed(ImGuiKey_DownArrow)) move_to(s, info, end - c > bpr ? c + bpr : c, shift);
  // Paging moves the rows with the cursor, so it stays where it was on the screen.
  if (key_pressed(ImGuiKey_PageUp)) {
    const uint64_t step = std::min(page, (c - base) / bpr * bpr);
    move_to(s, info, c - step, shift);
    const uint64_t rows = step / bpr;
    s.top_row = s.top_row > rows ? s.top_row - rows : 0;
  }
  if (key_pressed(ImGuiKey_PageDown)) {
    const uint64_t step = std::min(page, (end - 1 - c) / bpr * bpr);
    move_to(s, info, c + step, shift);
    s.top_row = clamp_top(s.top_row + step / bpr, l);
  }
  if (key_pressed(ImGuiKey_Home)) move_to(s, info, ctrl ? base : std::max(row_start, base), shift);
  if (key_pressed(ImGuiKey_End)) {
    move_to(s, info, ctrl ? end - 1 : std::min(row_start + bpr - 1, end - 1), shift);
  }
}

void handle_edit_keys(HexViewState& s, HexViewContext& ctx) {
  const ImGuiIO& io = ImGui::GetIO();
  if (key_pressed(ImGuiKey_Tab) && !io.KeyCtrl) {
    s.column = s.column == HexColumn::hex ? HexColumn::ascii : HexColumn::hex;
    s.pending_nibble = -1;
  }
  if (key_pressed(ImGuiKey_Enter, false) || key_pressed(ImGuiKey_KeyPadEnter, false)) {
    hex_view_confirm_cursor(s);
  }
  if (key_pressed(ImGuiKey_Escape)) {
    if (s.pending_nibble >= 0) {
      s.pending_nibble = -1;
    } else {
      s.has_anchor = false;
      s.editing = false;
    }
  }
  if (!io.KeyCtrl || ctx.info.size == 0) return;
  if (key_pressed(ImGuiKey_C)) request_copy(s, s.selection_or_cursor(), CopyFormat::hex);
  if (key_pressed(ImGuiKey_V)) paste(s, ctx);
  const bool redo = key_pressed(ImGuiKey_Y) || (io.KeyShift && key_pressed(ImGuiKey_Z));
  const bool undo = !io.KeyShift && key_pressed(ImGuiKey_Z);
  if (ctx.editor && undo) undo_or_redo(s, ctx, false);
  if (ctx.editor && redo) undo_or_redo(s, ctx, true);
}

void handle_typing(HexViewState& s, HexViewContext& ctx) {
  const ImGuiIO& io = ImGui::GetIO();
  if (io.InputQueueCharacters.Size == 0 || io.KeyCtrl || io.KeyAlt) return;
  if (ctx.info.size == 0) return;
  for (int k = 0; k < io.InputQueueCharacters.Size; ++k) {
    const unsigned ch = io.InputQueueCharacters[k];
    if (s.column == HexColumn::hex) {
      const int v = hex_value(ch);
      if (v < 0) {
        if (ch > ' ') set_message(s, "type hex digits 0-9 a-f here (Tab: ASCII column)", true);
        continue;
      }
      if (!cursor_writable(s, "typing")) continue;
      if (s.pending_nibble < 0) {
        s.pending_nibble = v;
        continue;
      }
      const std::byte b{static_cast<unsigned char>((s.pending_nibble << 4) | v)};
      s.pending_nibble = -1;
      type_byte(s, ctx, b);
    } else {
      if (ch < 0x20 || ch > 0x7e) {
        set_message(s, "only printable ASCII can be typed in the ASCII column", true);
        continue;
      }
      if (!cursor_writable(s, "typing")) continue;
      type_byte(s, ctx, std::byte{static_cast<unsigned char>(ch)});
    }
  }
}

void handle_mouse(HexViewState& s, const SourceInfo& info) {
  const ImGuiIO& io = ImGui::GetIO();
  const HexLayout& l = s.layout;
  if (ImGui::IsItemActivated()) {
    const HexHit hit = hex_view_hit(s, info, io.MousePos);
    const CursorSelect select = io.KeyShift ? CursorSelect::extend : CursorSelect::range;
    if (!io.KeyShift) s.editing = false;
    hex_view_move_cursor(s, info,
                         {.address = hit.address,
                          .select = select,
                          .anchor = hit.address,
                          .reveal = CursorReveal::none});
    s.column = hit.column;
    s.mouse_selecting = true;
  } else if (ImGui::IsItemActive() && s.mouse_selecting) {
    // Dragging past the top or bottom scrolls one row per frame.
    if (io.MousePos.y < l.rows_y && s.top_row > 0) --s.top_row;
    if (io.MousePos.y > l.grid_bottom) s.top_row = clamp_top(s.top_row + 1, l);
    hex_view_move_cursor(s, info,
                         {.address = hex_view_hit(s, info, io.MousePos).address,
                          .select = CursorSelect::extend,
                          .reveal = CursorReveal::none});
  }
  if (ImGui::IsItemDeactivated() && s.mouse_selecting) {
    s.mouse_selecting = false;
    if (s.has_anchor && s.anchor == s.cursor && !io.KeyShift) s.has_anchor = false;
  }
  if (ImGui::IsItemHovered() && ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left)) {
    const HexHit hit = hex_view_hit(s, info, io.MousePos);
    if (hit.inside) {
      hex_view_move_cursor(s, info, {.address = hit.address, .reveal = CursorReveal::none});
      s.column = hit.column;
      s.mouse_selecting = false;
      s.editing = true;
    }
  }
  if (ImGui::IsItemHovered() && ImGui::IsMouseClicked(ImGuiMouseButton_Right)) {
    const HexHit hit = hex_view_hit(s, info, io.MousePos);
    const ByteRange selected = s.selection_or_cursor();
    const bool in_selection =
        s.has_selection() && hit.address >= selected.address && hit.address < selected.end();
    if (hit.inside && !in_selection) {
      hex_view_move_cursor(s, info, {.address = hit.address, .reveal = CursorReveal::none});
      s.column = hit.column;
    }
    if (hit.inside) ImGui::OpenPopup(kGridMenuId);
  }
  if (ImGui::IsWindowHovered() && io.MouseWheel != 0.0f && !io.KeyCtrl) {  // Ctrl: zoom
    const int64_t rows = static_cast<int64_t>(std::lround(-io.MouseWheel * 3.0f));
    if (rows < 0) {
      const uint64_t up = static_cast<uint64_t>(-rows);
      s.top_row = s.top_row > up ? s.top_row - up : 0;
    } else {
      s.top_row = clamp_top(s.top_row + static_cast<uint64_t>(rows), l);
    }
  }
}

}  // namespace memview::gui::hex_parts
