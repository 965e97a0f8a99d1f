// The viewer's frame loop logic: the main window, the tabs (the Open view and one tab per
// open source), the session layout (banner, toolbar, hex grid, side panel) and the status
// bar. main.cpp owns the window and the GL/ImGui setup and calls App::frame() between
// ImGui::NewFrame() and ImGui::Render(); headless tests and benchmarks do the same.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "demo_runner.h"
#include "memview/demo_producer.h"
#include "memview/source_spec.h"
#include "session.h"
#include "settings.h"
#include "theme.h"
#include "views/open_view.h"
#include "views/status_bar.h"

namespace memview::gui {

struct AppOptions {
  // Where settings.json lives; empty: config_dir(). Tests point it at a temp directory.
  std::string config_dir;
  bool persist = true;  // write settings (recent sources) back
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
  // Starts the demo producer on a thread and opens its object.
  Status start_demo(const DemoOptions& options = {});

  void set_theme(Theme theme);
  // DPI scale of the window's monitor: style sizes are scaled by it (fonts are the
  // caller's: they must be rebuilt outside a frame).
  void set_ui_scale(float scale);
  void close_session(int id);
  Session* active_session();
  Session* session_by_id(int id);
  bool quit_requested() const { return quit_; }
  // Saves settings now when they changed (also done by the frame loop when idle).
  void save_settings_if_dirty();

  // Plain state, readable by tests.
  Settings settings;
  std::string config_path;  // directory of settings.json, empty when none
  Palette palette;
  OpenViewState open_view;
  FrameStats stats;        // smoothed every frame
  FrameStats stats_shown;  // what the status bar shows, refreshed twice a second
  std::string settings_error;

  // Declared before sessions so that sessions (which map the demo object) close first.
  std::unique_ptr<DemoRunner> demo;
  std::vector<std::unique_ptr<Session>> sessions;
  int active_id = 0;  // id of the session whose tab is shown; 0 = the Open tab

 private:
  void draw_menu();
  void draw_session(Session& s, int64_t now_ns);
  void draw_toolbar(Session& s);
  void draw_help_popup();
  void mark_dirty() { dirty_ = true; }

  AppOptions options_;
  int next_id_ = 1;
  int select_request_ = -1;  // tab to select next frame (0 = Open), -1 none
  std::vector<int> close_requests_;
  bool quit_ = false;
  bool dirty_ = false;
  bool help_request_ = false;
  Theme applied_theme_ = Theme::dark;
  float ui_scale_ = 1.0f;
  bool theme_applied_ = false;
  int64_t last_frame_ns_ = 0;
  int64_t stats_shown_ns_ = 0;
};

}  // namespace memview::gui
