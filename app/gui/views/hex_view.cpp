// The hex grid's frame: the child window and its layout, the own scrollbar, hit tests,
// and what hex_view_end draws around the rows (column header, tooltip, Go-to dialog).
#include "views/hex_view.h"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "keys.h"
#include "memview/numbers.h"
#include "source_offsets.h"
#include "tracked_bytes.h"
#include "views/hex_view_parts.h"
#include "words.h"

namespace memview::gui {

using namespace hex_parts;

namespace {

constexpr float kPadX = 6.0f;
constexpr float kPadY = 4.0f;

int hex_digits_for(uint64_t v) {
  int d = 1;
  while (v >>= 4) ++d;
  return d;
}

int address_digits(const SourceInfo& info) {
  return std::max(8, hex_digits_for(info.size ? source_end(info) - 1 : info.base));
}

// The grid's geometry for this frame, from the font, the window and the source.
void lay_out(HexLayout& l, const SourceInfo& info, int bpr) {
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  l.valid = true;
  l.bytes_per_row = bpr;
  l.char_w = ImGui::CalcTextSize("0").x;
  l.row_h = std::round(ImGui::GetTextLineHeight() + ImGui::GetStyle().ItemSpacing.y * 0.5f);
  l.addr_digits = address_digits(info);
  l.addr_x = origin.x;
  l.hex_x = l.addr_x + static_cast<float>(l.addr_digits + 2) * l.char_w;
  l.ascii_x = l.hex_x + static_cast<float>(hex_text_len(bpr) + 2) * l.char_w;
  l.rows_y = origin.y + l.row_h + 2.0f;  // below the column header
  l.grid_right = origin.x + avail.x - ImGui::GetStyle().ScrollbarSize;
  l.grid_bottom = origin.y + avail.y;
  const float rows_h = std::max(0.0f, l.grid_bottom - l.rows_y);
  l.rows_fit = std::max(1, static_cast<int>(std::floor(rows_h / l.row_h)));
  l.rows_drawn = std::max(1, static_cast<int>(std::ceil(rows_h / l.row_h)));
  l.row_base = info.base - info.base % static_cast<uint64_t>(bpr);
  // Not (span + bpr - 1) / bpr: that wraps for a source ending near 2^64.
  const uint64_t span = source_end(info) - l.row_base;
  l.total_rows = info.size == 0 ? 0 : span / bpr + (span % bpr != 0);
}

// The own scrollbar: a track with a thumb; dragging maps linearly onto the 64-bit row.
void scrollbar(HexViewState& s, ImVec2 pos, ImVec2 size) {
  const HexLayout& l = s.layout;
  const uint64_t max_top = clamp_top(~uint64_t{0}, l);
  ImGui::SetCursorScreenPos(pos);
  ImGui::InvisibleButton("##hexscroll", size);
  const bool active = ImGui::IsItemActive();
  const bool hovered = ImGui::IsItemHovered();
  const float track_h = size.y;
  float thumb_h = track_h;
  if (l.total_rows > 0) {
    thumb_h = static_cast<float>(track_h * std::min(1.0, static_cast<double>(l.rows_fit) /
                                                             static_cast<double>(l.total_rows)));
  }
  thumb_h = std::clamp(thumb_h, std::min(track_h, l.row_h * 1.5f), track_h);
  const float span = track_h - thumb_h;
  auto thumb_y = [&] {
    return max_top == 0 ? pos.y
                        : pos.y + static_cast<float>(span * static_cast<double>(s.top_row) /
                                                     static_cast<double>(max_top));
  };
  if (active && max_top > 0 && span > 0) {
    const float my = ImGui::GetIO().MousePos.y;
    if (ImGui::IsItemActivated()) {
      const float ty = thumb_y();
      s.scroll_grab = (my >= ty && my < ty + thumb_h) ? my - ty : thumb_h * 0.5f;
    }
    const double t = std::clamp((my - s.scroll_grab - pos.y) / span, 0.0f, 1.0f);
    s.top_row = static_cast<uint64_t>(std::llround(t * static_cast<double>(max_top)));
  }
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(pos, ImVec2(pos.x + size.x, pos.y + size.y),
                    ImGui::GetColorU32(ImGuiCol_ScrollbarBg));
  if (max_top > 0) {
    const float ty = thumb_y();
    const ImGuiCol col = active    ? ImGuiCol_ScrollbarGrabActive
                         : hovered ? ImGuiCol_ScrollbarGrabHovered
                                   : ImGuiCol_ScrollbarGrab;
    dl->AddRectFilled(ImVec2(pos.x + 2, ty), ImVec2(pos.x + size.x - 2, ty + thumb_h),
                      ImGui::GetColorU32(col), ImGui::GetStyle().ScrollbarRounding);
  }
}

// Which byte is under the mouse, and since when (the tooltip waits a moment).
void track_hover(HexViewState& s, const SourceInfo& info, bool hovering) {
  const HexHit hit = hovering ? hex_view_hit(s, info, ImGui::GetIO().MousePos) : HexHit{};
  if (!hit.inside) {
    s.hover_valid = false;
  } else if (!s.hover_valid || s.hover_address != hit.address) {
    s.hover_valid = true;
    s.hover_address = hit.address;
    s.hover_since = ImGui::GetTime();
  }
}

// The address range of the rows on screen, which hex_view_request asks the poller for.
void update_visible_range(HexViewState& s, const SourceInfo& info) {
  const HexLayout& l = s.layout;
  const uint64_t bpr = static_cast<uint64_t>(l.bytes_per_row);
  const uint64_t rows_visible = std::min<uint64_t>(
      static_cast<uint64_t>(l.rows_drawn), l.total_rows > s.top_row ? l.total_rows - s.top_row : 0);
  const uint64_t first = l.row_base + s.top_row * bpr;  // <= end: top_row < total_rows
  s.visible_begin = std::max(info.base, first);
  s.visible_end = first + std::min<uint64_t>(rows_visible * bpr, source_end(info) - first);
  if (s.visible_end < s.visible_begin) s.visible_end = s.visible_begin;
}

// A copy completes after the poll of the frame that asked for it, from what was read.
void finish_copy(HexViewState& s, const ChangeTracker& tracker) {
  if (!s.copy_request) return;
  s.copy_request = false;
  std::vector<std::byte> bytes =
      gather_known(tracker, s.copy_range.address, static_cast<size_t>(s.copy_range.length));
  if (bytes.size() == s.copy_range.length) {
    switch (s.copy_format) {
      case CopyFormat::find_pattern:
        s.find_hex = format_hex_bytes(bytes.data(), bytes.size());
        s.menu_action = GridMenuAction::find_value;
        return;
      case CopyFormat::c_array:
        s.last_copied = format_c_array(bytes.data(), bytes.size());
        break;
      case CopyFormat::text:
        s.last_copied = format_printable(bytes.data(), bytes.size());
        break;
      case CopyFormat::hex:
        s.last_copied = format_hex_bytes(bytes.data(), bytes.size());
        break;
    }
    ImGui::SetClipboardText(s.last_copied.c_str());
    const char* as = s.copy_format == CopyFormat::hex       ? "hex"
                     : s.copy_format == CopyFormat::c_array ? "a C array"
                                                            : "text";
    set_message(s, fmt::format("copied {} as {}", bytes_text(bytes.size()), as), false);
  } else {
    const char* what = s.copy_format == CopyFormat::find_pattern ? "find" : "copy";
    set_message(s,
                fmt::format("{} refused: the byte at 0x{:x} could not be read", what,
                            s.copy_range.address + bytes.size()),
                true);
  }
}

// Byte offsets above the hex and ASCII columns, and the column separators.
void draw_column_header(const HexLayout& l, const SourceInfo& info, const Palette& pal) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const int bpr = l.bytes_per_row;
  const float y = l.rows_y - l.row_h - 2.0f;
  char buf[kMaxBytesPerRow * 4 + 8];
  std::memset(buf, ' ', sizeof(buf));
  for (int i = 0; i < bpr; ++i) {
    buf[hex_char_pos(i)] = kHexDigits[(i >> 4) & 15];
    buf[hex_char_pos(i) + 1] = kHexDigits[i & 15];
  }
  dl->AddText(ImVec2(l.hex_x, y), pal.header, buf, buf + hex_text_len(bpr));
  for (int i = 0; i < bpr; ++i) buf[i] = kHexDigits[i & 15];
  dl->AddText(ImVec2(l.ascii_x, y), pal.header, buf, buf + bpr);
  dl->AddText(ImVec2(l.addr_x, y), pal.header, position_word(info));
  const float top = l.rows_y - 1.0f;
  const ImU32 sep = (pal.header & ~IM_COL32_A_MASK) | (0x40u << IM_COL32_A_SHIFT);
  for (const float x : {l.hex_x - l.char_w, l.ascii_x - l.char_w}) {
    dl->AddLine(ImVec2(x, top), ImVec2(x, l.grid_bottom), sep);
  }
}

// A byte hovered for a moment: where it is, what it holds, when it last changed.
void draw_byte_tooltip(HexViewState& s, const HexViewContext& ctx) {
  s.tooltip_shown = false;
  const SourceInfo& info = ctx.info;
  if (!s.hover_valid || ImGui::GetTime() - s.hover_since <= 0.5 ||
      s.hover_address >= source_end(info)) {
    return;
  }
  s.tooltip_shown = true;
  const uint64_t a = s.hover_address;
  const uint8_t f = ctx.tracker.flags(a);
  ImGui::BeginTooltip();
  ImGui::Text("offset 0x%llx (%llu)", static_cast<unsigned long long>(a - info.base),
              static_cast<unsigned long long>(a - info.base));
  if (!(f & kKnown)) {
    ImGui::TextUnformatted("not readable");
  } else {
    const unsigned v = static_cast<unsigned>(ctx.tracker.value(a));
    std::string line = fmt::format("0x{:02x} = {}", v, v);
    if (v >= 0x80) line += fmt::format(" = {} signed", static_cast<int>(static_cast<int8_t>(v)));
    if (v >= 0x20 && v < 0x7f) line += fmt::format(" = '{}'", static_cast<char>(v));
    ImGui::TextUnformatted(line.c_str());
    const int64_t changed = ctx.tracker.changed_ns(a);
    if (f & kUnreadable) {
      ImGui::TextUnformatted("not readable now: the last value read");
    } else if (f & kOwnEdit) {
      ImGui::TextUnformatted("written here");
    } else if (changed != 0) {
      ImGui::Text("changed by another process %.1f s ago",
                  static_cast<double>(ctx.now_ns - changed) / 1e9);
    } else {
      ImGui::TextUnformatted("unchanged since opened");
    }
  }
  if (ctx.tooltip_extra) ctx.tooltip_extra(a);
  ImGui::EndTooltip();
}

// The Go-to dialog (modal). Opened from the grid's window so closing it gives focus back.
void draw_goto_dialog(HexViewState& s, const SourceInfo& info, const Palette& pal) {
  if (s.goto_request) {
    s.goto_request = false;
    s.goto_text.clear();
    s.goto_error.clear();
    s.goto_focus = true;
    ImGui::OpenPopup("Go to offset");
  }
  s.goto_open = false;
  if (!ImGui::BeginPopupModal("Go to offset", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) return;
  s.goto_open = true;
  ImGui::Text("Go to %s (decimal or 0x hex):", position_word(info));
  if (s.goto_focus) {
    ImGui::SetKeyboardFocusHere();
    s.goto_focus = false;
  }
  ImGui::SetNextItemWidth(s.layout.char_w * 24);
  bool go =
      ImGui::InputText("##goto", &s.goto_text,
                       ImGuiInputTextFlags_EnterReturnsTrue | ImGuiInputTextFlags_AutoSelectAll);
  if (!s.goto_error.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, pal.error_text);
    ImGui::TextUnformatted(s.goto_error.c_str());
    ImGui::PopStyleColor();
  }
  go |= ImGui::Button("Go");
  ImGui::SameLine();
  const bool cancel = ImGui::Button("Cancel") || key_pressed(ImGuiKey_Escape, false);
  Status st;
  if (go) st = hex_view_goto(s, info, s.goto_text);
  if (go && !st.ok()) {
    s.goto_error = st.error().message;
    s.goto_focus = true;
  } else if (go || cancel) {
    ImGui::CloseCurrentPopup();
    s.focus_request = true;
    s.goto_open = false;
  }
  ImGui::EndPopup();
}

}  // namespace

float hex_view_preferred_width(int bpr, const SourceInfo& info) {
  bpr = valid_bytes_per_row(bpr);
  const float cw = ImGui::CalcTextSize("0").x;
  const int chars = address_digits(info) + 2 + hex_text_len(bpr) + 2 + bpr + 1;
  return static_cast<float>(chars) * cw + ImGui::GetStyle().ScrollbarSize + 2 * kPadX;
}

HexHit hex_view_hit(const HexViewState& s, const SourceInfo& info, ImVec2 pos) {
  HexHit hit;
  const HexLayout& l = s.layout;
  if (!l.valid || info.size == 0) return hit;
  const int bpr = l.bytes_per_row;
  const double rowf = std::floor((pos.y - l.rows_y) / l.row_h);
  int64_t row = static_cast<int64_t>(rowf) + static_cast<int64_t>(s.top_row);
  bool inside = pos.y >= l.rows_y && pos.y < l.grid_bottom && pos.x < l.grid_right;
  row = std::clamp<int64_t>(row, 0, static_cast<int64_t>(std::max<uint64_t>(l.total_rows, 1) - 1));
  int index = 0;
  if (pos.x >= l.ascii_x - l.char_w * 0.5f) {
    hit.column = HexColumn::ascii;
    index = static_cast<int>(std::floor((pos.x - l.ascii_x) / l.char_w));
    if (index >= bpr) inside = false;
  } else {
    hit.column = HexColumn::hex;
    index = bpr - 1;
    for (int i = 0; i < bpr; ++i) {
      const float right = l.hex_x + (hex_char_pos(i) + 2.5f) * l.char_w;
      if (pos.x < right) {
        index = i;
        break;
      }
    }
    if (pos.x < l.hex_x - l.char_w) inside = false;
  }
  index = std::clamp(index, 0, bpr - 1);
  const uint64_t end = source_end(info);
  const uint64_t a = l.row_base + static_cast<uint64_t>(row) * bpr + static_cast<uint64_t>(index);
  if (a < info.base || a >= end) inside = false;
  hit.address = std::clamp(a, info.base, end - 1);
  hit.inside = inside;
  return hit;
}

ImVec2 hex_view_cell_center(const HexViewState& s, uint64_t address, HexColumn column) {
  const HexLayout& l = s.layout;
  const uint64_t bpr = static_cast<uint64_t>(l.bytes_per_row);
  const uint64_t row = (address - l.row_base) / bpr;
  const int i = static_cast<int>((address - l.row_base) % bpr);
  const float y =
      l.rows_y + (static_cast<float>(static_cast<int64_t>(row - s.top_row)) + 0.5f) * l.row_h;
  const float x = column == HexColumn::hex ? l.hex_x + (hex_char_pos(i) + 1.0f) * l.char_w
                                           : l.ascii_x + (i + 0.5f) * l.char_w;
  return {x, y};
}

void hex_view_begin(HexViewState& s, HexViewContext& ctx, ImVec2 size) {
  const SourceInfo& info = ctx.info;
  if (s.focus_request) {
    ImGui::SetNextWindowFocus();
    s.focus_request = false;
  }
  ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(kPadX, kPadY));
  ImGui::BeginChild("##hexgrid", size, false,
                    ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse |
                        ImGuiWindowFlags_NoNavInputs);
  ImGui::PopStyleVar();

  HexLayout& l = s.layout;
  const int bpr = valid_bytes_per_row(ctx.bytes_per_row);
  // Another row width: the cursor's row moved, keep it on screen.
  if (l.valid && l.bytes_per_row != bpr && s.reveal == CursorReveal::none) {
    s.reveal = CursorReveal::visible;
  }
  lay_out(l, info, bpr);
  hex_view_fit_source(s, info);
  s.focused = ImGui::IsWindowFocused();
  const bool popup_open = s.goto_open;

  // Mouse: the grid's cells are one invisible button, so ImGui knows a drag belongs to it.
  const float rows_h = std::max(1.0f, l.grid_bottom - l.rows_y);
  ImGui::SetCursorScreenPos(ImVec2(l.addr_x, l.rows_y));
  ImGui::InvisibleButton("##hexcells", ImVec2(std::max(1.0f, l.grid_right - l.addr_x), rows_h));
  if (!popup_open && info.size != 0) handle_mouse(s, info);
  track_hover(s, info, !popup_open && ImGui::IsItemHovered() && !ImGui::IsItemActive());
  scrollbar(s, ImVec2(l.grid_right, l.rows_y), ImVec2(ImGui::GetStyle().ScrollbarSize, rows_h));

  if (s.focused && !popup_open) {
    handle_navigation_keys(s, ctx);
    handle_edit_keys(s, ctx);
    handle_typing(s, ctx);
  }
  apply_reveal(s, info);
  s.top_row = clamp_top(s.top_row, l);
  update_visible_range(s, info);
}

void hex_view_request(const HexViewState& s, Poller& poller) {
  if (s.visible_end > s.visible_begin) {
    poller.request({s.visible_begin, s.visible_end - s.visible_begin});
  }
  if (s.copy_request) poller.request(s.copy_range);
}

void hex_view_end(HexViewState& s, HexViewContext& ctx) {
  finish_copy(s, ctx.tracker);
  draw_column_header(s.layout, ctx.info, ctx.palette);
  draw_rows(s, ctx);
  draw_byte_tooltip(s, ctx);
  draw_grid_menu(s);
  draw_goto_dialog(s, ctx.info, ctx.palette);
  ImGui::EndChild();
}

}  // namespace memview::gui
