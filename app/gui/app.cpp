#include "app.h"

#include <GLFW/glfw3.h>
#include <imgui.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>

#include <fmt/format.h>
#include <imgui_stdlib.h>

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
#include "views/banner.h"
#include "views/bookmarks_view.h"
#include "views/hex_view.h"
#include "views/inspector_view.h"
#include "views/overlay_view.h"
#include "views/regions_view.h"

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
  close_requests_.push_back(id);
}

Status App::open(const std::string& spec, const OpenOptions& options) {
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
  s->hex.bytes_per_row = settings.bytes_per_row;
  s->hex.fade_seconds = settings.fade_seconds;
  select_request_ = s->id;
  last_open_id_ = s->id;
  open_view.error.clear();
  settings.remember(spec);
  mark_dirty();
  // A whole process opens on its memory map: the place to pick a region from.
  if (s->pid && s->info().base == 0) side_tab_request = static_cast<int>(SideTab::regions);
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
  side_tab_request = static_cast<int>(SideTab::overlays);
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

void App::draw_menu() {
  if (!ImGui::BeginMenuBar()) return;
  if (ImGui::BeginMenu("File")) {
    if (ImGui::MenuItem("Open...", "Ctrl+O")) select_request_ = 0;
    if (ImGui::MenuItem("Open demo", nullptr, false, true)) (void)start_demo(true);
    Session* s = active_session();
    if (ImGui::MenuItem("Close tab", "Ctrl+W", false, s != nullptr)) close_session(s->id);
    ImGui::Separator();
    if (ImGui::MenuItem("Open workspace...")) workspace_request_ = 2;
    if (ImGui::MenuItem("Save workspace...", "Ctrl+S")) workspace_request_ = 1;
    ImGui::Separator();
    if (ImGui::MenuItem("Quit", "Ctrl+Q")) quit_ = true;
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu("View")) {
    if (ImGui::MenuItem("Dark theme", nullptr, settings.theme == Theme::dark)) {
      set_theme(Theme::dark);
    }
    if (ImGui::MenuItem("Light theme", nullptr, settings.theme == Theme::light)) {
      set_theme(Theme::light);
    }
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu("Help")) {
    if (ImGui::MenuItem("Keys...", "F1")) help_request_ = true;
    ImGui::EndMenu();
  }
  ImGui::EndMenuBar();
}

void App::draw_help_popup() {
  if (help_request_) {
    ImGui::OpenPopup("Keys");
    help_request_ = false;
  }
  if (!ImGui::BeginPopupModal("Keys", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) return;
  static const char* const kKeys[][2] = {
      {"Arrows, PageUp/PageDown", "move the cursor"},
      {"Home/End, Ctrl+Home/End", "start/end of the row, of the object"},
      {"Shift + movement, mouse drag", "select"},
      {"0-9 a-f (hex column)", "two digits write the byte at once"},
      {"characters (ASCII column)", "write the character"},
      {"Tab", "switch between hex and ASCII columns"},
      {"Ctrl+G", "go to an offset (decimal or 0x hex)"},
      {"Ctrl+B", "bookmark the cursor"},
      {"click a field (Overlays)", "move the cursor to it; click its value to edit"},
      {"Ctrl+C / Ctrl+V", "copy the selection as hex / paste hex (ASCII column: text)"},
      {"Ctrl+Z / Ctrl+Y", "undo / redo (refused if someone changed the bytes since)"},
      {"double-click", "edit a byte"},
      {"Ctrl+O, Ctrl+W, Ctrl+Q", "open, close tab, quit"},
      {"Ctrl+S", "save the workspace"},
  };
  if (ImGui::BeginTable("##keys", 2, ImGuiTableFlags_RowBg)) {
    for (const auto& k : kKeys) {
      ImGui::TableNextRow();
      ImGui::TableSetColumnIndex(0);
      ImGui::TextUnformatted(k[0]);
      ImGui::TableSetColumnIndex(1);
      ImGui::TextUnformatted(k[1]);
    }
    ImGui::EndTable();
  }
  if (ImGui::Button("Close") || ImGui::IsKeyPressed(GLFW_KEY_ESCAPE, false)) {
    ImGui::CloseCurrentPopup();
  }
  ImGui::EndPopup();
}

void App::draw_toolbar(Session& s) {
  HexViewState& h = s.hex;
  bool refocus = false;
  if (ImGui::Checkbox("Pause", &h.paused)) refocus = true;
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("freeze the display: no polling");
  ImGui::SameLine();
  ImGui::TextUnformatted("bytes/row");
  for (int bpr : {8, 16, 32}) {
    ImGui::SameLine();
    ImGui::PushID(bpr);
    if (ImGui::RadioButton(std::to_string(bpr).c_str(), h.bytes_per_row == bpr)) {
      h.bytes_per_row = bpr;
      h.scroll_to_cursor = true;
      settings.bytes_per_row = bpr;
      mark_dirty();
      refocus = true;
    }
    ImGui::PopID();
  }
  ImGui::SameLine();
  ImGui::SetNextItemWidth(ImGui::CalcTextSize("0000000000000").x);
  if (ImGui::SliderFloat("fade", &h.fade_seconds, 0.1f, 5.0f, "%.1f s",
                         ImGuiSliderFlags_Logarithmic)) {
    settings.fade_seconds = h.fade_seconds;
    mark_dirty();
  }
  if (ImGui::IsItemDeactivated()) refocus = true;
  ImGui::SameLine();
  if (ImGui::Button("Go to... (Ctrl+G)")) {
    h.goto_request = true;
    refocus = true;
  }
  ImGui::SameLine();
  ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(palette.dim_text), "typing: %s (Tab)",
                     h.column == HexColumn::hex ? "hex" : "ASCII");
  if (!h.message.empty()) {
    ImGui::SameLine();
    ImGui::PushStyleColor(ImGuiCol_Text, h.message_is_error ? palette.error_text : palette.ok_text);
    ImGui::TextUnformatted(h.message.c_str());
    ImGui::PopStyleColor();
  }
  if (refocus) h.focus_request = true;
}

void App::draw_session(Session& s, int64_t now_ns) {
  switch (draw_banner(s.banner, palette)) {
    case BannerAction::reopen: {
      Status st = s.reopen();
      if (!st.ok()) s.banner.reopen_error = st.error().message;
      break;
    }
    case BannerAction::close_tab:
      close_session(s.id);
      break;
    case BannerAction::none:
      break;
  }
  draw_toolbar(s);

  // The grid takes the width its columns need; the side panel (inspector, later the
  // overlays) gets the rest, but never less than ~28 characters.
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float spacing = ImGui::GetStyle().ItemSpacing.x;
  const float min_side = std::min(avail.x * 0.3f, ImGui::CalcTextSize("0").x * 28.0f);
  const float grid_w =
      std::max(50.0f, std::min(hex_view_preferred_width(s.hex.bytes_per_row, s.info()),
                               avail.x - min_side - spacing));

  s.refresh_regions(now_ns);
  // Frame order: input and layout, requests, one poll, then drawing from what it read.
  HexViewContext hctx{s.info(), s.poller->tracker(), s.editor.get(), palette, now_ns};
  hex_view_begin(s.hex, hctx, ImVec2(grid_w, avail.y));
  hex_view_request(s.hex, s.info(), *s.poller);
  inspector_request(s.inspector, s.hex.cursor, *s.poller);
  overlay_request(s.overlays, *s.poller);
  s.poll(now_ns);
  overlay_tint(s.overlays, s.hex, palette, hctx);
  if (!s.overlays.overlays.empty()) {
    hctx.tooltip_extra = [this, &s, now_ns](uint64_t address) {
      overlay_tooltip(s.overlays, address, s.poller->tracker(), palette, now_ns,
                      s.hex.fade_seconds);
    };
  }
  hex_view_end(s.hex, hctx);

  ImGui::SameLine();
  draw_side_panel(s, now_ns);
}

void App::draw_side_panel(Session& s, int64_t now_ns) {
  ImGui::BeginChild("##side", ImVec2(0, ImGui::GetContentRegionAvail().y), false);
  InspectorContext ictx{s.info(), s.poller->tracker(), s.editor.get(), palette, s.hex.cursor};
  draw_inspector(s.inspector, ictx);
  if (s.inspector.edit_finished) {
    s.inspector.edit_finished = false;
    s.hex.focus_request = true;  // keyboard back to the grid
  }
  ImGui::Spacing();
  // Below the inspector: the overlay tree, the form that adds overlays, the bookmarks.
  s.overlays.visible_first = s.overlays.visible_last = 0;
  if (ImGui::BeginTabBar("##sidetabs")) {
    const int req = side_tab_request;
    // A request for Regions waits for a tab that has them (the new tab shows next frame).
    if (req != static_cast<int>(SideTab::regions) || s.pid) side_tab_request = -1;
    auto tab_flags = [req](SideTab t) {
      return req == static_cast<int>(t) ? ImGuiTabItemFlags_SetSelected : 0;
    };
    const std::string ov_label =
        s.overlays.overlays.empty()
            ? std::string("Overlays###overlays")
            : fmt::format("Overlays ({})###overlays", s.overlays.overlays.size());
    const bool ov_open =
        ImGui::BeginTabItem(ov_label.c_str(), nullptr, tab_flags(SideTab::overlays));
    side_tab_rects[0] = WidgetRect::last_item();
    if (ov_open) {
      side_tab = SideTab::overlays;
      OverlayContext octx{s.info(), s.poller->tracker(), s.editor.get(), palette, s.hex, now_ns};
      draw_overlay_tree(s.overlays, octx);
      if (s.overlays.edit_finished) {
        s.overlays.edit_finished = false;
        s.hex.focus_request = true;
      }
      ImGui::EndTabItem();
    }
    const bool add_open =
        ImGui::BeginTabItem("Add overlay", nullptr, tab_flags(SideTab::add_overlay));
    side_tab_rects[1] = WidgetRect::last_item();
    if (add_open) {
      side_tab = SideTab::add_overlay;
      OverlayFormAction act =
          draw_overlay_form(overlay_form, decls, &s.info(), s.hex.cursor, palette);
      if (act.load) {
        // Headers by absolute path: a saved workspace must not depend on the directory
        // the viewer was started from.
        if (act.origin.kind == DeclOrigin::Kind::header) {
          std::error_code ec;
          const auto abs = std::filesystem::absolute(act.origin.path, ec);
          if (!ec) act.origin.path = abs.lexically_normal().string();
        }
        overlay_form.set = decls.load(act.origin);
      }
      if (act.place && overlay_form.set) {
        add_overlay(s, overlay_form.set->origin(), overlay_form.type_name, act.address, act.count);
      }
      ImGui::EndTabItem();
    }
    const std::string bm_label =
        s.bookmarks.items.empty()
            ? std::string("Bookmarks###bookmarks")
            : fmt::format("Bookmarks ({})###bookmarks", s.bookmarks.items.size());
    const bool bm_open =
        ImGui::BeginTabItem(bm_label.c_str(), nullptr, tab_flags(SideTab::bookmarks));
    side_tab_rects[2] = WidgetRect::last_item();
    if (bm_open) {
      side_tab = SideTab::bookmarks;
      draw_bookmarks(s.bookmarks, s.hex, s.info(), palette);
      ImGui::EndTabItem();
    }
    side_tab_rects[3] = WidgetRect{};
    if (s.pid) {
      const std::string rg_label =
          s.regions.regions.empty()
              ? std::string("Regions###regions")
              : fmt::format("Regions ({})###regions", s.regions.regions.size());
      const bool rg_open =
          ImGui::BeginTabItem(rg_label.c_str(), nullptr, tab_flags(SideTab::regions));
      side_tab_rects[3] = WidgetRect::last_item();
      if (rg_open) {
        side_tab = SideTab::regions;
        RegionsAction act = draw_regions(s.regions, s.hex, s.info(), *s.pid, palette);
        if (act.open_tab) open_requests_.push_back(act.spec);
        ImGui::EndTabItem();
      }
    }
    ImGui::EndTabBar();
  }
  ImGui::EndChild();
}

void App::frame(int64_t now_ns) {
  // Nothing thrown while building a frame ends the viewer: the frame is closed, the
  // message shown, and the next frame starts afresh.
  const std::string failure = run_frame_guarded([&] { build_frame(now_ns); });
  if (!failure.empty()) notify("this frame failed: " + failure);
}

void App::build_frame(int64_t now_ns) {
  const double t0 = steady_ms();
  ImGuiIO& io = ImGui::GetIO();
  if (!theme_applied_ || applied_theme_ != settings.theme) {
    ImGui::GetStyle() = ImGuiStyle();
    palette = apply_theme(settings.theme);
    scale_style(ui_scale_);
    applied_theme_ = settings.theme;
    theme_applied_ = true;
  }
  for (auto& s : sessions) s->polled_this_frame = false;
  poll_control_sockets();
  decls.poll();

  // Global shortcuts.
  if (io.KeyCtrl && !io.KeyShift && !io.KeyAlt) {
    if (ImGui::IsKeyPressed(GLFW_KEY_O, false)) select_request_ = 0;
    if (ImGui::IsKeyPressed(GLFW_KEY_Q, false)) quit_ = true;
    if (ImGui::IsKeyPressed(GLFW_KEY_W, false) && active_session()) close_session(active_id);
    if (ImGui::IsKeyPressed(GLFW_KEY_S, false)) workspace_request_ = 1;
    if (ImGui::IsKeyPressed(GLFW_KEY_B, false)) {
      if (Session* s = active_session()) {
        s->bookmarks.add({}, s->hex.cursor);
        side_tab_request = static_cast<int>(SideTab::bookmarks);
      }
    }
  }
  if (ImGui::IsKeyPressed(GLFW_KEY_F1, false)) help_request_ = true;

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
  int shown = 0;
  if (ImGui::BeginTabBar("##tabs", ImGuiTabBarFlags_FittingPolicyScroll)) {
    const int select = select_request_;
    select_request_ = -1;
    if (ImGui::BeginTabItem("Open", nullptr, select == 0 ? ImGuiTabItemFlags_SetSelected : 0)) {
      if (select == 0) open_view.focus_input = true;
      shown = 0;
      OpenRequest req = draw_open_view(open_view, settings, palette, now_ns);
      if (req.open) (void)open(req.spec, req.options);
      ImGui::EndTabItem();
    }
    for (auto& sp : sessions) {
      Session& s = *sp;
      bool keep = true;
      const std::string label = fmt::format("{}{}###session{}", printable_text(s.info().name),
                                            s.poller->removed() ? " (removed)" : "", s.id);
      const bool selected_now = select == s.id;
      if (ImGui::BeginTabItem(label.c_str(), &keep,
                              selected_now ? ImGuiTabItemFlags_SetSelected : 0)) {
        if (ImGui::IsItemHovered()) {
          ImGui::SetTooltip("%s", printable_text(s.info().spec).c_str());
        }
        if (shown != s.id && active_id != s.id) s.hex.focus_request = true;
        shown = s.id;
        draw_session(s, now_ns);
        ImGui::EndTabItem();
      }
      if (!keep) close_session(s.id);
    }
    ImGui::EndTabBar();
  }
  active_id = shown;
  ImGui::EndChild();

  StatusBarInput sb;
  // Refreshed twice a second: readable, and an idle viewer draws identical frames (which
  // main.cpp then does not render again).
  if (now_ns - stats_shown_ns_ >= 500'000'000) {
    stats_shown = stats;
    stats_shown_ns_ = now_ns;
  }
  sb.frame = stats_shown;
  sb.discovered = open_view.objects.size();
  sb.notice = notice;
  if (Session* s = active_session()) {
    sb.info = &s->info();
    sb.hex = &s->hex;
    sb.changes_per_second = s->poller->changes_per_second(now_ns);
    sb.removed = s->poller->removed();
  }
  draw_status_bar(sb, palette);
  draw_help_popup();
  draw_workspace_popup();
  ImGui::End();

  // Tabs not shown still poll (no ranges: a refresh), so removal and resizes are noticed.
  for (auto& s : sessions) {
    if (!s->polled_this_frame) s->poll(now_ns);
  }
  for (int id : close_requests_) {
    sessions.erase(std::remove_if(sessions.begin(), sessions.end(),
                                  [id](const auto& s) { return s->id == id; }),
                   sessions.end());
    if (active_id == id) active_id = 0;
  }
  close_requests_.clear();
  // Opened here, not while the tabs are drawn: open() adds to `sessions`.
  std::vector<std::string> opens;
  opens.swap(open_requests_);
  for (const std::string& spec : opens) (void)open(spec, {});
  if (dirty_ && !ImGui::IsAnyItemActive()) save_settings_if_dirty();

  const double cpu = steady_ms() - t0;
  stats.cpu_ms = stats.cpu_ms == 0 ? cpu : stats.cpu_ms * 0.9 + cpu * 0.1;
  if (last_frame_ns_ != 0) {
    const double dt = static_cast<double>(now_ns - last_frame_ns_) / 1e6;
    stats.frame_ms = stats.frame_ms == 0 ? dt : stats.frame_ms * 0.9 + dt * 0.1;
  }
  last_frame_ns_ = now_ns;
}

}  // namespace memview::gui
