#include "settings.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <system_error>
#include <utility>

#include <nlohmann/json.hpp>

#include "memview/file_read.h"
#include "memview/json_bytes.h"

namespace memview::gui {

namespace fs = std::filesystem;

const char* theme_name(Theme t) {
  return t == Theme::light ? "light" : "dark";
}

void Settings::remember(const std::string& spec) {
  if (spec.empty()) return;
  recent.erase(std::remove(recent.begin(), recent.end(), spec), recent.end());
  recent.insert(recent.begin(), spec);
  if (recent.size() > kMaxRecent) recent.resize(kMaxRecent);
}

std::string config_dir() {
#if defined(_WIN32)
  // Windows: %APPDATA%\memview (the roaming application-data folder).
  if (const char* appdata = std::getenv("APPDATA"); appdata && *appdata) {
    return std::string(appdata) + "\\memview";
  }
#endif
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  // The XDG spec says a relative value is invalid and must be ignored.
  if (xdg && xdg[0] == '/') return std::string(xdg) + "/memview";
  const char* home = std::getenv("HOME");
  if (home && home[0] == '/') return std::string(home) + "/.config/memview";
  return {};
}

Settings load_settings(const std::string& dir, std::string* error) {
  Settings s;
  if (dir.empty()) return s;
  Result<std::string> text =
      read_file_capped(dir + "/settings.json", kMaxTextFileBytes, "settings file");
  if (!text) {
    // No file yet is the normal first start; anything else (a FIFO, a directory, too big,
    // unreadable) is said, and the defaults are used.
    if (text.error().code != Errc::not_found && error) *error = text.error().message;
    return s;
  }
  nlohmann::json j = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    if (error) *error = "ignoring malformed " + dir + "/settings.json";
    return s;
  }
  if (auto it = j.find("theme"); it != j.end() && it->is_string()) {
    s.theme = it->get<std::string>() == "light" ? Theme::light : Theme::dark;
  }
  if (auto it = j.find("bytes_per_row"); it != j.end() && it->is_number_integer()) {
    const int v = it->get<int>();
    if (v == 8 || v == 16 || v == 32) s.bytes_per_row = v;
  }
  if (auto it = j.find("fade_seconds"); it != j.end() && it->is_number()) {
    s.fade_seconds = std::clamp(it->get<float>(), 0.05f, 30.0f);
  }
  if (auto it = j.find("side_panel"); it != j.end() && it->is_boolean()) {
    s.side_panel = it->get<bool>();
  }
  for (auto [key, out] :
       {std::pair{"side_width", &s.side_width}, std::pair{"below_height", &s.below_height}}) {
    if (auto it = j.find(key); it != j.end() && it->is_number()) {
      *out = std::clamp(it->get<float>(), 0.0f, 100000.0f);
    }
  }
  if (auto it = j.find("activity_map"); it != j.end() && it->is_boolean()) {
    s.activity_map = it->get<bool>();
  }
  if (auto it = j.find("font_zoom"); it != j.end() && it->is_number()) {
    s.font_zoom = std::clamp(it->get<float>(), Settings::kMinFontZoom, Settings::kMaxFontZoom);
  }
  if (auto it = j.find("recent"); it != j.end() && it->is_array()) {
    for (const auto& r : *it) {
      // Specs are bytes: a string, or {"hex": ...} for names that are not UTF-8.
      Result<std::string> spec = bytes_from_json(r, "recent");
      if (spec && !spec->empty() && s.recent.size() < Settings::kMaxRecent) {
        s.recent.push_back(std::move(*spec));
      }
    }
  }
  return s;
}

std::string save_settings(const std::string& dir, const Settings& s) {
  if (dir.empty()) return "no configuration directory (neither XDG_CONFIG_HOME nor HOME is set)";
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return "cannot create " + dir + ": " + ec.message();
  nlohmann::json j;
  j["theme"] = theme_name(s.theme);
  j["bytes_per_row"] = s.bytes_per_row;
  j["fade_seconds"] = s.fade_seconds;
  j["font_zoom"] = s.font_zoom;
  j["side_panel"] = s.side_panel;
  j["side_width"] = s.side_width;
  j["below_height"] = s.below_height;
  j["activity_map"] = s.activity_map;
  j["recent"] = nlohmann::json::array();
  for (const std::string& spec : s.recent) j["recent"].push_back(json_from_bytes(spec));
  const std::string path = dir + "/settings.json";
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return "cannot write " + tmp;
    out << json_dump(j, 2) << "\n";
    if (!out) return "cannot write " + tmp;
  }
  fs::rename(tmp, path, ec);
  if (ec) return "cannot replace " + path + ": " + ec.message();
  return {};
}

}  // namespace memview::gui
