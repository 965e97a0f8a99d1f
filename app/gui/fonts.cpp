#include "fonts.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "memview/file_read.h"

// stb_truetype's own checks of a font (the code ImGui itself uses), private to this file.
#define STBTT_STATIC
#define STB_TRUETYPE_IMPLEMENTATION
#include <imstb_truetype.h>

namespace memview::gui {

namespace {

constexpr uint64_t kMaxFontBytes = 64ull << 20;

// The font file's bytes when they are a font ImGui can build; else the reason.
Result<std::string> read_font(const std::string& file) {
  Result<std::string> data = read_file_capped(file, kMaxFontBytes, "font");
  if (!data) return data.error();
  const auto* bytes = reinterpret_cast<const unsigned char*>(data->data());
  // stb_truetype reads the table directory without bounds checks: too short is refused.
  const int offset = data->size() < 12 ? -1 : stbtt_GetFontOffsetForIndex(bytes, 0);
  stbtt_fontinfo info;
  if (offset < 0 || static_cast<size_t>(offset) + 12 > data->size() ||
      !stbtt_InitFont(&info, bytes, offset)) {
    return make_error(Errc::invalid_argument,
                      file + " is not a TrueType or OpenType font ImGui can load");
  }
  return data;
}

}  // namespace

FontInfo load_fonts(ImGuiIO& io, float scale, const std::string& path) {
  if (!(scale > 0.25f && scale < 8.0f)) scale = 1.0f;
  FontInfo info;
  const std::string file = path.empty() ? kDefaultFontPath : path;
  Result<std::string> data = read_font(file);
  if (data) {
    ImFontConfig cfg;
    cfg.OversampleH = 2;
    cfg.OversampleV = 1;
    const float size = std::round(15.0f * scale);
    // The atlas owns (and frees) the copy.
    void* copy = IM_ALLOC(data->size());
    std::memcpy(copy, data->data(), data->size());
    if (io.Fonts->AddFontFromMemoryTTF(copy, static_cast<int>(data->size()), size, &cfg) !=
        nullptr) {
      info.path = file;
      info.size_pixels = size;
      return info;
    }
  } else if (!path.empty()) {
    info.error = data.error().message;
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
