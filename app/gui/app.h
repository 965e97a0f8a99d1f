// The viewer's frame loop logic: the main window, the tabs (the Open view and one tab per
// open source), the session layout (banner, toolbar, hex grid, side panel) and the status
// bar. main.cpp owns the window and the GL/ImGui setup and calls App::frame() between
// ImGui::NewFrame() and ImGui::Render(); headless tests and benchmarks do the same.
//
// One frame, in order:
//   1. global shortcuts, control-socket requests (they may open tabs: nothing is drawn yet);
//   2. the shown tab: grid input and layout (hex_view_begin), the views' requests, one
//      poll, then every view draws from what that poll read; the status bar, the dialogs;
//   3. end_frame(): the tabs not shown poll (so removal and resizes are noticed), and the
//      structural changes asked for during the frame are applied.
//
// When state may change during a frame (the one rule):
//   Structural changes (opening, reopening or closing a tab, starting the demo, opening a
//   workspace, parsing declarations, placing or removing an overlay, adding or removing a
//   bookmark) asked for while the
//   frame draws are only recorded (App::requests_, OverlayPanelState::remove_requests,
//   BookmarksState::*_requests) and applied by end_frame(), after everything is drawn. No
//   view ever sees a tab, overlay or bookmark appear or vanish in the middle of a frame.
//   The App's public calls made outside drawing (tests, main.cpp, step 1) apply at once.
//   Everything else a view changes (the cursor, a written value, a message) takes effect
//   at once, and views drawn later in the same frame see it. A view reads another's state
//   as it is at that point of the frame: the overlays read the grid's cursor and hovered
//   byte after the grid's input, before the poll, so the field under the mouse is read in
//   the frame whose tooltip shows it.
//
// Adding a side panel: one view file (state struct + draw function, no I/O), a SideTab
// value, a member in Session for its state, and one draw_side_tab(...) line in
// App::draw_side_panel. A strip under the grid goes in App::draw_grid_column.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "demo_runner.h"
#include "memview/control_socket.h"
#include "memview/demo_producer.h"
#include "memview/source_spec.h"
#include "overlay.h"
#include "session.h"
#include "settings.h"
#include "theme.h"
#include "toolbar_flow.h"
#include "views/open_view.h"
#include "views/overlay_form.h"
#include "views/status_bar.h"
#include "widget_rect.h"
#include "workspace.h"

namespace memview::gui {

struct AppOptions {
  // Where settings.json lives; empty: config_dir(). Tests point it at a temp directory.
  std::string config_dir;
  bool persist = true;  // write settings (recent sources) back
  // Serve a control socket for every pid: source opened (control_socket.h), so that the
  // gdb extension opens further ranges of that process in this viewer.
  bool control_socket = true;
};

// Which side-panel tab a session shows below the inspector.
enum class SideTab {
  overlays,
  add_overlay,
  bookmarks,
  regions,
  attached,
  who_writes,
  snapshots,
  watches,
  find,
};
constexpr size_t kSideTabCount = 9;

// The workspace dialog to open at the next frame.
enum class WorkspaceDialog { none, save, open };

// Structural changes asked for while a frame draws; end_frame() applies them.
struct FrameRequests {
  struct Open {
    std::string spec;
    OpenOptions options;
  };
  struct Place {  // an overlay from the Add overlay form
    int session_id = 0;
    DeclOrigin origin;
    std::string type_name;
    uint64_t address = 0;
    uint64_t count = 1;
  };
  std::vector<Open> open;
  std::vector<int> reopen;       // session ids (the banner's Reopen)
  std::vector<int> close;        // session ids
  std::vector<DeclOrigin> load;  // declarations to parse for the Add overlay form
  std::vector<Place> place;
  bool demo = false;
  std::string open_workspace;  // a workspace file to open, empty: none
};

class App {
 public:
  explicit App(AppOptions options = {});
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  // Builds one frame of UI (call between ImGui::NewFrame and ImGui::Render). now_ns is the
  // time base of change highlights (memview::now_ns() in the app).
  void frame(int64_t now_ns);

  // Opens a source in a new tab (or selects its tab when already open). On failure the
  // Open view shows why and is selected; the error is also returned.
  Status open(const std::string& spec, const OpenOptions& options = {});
  // Starts the demo producer on a thread (a shm object named memview-demo-PID, so that two
  // viewers never share one) and opens its object, with the demo header's struct
  // telemetry overlaid at 0 when `overlay` is set.
  Status start_demo(const DemoOptions& options = {}, bool overlay = true);
  Status start_demo(bool overlay) { return start_demo(default_demo_options(), overlay); }
  static DemoOptions default_demo_options();

  // Overlays. A header/text origin is parsed on a worker (shared with other overlays of
  // the same origin); the overlay shows "parsing..." until its layout is ready. A
  // layout_json origin is read at once (errors make a failed overlay showing why).
  Overlay* add_overlay(Session& s, const DeclOrigin& origin, const std::string& type_name,
                       uint64_t address, uint64_t count = 1, std::string title = {});
  // Reads a layout JSON file (layout_to_json, LayoutJson::full; gdb's memview.py writes
  // them) and overlays it at `address`; an overlay of the same layout, address and title
  // already in the tab is scrolled into view and returned instead of added again.
  Result<Overlay*> add_layout_file_overlay(Session& s, const std::string& path, uint64_t address,
                                           std::string title = {});

  // Workspaces (see workspace.h).
  Workspace capture_workspace();
  Status save_workspace(const std::string& path);
  // Opens what the file lists (sources that fail are reported, the rest still opens).
  Status open_workspace(const std::string& path);
  Status apply_workspace(const Workspace& ws);

  void set_theme(Theme theme);
  // Every grid's row width (8, 16 or 32) and change fade, kept in `settings`.
  void set_bytes_per_row(int bytes_per_row);
  void set_fade_seconds(float seconds);
  // The text size as a factor of the default (clamped, rounded to 10 %), kept in
  // `settings`. The frame shows it at once by scaling the font; main.cpp rasterises the
  // font again at that size outside a frame and says so with set_font_atlas_zoom().
  void set_font_zoom(float zoom);
  // Shows or hides the side panel (the grid then takes the whole width); kept in settings.
  void set_side_panel(bool shown);
  // The toolbar's Map box: new tabs start with the activity map on or off; kept in settings.
  void set_activity_map(bool shown);
  void set_font_atlas_zoom(float zoom) { font_atlas_zoom_ = zoom; }
  // DPI scale of the window's monitor: style sizes are scaled by it (fonts are the
  // caller's: they must be rebuilt outside a frame).
  void set_ui_scale(float scale);
  // Closes a tab at the end of the frame.
  void close_session(int id);
  // Starts the tab's Record (app_timeline.cpp): the overlays' bytes and the selection, or
  // the whole object (timeline.settings), recorded in memory on a worker.
  Status start_recording(Session& s);
  Session* active_session();
  Session* session_by_id(int id);
  // The session the last successful open() opened or selected.
  Session* last_opened() { return session_by_id(last_open_id_); }
  bool quit_requested() const { return quit_; }
  // Saves settings now when they changed (also done by the frame loop when idle).
  void save_settings_if_dirty();
  // What the status bar shows for the shown tab (status_fields() gives its texts).
  StatusBarInput status_input(int64_t now_ns);

  // Plain state, readable by tests.
  Settings settings;        // the one owner of theme, bytes per row and fade time
  std::string config_path;  // directory of settings.json, empty when none
  Palette palette;
  OpenViewState open_view;
  FrameStats stats;        // smoothed every frame
  FrameStats stats_shown;  // what the status bar shows, refreshed twice a second
  std::string settings_error;
  bool help_open = false;  // the Keys dialog (F1) was open in the last frame

  DeclLibrary decls;  // parses of headers and pasted declarations, shared by all tabs
  OverlayFormState overlay_form;
  SideTab side_tab = SideTab::overlays;
  std::optional<SideTab> side_tab_request;  // select this side tab next frame
  ToolbarFlow toolbar_flow;                 // the toolbar's groups and where they wrap (last frame)
  // The side tabs' headers (last frame), indexed by SideTab.
  std::array<WidgetRect, kSideTabCount> side_tab_rects{};
  const WidgetRect& side_tab_rect(SideTab t) const {
    return side_tab_rects[static_cast<size_t>(t)];
  }
  // The layout of the last frame (app_layout.cpp): the grid column, the side panel (beside
  // the grid, or below it in a narrow window), and the splitter between them.
  WidgetRect grid_column_rect, side_panel_rect, splitter_rect;
  bool side_panel_below = false;

  // Control sockets by target pid, and the requests they brought (last error).
  std::map<int64_t, std::unique_ptr<ControlServer>> control_servers;
  uint64_t control_requests = 0;
  std::string control_error;

  // The latest message that belongs to no tab (a control request that failed, an unsafe
  // control socket directory, a settings file that could not be read or written, a frame
  // that failed): shown in the status bar and written once to stderr (the log).
  std::string notice;
  StatusBarDrawn status_drawn;  // the status bar as drawn in the last frame
  // The tab tooltip drawn last frame (a tab's whole source), empty when none.
  std::string tab_tooltip;
  // The menu bar's View menu and its Colour key submenu (last frame), and whether the key
  // was drawn.
  WidgetRect view_menu_item, colour_key_item;
  bool colour_key_shown = false;
  void notify(std::string message);

  // Workspace dialog.
  std::string workspace_path;  // last saved/opened
  std::string workspace_message;
  bool workspace_message_is_error = false;

  // Declared before sessions so that sessions (which map the demo object) close first.
  std::unique_ptr<DemoRunner> demo;
  std::vector<std::unique_ptr<Session>> sessions;
  int active_id = 0;  // id of the session whose tab is shown; 0 = the Open tab

 private:
  void handle_shortcuts();
  void handle_zoom_keys();
  void draw_menu();
  void draw_tabs(int64_t now_ns);
  void draw_status(int64_t now_ns);
  void draw_session(Session& s, int64_t now_ns);
  void draw_toolbar(Session& s, int64_t now_ns);
  bool draw_row_width_choice();
  bool draw_fade_choice();
  bool draw_map_choice(Session& s);
  void draw_grid_column(Session& s, ImVec2 size, int64_t now_ns);
  // The grid column and the side panel with a splitter between (app_layout.cpp).
  void draw_grid_and_panel(Session& s, int64_t now_ns);
  // The splitter: a thin bar dragged along `axis` (0: x, 1: y) that changes `size` (the
  // side panel's) within [lo, hi]; a double-click makes it automatic again (0).
  void draw_splitter(ImVec2 bar, int axis, float shown, float lo, float hi, float& size);
  // What the grid's context menu chose this frame (app_grid_menu.cpp).
  void take_grid_menu_action(Session& s);
  void draw_help_popup();
  void draw_workspace_popup();
  // A workspace source's watches on its opened session; what cannot be watched goes to errors.
  void apply_watches(Session& s, const std::vector<WorkspaceWatch>& watches,
                     std::vector<std::string>& errors);
  // The timeline (app_timeline.cpp): the toolbar's Record controls, the strip under the
  // grid, File > Open recording, and tabs that replay a recording file.
  void draw_record_controls_for(Session& s);
  void draw_timeline(Session& s, float width, int64_t now_ns);
  void draw_open_recording_popup();
  Status open_recording(const std::string& path);
  void draw_side_panel(Session& s, int64_t now_ns);
  void draw_add_overlay_tab(Session& s);
  void build_frame(int64_t now_ns);
  void end_frame(int64_t now_ns);
  void apply_requests();
  void poll_control_sockets();
  void serve_control_socket(const Session& s);
  Status carry_out(const ControlRequest& r);
  void mark_dirty() { dirty_ = true; }

  AppOptions options_;
  FrameRequests requests_;
  int next_id_ = 1;
  int select_request_ = -1;  // tab to select next frame (0 = Open), -1 none
  int last_open_id_ = 0;
  WorkspaceDialog workspace_request_ = WorkspaceDialog::none;
  bool workspace_saving_ = true;
  bool workspace_close_ = false;  // the dialog's workspace opened: close it
  bool quit_ = false;
  bool dirty_ = false;
  bool help_request_ = false;
  bool open_recording_request_ = false;
  std::string open_recording_path_;
  std::string open_recording_error_;
  bool control_error_said_ = false;
  Theme applied_theme_ = Theme::dark;
  float ui_scale_ = 1.0f;
  float font_atlas_zoom_ = 1.0f;  // the zoom the font atlas was rasterised at
  bool theme_applied_ = false;
  int64_t last_frame_ns_ = 0;
  int64_t stats_shown_ns_ = 0;
};

}  // namespace memview::gui
