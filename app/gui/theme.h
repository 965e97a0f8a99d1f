// Dark and light themes: the ImGui style plus the colours of the hex grid.
#pragma once

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
  // Backgrounds of overlay fields in the grid: kFieldHues hues (neighbouring top-level
  // fields differ), each in two shades (neighbouring members/elements alternate). Faint
  // enough that glow, own-edit marks and the selection drawn over them stay visible.
  static constexpr int kFieldHues = 4;
  ImU32 field_tint[kFieldHues][2] = {};
  ImU32 field_text[kFieldHues] = {};  // the same hues as text (overlay tree, tooltips)
};

// Applies the theme to the current ImGui context's style (colours only; sizes are scaled
// separately) and returns the palette.
Palette apply_theme(Theme theme);
Palette palette_for(Theme theme);

}  // namespace memview::gui
