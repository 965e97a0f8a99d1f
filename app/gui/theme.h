// Dark and light themes: the ImGui style plus the colours of the hex grid.
#pragma once

#include <algorithm>

#include <imgui.h>

#include "settings.h"

namespace memview::gui {

// Colours of the hex grid and banners (ImU32, ABGR as ImGui packs them).
struct Palette {
  ImU32 address = 0;     // address column
  ImU32 header = 0;      // column offsets above the grid
  ImU32 text = 0;        // ordinary bytes
  ImU32 zero = 0;        // 00 bytes and non-printable ASCII (dimmed)
  ImU32 unreadable = 0;  // "??": never read
  ImU32 stale = 0;       // bytes not readable now, drawn with the last value read
  ImU32 pending = 0;     // the half-typed byte
  ImU32 glow = 0;        // a byte another process changed (alpha is faded)
  ImU32 own_edit = 0;    // background of bytes we wrote
  ImU32 own_edit_text = 0;
  ImU32 selection = 0;
  ImU32 cursor = 0;         // cursor frame in the active column
  ImU32 cursor_shadow = 0;  // cursor frame in the other column
  ImU32 row_stripe = 0;     // every other group of rows
  ImU32 warning_bg = 0;     // banner background
  ImU32 error_text = 0;
  ImU32 ok_text = 0;
  ImU32 dim_text = 0;
  // Overlay fields in the grid (and Find's candidates): kFieldHues hues (neighbouring
  // top-level fields differ), each in two shades (neighbouring members/elements alternate).
  // The grid draws them as an underline (tint_underline()), so the glow, own-edit marks
  // and the selection, which fill the cells, stay visible under a field.
  static constexpr int kFieldHues = 4;
  ImU32 field_tint[kFieldHues][2] = {};
  ImU32 field_text[kFieldHues] = {};  // the same hues as text (overlay tree, tooltips)
};

// Applies the theme to the current ImGui context's style (colours only; sizes are scaled
// separately) and returns the palette.
Palette apply_theme(Theme theme);
Palette palette_for(Theme theme);

// A field tint as the grid's underline: the same hue, three times as opaque (a thin line
// needs more colour than a filled cell to be seen).
inline ImU32 tint_underline(ImU32 tint) {
  const ImU32 a = (tint >> IM_COL32_A_SHIFT) & 0xFF;
  return (tint & ~IM_COL32_A_MASK) | (std::min<ImU32>(255, a * 3) << IM_COL32_A_SHIFT);
}

}  // namespace memview::gui
