#include "assets.h"

#include <filesystem>
#include <system_error>
#include <vector>

#if defined(_WIN32)
#include <windows.h>
#endif

namespace memview::gui {

namespace fs = std::filesystem;

std::string find_asset(const std::string& relative) {
  std::error_code ec;
  fs::path exe;
#if defined(__linux__)
  exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) exe.clear();
#elif defined(_WIN32)
  wchar_t buf[32768];
  const DWORD n = GetModuleFileNameW(nullptr, buf, static_cast<DWORD>(std::size(buf)));
  if (n > 0 && n < std::size(buf)) exe = fs::path(std::wstring(buf, n));
#endif
  const fs::path source = fs::path(MEMVIEW_SOURCE_DIR) / "assets" / relative;
  const fs::path configured = fs::path(MEMVIEW_ASSETS_INSTALL_DIR) / relative;
  std::vector<fs::path> candidates;
  // Running from the build tree: the source tree's copy is the current one.
  const std::string build = MEMVIEW_BINARY_DIR;
  const bool in_build_tree =
      !exe.empty() && !build.empty() && exe.string().compare(0, build.size(), build) == 0;
  if (in_build_tree) candidates.push_back(source);
  // Installed (possibly relocated): PREFIX/bin/memview -> PREFIX/share/memview.
  if (!exe.empty()) {
    candidates.push_back(exe.parent_path().parent_path() / "share" / "memview" / relative);
  }
  candidates.push_back(configured);
  candidates.push_back(source);
  for (const fs::path& p : candidates) {
    if (fs::is_regular_file(p, ec)) return p.lexically_normal().string();
  }
  return {};
}

}  // namespace memview::gui
