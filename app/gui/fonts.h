// The monospace UI font (fonts-dejavu-core's DejaVu Sans Mono) with a fallback to ImGui's
// built-in font, at the display's content scale.
#pragma once

#include <string>

struct ImGuiIO;

namespace memview::gui {

inline constexpr const char* kDefaultFontPath =
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf";

struct FontInfo {
  std::string path;  // the TTF used; empty when ImGui's built-in font is used
  float size_pixels = 0;
  std::string error;  // why the font asked for is not used (then the built-in one is)
};

// Adds the UI font to io.Fonts (before the atlas is built). `path` empty = the default.
// The file is read and checked first (a regular file of at most 64 MiB that stb_truetype
// accepts): Debian's ImGui 1.86 asserts on a missing or malformed font file.
FontInfo load_fonts(ImGuiIO& io, float scale, const std::string& path = {});

// Scales the style's sizes (paddings, scrollbar, rounding) for the content scale.
void scale_style(float scale);

}  // namespace memview::gui
