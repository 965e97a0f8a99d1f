// A workspace: what is open and how it is looked at, saved as JSON so that
// `memview --workspace FILE` (or File > Open workspace) brings it back: the sources (spec
// or "the demo"), each with its overlays (where their declarations come from: a header
// path, pasted text or a layout JSON document, with the parse options; the type, offset
// and instance count), bookmarks, watches (with their freeze settings) and cursor; and the
// view settings (bytes per row, theme,
// fade). Offsets are relative to each source's base. Specs, paths, names and texts are
// bytes: stored with memview/json_bytes.h, so any of them round-trips exactly.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "memview/result.h"
#include "overlay.h"
#include "settings.h"

namespace memview::gui {

struct WorkspaceOverlay {
  std::string title;
  DeclOrigin origin;
  std::string type;  // type name for header/text origins
  uint64_t offset = 0;
  uint64_t count = 1;
  std::vector<std::string> expanded;  // tree nodes open (keys)
};

struct WorkspaceBookmark {
  std::string name;
  uint64_t offset = 0;
};

// A watch: its typed address as the Watches panel takes it ("be:u16@0x10", relative to the
// base) and its freeze settings. A freeze is not restarted by opening the workspace (that
// would write into a process nobody is looking at yet): `frozen` says it ran when saved,
// and the panel offers it again.
struct WorkspaceWatch {
  std::string address;
  std::string name;
  std::string freeze_mode = "exact";  // freeze_mode_name(): "exact", "allow increase", ...
  double freeze_interval_ms = 100;
  std::string freeze_value;  // empty: the value current when the freeze starts
  bool frozen = false;
};

struct WorkspaceSource {
  std::string spec;  // ignored when demo
  bool demo = false;
  bool read_only = false;
  uint64_t cursor = 0;  // offset
  std::vector<WorkspaceOverlay> overlays;
  std::vector<WorkspaceBookmark> bookmarks;
  std::vector<WorkspaceWatch> watches;
};

struct Workspace {
  std::vector<WorkspaceSource> sources;
  int active = -1;  // index into sources of the tab shown, -1: none
  int bytes_per_row = 16;
  Theme theme = Theme::dark;
  float fade_seconds = 1.0f;
};

std::string workspace_to_json(const Workspace& ws);
// Validates the document; unknown keys are ignored, wrong types are errors naming the key.
Result<Workspace> workspace_from_json(std::string_view json);

// Atomic save (temp file + rename); load with a clear error for a missing or malformed
// file, one that is not a regular file, or one over memview::kMaxTextFileBytes.
Status save_workspace_file(const std::string& path, const Workspace& ws);
Result<Workspace> load_workspace_file(const std::string& path);

}  // namespace memview::gui
