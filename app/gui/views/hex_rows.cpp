// The hex grid's rows: each visible row's bytes classified from the ChangeTracker, then
// drawn as highlight rectangles (selection, glow, own edits, overlay underlines), the address,
// the hex and ASCII text, and the cursor frame.
//
// Text is emitted glyph by glyph into one reservation per row, each glyph with its own
// colour (dimmed zeros, own edits, "??"), together with the row's highlight rectangles:
// the same vertices AddText would make, without a text pass per colour.
#include <imgui.h>

#include <algorithm>
#include <cmath>

#include "change_glow.h"
#include "source_offsets.h"
#include "views/hex_view.h"
#include "views/hex_view_parts.h"

namespace memview::gui::hex_parts {

namespace {

// Glow levels are quantised so that neighbouring bytes changed in one poll share one
// rectangle.
constexpr float kGlowLevels = 24.0f;

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

// What a byte cell of a row shows.
enum class Cell : uint8_t {
  absent,      // before the source's base or past its end: nothing drawn
  never_read,  // "??"
  stale,       // not readable now: the last value read, dimmed
  live,
};

// One row's bytes, classified.
struct RowCells {
  uint64_t addr = 0;     // the row's first address
  uint64_t row_end = 0;  // one past its last byte inside the source
  Cell cell[kMaxBytesPerRow];
  unsigned char val[kMaxBytesPerRow];
  ImU32 col[kMaxBytesPerRow];
  uint8_t glow_q[kMaxBytesPerRow];
  bool own_bg[kMaxBytesPerRow];
  ImU32 tint[kMaxBytesPerRow];
  bool any_glow = false, any_own = false, any_tint = false;
};

struct RowCounts {
  int highlighted = 0, own = 0, unreadable = 0, stale = 0, tinted = 0, marked = 0, bookmarked = 0;
};

// Everything that is the same for every row of a frame.
struct Frame {
  const HexViewState& s;
  const HexViewContext& ctx;
  const HexLayout& l;
  const Palette& pal;
  ImDrawList* dl;
  GlyphCache glyphs;
  ImVec2 clip_min, clip_max;
  int bpr;
  uint64_t end;
  float glow_scale;
  ImU32 glow_rgb;
};

void classify_tint(const Frame& f, RowCells& r, RowCounts& n) {
  const HexViewContext& ctx = f.ctx;
  if (!ctx.tint || r.addr >= ctx.tint_end || r.row_end <= ctx.tint_begin) return;
  for (int i = 0; i < f.bpr; ++i) {
    const uint64_t a = r.addr + static_cast<uint64_t>(i);
    r.tint[i] = (a >= ctx.tint_begin && a < ctx.tint_end && a < r.row_end)
                    ? ctx.tint[a - ctx.tint_begin]
                    : 0;
    if (r.tint[i]) {
      r.any_tint = true;
      ++n.tinted;
    }
  }
}

// One byte the tracker knows something about (or not) at index i.
void classify_byte(const Frame& f, RowCells& r, int i, const TrackedBytes& tb, size_t k,
                   RowCounts& n) {
  r.glow_q[i] = 0;
  r.own_bg[i] = false;
  const uint8_t fl = tb.length ? tb.flags[k] : 0;
  if (!(fl & kKnown)) {
    r.cell[i] = Cell::never_read;
    r.val[i] = 0;
    r.col[i] = f.pal.unreadable;
    ++n.unreadable;
    return;
  }
  r.val[i] = static_cast<unsigned char>(tb.values[k]);
  if (fl & kUnreadable) {
    r.cell[i] = Cell::stale;
    r.col[i] = f.pal.stale;
    ++n.stale;
    return;
  }
  r.cell[i] = Cell::live;
  if (fl & kOwnEdit) {
    r.col[i] = f.pal.own_edit_text;
    r.own_bg[i] = true;
    r.any_own = true;
    ++n.own;
  } else {
    r.col[i] = r.val[i] == 0 ? f.pal.zero : f.pal.text;
  }
  const float gl = change_glow(tb.changed_ns[k], f.ctx.now_ns, f.ctx.fade_seconds);
  if (gl > 0.0f) {
    r.glow_q[i] = static_cast<uint8_t>(std::max(1.0f, std::ceil(gl * kGlowLevels)));
    r.any_glow = true;
    ++n.highlighted;
  }
}

void classify_row(const Frame& f, RowCells& r, RowCounts& n) {
  classify_tint(f, r, n);
  int i = 0;
  while (i < f.bpr) {
    const uint64_t a = r.addr + static_cast<uint64_t>(i);
    if (a < f.ctx.info.base || a >= f.end) {
      r.cell[i] = Cell::absent;
      r.glow_q[i] = 0;
      r.own_bg[i] = false;
      ++i;
      continue;
    }
    const size_t want = static_cast<size_t>(std::min<uint64_t>(f.bpr - i, f.end - a));
    const TrackedBytes tb = f.ctx.tracker.row(a, want);
    const size_t count = tb.length ? tb.length : 1;
    for (size_t k = 0; k < count && i < f.bpr; ++k, ++i) classify_byte(f, r, i, tb, k, n);
  }
}

// Emits one row's rectangles and glyphs into a reservation made for its worst case.
class RowPainter {
 public:
  RowPainter(const Frame& f, float y) : f_(f), y_(y) {
    // Worst case: every byte its own glow and own-edit rectangle in both columns, a
    // selection, and a glyph for every character.
    max_quads_ = 6 * f.bpr + 2 + f.l.addr_digits + 3 * f.bpr;
    f.dl->PrimReserve(max_quads_ * 6, max_quads_ * 4);
  }
  ~RowPainter() { f_.dl->PrimUnreserve((max_quads_ - quads_) * 6, (max_quads_ - quads_) * 4); }
  RowPainter(const RowPainter&) = delete;
  RowPainter& operator=(const RowPainter&) = delete;

  // Bytes [i, j) in both columns.
  void cells(int i, int j, ImU32 c) {
    hex_rect(i, j, c, y_, y_ + f_.l.row_h);
    rect(f_.l.ascii_x + i * f_.l.char_w, f_.l.ascii_x + j * f_.l.char_w, c, y_, y_ + f_.l.row_h);
  }
  // A line under bytes [i, j) in both columns (overlay fields).
  void underlines(int i, int j, ImU32 c) {
    const float y1 = y_ + f_.l.row_h;
    const float y0 = y1 - std::max(2.0f, std::floor(f_.l.row_h * 0.12f));
    hex_rect(i, j, c, y0, y1);
    rect(f_.l.ascii_x + i * f_.l.char_w, f_.l.ascii_x + j * f_.l.char_w, c, y0, y1);
  }
  void glyph(float x, unsigned char ch, ImU32 c) {
    const ImFontGlyph* g = f_.glyphs.glyph[ch & 0x7f];
    if (!g || x > f_.clip_max.x || x + f_.l.char_w < f_.clip_min.x) return;
    const float sc = f_.glyphs.scale;
    f_.dl->PrimRectUV(ImVec2(x + g->X0 * sc, y_ + g->Y0 * sc),
                      ImVec2(x + g->X1 * sc, y_ + g->Y1 * sc), ImVec2(g->U0, g->V0),
                      ImVec2(g->U1, g->V1), c);
    ++quads_;
  }

 private:
  void rect(float x0, float x1, ImU32 c, float y0, float y1) {
    f_.dl->PrimRect(ImVec2(x0, y0), ImVec2(x1, y1), c);
    ++quads_;
  }
  // Cells tile without gaps: the extra space between 8-byte groups is split between the
  // neighbouring cells.
  void hex_rect(int i, int j, ImU32 c, float y0, float y1) {
    const float lpad = (i > 0 && i % 8 == 0) ? 1.0f : 0.5f;
    const float rpad = (j < f_.bpr && j % 8 == 0) ? 3.0f : 2.5f;
    const float cw = f_.l.char_w;
    rect(f_.l.hex_x + (hex_char_pos(i) - lpad) * cw, f_.l.hex_x + (hex_char_pos(j - 1) + rpad) * cw,
         c, y0, y1);
  }

  const Frame& f_;
  float y_;
  int max_quads_ = 0;
  int quads_ = 0;
};

// Runs of equal non-zero `key(i)` share one rectangle of colour `colour(key)`.
template <typename Key, typename Colour>
void draw_runs(RowPainter& p, int bpr, Key key, Colour colour) {
  for (int i = 0; i < bpr;) {
    const auto k = key(i);
    int j = i + 1;
    while (j < bpr && key(j) == k) ++j;
    if (k) p.cells(i, j, colour(k));
    i = j;
  }
}

// The selection, then the glow and own edits over it (a selection never hides a change),
// and the overlay fields' underlines last.
void draw_backgrounds(const Frame& f, RowPainter& p, const RowCells& r) {
  const HexViewState& s = f.s;
  if (s.has_anchor) {
    const ByteRange sel = s.selection_or_cursor();
    if (sel.address < r.row_end && sel.end() > r.addr) {
      const int i0 = static_cast<int>(std::max(sel.address, r.addr) - r.addr);
      const int i1 = static_cast<int>(std::min(sel.end(), r.row_end) - r.addr);
      p.cells(i0, i1, f.pal.selection);
    }
  }
  if (r.any_glow) {
    draw_runs(
        p, f.bpr, [&](int i) { return r.glow_q[i]; },
        [&](uint8_t q) {
          const ImU32 a = static_cast<ImU32>(f.glow_scale * (q / kGlowLevels));
          return f.glow_rgb | (a << IM_COL32_A_SHIFT);
        });
  }
  if (r.any_own) {
    draw_runs(
        p, f.bpr, [&](int i) { return r.own_bg[i]; }, [&](bool) { return f.pal.own_edit; });
  }
  if (r.any_tint) {
    for (int i = 0; i < f.bpr;) {
      const ImU32 c = r.tint[i];
      int j = i + 1;
      while (j < f.bpr && r.tint[j] == c) ++j;
      if (c) p.underlines(i, j, tint_underline(c));
      i = j;
    }
  }
}

// The address, then each byte's two hex digits and its ASCII character.
void draw_text(const Frame& f, RowPainter& p, const RowCells& r) {
  const HexLayout& l = f.l;
  const float cw = l.char_w;
  const float x_addr = std::floor(l.addr_x);
  const float x_hex = std::floor(l.hex_x);
  const float x_ascii = std::floor(l.ascii_x);
  uint64_t v = r.addr;
  for (int k = l.addr_digits - 1; k >= 0; --k) {
    p.glyph(x_addr + k * cw, static_cast<unsigned char>(kHexDigits[v & 15]), f.pal.address);
    v >>= 4;
  }
  const HexViewState& s = f.s;
  for (int i = 0; i < f.bpr; ++i) {
    if (r.cell[i] == Cell::absent) continue;
    const float hx = x_hex + hex_char_pos(i) * cw;
    const float ax = x_ascii + i * cw;
    const unsigned char val = r.val[i];
    const ImU32 col = r.col[i];
    const bool never = r.cell[i] == Cell::never_read;
    if (s.pending_nibble >= 0 && r.addr + i == s.cursor && s.column == HexColumn::hex) {
      p.glyph(hx, static_cast<unsigned char>(kHexDigits[s.pending_nibble & 15]), f.pal.pending);
      p.glyph(hx + cw, '_', f.pal.pending);
    } else if (never) {
      p.glyph(hx, '?', col);
      p.glyph(hx + cw, '?', col);
    } else {
      p.glyph(hx, static_cast<unsigned char>(kHexDigits[val >> 4]), col);
      p.glyph(hx + cw, static_cast<unsigned char>(kHexDigits[val & 15]), col);
    }
    if (never) {
      p.glyph(ax, '?', col);
    } else if (val >= 0x20 && val < 0x7f) {
      p.glyph(ax, val, col == f.pal.zero ? f.pal.text : col);
    } else {
      // Non-printable: dimmed, unless it is our own edit or stale.
      p.glyph(ax, '.', col == f.pal.own_edit_text || col == f.pal.stale ? col : f.pal.zero);
    }
  }
}

// A thin line along the top of the marked bytes of the row, in both columns, above the
// text: the bottom of the cells is the overlay fields' band, and a marked byte may be in one.
void draw_marks(const Frame& f, const RowCells& r, float y, RowCounts& n) {
  const HexViewContext& ctx = f.ctx;
  const HexLayout& l = f.l;
  const float cw = l.char_w;
  const float y0 = y + 1.0f;
  const float y1 = y0 + std::max(2.0f, std::round(l.row_h * 0.1f));
  for (size_t k = 0; k < ctx.mark_count; ++k) {
    const ByteRange& m = ctx.marks[k];
    if (m.length == 0 || m.address >= r.row_end || m.end() <= r.addr) continue;
    const int i0 = static_cast<int>(std::max(m.address, r.addr) - r.addr);
    const int i1 = static_cast<int>(std::min(m.end(), r.row_end) - r.addr);
    f.dl->AddRectFilled(ImVec2(l.hex_x + hex_char_pos(i0) * cw, y0),
                        ImVec2(l.hex_x + (hex_char_pos(i1 - 1) + 2) * cw, y1), ctx.mark_colour);
    f.dl->AddRectFilled(ImVec2(l.ascii_x + i0 * cw, y0), ImVec2(l.ascii_x + i1 * cw, y1),
                        ctx.mark_colour);
    n.marked += i1 - i0;
  }
}

// A bar in the padding left of the address when a bookmark is in the row.
void draw_bookmark_mark(const Frame& f, const RowCells& r, float y, RowCounts& n) {
  const uint64_t* first = f.ctx.bookmarks;
  const uint64_t* last = first + f.ctx.bookmark_count;
  const uint64_t* it = std::lower_bound(first, last, r.addr);
  if (it == last || *it >= r.row_end) return;
  const float x = std::floor(f.l.addr_x);
  f.dl->AddRectFilled(ImVec2(x - 5.0f, y + 2.0f), ImVec2(x - 2.0f, y + f.l.row_h - 2.0f),
                      f.pal.cursor);
  ++n.bookmarked;
}

// The cursor's frame in both columns (the active column's brighter), on top of the text.
void draw_cursor_frame(const Frame& f, const RowCells& r, float y) {
  const HexViewState& s = f.s;
  if (f.ctx.info.size == 0 || s.cursor < r.addr ||
      s.cursor - r.addr >= static_cast<uint64_t>(f.bpr)) {
    return;
  }
  const HexLayout& l = f.l;
  const float cw = l.char_w;
  const int i = static_cast<int>(s.cursor - r.addr);
  const ImVec2 h0(l.hex_x - cw * 0.5f + hex_char_pos(i) * cw, y);
  const ImVec2 h1(l.hex_x + (hex_char_pos(i) + 2.5f) * cw, y + l.row_h);
  const ImVec2 a0(l.ascii_x + i * cw, y);
  const ImVec2 a1(l.ascii_x + (i + 1) * cw, y + l.row_h);
  const bool hex_active = s.column == HexColumn::hex;
  // Held writes: the frame takes the error colour until the user moves or confirms.
  const ImU32 on = s.writes_held ? f.pal.error_text
                   : s.focused   ? f.pal.cursor
                                 : f.pal.cursor_shadow;
  const ImU32 off = f.pal.cursor_shadow;
  if (s.editing) f.dl->AddRectFilled(hex_active ? h0 : a0, hex_active ? h1 : a1, f.pal.own_edit);
  f.dl->AddRect(h0, h1, hex_active ? on : off, 0.0f, 0, hex_active ? 1.5f : 1.0f);
  f.dl->AddRect(a0, a1, hex_active ? off : on, 0.0f, 0, hex_active ? 1.0f : 1.5f);
}

}  // namespace

void draw_rows(HexViewState& s, const HexViewContext& ctx) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const HexLayout& l = s.layout;
  const Palette& pal = ctx.palette;
  const Frame f{s,
                ctx,
                l,
                pal,
                dl,
                GlyphCache::current(),
                dl->GetClipRectMin(),
                dl->GetClipRectMax(),
                l.bytes_per_row,
                source_end(ctx.info),
                static_cast<float>((pal.glow >> IM_COL32_A_SHIFT) & 0xFF),
                pal.glow & ~IM_COL32_A_MASK};
  RowCounts n;
  for (int k = 0; k < l.rows_drawn; ++k) {
    const uint64_t row = s.top_row + static_cast<uint64_t>(k);
    if (row >= l.total_rows) break;
    RowCells r;
    r.addr = l.row_base + row * static_cast<uint64_t>(f.bpr);
    // One past the row's last byte inside the source (addr + bpr could wrap to 0).
    r.row_end = r.addr + std::min<uint64_t>(static_cast<uint64_t>(f.bpr), f.end - r.addr);
    const float y = std::floor(l.rows_y + k * l.row_h);
    classify_row(f, r, n);
    {
      RowPainter p(f, y);
      draw_backgrounds(f, p, r);
      draw_text(f, p, r);
    }
    if (ctx.mark_count != 0) draw_marks(f, r, y, n);
    if (ctx.bookmark_count != 0) draw_bookmark_mark(f, r, y, n);
    draw_cursor_frame(f, r, y);
  }
  s.highlighted_bytes = n.highlighted;
  s.own_edit_bytes = n.own;
  s.unreadable_bytes = n.unreadable;
  s.stale_bytes = n.stale;
  s.tinted_bytes = n.tinted;
  s.marked_bytes = n.marked;
  s.bookmarked_rows = n.bookmarked;
  if (ctx.info.size == 0) {
    dl->AddText(ImVec2(l.addr_x, l.rows_y), pal.dim_text, "(the object is empty)");
  }
}

}  // namespace memview::gui::hex_parts
