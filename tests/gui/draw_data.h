// Reading what the viewer drew from the draw data ImGui renders: the rectangle of a colour
// covering a point, its place in the drawing order and its vertical extent; the colours of
// text drawn inside a rectangle.
#pragma once

#include <imgui.h>

#include <optional>

namespace memview::gui::testing {

// The first draw command index and the vertical extent of the rectangle of colour `rgb`
// (any alpha, or exactly `rgba` when exact) covering the point p, in the frame just drawn.
struct Found {
  int order = -1;  // vertex index across all draw lists
  float y0 = 0, y1 = 0;
};

inline std::optional<Found> rect_at(ImVec2 p, ImU32 colour, bool exact) {
  const ImDrawData* dd = ImGui::GetDrawData();
  if (!dd) return std::nullopt;
  int base = 0;
  for (int l = 0; l < dd->CmdListsCount; ++l) {
    const ImDrawList* dl = dd->CmdLists[l];
    // Rectangles are 4 vertices: top-left, top-right, bottom-right, bottom-left.
    for (int v = 0; v + 3 < dl->VtxBuffer.Size; ++v) {
      const ImDrawVert& a = dl->VtxBuffer[v];
      const ImDrawVert& c = dl->VtxBuffer[v + 2];
      const bool match =
          exact ? a.col == colour : (a.col & ~IM_COL32_A_MASK) == (colour & ~IM_COL32_A_MASK);
      if (!match || dl->VtxBuffer[v + 1].col != a.col || c.col != a.col) continue;
      if (a.pos.x <= p.x && c.pos.x >= p.x && a.pos.y <= p.y && c.pos.y >= p.y &&
          a.uv.x == dl->VtxBuffer[v + 1].uv.x) {
        return Found{base + v, a.pos.y, c.pos.y};
      }
    }
    base += dl->VtxBuffer.Size;
  }
  return std::nullopt;
}

// How many glyphs of exactly `colour` (textured quads, which solid rectangles are not) lie
// inside [min, max] in the frame just drawn.
inline int glyphs_in(ImVec2 min, ImVec2 max, ImU32 colour) {
  const ImDrawData* dd = ImGui::GetDrawData();
  if (!dd) return 0;
  int n = 0;
  for (int l = 0; l < dd->CmdListsCount; ++l) {
    const ImDrawList* dl = dd->CmdLists[l];
    for (int v = 0; v + 3 < dl->VtxBuffer.Size; v += 1) {
      const ImDrawVert& a = dl->VtxBuffer[v];
      const ImDrawVert& c = dl->VtxBuffer[v + 2];
      if (a.col != colour || c.col != colour || a.uv.x == c.uv.x) continue;
      if (a.pos.x >= min.x && c.pos.x <= max.x && a.pos.y >= min.y && c.pos.y <= max.y) {
        ++n;
        v += 3;  // the rest of this quad
      }
    }
  }
  return n;
}

}  // namespace memview::gui::testing
