// One open source in the viewer (one tab): the Source, its Poller (the frame's reader) and
// Editor (the only writer), and the plain state of the views that show it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "memview/editor.h"
#include "memview/poller.h"
#include "memview/result.h"
#include "memview/source.h"
#include "memview/source_spec.h"
#include "views/banner.h"
#include "views/bookmarks_view.h"
#include "views/hex_view.h"
#include "views/inspector_view.h"
#include "views/overlay_view.h"
#include "views/regions_view.h"

namespace memview::gui {

struct Session {
  int id = 0;        // unique per App, for ImGui IDs and tab selection
  std::string spec;  // what the user typed (reopen uses it)
  OpenOptions options;
  SourcePtr source;
  std::unique_ptr<Poller> poller;
  std::unique_ptr<Editor> editor;

  HexViewState hex;
  InspectorState inspector;
  BannerState banner;
  OverlayPanelState overlays;
  BookmarksState bookmarks;
  RegionsState regions;        // the process's memory map (pid: sources only)
  std::optional<int64_t> pid;  // the process behind a pid: source, else empty
  bool demo = false;    // the built-in demo's object (a workspace reopens it by starting the demo)
  bool paused = false;  // no polling: every view shows what was read before the pause

  bool polled_this_frame = false;  // poll() ran in this frame

  // Returns at once: a source whose backend may block (gdb:) opens on a worker and shows
  // "connecting..." until it is ready (open_source_nonblocking).
  static Result<std::unique_ptr<Session>> open(const std::string& spec, const OpenOptions& options,
                                               int id);

  // Opens the spec again (after removal/resize) and replaces source, poller and editor.
  // The undo journal is dropped: its addresses may mean other bytes now. View state stays.
  Status reopen();

  // Reads the process's memory map into `regions` when asked (regions.refresh_request) or,
  // while the Regions panel is shown, when the last read is older than its interval. A
  // failed read keeps the last map and says why; so does a process the poller saw exit
  // (its pid may already name another process). The first map of a whole-address-space
  // tab moves a cursor still at 0 (never mapped) to the first readable mapping.
  void refresh_regions(int64_t now_ns);

  // One poll of the requested ranges (unless paused); turns source events into banners
  // and keeps the grid's cursor inside a source that changed. Edits that ran on the
  // source's worker report their outcome in hex.message.
  void poll(int64_t now_ns);

  // End of the frame: applies what the tab's panels asked for while they drew (overlays
  // and bookmarks to remove or add).
  void end_frame();

  const SourceInfo& info() const { return source->info(); }
};

}  // namespace memview::gui
