#include "assets.h"

#include <filesystem>
#include <system_error>
#include <vector>

#if defined(_WIN32)
#include <windows.h>
#endif

namespace memview::gui {

namespace fs = std::filesystem;

std::string find_shipped(const std::string& share_relative, const std::string& source_relative) {
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
  const fs::path source = fs::path(MEMVIEW_SOURCE_DIR) / "assets" / source_relative;
  const fs::path configured = fs::path(MEMVIEW_INSTALL_DATADIR) / share_relative;
  std::vector<fs::path> candidates;
  // Running from the build tree: the source tree's copy is the current one.
  const std::string build = MEMVIEW_BINARY_DIR;
  const bool in_build_tree =
      !exe.empty() && !build.empty() && exe.string().compare(0, build.size(), build) == 0;
  if (in_build_tree) candidates.push_back(source);
  // Installed under any prefix (the .deb's /usr, a relocated tree): PREFIX/bin/memview ->
  // PREFIX/share/...
  if (!exe.empty())
    candidates.push_back(exe.parent_path().parent_path() / "share" / share_relative);
  candidates.push_back(configured);
  candidates.push_back(source);
  for (const fs::path& p : candidates) {
    if (fs::is_regular_file(p, ec)) return p.lexically_normal().string();
  }
  return {};
}

}  // namespace memview::gui
