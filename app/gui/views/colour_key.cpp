#include "views/colour_key.h"

namespace memview::gui {

std::vector<ColourKeyEntry> colour_key_entries(const Palette& p) {
  return {
      {p.glow, false, "changed by another process (fades out)"},
      {p.own_edit, false, "written from this viewer"},
      {p.selection, false, "selection"},
      {p.field_tint[0][0], false, "an overlay's field, underlined (each field its own shade)",
       true},
      {p.unreadable, true, "?? never read: not readable"},
      {p.stale, true, "not readable now: the last value read"},
      {p.zero, true, "00 and bytes that are not printable text"},
  };
}

void draw_colour_key(const Palette& palette) {
  const float h = ImGui::GetTextLineHeight();
  const float w = ImGui::CalcTextSize("00").x + 4.0f;
  for (const ColourKeyEntry& e : colour_key_entries(palette)) {
    const ImVec2 at = ImGui::GetCursorScreenPos();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    if (e.text) {
      dl->AddText(ImVec2(at.x + 2.0f, at.y), e.colour, "00");
    } else if (e.underline) {
      dl->AddText(ImVec2(at.x + 2.0f, at.y), ImGui::GetColorU32(ImGuiCol_Text), "00");
      dl->AddRectFilled(ImVec2(at.x, at.y + h - 2.0f), ImVec2(at.x + w, at.y + h),
                        tint_underline(e.colour));
    } else {
      // The glow at its brightest (it fades from there); the others as the grid draws them.
      const ImU32 c = e.colour == palette.glow ? (e.colour | IM_COL32_A_MASK) : e.colour;
      dl->AddRectFilled(at, ImVec2(at.x + w, at.y + h), c);
    }
    ImGui::Dummy(ImVec2(w, h));
    ImGui::SameLine();
    ImGui::TextUnformatted(e.meaning.c_str());
  }
}

}  // namespace memview::gui
