// Files the viewer ships: found next to an installed binary (PREFIX/share/memview), under
// the configured install prefix, or in the source tree when running from the build directory.
#pragma once

#include <string>

namespace memview::gui {

// Path of assets/<relative> (e.g. "demo/telemetry.h"), or empty when it is nowhere.
std::string find_asset(const std::string& relative);

// The demo producer's header (struct telemetry), or empty.
inline std::string demo_header_path() {
  return find_asset("demo/telemetry.h");
}

}  // namespace memview::gui
