#include "views/hex_view.h"

#include <GLFW/glfw3.h>
#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "memview/numbers.h"
#include "tracked_bytes.h"

namespace memview::gui {

namespace {

constexpr char kHexDigits[] = "0123456789abcdef";
constexpr uint64_t kMaxCopyBytes = 1u << 20;
constexpr int kMaxBytesPerRow = 32;
// Glow levels are quantised so that neighbouring bytes changed in one poll share one
// rectangle.
constexpr float kGlowLevels = 24.0f;

// Column of byte i inside the hex text of a row: "xx xx xx xx xx xx xx xx  xx ..."
// (an extra space after every 8 bytes, as hexdump -C).
inline int hex_char_pos(int i) {
  return 3 * i + i / 8;
}
inline int hex_text_len(int bpr) {
  return hex_char_pos(bpr - 1) + 2;
}

// One past the last byte. Sources end at most at 2^64 - 1 (a gdb stub's whole address
// space is base 0, size 2^64 - 1); a range that would end at 2^64 is cut one byte short
// rather than wrapping to 0.
uint64_t end_of(const SourceInfo& info) {
  return info.size > ~uint64_t{0} - info.base ? ~uint64_t{0} : info.base + info.size;
}

int hex_digits_for(uint64_t v) {
  int d = 1;
  while (v >>= 4) ++d;
  return d;
}

void set_message(HexViewState& s, std::string text, bool error) {
  s.message = std::move(text);
  s.message_is_error = error;
}

// Writes through the editor; records the result for the UI and tests.
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

int hex_value(unsigned c) {
  if (c >= '0' && c <= '9') return static_cast<int>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<int>(c - 'a' + 10);
  if (c >= 'A' && c <= 'F') return static_cast<int>(c - 'A' + 10);
  return -1;
}

// The current font's glyphs for ASCII, looked up once per frame.
struct GlyphCache {
  const ImFontGlyph* glyph[128] = {};  // null for invisible glyphs (space)
  float scale = 1.0f;

  static GlyphCache current() {
    GlyphCache g;
    const ImFont* font = ImGui::GetFont();
    g.scale = ImGui::GetFontSize() / font->FontSize;
    for (int c = 33; c < 127; ++c) {
      const ImFontGlyph* gl = font->FindGlyph(static_cast<ImWchar>(c));
      g.glyph[c] = (gl && gl->Visible) ? gl : nullptr;
    }
    return g;
  }
};

bool key_pressed(int glfw_key) {
  return ImGui::IsKeyPressed(glfw_key, true);
}

struct Geometry {
  float char_w, row_h;
};

Geometry font_geometry() {
  Geometry g;
  g.char_w = ImGui::CalcTextSize("0").x;
  g.row_h = std::round(ImGui::GetTextLineHeight() + ImGui::GetStyle().ItemSpacing.y * 0.5f);
  return g;
}

uint64_t clamp_top(uint64_t top, const HexLayout& l) {
  const uint64_t max_top =
      l.total_rows > static_cast<uint64_t>(l.rows_fit) ? l.total_rows - l.rows_fit : 0;
  return std::min(top, max_top);
}

void ensure_cursor_visible(HexViewState& s, const SourceInfo& info) {
  HexLayout& l = s.layout;
  const int bpr = s.bytes_per_row;
  if (s.cursor < l.row_base || info.size == 0) return;
  const uint64_t row = (s.cursor - l.row_base) / static_cast<uint64_t>(bpr);
  if (s.center_cursor) {
    const uint64_t above = static_cast<uint64_t>(l.rows_fit / 3);
    s.top_row = row > above ? row - above : 0;
  } else if (row < s.top_row) {
    s.top_row = row;
  } else if (row >= s.top_row + static_cast<uint64_t>(l.rows_fit)) {
    s.top_row = row - static_cast<uint64_t>(l.rows_fit) + 1;
  }
  s.top_row = clamp_top(s.top_row, l);
}

void move_cursor(HexViewState& s, const SourceInfo& info, uint64_t target, bool extend) {
  if (info.size == 0) return;
  target = std::clamp(target, info.base, end_of(info) - 1);
  if (extend) {
    if (!s.has_anchor) {
      s.has_anchor = true;
      s.anchor = s.cursor;
    }
  } else {
    s.has_anchor = false;
  }
  s.cursor = target;
  s.pending_nibble = -1;
  s.scroll_to_cursor = true;
}

void handle_keys(HexViewState& s, HexViewContext& ctx) {
  const ImGuiIO& io = ImGui::GetIO();
  const SourceInfo& info = ctx.info;
  const uint64_t bpr = static_cast<uint64_t>(s.bytes_per_row);
  const bool shift = io.KeyShift;
  const bool ctrl = io.KeyCtrl;
  const uint64_t base = info.base;
  const uint64_t end = end_of(info);
  if (info.size == 0) return;
  const uint64_t page = bpr * static_cast<uint64_t>(std::max(1, s.layout.rows_fit));
  const uint64_t c = s.cursor;
  const uint64_t row_start = s.layout.row_base + (c - s.layout.row_base) / bpr * bpr;

  if (key_pressed(GLFW_KEY_LEFT)) move_cursor(s, info, c > base ? c - 1 : base, shift);
  if (key_pressed(GLFW_KEY_RIGHT)) move_cursor(s, info, c + 1, shift);
  // Written as differences: c + bpr would wrap near the top of a 64-bit address space.
  if (key_pressed(GLFW_KEY_UP)) move_cursor(s, info, c - base >= bpr ? c - bpr : c, shift);
  if (key_pressed(GLFW_KEY_DOWN)) move_cursor(s, info, end - c > bpr ? c + bpr : c, shift);
  if (key_pressed(GLFW_KEY_PAGE_UP)) {
    const uint64_t step = std::min(page, (c - base) / bpr * bpr);
    move_cursor(s, info, c - step, shift);
    const uint64_t rows = step / bpr;
    s.top_row = s.top_row > rows ? s.top_row - rows : 0;
  }
  if (key_pressed(GLFW_KEY_PAGE_DOWN)) {
    const uint64_t step = std::min(page, (end - 1 - c) / bpr * bpr);
    move_cursor(s, info, c + step, shift);
    s.top_row = clamp_top(s.top_row + step / bpr, s.layout);
  }
  if (key_pressed(GLFW_KEY_HOME)) {
    move_cursor(s, info, ctrl ? base : std::max(row_start, base), shift);
  }
  if (key_pressed(GLFW_KEY_END)) {
    move_cursor(s, info, ctrl ? end - 1 : std::min(row_start + bpr - 1, end - 1), shift);
  }
  if (key_pressed(GLFW_KEY_TAB) && !ctrl) {
    s.column = s.column == HexColumn::hex ? HexColumn::ascii : HexColumn::hex;
    s.pending_nibble = -1;
  }
  if (key_pressed(GLFW_KEY_ESCAPE)) {
    if (s.pending_nibble >= 0) {
      s.pending_nibble = -1;
    } else {
      s.has_anchor = false;
      s.editing = false;
    }
  }
  if (!ctrl) return;

  if (key_pressed(GLFW_KEY_G)) s.goto_request = true;
  if (key_pressed(GLFW_KEY_C)) {
    const ByteRange r = s.selection_or_cursor();
    if (r.length > kMaxCopyBytes) {
      set_message(s,
                  fmt::format("copy refused: {} bytes selected, at most {} can be copied", r.length,
                              kMaxCopyBytes),
                  true);
    } else {
      s.copy_request = true;
      s.copy_range = r;
    }
  }
  if (key_pressed(GLFW_KEY_V)) {
    const char* clip = ImGui::GetClipboardText();
    std::string text = clip ? clip : "";
    std::vector<std::byte> bytes;
    if (s.column == HexColumn::hex) {
      auto parsed = parse_hex_bytes(text);
      if (!parsed.ok()) {
        set_message(s, "paste refused: clipboard is not hex bytes (" + parsed.error().message + ")",
                    true);
        return;
      }
      bytes = std::move(parsed.value());
    } else {
      for (char ch : text) bytes.push_back(static_cast<std::byte>(ch));
      if (bytes.empty()) {
        set_message(s, "paste refused: the clipboard is empty", true);
        return;
      }
    }
    // Checked here too so the message names the cursor; the editor refuses it anyway.
    if (bytes.size() > end - c) {
      set_message(s,
                  fmt::format("paste refused: {} bytes at 0x{:x} do not fit (the object ends at "
                              "0x{:x}); nothing written",
                              bytes.size(), c, end),
                  true);
      return;
    }
    if (write_bytes(s, ctx, c, bytes, "paste")) {
      s.has_anchor = true;
      s.anchor = c;
      s.cursor = c + bytes.size() - 1;
      s.pending_nibble = -1;
      s.scroll_to_cursor = true;
      set_message(s, fmt::format("pasted {} bytes at 0x{:x}", bytes.size(), c), false);
    }
  }
  const bool redo = key_pressed(GLFW_KEY_Y) || (shift && key_pressed(GLFW_KEY_Z));
  const bool undo = !shift && key_pressed(GLFW_KEY_Z);
  if (undo && ctx.editor) {
    if (!ctx.editor->can_undo()) {
      set_message(s, "nothing to undo", false);
    } else {
      const Edit e = ctx.editor->undo_stack().back();
      Status st = ctx.editor->undo();
      if (st.ok()) {
        move_cursor(s, info, e.address, false);
        s.last_write_address = e.address;
        s.last_write = e.before;
        ++s.write_count;
        set_message(s,
                    fmt::format("undid the edit of {} bytes at 0x{:x}", e.before.size(), e.address),
                    false);
      } else {
        set_message(s, "undo refused: " + st.error().message, true);
      }
    }
  }
  if (redo && ctx.editor) {
    if (!ctx.editor->can_redo()) {
      set_message(s, "nothing to redo", false);
    } else {
      Status st = ctx.editor->redo();
      if (st.ok()) {
        const Edit& e = ctx.editor->undo_stack().back();
        move_cursor(s, info, e.address, false);
        s.last_write_address = e.address;
        s.last_write = e.after;
        ++s.write_count;
        set_message(s,
                    fmt::format("redid the edit of {} bytes at 0x{:x}", e.after.size(), e.address),
                    false);
      } else {
        set_message(s, "redo refused: " + st.error().message, true);
      }
    }
  }
}

void handle_chars(HexViewState& s, HexViewContext& ctx) {
  const ImGuiIO& io = ImGui::GetIO();
  if (io.InputQueueCharacters.Size == 0 || io.KeyCtrl || io.KeyAlt) return;
  const SourceInfo& info = ctx.info;
  if (info.size == 0) return;
  for (int k = 0; k < io.InputQueueCharacters.Size; ++k) {
    const unsigned ch = io.InputQueueCharacters[k];
    const uint64_t at = s.cursor;
    if (s.column == HexColumn::hex) {
      const int v = hex_value(ch);
      if (v < 0) {
        if (ch > ' ') set_message(s, "type hex digits 0-9 a-f here (Tab: ASCII column)", true);
        continue;
      }
      if (s.pending_nibble < 0) {
        s.pending_nibble = v;
        continue;
      }
      const std::byte b{static_cast<unsigned char>((s.pending_nibble << 4) | v)};
      s.pending_nibble = -1;
      if (write_bytes(s, ctx, at, std::span<const std::byte>(&b, 1), "edit")) {
        s.message.clear();
        s.has_anchor = false;
        if (at + 1 < end_of(info)) s.cursor = at + 1;
        s.scroll_to_cursor = true;
      }
    } else {
      if (ch < 0x20 || ch > 0x7e) {
        set_message(s, "only printable ASCII can be typed in the ASCII column", true);
        continue;
      }
      const std::byte b{static_cast<unsigned char>(ch)};
      if (write_bytes(s, ctx, at, std::span<const std::byte>(&b, 1), "edit")) {
        s.message.clear();
        s.has_anchor = false;
        if (at + 1 < end_of(info)) s.cursor = at + 1;
        s.scroll_to_cursor = true;
      }
    }
  }
}

// The own scrollbar: a track with a thumb; dragging maps linearly onto the 64-bit row.
void scrollbar(HexViewState& s, ImVec2 pos, ImVec2 size) {
  HexLayout& l = s.layout;
  const uint64_t max_top =
      l.total_rows > static_cast<uint64_t>(l.rows_fit) ? l.total_rows - l.rows_fit : 0;
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
  const ImGuiStyle& st = ImGui::GetStyle();
  dl->AddRectFilled(pos, ImVec2(pos.x + size.x, pos.y + size.y),
                    ImGui::GetColorU32(ImGuiCol_ScrollbarBg));
  if (max_top > 0) {
    const float ty = thumb_y();
    const ImGuiCol col = active    ? ImGuiCol_ScrollbarGrabActive
                         : hovered ? ImGuiCol_ScrollbarGrabHovered
                                   : ImGuiCol_ScrollbarGrab;
    dl->AddRectFilled(ImVec2(pos.x + 2, ty), ImVec2(pos.x + size.x - 2, ty + thumb_h),
                      ImGui::GetColorU32(col), st.ScrollbarRounding);
  }
}

}  // namespace

constexpr float kPadX = 6.0f;
constexpr float kPadY = 4.0f;

float hex_view_preferred_width(int bpr, const SourceInfo& info) {
  const float cw = ImGui::CalcTextSize("0").x;
  const int addr_digits = std::max(8, hex_digits_for(info.size ? end_of(info) - 1 : info.base));
  const int chars = addr_digits + 2 + hex_text_len(bpr) + 2 + bpr + 1;
  return chars * cw + ImGui::GetStyle().ScrollbarSize + 2 * kPadX;
}

ByteRange HexViewState::selection_or_cursor() const {
  if (!has_anchor) return {cursor, 1};
  const uint64_t lo = std::min(anchor, cursor);
  const uint64_t hi = std::max(anchor, cursor);
  return {lo, hi - lo + 1};
}

void HexViewState::clamp_to(const SourceInfo& info) {
  if (info.size == 0) {
    cursor = anchor = info.base;
    has_anchor = false;
    pending_nibble = -1;
    return;
  }
  const uint64_t last = info.base + info.size - 1;
  cursor = std::clamp(cursor, info.base, last);
  anchor = std::clamp(anchor, info.base, last);
}

float HexViewState::glow(int64_t changed_ns, int64_t now_ns) const {
  if (changed_ns == 0) return 0.0f;
  const double fade_ns = std::max(0.01f, fade_seconds) * 1e9;
  const double age = static_cast<double>(now_ns - changed_ns);
  if (age < 0) return 1.0f;
  if (age >= fade_ns) return 0.0f;
  return static_cast<float>(1.0 - age / fade_ns);
}

Status hex_view_goto(HexViewState& s, const SourceInfo& info, std::string_view text) {
  auto v = parse_u64(text, "offset");
  if (!v.ok()) return v.error();
  uint64_t target = v.value();
  if (info.base != 0 && target >= info.base && target - info.base < info.size) {
    // An address inside the source.
  } else if (target < info.size) {
    target += info.base;
  } else {
    return make_error(Errc::out_of_range,
                      fmt::format("offset {} (0x{:x}) is outside the object (size {} = 0x{:x})",
                                  target, target, info.size, info.size));
  }
  s.cursor = target;
  s.has_anchor = false;
  s.pending_nibble = -1;
  s.scroll_to_cursor = true;
  s.center_cursor = true;
  return {};
}

HexHit hex_view_hit(const HexViewState& s, const SourceInfo& info, ImVec2 pos) {
  HexHit hit;
  const HexLayout& l = s.layout;
  if (!l.valid || info.size == 0) return hit;
  const int bpr = s.bytes_per_row;
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
  uint64_t a = l.row_base + static_cast<uint64_t>(row) * bpr + static_cast<uint64_t>(index);
  if (a < info.base || a >= end_of(info)) inside = false;
  hit.address = std::clamp(a, info.base, end_of(info) - 1);
  hit.inside = inside;
  return hit;
}

ImVec2 hex_view_cell_center(const HexViewState& s, uint64_t address, HexColumn column) {
  const HexLayout& l = s.layout;
  const uint64_t bpr = static_cast<uint64_t>(s.bytes_per_row);
  const uint64_t row = (address - l.row_base) / bpr;
  const int i = static_cast<int>((address - l.row_base) % bpr);
  const float y =
      l.rows_y + (static_cast<float>(static_cast<int64_t>(row - s.top_row)) + 0.5f) * l.row_h;
  const float x = column == HexColumn::hex ? l.hex_x + (hex_char_pos(i) + 1.0f) * l.char_w
                                           : l.ascii_x + (i + 0.5f) * l.char_w;
  return ImVec2(x, y);
}

void hex_view_begin(HexViewState& s, HexViewContext& ctx, ImVec2 size) {
  const SourceInfo& info = ctx.info;
  if (s.bytes_per_row != 8 && s.bytes_per_row != 16 && s.bytes_per_row != 32) s.bytes_per_row = 16;
  if (s.focus_request) {
    ImGui::SetNextWindowFocus();
    s.focus_request = false;
  }
  ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(kPadX, kPadY));
  ImGui::BeginChild("##hexgrid", size, false,
                    ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse |
                        ImGuiWindowFlags_NoNavInputs);
  ImGui::PopStyleVar();

  // Layout.
  const Geometry g = font_geometry();
  HexLayout& l = s.layout;
  const int bpr = s.bytes_per_row;
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float sb_w = ImGui::GetStyle().ScrollbarSize;
  l.valid = true;
  l.char_w = g.char_w;
  l.row_h = g.row_h;
  l.addr_digits = std::max(8, hex_digits_for(info.size ? end_of(info) - 1 : info.base));
  l.addr_x = origin.x;
  l.hex_x = l.addr_x + (l.addr_digits + 2) * g.char_w;
  l.ascii_x = l.hex_x + (hex_text_len(bpr) + 2) * g.char_w;
  l.rows_y = origin.y + g.row_h + 2.0f;  // below the column header
  l.grid_right = origin.x + avail.x - sb_w;
  l.grid_bottom = origin.y + avail.y;
  const float rows_h = std::max(0.0f, l.grid_bottom - l.rows_y);
  l.rows_fit = std::max(1, static_cast<int>(std::floor(rows_h / g.row_h)));
  l.rows_drawn = std::max(1, static_cast<int>(std::ceil(rows_h / g.row_h)));
  l.row_base = info.base - info.base % static_cast<uint64_t>(bpr);
  // Not (span + bpr - 1) / bpr: that wraps for a source ending near 2^64.
  const uint64_t span = end_of(info) - l.row_base;
  l.total_rows = info.size == 0 ? 0 : span / bpr + (span % bpr != 0);

  s.focused = ImGui::IsWindowFocused();
  const bool popup_open = s.goto_open;

  // Mouse: the grid is one invisible button, so ImGui knows a drag belongs to it.
  const ImVec2 grid_pos(origin.x, l.rows_y);
  const ImVec2 grid_size(std::max(1.0f, l.grid_right - origin.x), std::max(1.0f, rows_h));
  ImGui::SetCursorScreenPos(grid_pos);
  ImGui::InvisibleButton("##hexcells", grid_size);
  const ImGuiIO& io = ImGui::GetIO();
  if (!popup_open && info.size != 0) {
    if (ImGui::IsItemActivated()) {
      const HexHit hit = hex_view_hit(s, info, io.MousePos);
      if (io.KeyShift) {
        if (!s.has_anchor) {
          s.has_anchor = true;
          s.anchor = s.cursor;
        }
      } else {
        s.has_anchor = true;
        s.anchor = hit.address;
        s.editing = false;
      }
      s.cursor = hit.address;
      s.column = hit.column;
      s.pending_nibble = -1;
      s.mouse_selecting = true;
    } else if (ImGui::IsItemActive() && s.mouse_selecting) {
      // Dragging past the top or bottom scrolls one row per frame.
      if (io.MousePos.y < l.rows_y && s.top_row > 0) --s.top_row;
      if (io.MousePos.y > l.grid_bottom) s.top_row = clamp_top(s.top_row + 1, l);
      s.cursor = hex_view_hit(s, info, io.MousePos).address;
    }
    if (ImGui::IsItemDeactivated() && s.mouse_selecting) {
      s.mouse_selecting = false;
      if (s.has_anchor && s.anchor == s.cursor && !io.KeyShift) s.has_anchor = false;
    }
    if (ImGui::IsItemHovered() && ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left)) {
      const HexHit hit = hex_view_hit(s, info, io.MousePos);
      if (hit.inside) {
        s.cursor = hit.address;
        s.column = hit.column;
        s.has_anchor = false;
        s.mouse_selecting = false;
        s.pending_nibble = -1;
        s.editing = true;
      }
    }
    if (ImGui::IsWindowHovered() && io.MouseWheel != 0.0f) {
      const int64_t rows = static_cast<int64_t>(std::lround(-io.MouseWheel * 3.0f));
      if (rows < 0) {
        const uint64_t up = static_cast<uint64_t>(-rows);
        s.top_row = s.top_row > up ? s.top_row - up : 0;
      } else {
        s.top_row = clamp_top(s.top_row + static_cast<uint64_t>(rows), l);
      }
    }
  }
  // Hover: which byte is under the mouse, and since when (for the tooltip).
  {
    const bool hovering = !popup_open && ImGui::IsItemHovered() && !ImGui::IsItemActive();
    const HexHit hit = hovering ? hex_view_hit(s, info, io.MousePos) : HexHit{};
    if (!hit.inside) {
      s.hover_valid = false;
    } else if (!s.hover_valid || s.hover_address != hit.address) {
      s.hover_valid = true;
      s.hover_address = hit.address;
      s.hover_since = ImGui::GetTime();
    }
  }
  scrollbar(s, ImVec2(l.grid_right, l.rows_y), ImVec2(sb_w, std::max(1.0f, rows_h)));

  if (s.focused && !popup_open) {
    handle_keys(s, ctx);
    handle_chars(s, ctx);
  }
  s.clamp_to(info);
  if (s.scroll_to_cursor) {
    ensure_cursor_visible(s, info);
    s.scroll_to_cursor = false;
    s.center_cursor = false;
  }
  s.top_row = clamp_top(s.top_row, l);
  const uint64_t rows_visible = std::min<uint64_t>(
      static_cast<uint64_t>(l.rows_drawn), l.total_rows > s.top_row ? l.total_rows - s.top_row : 0);
  const uint64_t first = l.row_base + s.top_row * bpr;  // <= end: top_row < total_rows
  s.visible_begin = std::max(info.base, first);
  s.visible_end = first + std::min<uint64_t>(rows_visible * bpr, end_of(info) - first);
  if (s.visible_end < s.visible_begin) s.visible_end = s.visible_begin;
}

void hex_view_request(const HexViewState& s, const SourceInfo& info, Poller& poller) {
  (void)info;
  if (s.visible_end > s.visible_begin) {
    poller.request({s.visible_begin, s.visible_end - s.visible_begin});
  }
  if (s.copy_request) poller.request(s.copy_range);
}

void hex_view_end(HexViewState& s, HexViewContext& ctx) {
  const SourceInfo& info = ctx.info;
  const Palette& pal = ctx.palette;
  const HexLayout& l = s.layout;
  const int bpr = s.bytes_per_row;
  const float cw = l.char_w;
  const float rh = l.row_h;
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 origin(l.addr_x, l.rows_y - rh - 2.0f);

  // Copy completes after the poll of this frame, from what the poller read.
  if (s.copy_request) {
    s.copy_request = false;
    std::vector<std::byte> bytes =
        gather_known(ctx.tracker, s.copy_range.address, static_cast<size_t>(s.copy_range.length));
    if (bytes.size() == s.copy_range.length) {
      s.last_copied = format_hex_bytes(bytes.data(), bytes.size());
      ImGui::SetClipboardText(s.last_copied.c_str());
      set_message(s, fmt::format("copied {} bytes as hex", bytes.size()), false);
    } else {
      set_message(s,
                  fmt::format("copy refused: the byte at 0x{:x} could not be read",
                              s.copy_range.address + bytes.size()),
                  true);
    }
  }

  // Column header.
  {
    char buf[kMaxBytesPerRow * 4 + 8];
    std::memset(buf, ' ', sizeof(buf));
    for (int i = 0; i < bpr; ++i) {
      buf[hex_char_pos(i)] = kHexDigits[(i >> 4) & 15];
      buf[hex_char_pos(i) + 1] = kHexDigits[i & 15];
    }
    dl->AddText(ImVec2(l.hex_x, origin.y), pal.header, buf, buf + hex_text_len(bpr));
    for (int i = 0; i < bpr; ++i) buf[i] = kHexDigits[i & 15];
    dl->AddText(ImVec2(l.ascii_x, origin.y), pal.header, buf, buf + bpr);
    const char* label = info.base == 0 ? "offset" : "address";
    dl->AddText(ImVec2(l.addr_x, origin.y), pal.header, label);
  }
  // Column separators.
  const float sep_top = l.rows_y - 1.0f;
  const float sep_bottom = l.grid_bottom;
  const ImU32 sep_col = (pal.header & ~IM_COL32_A_MASK) | (0x40u << IM_COL32_A_SHIFT);
  dl->AddLine(ImVec2(l.hex_x - cw, sep_top), ImVec2(l.hex_x - cw, sep_bottom), sep_col);
  dl->AddLine(ImVec2(l.ascii_x - cw, sep_top), ImVec2(l.ascii_x - cw, sep_bottom), sep_col);

  const uint64_t end = end_of(info);
  const int64_t now = ctx.now_ns;
  const ByteRange sel = s.has_anchor ? s.selection_or_cursor() : ByteRange{0, 0};
  const bool any_sel = s.has_anchor;

  int highlighted = 0, own = 0, unreadable = 0, tinted = 0;

  // Text is emitted glyph by glyph into one reservation per row, each glyph with its own
  // colour (dimmed zeros, own edits, "??"), together with the row's highlight rectangles:
  // the same vertices AddText would make, without a text pass per colour.
  const GlyphCache glyphs = GlyphCache::current();
  const ImVec4 clip = dl->_ClipRectStack.back();
  const float glow_scale = static_cast<float>((pal.glow >> IM_COL32_A_SHIFT) & 0xFF);
  const ImU32 glow_rgb = pal.glow & ~IM_COL32_A_MASK;
  const float hex_left = l.hex_x - cw * 0.5f;
  const float x_addr = std::floor(l.addr_x);
  const float x_hex = std::floor(l.hex_x);
  const float x_ascii = std::floor(l.ascii_x);

  for (int r = 0; r < l.rows_drawn; ++r) {
    const uint64_t row = s.top_row + static_cast<uint64_t>(r);
    if (row >= l.total_rows) break;
    const uint64_t addr = l.row_base + row * static_cast<uint64_t>(bpr);
    // One past the row's last byte inside the source (addr + bpr could wrap to 0).
    const uint64_t row_end = addr + std::min<uint64_t>(static_cast<uint64_t>(bpr), end - addr);
    const float y = std::floor(l.rows_y + r * rh);

    // Classify the row's bytes.
    ImU32 col[kMaxBytesPerRow];
    uint8_t glow_q[kMaxBytesPerRow];
    bool own_bg[kMaxBytesPerRow];
    bool present[kMaxBytesPerRow];
    bool bad[kMaxBytesPerRow];
    unsigned char val[kMaxBytesPerRow];
    bool any_glow = false, any_own = false, any_tint = false;
    ImU32 tint[kMaxBytesPerRow];
    if (ctx.tint && addr < ctx.tint_end && row_end > ctx.tint_begin) {
      for (int i = 0; i < bpr; ++i) {
        const uint64_t a = addr + static_cast<uint64_t>(i);
        tint[i] = (a >= ctx.tint_begin && a < ctx.tint_end && a < row_end)
                      ? ctx.tint[a - ctx.tint_begin]
                      : 0;
        if (tint[i]) {
          any_tint = true;
          ++tinted;
        }
      }
    }
    {
      int i = 0;
      while (i < bpr) {
        const uint64_t a = addr + static_cast<uint64_t>(i);
        if (a < info.base || a >= end) {
          present[i] = false;
          glow_q[i] = 0;
          own_bg[i] = false;
          ++i;
          continue;
        }
        const size_t want = static_cast<size_t>(std::min<uint64_t>(bpr - i, end - a));
        const TrackedBytes tb = ctx.tracker.row(a, want);
        const size_t n = tb.length ? tb.length : 1;
        for (size_t k = 0; k < n && i < bpr; ++k, ++i) {
          present[i] = true;
          glow_q[i] = 0;
          own_bg[i] = false;
          const uint8_t f = tb.length ? tb.flags[k] : 0;
          if (!(f & kKnown) || (f & kUnreadable)) {
            bad[i] = true;
            val[i] = 0;
            col[i] = pal.unreadable;
            ++unreadable;
            continue;
          }
          bad[i] = false;
          val[i] = static_cast<unsigned char>(tb.values[k]);
          if (f & kOwnEdit) {
            col[i] = pal.own_edit_text;
            own_bg[i] = true;
            any_own = true;
            ++own;
          } else {
            col[i] = val[i] == 0 ? pal.zero : pal.text;
          }
          const float gl = s.glow(tb.changed_ns[k], now);
          if (gl > 0.0f) {
            glow_q[i] = static_cast<uint8_t>(std::max(1.0f, std::ceil(gl * kGlowLevels)));
            any_glow = true;
            ++highlighted;
          }
        }
      }
    }

    // Worst case: every byte its own glow and own-edit rectangle in both columns, a
    // selection, and a glyph for every character.
    const int max_quads = 6 * bpr + 2 + l.addr_digits + 3 * bpr;
    dl->PrimReserve(max_quads * 6, max_quads * 4);
    int quads = 0;
    auto rect = [&](float x0, float x1, ImU32 c) {
      dl->PrimRect(ImVec2(x0, y), ImVec2(x1, y + rh), c);
      ++quads;
    };
    auto hex_rect = [&](int i, int j, ImU32 c) {  // bytes [i, j)
      // Cells tile without gaps: the extra space between 8-byte groups is split between
      // the neighbouring cells.
      const float lpad = (i > 0 && i % 8 == 0) ? 1.0f : 0.5f;
      const float rpad = (j < bpr && j % 8 == 0) ? 3.0f : 2.5f;
      rect(l.hex_x + (hex_char_pos(i) - lpad) * cw, l.hex_x + (hex_char_pos(j - 1) + rpad) * cw, c);
    };
    auto asc_rect = [&](int i, int j, ImU32 c) { rect(l.ascii_x + i * cw, l.ascii_x + j * cw, c); };
    auto glyph = [&](float x, unsigned char ch, ImU32 c) {
      const ImFontGlyph* g = glyphs.glyph[ch & 0x7f];
      if (!g || x > clip.z || x + cw < clip.x) return;
      dl->PrimRectUV(ImVec2(x + g->X0 * glyphs.scale, y + g->Y0 * glyphs.scale),
                     ImVec2(x + g->X1 * glyphs.scale, y + g->Y1 * glyphs.scale),
                     ImVec2(g->U0, g->V0), ImVec2(g->U1, g->V1), c);
      ++quads;
    };

    // Backgrounds: overlay fields, glow, own edits, selection on top (runs of equal value
    // share one rectangle).
    if (any_tint) {
      for (int i = 0; i < bpr;) {
        const ImU32 c = tint[i];
        int j = i + 1;
        while (j < bpr && tint[j] == c) ++j;
        if (c != 0) {
          hex_rect(i, j, c);
          asc_rect(i, j, c);
        }
        i = j;
      }
    }
    if (any_glow) {
      for (int i = 0; i < bpr;) {
        const uint8_t q = glow_q[i];
        if (q == 0) {
          ++i;
          continue;
        }
        int j = i + 1;
        while (j < bpr && glow_q[j] == q) ++j;
        const ImU32 a = static_cast<ImU32>(glow_scale * (q / kGlowLevels));
        const ImU32 c = glow_rgb | (a << IM_COL32_A_SHIFT);
        hex_rect(i, j, c);
        asc_rect(i, j, c);
        i = j;
      }
    }

    if (any_own) {
      for (int i = 0; i < bpr;) {
        if (!own_bg[i]) {
          ++i;
          continue;
        }
        int j = i + 1;
        while (j < bpr && own_bg[j]) ++j;
        hex_rect(i, j, pal.own_edit);
        asc_rect(i, j, pal.own_edit);
        i = j;
      }
    }
    if (any_sel && sel.address < row_end && sel.end() > addr) {
      const int i0 = static_cast<int>(std::max(sel.address, addr) - addr);
      const int i1 = static_cast<int>(std::min(sel.end(), row_end) - addr);
      hex_rect(i0, i1, pal.selection);
      asc_rect(i0, i1, pal.selection);
    }
    // Address.
    {
      uint64_t v = addr;
      for (int k = l.addr_digits - 1; k >= 0; --k) {
        glyph(x_addr + k * cw, static_cast<unsigned char>(kHexDigits[v & 15]), pal.address);
        v >>= 4;
      }
    }
    // Hex and ASCII columns.
    for (int i = 0; i < bpr; ++i) {
      if (!present[i]) continue;
      const float hx = x_hex + hex_char_pos(i) * cw;
      const float ax = x_ascii + i * cw;
      const bool pending =
          s.pending_nibble >= 0 && addr + i == s.cursor && s.column == HexColumn::hex;
      if (pending) {
        glyph(hx, static_cast<unsigned char>(kHexDigits[s.pending_nibble & 15]), pal.pending);
        glyph(hx + cw, '_', pal.pending);
      } else if (bad[i]) {
        glyph(hx, '?', col[i]);
        glyph(hx + cw, '?', col[i]);
      } else {
        glyph(hx, static_cast<unsigned char>(kHexDigits[val[i] >> 4]), col[i]);
        glyph(hx + cw, static_cast<unsigned char>(kHexDigits[val[i] & 15]), col[i]);
      }
      if (bad[i]) {
        glyph(ax, '?', col[i]);
      } else if (val[i] >= 0x20 && val[i] < 0x7f) {
        glyph(ax, val[i], col[i] == pal.zero ? pal.text : col[i]);
      } else {
        glyph(ax, '.', col[i] == pal.own_edit_text ? col[i] : pal.zero);  // non-printable
      }
    }
    dl->PrimUnreserve((max_quads - quads) * 6, (max_quads - quads) * 4);

    // Cursor frame on top.
    if (s.cursor >= addr && s.cursor - addr < static_cast<uint64_t>(bpr) && info.size != 0) {
      const int i = static_cast<int>(s.cursor - addr);
      const ImVec2 h0(hex_left + hex_char_pos(i) * cw, y);
      const ImVec2 h1(l.hex_x + (hex_char_pos(i) + 2.5f) * cw, y + rh);
      const ImVec2 a0(l.ascii_x + i * cw, y);
      const ImVec2 a1(l.ascii_x + (i + 1) * cw, y + rh);
      const bool hex_active = s.column == HexColumn::hex;
      const ImU32 on = s.focused ? pal.cursor : pal.cursor_shadow;
      const ImU32 off = pal.cursor_shadow;
      if (s.editing) {
        if (hex_active) {
          dl->AddRectFilled(h0, h1, pal.own_edit);
        } else {
          dl->AddRectFilled(a0, a1, pal.own_edit);
        }
      }
      dl->AddRect(h0, h1, hex_active ? on : off, 0.0f, 0, hex_active ? 1.5f : 1.0f);
      dl->AddRect(a0, a1, hex_active ? off : on, 0.0f, 0, hex_active ? 1.0f : 1.5f);
    }
  }
  s.highlighted_bytes = highlighted;
  s.own_edit_bytes = own;
  s.unreadable_bytes = unreadable;
  s.tinted_bytes = tinted;

  if (info.size == 0) {
    dl->AddText(ImVec2(l.addr_x, l.rows_y), pal.dim_text, "(the object is empty)");
  }

  // A byte hovered for a moment: where it is, what it holds, when it last changed.
  s.tooltip_shown = false;
  if (s.hover_valid && ImGui::GetTime() - s.hover_since > 0.5 && s.hover_address < end) {
    s.tooltip_shown = true;
    const uint64_t a = s.hover_address;
    const uint8_t f = ctx.tracker.flags(a);
    ImGui::BeginTooltip();
    ImGui::Text("offset 0x%llx (%llu)", static_cast<unsigned long long>(a - info.base),
                static_cast<unsigned long long>(a - info.base));
    if (!(f & kKnown) || (f & kUnreadable)) {
      ImGui::TextUnformatted("not readable");
    } else {
      const unsigned v = static_cast<unsigned>(ctx.tracker.value(a));
      std::string line = fmt::format("0x{:02x} = {}", v, v);
      if (v >= 0x80) line += fmt::format(" = {} signed", static_cast<int>(static_cast<int8_t>(v)));
      if (v >= 0x20 && v < 0x7f) line += fmt::format(" = '{}'", static_cast<char>(v));
      ImGui::TextUnformatted(line.c_str());
      const int64_t changed = ctx.tracker.changed_ns(a);
      if (f & kOwnEdit) {
        ImGui::TextUnformatted("written here");
      } else if (changed != 0) {
        ImGui::Text("changed by another process %.1f s ago",
                    static_cast<double>(now - changed) / 1e9);
      } else {
        ImGui::TextUnformatted("unchanged since opened");
      }
    }
    if (ctx.tooltip_extra) ctx.tooltip_extra(a);
    ImGui::EndTooltip();
  }

  // Go-to dialog (modal). Opened from this window so closing it gives focus back here.
  if (s.goto_request) {
    s.goto_request = false;
    s.goto_text.clear();
    s.goto_error.clear();
    s.goto_focus = true;
    ImGui::OpenPopup("Go to offset");
  }
  s.goto_open = false;
  if (ImGui::BeginPopupModal("Go to offset", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) {
    s.goto_open = true;
    ImGui::TextUnformatted("Offset, decimal or 0x hex:");
    if (s.goto_focus) {
      ImGui::SetKeyboardFocusHere();
      s.goto_focus = false;
    }
    ImGui::SetNextItemWidth(cw * 24);
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
    const bool cancel = ImGui::Button("Cancel") || ImGui::IsKeyPressed(GLFW_KEY_ESCAPE, false);
    if (go) {
      Status st = hex_view_goto(s, info, s.goto_text);
      if (st.ok()) {
        ImGui::CloseCurrentPopup();
        s.focus_request = true;
        s.goto_open = false;
      } else {
        s.goto_error = st.error().message;
        s.goto_focus = true;
      }
    } else if (cancel) {
      ImGui::CloseCurrentPopup();
      s.focus_request = true;
      s.goto_open = false;
    }
    ImGui::EndPopup();
  }

  ImGui::EndChild();
}

}  // namespace memview::gui
