// Persistent viewer settings and the list of recent sources, kept as JSON under the XDG
// config directory ($XDG_CONFIG_HOME/memview, else ~/.config/memview), never the working
// directory. ImGui's window layout (imgui.ini) lives in the same directory.
#pragma once

#include <string>
#include <vector>

namespace memview::gui {

enum class Theme { dark, light };

struct Settings {
  Theme theme = Theme::dark;
  int bytes_per_row = 16;     // 8, 16 or 32
  float fade_seconds = 1.0f;  // how long a foreign change glows
  bool side_panel = true;     // the inspector and side tabs beside the grid (F9)
  // The side panel's size as the splitter left it (0: automatic): its width beside the
  // grid, and its height below the grid in a window too narrow for both side by side.
  float side_width = 0;
  float below_height = 0;
  float font_zoom = 1.0f;           // Ctrl+= / Ctrl+- / Ctrl+0, Ctrl+wheel (kMin..kMaxFontZoom)
  bool activity_map = false;        // new tabs show the activity map (the toolbar's Map box)
  std::vector<std::string> recent;  // most recent first

  static constexpr size_t kMaxRecent = 12;
  static constexpr float kMinFontZoom = 0.5f, kMaxFontZoom = 3.0f;
  // Moves (or adds) spec to the front of the recent list.
  void remember(const std::string& spec);
};

// "$XDG_CONFIG_HOME/memview" or "$HOME/.config/memview"; empty when neither is set.
std::string config_dir();

// Loads settings.json from `dir`; a missing or malformed file gives the defaults (and a
// malformed, unreadable, oversized or non-regular one an error message in *error when
// given). Recent specs are bytes (memview/json_bytes.h): any name round-trips exactly.
Settings load_settings(const std::string& dir, std::string* error = nullptr);
// Writes settings.json atomically (temp file + rename); creates the directory. Returns an
// error message, empty on success.
std::string save_settings(const std::string& dir, const Settings& settings);

const char* theme_name(Theme t);

}  // namespace memview::gui
