// The body of a tab below its toolbar: the grid at its natural width (its columns by bytes
// per row and font) and the side panel at the window's right edge with a splitter between;
// in a window too narrow for both, the side panel below the grid. F9 hides the panel.
#include <imgui.h>

#include <algorithm>

#include "app.h"
#include "views/activity_map.h"
#include "views/hex_view.h"

namespace memview::gui {
namespace {

constexpr float kBar = 6.0f;           // the splitter's thickness
constexpr float kMinSideChars = 28;    // the narrowest side panel beside the grid
constexpr float kAutoSideChars = 110;  // its widest until the splitter is dragged
constexpr float kMinBelowLines = 6;    // the lowest panel below the grid (and grid above it)

}  // namespace

void App::draw_splitter(ImVec2 bar, int axis, float shown, float lo, float hi, float& size) {
  ImGui::InvisibleButton("##splitter", bar);
  splitter_rect = WidgetRect::last_item();
  const bool hot = ImGui::IsItemHovered() || ImGui::IsItemActive();
  if (hot) {
    ImGui::SetMouseCursor(axis == 0 ? ImGuiMouseCursor_ResizeEW : ImGuiMouseCursor_ResizeNS);
  }
  if (ImGui::IsItemHovered() && ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left)) {
    if (size != 0) mark_dirty();
    size = 0;
  } else if (ImGui::IsItemActive()) {
    // The panel is right of (below) the bar: dragging toward it makes it smaller.
    const ImVec2 delta = ImGui::GetIO().MouseDelta;
    const float d = axis == 0 ? delta.x : delta.y;
    if (d != 0) {
      size = std::clamp(shown - d, lo, hi);
      mark_dirty();
    }
  }
  const WidgetRect& r = splitter_rect;
  const ImU32 col = ImGui::GetColorU32(hot ? ImGuiCol_SeparatorHovered : ImGuiCol_Separator);
  const ImVec2 c = r.center();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  if (axis == 0) {
    dl->AddLine({c.x, r.min.y}, {c.x, r.max.y}, col, hot ? 2.0f : 1.0f);
  } else {
    dl->AddLine({r.min.x, c.y}, {r.max.x, c.y}, col, hot ? 2.0f : 1.0f);
  }
}

void App::draw_grid_and_panel(Session& s, int64_t now_ns) {
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const float natural =
      hex_view_preferred_width(settings.bytes_per_row, s.info()) + activity_map_width(s.activity);
  const float char_w = ImGui::CalcTextSize("0").x;
  const float line_h = ImGui::GetTextLineHeightWithSpacing();
  splitter_rect = side_panel_rect = WidgetRect{};
  const float min_side = char_w * kMinSideChars;
  side_panel_below = settings.side_panel && avail.x < natural + kBar + min_side;
  if (!settings.side_panel) {
    for (WidgetRect& r : side_tab_rects) r = WidgetRect{};
    // Its natural width: a scrollbar far from the ASCII column would help nobody.
    draw_grid_column(s, ImVec2(std::min(natural, avail.x), avail.y), now_ns);
    grid_column_rect = WidgetRect::last_item();
    return;
  }
  if (!side_panel_below) {
    // The grid keeps its natural width: the panel is at most what is left.
    const float most = avail.x - natural - kBar;
    const float side_w = settings.side_width > 0
                             ? std::clamp(settings.side_width, min_side, most)
                             : std::clamp(char_w * kAutoSideChars, min_side, most);
    draw_grid_column(s, ImVec2(natural, avail.y), now_ns);
    grid_column_rect = WidgetRect::last_item();
    ImGui::SetCursorScreenPos(ImVec2(origin.x + avail.x - side_w - kBar, origin.y));
    draw_splitter(ImVec2(kBar, avail.y), 0, side_w, min_side, most, settings.side_width);
    ImGui::SameLine(0.0f, 0.0f);
  } else {
    const float min_h = line_h * kMinBelowLines;
    const float most = std::max(min_h, avail.y - min_h - kBar);
    const float side_h = settings.below_height > 0 ? std::clamp(settings.below_height, min_h, most)
                                                   : std::clamp(avail.y * 0.4f, min_h, most);
    const float grid_h = avail.y - side_h - kBar;
    draw_grid_column(s, ImVec2(std::min(natural, avail.x), grid_h), now_ns);
    grid_column_rect = WidgetRect::last_item();
    // Placed exactly (no item spacing): the panel is side_h high, as the splitter left it.
    ImGui::SetCursorScreenPos(ImVec2(origin.x, origin.y + grid_h));
    draw_splitter(ImVec2(avail.x, kBar), 1, side_h, min_h, most, settings.below_height);
    ImGui::SetCursorScreenPos(ImVec2(origin.x, origin.y + grid_h + kBar));
  }
  draw_side_panel(s, now_ns);
  side_panel_rect = WidgetRect::last_item();
}

}  // namespace memview::gui
