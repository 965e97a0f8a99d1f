// A toolbar whose groups wrap onto another line instead of running off a narrow window.
// Each group's width is measured as it is drawn and used in the next frame to decide
// whether it still fits on the current line (ImGui cannot measure before drawing).
#pragma once

#include <imgui.h>

#include <cstddef>
#include <vector>

#include "widget_rect.h"

namespace memview::gui {

struct ToolbarFlow {
  std::vector<float> widths;      // each group's width in the last frame (0: not drawn yet)
  std::vector<WidgetRect> rects;  // where each group was drawn (last frame)
  size_t next = 0;
  int lines = 1;  // lines the toolbar took this frame

  void begin() {
    next = 0;
    rects.clear();
    lines = 1;
  }
  // Starts a group `gap` pixels after the previous one, or on a new line when it would not
  // fit in the window.
  void group(float gap) {
    if (next > 0) {
      ImGui::SameLine(0.0f, gap);
      const float right = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x;
      const float width = next < widths.size() ? widths[next] : 0.0f;
      if (ImGui::GetCursorScreenPos().x + width > right) {
        ImGui::NewLine();
        ++lines;
      }
    }
    ImGui::BeginGroup();
  }
  void end_group() {
    ImGui::EndGroup();
    if (widths.size() <= next) widths.resize(next + 1, 0.0f);
    widths[next++] = ImGui::GetItemRectSize().x;
    rects.push_back(WidgetRect::last_item());
  }
};

}  // namespace memview::gui
