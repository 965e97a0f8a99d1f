#include "settings.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <system_error>

#include <nlohmann/json.hpp>

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
  std::ifstream in(dir + "/settings.json");
  if (!in) return s;
  nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
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
  if (auto it = j.find("recent"); it != j.end() && it->is_array()) {
    for (const auto& r : *it) {
      if (r.is_string() && s.recent.size() < Settings::kMaxRecent) {
        s.recent.push_back(r.get<std::string>());
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
  j["recent"] = s.recent;
  const std::string path = dir + "/settings.json";
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return "cannot write " + tmp;
    out << j.dump(2) << "\n";
    if (!out) return "cannot write " + tmp;
  }
  fs::rename(tmp, path, ec);
  if (ec) return "cannot replace " + path + ": " + ec.message();
  return {};
}

}  // namespace memview::gui
