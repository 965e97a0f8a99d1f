#include "theme.h"

#include <algorithm>

namespace memview::gui {

namespace {

ImU32 rgba(int r, int g, int b, int a = 255) {
  return IM_COL32(r, g, b, a);
}

}  // namespace

Palette palette_for(Theme theme) {
  Palette p;
  if (theme == Theme::dark) {
    p.address = rgba(110, 150, 200);
    p.header = rgba(110, 150, 200, 170);
    p.text = rgba(225, 228, 232);
    p.zero = rgba(110, 114, 122);
    p.unreadable = rgba(220, 90, 90);
    p.stale = rgba(175, 135, 130);
    p.pending = rgba(255, 210, 80);
    p.glow = rgba(240, 140, 30, 115);  // at full strength; fades to 0
    p.own_edit = rgba(40, 180, 120, 70);
    p.own_edit_text = rgba(130, 235, 180);
    p.selection = rgba(70, 110, 190, 150);
    p.cursor = rgba(255, 255, 255, 230);
    p.cursor_shadow = rgba(255, 255, 255, 90);
    p.row_stripe = rgba(255, 255, 255, 8);
    p.warning_bg = rgba(120, 70, 20, 255);
    p.error_text = rgba(255, 110, 100);
    p.ok_text = rgba(120, 210, 130);
    p.dim_text = rgba(150, 150, 160);
    // violet, teal, pink, slate: none close to the glow's orange or the own edits' green.
    const int hues[Palette::kFieldHues][3] = {
        {130, 110, 255}, {0, 190, 210}, {235, 80, 190}, {150, 160, 185}};
    for (int h = 0; h < Palette::kFieldHues; ++h) {
      p.field_tint[h][0] = rgba(hues[h][0], hues[h][1], hues[h][2], 62);
      p.field_tint[h][1] = rgba(hues[h][0], hues[h][1], hues[h][2], 36);
      p.field_text[h] = rgba(std::min(255, hues[h][0] + 60), std::min(255, hues[h][1] + 50),
                             std::min(255, hues[h][2] + 30));
    }
  } else {
    p.address = rgba(30, 80, 150);
    p.header = rgba(30, 80, 150, 170);
    p.text = rgba(20, 22, 26);
    p.zero = rgba(160, 162, 170);
    p.unreadable = rgba(190, 30, 30);
    p.stale = rgba(150, 105, 100);
    p.pending = rgba(190, 110, 0);
    p.glow = rgba(255, 150, 0, 140);
    p.own_edit = rgba(30, 160, 90, 60);
    p.own_edit_text = rgba(0, 110, 60);
    p.selection = rgba(90, 140, 230, 110);
    p.cursor = rgba(0, 0, 0, 220);
    p.cursor_shadow = rgba(0, 0, 0, 80);
    p.row_stripe = rgba(0, 0, 0, 8);
    p.warning_bg = rgba(255, 215, 150, 255);
    p.error_text = rgba(190, 30, 30);
    p.ok_text = rgba(20, 130, 40);
    p.dim_text = rgba(100, 100, 110);
    const int hues[Palette::kFieldHues][3] = {
        {110, 90, 240}, {0, 165, 185}, {220, 60, 170}, {110, 120, 145}};
    for (int h = 0; h < Palette::kFieldHues; ++h) {
      p.field_tint[h][0] = rgba(hues[h][0], hues[h][1], hues[h][2], 58);
      p.field_tint[h][1] = rgba(hues[h][0], hues[h][1], hues[h][2], 30);
      p.field_text[h] = rgba(hues[h][0] * 2 / 3, hues[h][1] * 2 / 3, hues[h][2] * 2 / 3);
    }
  }
  return p;
}

Palette apply_theme(Theme theme) {
  ImGuiStyle& style = ImGui::GetStyle();
  if (theme == Theme::dark) {
    ImGui::StyleColorsDark(&style);
    ImVec4* c = style.Colors;
    c[ImGuiCol_WindowBg] = ImVec4(0.10f, 0.11f, 0.13f, 1.0f);
    c[ImGuiCol_ChildBg] = ImVec4(0.08f, 0.09f, 0.10f, 1.0f);
    c[ImGuiCol_PopupBg] = ImVec4(0.13f, 0.14f, 0.17f, 0.98f);
    c[ImGuiCol_MenuBarBg] = ImVec4(0.13f, 0.14f, 0.17f, 1.0f);
    c[ImGuiCol_Tab] = ImVec4(0.16f, 0.20f, 0.27f, 1.0f);
    c[ImGuiCol_TabActive] = ImVec4(0.22f, 0.35f, 0.55f, 1.0f);
  } else {
    ImGui::StyleColorsLight(&style);
    ImVec4* c = style.Colors;
    c[ImGuiCol_WindowBg] = ImVec4(0.96f, 0.96f, 0.97f, 1.0f);
    c[ImGuiCol_ChildBg] = ImVec4(1.0f, 1.0f, 1.0f, 1.0f);
    // Frames (text boxes, checkboxes, radio buttons) must stand out from white panels.
    c[ImGuiCol_FrameBg] = ImVec4(0.87f, 0.88f, 0.91f, 1.0f);
    c[ImGuiCol_FrameBgHovered] = ImVec4(0.80f, 0.85f, 0.95f, 1.0f);
    c[ImGuiCol_FrameBgActive] = ImVec4(0.74f, 0.81f, 0.95f, 1.0f);
    c[ImGuiCol_Border] = ImVec4(0.0f, 0.0f, 0.0f, 0.22f);
  }
  style.FrameBorderSize = theme == Theme::light ? 1.0f : 0.0f;
  style.WindowRounding = 0.0f;
  style.FrameRounding = 3.0f;
  style.TabRounding = 3.0f;
  style.WindowBorderSize = 0.0f;
  return palette_for(theme);
}

}  // namespace memview::gui
