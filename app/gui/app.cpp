#include "app.h"

#include <imgui.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

#include <fmt/format.h>

#if defined(_WIN32)
#include <process.h>
#else
#include <unistd.h>
#endif

#include "assets.h"
#include "fonts.h"
#include "frame_guard.h"
#include "memview/file_read.h"
#include "memview/text_bytes.h"
#include "views/hex_view.h"

namespace memview::gui {

namespace {

double steady_ms() {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

App::App(AppOptions options) : options_(std::move(options)) {
  config_path = options_.config_dir.empty() ? config_dir() : options_.config_dir;
  settings = load_settings(config_path, &settings_error);
  if (!settings_error.empty()) notify(settings_error);
  palette = palette_for(settings.theme);
}

App::~App() {
  save_settings_if_dirty();
  sessions.clear();  // before the demo producer unlinks its object
  demo.reset();
}

void App::save_settings_if_dirty() {
  if (!dirty_ || !options_.persist) return;
  dirty_ = false;
  settings_error = save_settings(config_path, settings);
  if (!settings_error.empty()) notify(settings_error);
}

void App::set_theme(Theme theme) {
  if (settings.theme != theme) mark_dirty();
  settings.theme = theme;
}

void App::set_bytes_per_row(int bytes_per_row) {
  if (bytes_per_row != 8 && bytes_per_row != 16 && bytes_per_row != 32) return;
  if (settings.bytes_per_row != bytes_per_row) mark_dirty();
  settings.bytes_per_row = bytes_per_row;
}

void App::set_fade_seconds(float seconds) {
  if (settings.fade_seconds != seconds) mark_dirty();
  settings.fade_seconds = seconds;
}

void App::set_font_zoom(float zoom) {
  zoom =
      std::clamp(std::round(zoom * 10.0f) / 10.0f, Settings::kMinFontZoom, Settings::kMaxFontZoom);
  if (settings.font_zoom != zoom) mark_dirty();
  settings.font_zoom = zoom;
}

void App::set_side_panel(bool shown) {
  if (settings.side_panel != shown) mark_dirty();
  settings.side_panel = shown;
}

void App::set_activity_map(bool shown) {
  if (settings.activity_map != shown) mark_dirty();
  settings.activity_map = shown;
}

void App::set_ui_scale(float scale) {
  ui_scale_ = scale;
  theme_applied_ = false;  // restyled (and rescaled) at the start of the next frame
}

Session* App::session_by_id(int id) {
  for (auto& s : sessions) {
    if (s->id == id) return s.get();
  }
  return nullptr;
}

Session* App::active_session() {
  return session_by_id(active_id);
}

void App::close_session(int id) {
  requests_.close.push_back(id);
}

Status App::open(const std::string& spec, const OpenOptions& options) {
  // A recording file, whatever its name, opens a tab that replays it.
  if (is_recording_file(spec)) return open_recording(spec);
  auto opened = Session::open(spec, options, next_id_);
  if (!opened.ok()) {
    open_view.error = fmt::format("cannot open '{}': {}", spec, opened.error().message);
    open_view.spec_text = spec;
    open_view.focus_input = true;
    select_request_ = 0;
    return opened.error();
  }
  std::unique_ptr<Session> s = std::move(opened.value());
  // The same object open twice would be two editors with separate undo journals: select
  // the existing tab instead.
  for (auto& other : sessions) {
    if (other->info().spec == s->info().spec && other->options.read_only == options.read_only) {
      select_request_ = other->id;
      last_open_id_ = other->id;
      open_view.error.clear();
      return {};
    }
  }
  ++next_id_;
  select_request_ = s->id;
  last_open_id_ = s->id;
  open_view.error.clear();
  settings.remember(spec);
  mark_dirty();
  // A whole process opens on its memory map: the place to pick a region from.
  if (s->pid && s->info().base == 0) side_tab_request = SideTab::regions;
  s->activity.enabled = settings.activity_map;
  sessions.push_back(std::move(s));
  serve_control_socket(*sessions.back());
  return {};
}

void App::serve_control_socket(const Session& s) {
  if (!options_.control_socket) return;
  const std::optional<int64_t> pid = control_target_pid(s.info().spec);
  if (!pid || control_servers.count(*pid)) return;
  auto server = ControlServer::listen(control_socket_path(*pid));
  if (server.ok()) {
    control_servers.emplace(*pid, std::move(server.value()));
  } else if (server.error().code != Errc::exists) {  // exists: another viewer serves it
    control_error = "control socket: " + server.error().message;
    // Said once (an unsafe directory stays unsafe for every pid: tab).
    if (!control_error_said_) {
      control_error_said_ = true;
      notify(control_error + " (not listening: the gdb extension will open new windows)");
    }
  }
}

Status App::carry_out(const ControlRequest& r) {
  if (Status st = open(r.open); !st.ok()) {
    return make_error(st.error().code, fmt::format("cannot open '{}': {}", printable_text(r.open),
                                                   st.error().message));
  }
  Session* s = last_opened();
  if (!s || r.layout.empty()) return {};
  auto o = add_layout_file_overlay(*s, r.layout, s->info().base, r.title);
  if (!o.ok()) return o.error();
  return {};
}

// Runs before anything is drawn (step 1 of the frame), so the tabs and overlays a request
// opens are applied at once, like the App's other public calls made outside drawing.
void App::poll_control_sockets() {
  for (auto& [pid, server] : control_servers) {
    for (const ControlRequest& r : server->poll()) {
      ++control_requests;
      // The client (the gdb extension) hears the outcome; the viewer shows a failure too.
      const Status st = carry_out(r);
      server->answer(r.id, st);
      if (!st.ok()) {
        control_error = "control request: " + st.error().message;
        notify(control_error);
      }
    }
  }
}

void App::notify(std::string message) {
  message = printable_text(message);
  if (message == notice) return;
  notice = std::move(message);
  std::fprintf(stderr, "memview: %s\n", notice.c_str());
}

namespace {

// "struct telemetry" -> "telemetry": the overlay's default title.
std::string short_type_name(const std::string& name) {
  for (const char* prefix : {"struct ", "union ", "class ", "enum "}) {
    if (name.rfind(prefix, 0) == 0) return name.substr(std::string(prefix).size());
  }
  return name;
}

}  // namespace

Overlay* App::add_overlay(Session& s, const DeclOrigin& origin, const std::string& type_name,
                          uint64_t address, uint64_t count, std::string title) {
  auto o = std::make_unique<Overlay>();
  o->origin = origin;
  o->type_name = type_name;
  o->address = address;
  o->count = std::max<uint64_t>(1, count);
  if (origin.kind == DeclOrigin::Kind::layout_json) {
    Result<Layout> l = layout_from_json(origin.text);
    if (l.ok()) {
      o->type_name = l->type;
      o->title = title.empty() ? short_type_name(l->type) : std::move(title);
      o->set_layout(std::move(l).value());
    } else {
      o->title = title.empty() ? origin.display_name() : std::move(title);
      o->fail(
          fmt::format("{}: {}", origin.path.empty() ? "layout" : origin.path, l.error().message));
    }
  } else {
    o->title = title.empty() ? short_type_name(type_name) : std::move(title);
    o->set_declarations(decls.get(origin));
  }
  Overlay* added = s.overlays.add(std::move(o));
  side_tab_request = SideTab::overlays;
  return added;
}

Result<Overlay*> App::add_layout_file_overlay(Session& s, const std::string& path, uint64_t address,
                                              std::string title) {
  // Says what is wrong: no such file, permission denied, a FIFO or /dev/zero, too big.
  Result<std::string> text = read_file_capped(path, kMaxLayoutFileBytes, "layout file");
  if (!text) return text.error();
  DeclOrigin origin;
  origin.kind = DeclOrigin::Kind::layout_json;
  origin.path = path;
  origin.text = std::move(*text);
  // The same expression handed over again (gdb's `memview EXPR` twice) shows the overlay
  // it already has instead of a second copy.
  for (const auto& existing : s.overlays.overlays) {
    if (existing->origin.kind == DeclOrigin::Kind::layout_json &&
        existing->origin.text == origin.text && existing->address == address &&
        existing->count == 1 && (title.empty() || existing->title == title)) {
      s.overlays.scroll_to_overlay = existing->id;
      side_tab_request = SideTab::overlays;
      return existing.get();
    }
  }
  Overlay* o = add_overlay(s, origin, {}, address, 1, std::move(title));
  if (o->state() == Overlay::State::failed) return make_error(Errc::invalid_argument, o->error());
  return o;
}

DemoOptions App::default_demo_options() {
  DemoOptions o;
#if defined(_WIN32)
  o.name = fmt::format("memview-demo-{}", _getpid());
#else
  o.name = fmt::format("memview-demo-{}", getpid());
#endif
  return o;
}

Status App::start_demo(const DemoOptions& options, bool overlay) {
  const bool fresh = !demo;
  if (!demo) {
    auto started = DemoRunner::start(options);
    if (!started.ok()) {
      open_view.error = "cannot start the demo: " + started.error().message;
      select_request_ = 0;
      return started.error();
    }
    demo = std::move(started.value());
  }
  if (Status st = open(demo->spec()); !st.ok()) return st;
  Session* s = last_opened();
  if (!s) return {};
  s->demo = true;
  if (overlay && (fresh || s->overlays.overlays.empty())) {
    const std::string header = demo_header_path();
    if (header.empty()) {
      overlay_form.message = "the demo header (demo/telemetry.h) was not found";
      overlay_form.message_is_error = true;
    } else {
      DeclOrigin origin;
      origin.path = header;
      add_overlay(*s, origin, "struct telemetry", s->info().base, 1, "telemetry");
      overlay_form.header_path = header;
    }
  }
  return {};
}

void App::frame(int64_t now_ns) {
  // Nothing thrown while building a frame ends the viewer: the frame is closed, the
  // message shown, and the next frame starts afresh.
  const std::string failure = run_frame_guarded([&] { build_frame(now_ns); });
  if (!failure.empty()) notify("this frame failed: " + failure);
}

void App::build_frame(int64_t now_ns) {
  const double t0 = steady_ms();
  if (!theme_applied_ || applied_theme_ != settings.theme) {
    ImGui::GetStyle() = ImGuiStyle();
    palette = apply_theme(settings.theme);
    scale_style(ui_scale_);
    applied_theme_ = settings.theme;
    theme_applied_ = true;
  }
  // Until main.cpp has rasterised the font at the zoomed size, the font is scaled.
  ImGui::GetIO().FontGlobalScale = settings.font_zoom / font_atlas_zoom_;
  for (auto& s : sessions) {
    s->polled_this_frame = false;
    s->refresh_activity();  // before the shortcuts: F8 jumps in the newest map
    s->refresh_snapshots();
  }
  poll_control_sockets();
  decls.poll();
  handle_shortcuts();

  const ImGuiIO& io = ImGui::GetIO();
  ImGui::SetNextWindowPos(ImVec2(0, 0));
  ImGui::SetNextWindowSize(io.DisplaySize);
  ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(8, 4));
  ImGui::Begin("memview", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                   ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_MenuBar |
                   ImGuiWindowFlags_NoBringToFrontOnFocus | ImGuiWindowFlags_NoScrollWithMouse);
  ImGui::PopStyleVar();
  draw_menu();
  const float status_h = ImGui::GetFrameHeightWithSpacing() + ImGui::GetStyle().ItemSpacing.y;
  ImGui::BeginChild("##body", ImVec2(0, -status_h), false,
                    ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
  draw_tabs(now_ns);
  ImGui::EndChild();
  draw_status(now_ns);
  draw_help_popup();
  draw_workspace_popup();
  draw_open_recording_popup();
  ImGui::End();
  end_frame(now_ns);

  const double cpu = steady_ms() - t0;
  stats.cpu_ms = stats.cpu_ms == 0 ? cpu : stats.cpu_ms * 0.9 + cpu * 0.1;
  if (last_frame_ns_ != 0) {
    const double dt = static_cast<double>(now_ns - last_frame_ns_) / 1e6;
    stats.frame_ms = stats.frame_ms == 0 ? dt : stats.frame_ms * 0.9 + dt * 0.1;
  }
  last_frame_ns_ = now_ns;
}

void App::end_frame(int64_t now_ns) {
  // Tabs not shown still poll (no ranges: a refresh), so removal and resizes are noticed.
  for (auto& s : sessions) {
    if (!s->polled_this_frame) s->poll(now_ns);
  }
  for (auto& s : sessions) s->end_frame();
  apply_requests();
  if (dirty_ && !ImGui::IsAnyItemActive()) save_settings_if_dirty();
}

void App::apply_requests() {
  FrameRequests r;
  std::swap(r, requests_);  // what applying them asks for waits for the next frame
  for (int id : r.reopen) {
    if (Session* s = session_by_id(id)) {
      if (Status st = s->reopen(); !st.ok()) s->banner.reopen_error = st.error().message;
    }
  }
  for (int id : r.close) {
    sessions.erase(std::remove_if(sessions.begin(), sessions.end(),
                                  [id](const auto& s) { return s->id == id; }),
                   sessions.end());
    if (active_id == id) active_id = 0;
  }
  for (const DeclOrigin& origin : r.load) overlay_form.set = decls.load(origin);
  for (const FrameRequests::Place& p : r.place) {
    if (Session* s = session_by_id(p.session_id)) {
      add_overlay(*s, p.origin, p.type_name, p.address, p.count);
    }
  }
  if (r.demo) (void)start_demo(true);
  for (const FrameRequests::Open& o : r.open) (void)open(o.spec, o.options);
  if (!r.open_workspace.empty()) {
    const Status st = open_workspace(r.open_workspace);
    workspace_message = st.ok() ? "" : st.error().message;
    workspace_message_is_error = !st.ok();
    workspace_close_ = st.ok();
  }
}

}  // namespace memview::gui
