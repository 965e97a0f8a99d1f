// The App's workspace: capturing what is open into a Workspace, reopening one, and the
// File > Save/Open workspace dialog.
#include <imgui.h>
#include <imgui_stdlib.h>

#include <fmt/format.h>

#include "app.h"
#include "keys.h"

namespace memview::gui {

Workspace App::capture_workspace() {
  Workspace ws;
  ws.bytes_per_row = settings.bytes_per_row;
  ws.theme = settings.theme;
  ws.fade_seconds = settings.fade_seconds;
  for (size_t i = 0; i < sessions.size(); ++i) {
    Session& s = *sessions[i];
    if (s.id == active_id) ws.active = static_cast<int>(i);
    WorkspaceSource src;
    src.demo = s.demo;
    src.spec = s.spec;
    src.read_only = s.options.read_only;
    const uint64_t base = s.info().base;
    src.cursor = s.hex.cursor - base;
    for (const auto& o : s.overlays.overlays) {
      WorkspaceOverlay wo;
      wo.title = o->title;
      wo.origin = o->origin;
      wo.type = o->type_name;
      wo.offset = o->address - base;
      wo.count = o->count;
      wo.expanded = o->expanded_keys();
      src.overlays.push_back(std::move(wo));
    }
    for (const Bookmark& b : s.bookmarks.items) src.bookmarks.push_back({b.name, b.address - base});
    for (const auto& w : s.watches.watches) {
      src.watches.push_back({watch_address_text(w->target, s.info()), w->name,
                             freeze_mode_name(w->freeze_mode), w->freeze_interval_ms,
                             w->freeze_text, w->frozen()});
    }
    ws.sources.push_back(std::move(src));
  }
  return ws;
}

Status App::save_workspace(const std::string& path) {
  Status st = save_workspace_file(path, capture_workspace());
  if (st.ok()) workspace_path = path;
  return st;
}

Status App::open_workspace(const std::string& path) {
  auto ws = load_workspace_file(path);
  if (!ws.ok()) return ws.error();
  workspace_path = path;
  return apply_workspace(ws.value());
}

Status App::apply_workspace(const Workspace& ws) {
  set_theme(ws.theme);
  set_bytes_per_row(ws.bytes_per_row);
  set_fade_seconds(ws.fade_seconds);
  std::vector<std::string> errors;
  int select = -1;
  for (size_t i = 0; i < ws.sources.size(); ++i) {
    const WorkspaceSource& src = ws.sources[i];
    OpenOptions options;
    options.read_only = src.read_only;
    Status st = src.demo ? start_demo(/*overlay=*/false) : open(src.spec, options);
    if (!st.ok()) {
      errors.push_back(fmt::format("{}: {}", src.demo ? "the demo" : src.spec, st.error().message));
      continue;
    }
    Session* s = last_opened();
    if (!s) continue;
    const uint64_t base = s->info().base;
    if (src.cursor < s->info().size) {
      hex_view_move_cursor(s->hex, s->info(),
                           {.address = base + src.cursor, .reveal = CursorReveal::center});
    }
    for (const WorkspaceBookmark& b : src.bookmarks) {
      bool dup = false;
      for (const Bookmark& have : s->bookmarks.items) {
        dup |= have.name == b.name && have.address == base + b.offset;
      }
      if (!dup) s->bookmarks.add(b.name, base + b.offset);
    }
    apply_watches(*s, src.watches, errors);
    for (const WorkspaceOverlay& wo : src.overlays) {
      // The same overlay open already (a workspace opened twice): keep the one there is.
      bool dup = false;
      for (const auto& have : s->overlays.overlays) {
        dup |= have->origin.key() == wo.origin.key() && have->type_name == wo.type &&
               have->address == base + wo.offset && have->count == wo.count;
      }
      if (dup) continue;
      Overlay* o = add_overlay(*s, wo.origin, wo.type, base + wo.offset, wo.count, wo.title);
      if (!wo.expanded.empty()) {
        if (o->state() == Overlay::State::ready) {
          for (const auto& k : wo.expanded) o->set_expanded(k, true);
        } else {
          o->initial_expanded = wo.expanded;
        }
      }
    }
    if (static_cast<int>(i) == ws.active) select = s->id;
  }
  if (select >= 0) select_request_ = select;
  if (!errors.empty()) {
    std::string msg = "parts of the workspace did not open:";
    for (const auto& e : errors) msg += "\n  " + e;
    open_view.error = msg;
    return make_error(Errc::not_found, msg);
  }
  return {};
}

void App::apply_watches(Session& s, const std::vector<WorkspaceWatch>& watches,
                        std::vector<std::string>& errors) {
  size_t were_frozen = 0;
  for (const WorkspaceWatch& ww : watches) {
    Result<WatchTarget> t = parse_watch_address(ww.address, s.info());
    if (!t) {
      errors.push_back(fmt::format("{}: watch {}: {}", s.spec, ww.address, t.error().message));
      continue;
    }
    bool dup = false;  // the same watch there already (a workspace opened twice)
    for (const auto& have : s.watches.watches) {
      dup |= have->target.address == t->address && have->target.type == t->type &&
             have->target.endian == t->endian;
    }
    if (dup) continue;
    t->name = ww.name;
    Watch* w = s.watches.add(std::move(*t));
    w->freeze_mode = freeze_mode_from_name(ww.freeze_mode).value_or(FreezeMode::exact);
    w->freeze_interval_ms = static_cast<float>(ww.freeze_interval_ms);
    w->freeze_text = ww.freeze_value;
    if (ww.frozen) {
      w->freeze_error =
          "frozen when the workspace was saved: not restarted (Freeze holds it again)";
      ++were_frozen;
    }
  }
  if (were_frozen > 0) {
    s.watches.set_message(fmt::format("{} watch{} frozen when the workspace was saved: select it "
                                      "and press Freeze to hold it again",
                                      were_frozen, were_frozen == 1 ? " was" : "es were"),
                          false);
  }
}

void App::draw_workspace_popup() {
  if (workspace_request_ != WorkspaceDialog::none) {
    workspace_saving_ = workspace_request_ == WorkspaceDialog::save;
    workspace_request_ = WorkspaceDialog::none;
    if (workspace_path.empty() && !config_path.empty()) {
      workspace_path = config_path + "/workspace.json";
    }
    workspace_message.clear();
    workspace_close_ = false;
    ImGui::OpenPopup("Workspace");
  }
  if (!ImGui::BeginPopupModal("Workspace", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) return;
  if (workspace_close_) {  // the workspace asked for last frame opened
    workspace_close_ = false;
    ImGui::CloseCurrentPopup();
  }
  ImGui::TextUnformatted(
      workspace_saving_
          ? "Save the open sources, overlays, bookmarks, watches and view settings to:"
          : "Open the workspace file:");
  if (ImGui::IsWindowAppearing()) ImGui::SetKeyboardFocusHere();
  ImGui::SetNextItemWidth(ImGui::CalcTextSize("0").x * 60);
  bool go =
      ImGui::InputText("##wspath", &workspace_path,
                       ImGuiInputTextFlags_EnterReturnsTrue | ImGuiInputTextFlags_AutoSelectAll);
  if (!workspace_message.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text,
                          workspace_message_is_error ? palette.error_text : palette.ok_text);
    ImGui::TextUnformatted(workspace_message.c_str());
    ImGui::PopStyleColor();
  }
  go |= ImGui::Button(workspace_saving_ ? "Save" : "Open");
  ImGui::SameLine();
  const bool cancel = ImGui::Button("Cancel") || key_pressed(ImGuiKey_Escape, false);
  if (go && workspace_saving_) {
    const Status st = save_workspace(workspace_path);
    workspace_message = st.ok() ? "saved " + workspace_path : st.error().message;
    workspace_message_is_error = !st.ok();
    if (st.ok()) ImGui::CloseCurrentPopup();
  } else if (go) {
    requests_.open_workspace = workspace_path;  // opens tabs: at the end of the frame
  } else if (cancel) {
    ImGui::CloseCurrentPopup();
  }
  ImGui::EndPopup();
}

}  // namespace memview::gui
