// Files the viewer ships: found next to an installed binary (PREFIX/share, whatever the
// prefix: the .deb installs under /usr what was configured for /usr/local), under the
// configured prefix, or in the source tree when running from the build directory.
#pragma once

#include <string>

namespace memview::gui {

// Path of an installed PREFIX/share/<share_relative>, or of the source tree's
// assets/<source_relative>; empty when it is nowhere.
std::string find_shipped(const std::string& share_relative, const std::string& source_relative);

// Path of assets/<relative> (e.g. "demo/telemetry.h"), installed as share/memview/<relative>.
inline std::string find_asset(const std::string& relative) {
  return find_shipped("memview/" + relative, relative);
}

// The window icon (installed with the desktop entry's icons), or empty.
inline std::string window_icon_path() {
  return find_shipped("icons/hicolor/256x256/apps/memview.png", "icon/memview.png");
}

// The demo producer's header (struct telemetry), or empty.
inline std::string demo_header_path() {
  return find_asset("demo/telemetry.h");
}

}  // namespace memview::gui
