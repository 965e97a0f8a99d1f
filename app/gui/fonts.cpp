#include "fonts.h"

#include <imgui.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>

namespace memview::gui {

FontInfo load_fonts(ImGuiIO& io, float scale, const std::string& path) {
  if (!(scale > 0.25f && scale < 8.0f)) scale = 1.0f;
  FontInfo info;
  const std::string file = path.empty() ? kDefaultFontPath : path;
  // access() rather than trusting AddFontFromFileTTF: on a missing file 1.86 asserts.
  if (access(file.c_str(), R_OK) == 0) {
    ImFontConfig cfg;
    cfg.OversampleH = 2;
    cfg.OversampleV = 1;
    const float size = std::round(15.0f * scale);
    if (io.Fonts->AddFontFromFileTTF(file.c_str(), size, &cfg) != nullptr) {
      info.path = file;
      info.size_pixels = size;
      return info;
    }
  }
  ImFontConfig cfg;
  // The built-in bitmap font is crisp only at integer multiples of 13 px.
  cfg.SizePixels = 13.0f * std::max(1.0f, std::round(scale));
  io.Fonts->AddFontDefault(&cfg);
  info.size_pixels = cfg.SizePixels;
  return info;
}

void scale_style(float scale) {
  if (!(scale > 0.25f && scale < 8.0f) || scale == 1.0f) return;
  ImGui::GetStyle().ScaleAllSizes(scale);
}

}  // namespace memview::gui
