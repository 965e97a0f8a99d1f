// One open source in the viewer (one tab): the Source, its Poller (the frame's reader) and
// Editor (the only writer), and the plain state of the views that show it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "find_state.h"
#include "memview/activity.h"
#include "memview/editor.h"
#include "memview/poller.h"
#include "memview/result.h"
#include "memview/source.h"
#include "memview/source_spec.h"
#include "memview/who_maps.h"
#include "memview/who_writes.h"
#include "snapshot_jobs.h"
#include "timeline.h"
#include "views/activity_map.h"
#include "views/attached_view.h"
#include "views/banner.h"
#include "views/bookmarks_view.h"
#include "views/hex_view.h"
#include "views/inspector_view.h"
#include "views/overlay_view.h"
#include "views/regions_view.h"
#include "views/snapshots_view.h"
#include "views/who_writes_view.h"
#include "watches.h"
#include "widget_rect.h"

namespace memview::gui {

struct Session {
  int id = 0;        // unique per App, for ImGui IDs and tab selection
  std::string spec;  // what the user typed (reopen uses it)
  OpenOptions options;
  WidgetRect tab_rect;  // the tab's title in the tab bar (last frame)
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
  AttachedState attached;      // who maps this tab's bytes
  WhoWritesState who_writes;   // who writes the grid's selection
  WatchesState watches;        // typed values over time, and their freezes
  // The workers of those two panels (session_who.cpp): the scan runs while the tab is
  // shown, the watch from its start until it is stopped or the tab closes.
  WhoMapsJob who_maps_job;
  WhoWritesJob who_writes_job;
  ActivityMapState activity;  // the activity map beside the grid
  // Its sweeper (session_activity.cpp): from the tab's first frame while the map is on.
  std::unique_ptr<ActivitySweeper> activity_sweeper;
  double activity_budget = 0;  // the budget the running sweeper was given
  SnapshotsState snapshots;    // the Snapshots panel
  SnapshotJob snapshot_job;    // its running take or load (session_snapshots.cpp)
  SnapshotJob diff_job;        // its running diff (beside a take: a live diff re-runs)
  int64_t diff_done_ns = 0;    // when the last diff landed (paces the live re-diffs)
  int snapshot_serial = 0;     // names "snapshot N" of unnamed snapshots
  FindState find;              // the Find panel: value scans and pattern searches (find_state.h)
  bool demo = false;    // the built-in demo's object (a workspace reopens it by starting the demo)
  bool paused = false;  // no polling: every view shows what was read before the pause

  bool polled_this_frame = false;  // poll() ran in this frame

  // The Record button's recording, or the file this tab replays, and the position the
  // views show (timeline.h). While viewing_past (set by the grid column each frame) the
  // views read view_info(), view_tracker() and view_editor(): the bytes at the position.
  TimelineState timeline;
  bool viewing_past = false;
  const SourceInfo& view_info() const;
  const ChangeTracker& view_tracker() const;
  Editor* view_editor();
  // A tab replaying a recording file (session_timeline.cpp).
  static Result<std::unique_ptr<Session>> open_recording(const std::string& path, int id);

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
  // and bookmarks to remove or add, a write watch to start or stop).
  void end_frame();

  // Who maps and who writes (session_who.cpp). Why this tab's kind has no processes
  // mapping it (a gdb: link, or not Linux); empty when it has.
  std::string who_unsupported() const;
  bool who_supported() const { return who_unsupported().empty(); }
  // The shown tab, each frame before its panels draw: keeps the who-maps scan running and
  // takes the latest scan and write table the workers published (never waits on them).
  void refresh_who();
  // End of the frame: stops the scan of a tab that was not shown; starts or stops the
  // write watch the panel or F6 asked for.
  void who_end_frame();

  // Each frame, for every tab: starts the sweeper (the map on) or stops it (off), and takes
  // the newest view it published (never waits on it).
  void refresh_activity();
  // A fresh sweeper at the next refresh (the source was opened again).
  void restart_activity();
  // Each frame before the panels draw: takes a snapshot job's result when it ended.
  void refresh_snapshots();
  // End of the frame: starts the job the Snapshots panel asked for (one take or load and
  // one diff at a time), and the next round of a live diff.
  void snapshots_end_frame();
  void land_diff(SnapshotsState& s, const SnapshotJobResult& r);  // a diff job's result
  void start_diff(SnapshotsState& s);  // the requested diff, or a live diff's next round

  const SourceInfo& info() const { return source->info(); }
};

}  // namespace memview::gui
