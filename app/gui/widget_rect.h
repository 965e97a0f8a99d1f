// A widget's rectangle in the last frame. Views record where they drew what a test (or the
// next frame) needs to find again, e.g. to click its centre.
#pragma once

#include <imgui.h>

namespace memview::gui {

struct WidgetRect {
  ImVec2 min{0, 0}, max{0, 0};
  bool valid() const { return max.x > min.x; }
  ImVec2 center() const { return {(min.x + max.x) / 2, (min.y + max.y) / 2}; }
  // The rectangle of the item ImGui drew last.
  static WidgetRect last_item() { return {ImGui::GetItemRectMin(), ImGui::GetItemRectMax()}; }
};

}  // namespace memview::gui
