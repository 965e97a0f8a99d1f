// The App's main window around the tabs: global shortcuts, the menu bar, the tab bar, the
// status bar and the Keys help.
#include <imgui.h>

#include <fmt/format.h>

#include "app.h"
#include "keys.h"
#include "memview/text_bytes.h"
#include "views/activity_map.h"
#include "views/bookmarks_view.h"
#include "views/colour_key.h"

namespace memview::gui {

void App::handle_shortcuts() {
  const ImGuiIO& io = ImGui::GetIO();
  if (glfw_key_pressed(GLFW_KEY_F1)) help_request_ = true;
  if (glfw_key_pressed(GLFW_KEY_F9)) set_side_panel(!settings.side_panel);
  if (glfw_key_pressed(GLFW_KEY_F2) && active_session()) {  // rename the bookmark here
    Session& s = *active_session();
    if (const int i = bookmark_at(s.bookmarks, s.hex.cursor); i >= 0) {
      s.bookmarks.rename_request = i;
      side_tab_request = SideTab::bookmarks;
    }
  }
  if (glfw_key_pressed(GLFW_KEY_F6) && active_session()) {  // as in Cheat Engine
    who_writes_request_selection(active_session()->who_writes, active_session()->hex);
    side_tab_request = SideTab::who_writes;
  }
  // F8 / Shift+F8: the next / previous change the activity map saw off screen.
  if (glfw_key_pressed(GLFW_KEY_F8, true) && !io.KeyCtrl && active_session()) {
    Session& s = *active_session();
    if (!activity_map_jump(s.activity, s.hex, s.info(), !io.KeyShift)) {
      s.hex.message = s.activity.message;
      s.hex.message_is_error = false;
    }
  }
  if (io.KeyCtrl && !io.KeyAlt) handle_zoom_keys();
  if (!io.KeyCtrl || io.KeyShift || io.KeyAlt) return;
  if (glfw_key_pressed(GLFW_KEY_O)) select_request_ = 0;
  // Ctrl+G and Ctrl+B act on the shown tab wherever the keyboard is (the grid, a side
  // panel's text field, a table): read here, before any view can take the keys. Not while
  // a dialog or menu is open: it has the keyboard.
  const bool popup =
      ImGui::IsPopupOpen(nullptr, ImGuiPopupFlags_AnyPopupId | ImGuiPopupFlags_AnyPopupLevel);
  Session* shown = popup ? nullptr : active_session();
  if (glfw_key_pressed(GLFW_KEY_G, true) && shown && shown->info().size != 0) {
    shown->hex.goto_request = true;
  }
  if (glfw_key_pressed(GLFW_KEY_Q)) quit_ = true;
  if (glfw_key_pressed(GLFW_KEY_W) && active_session()) close_session(active_id);
  if (glfw_key_pressed(GLFW_KEY_S)) workspace_request_ = WorkspaceDialog::save;
  // Ctrl+. / Ctrl+, : the next / previous bookmark.
  for (const bool forward : {true, false}) {
    if (!shown || !glfw_key_pressed(forward ? GLFW_KEY_PERIOD : GLFW_KEY_COMMA, true)) continue;
    if (const int i = bookmark_next(shown->bookmarks, shown->hex.cursor, forward); i >= 0) {
      bookmark_goto(shown->bookmarks.items[static_cast<size_t>(i)], shown->hex, shown->info());
    }
  }
  if (glfw_key_pressed(GLFW_KEY_F) && shown) {  // Find, from any panel
    shown->find.focus_request = true;
    side_tab_request = SideTab::find;
  }
  if (glfw_key_pressed(GLFW_KEY_B) && shown) {
    // Before anything is drawn: the bookmark is there when the panel draws.
    shown->bookmarks.add({}, shown->hex.cursor);
    side_tab_request = SideTab::bookmarks;
  }
}

// Ctrl+= (or Ctrl++, Ctrl+keypad +), Ctrl+-, Ctrl+0 and Ctrl+wheel: the text size, in
// steps of 10 %.
void App::handle_zoom_keys() {
  const ImGuiIO& io = ImGui::GetIO();
  float zoom = settings.font_zoom;
  if (glfw_key_pressed(GLFW_KEY_EQUAL, true) || glfw_key_pressed(GLFW_KEY_KP_ADD, true)) {
    zoom += 0.1f;
  }
  if (glfw_key_pressed(GLFW_KEY_MINUS, true) || glfw_key_pressed(GLFW_KEY_KP_SUBTRACT, true)) {
    zoom -= 0.1f;
  }
  if (glfw_key_pressed(GLFW_KEY_0) || glfw_key_pressed(GLFW_KEY_KP_0)) zoom = 1.0f;
  if (io.MouseWheel != 0.0f) zoom += io.MouseWheel > 0 ? 0.1f : -0.1f;
  if (zoom != settings.font_zoom) set_font_zoom(zoom);
}

void App::draw_menu() {
  colour_key_shown = false;
  if (!ImGui::BeginMenuBar()) return;
  if (ImGui::BeginMenu("File")) {
    if (ImGui::MenuItem("Open...", "Ctrl+O")) select_request_ = 0;
    if (ImGui::MenuItem("Open demo")) requests_.demo = true;
    if (ImGui::MenuItem("Open recording...")) open_recording_request_ = true;
    Session* s = active_session();
    if (ImGui::MenuItem("Close tab", "Ctrl+W", false, s != nullptr)) close_session(s->id);
    ImGui::Separator();
    if (ImGui::MenuItem("Open workspace...")) workspace_request_ = WorkspaceDialog::open;
    if (ImGui::MenuItem("Save workspace...", "Ctrl+S")) {
      workspace_request_ = WorkspaceDialog::save;
    }
    ImGui::Separator();
    if (ImGui::MenuItem("Quit", "Ctrl+Q")) quit_ = true;
    ImGui::EndMenu();
  }
  const bool view_open = ImGui::BeginMenu("View");
  view_menu_item = WidgetRect::last_item();
  if (view_open) {
    if (ImGui::MenuItem("Dark theme", nullptr, settings.theme == Theme::dark)) {
      set_theme(Theme::dark);
    }
    if (ImGui::MenuItem("Light theme", nullptr, settings.theme == Theme::light)) {
      set_theme(Theme::light);
    }
    ImGui::Separator();
    if (ImGui::MenuItem("Side panel", "F9", settings.side_panel)) {
      set_side_panel(!settings.side_panel);
    }
    if (ImGui::MenuItem("Larger text", "Ctrl+=")) set_font_zoom(settings.font_zoom + 0.1f);
    if (ImGui::MenuItem("Smaller text", "Ctrl+-")) set_font_zoom(settings.font_zoom - 0.1f);
    if (ImGui::MenuItem("Default text size", "Ctrl+0")) set_font_zoom(1.0f);
    ImGui::Separator();
    if (ImGui::BeginMenu("Colour key")) {
      draw_colour_key(palette);
      colour_key_shown = true;
      ImGui::EndMenu();
    }
    colour_key_item = WidgetRect::last_item();
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu("Help")) {
    if (ImGui::MenuItem("Keys...", "F1")) help_request_ = true;
    ImGui::EndMenu();
  }
  ImGui::EndMenuBar();
}

// The Open tab, then one tab per session; the shown one is drawn.
void App::draw_tabs(int64_t now_ns) {
  int shown = 0;
  if (ImGui::BeginTabBar("##tabs", ImGuiTabBarFlags_FittingPolicyScroll)) {
    const int select = select_request_;
    select_request_ = -1;
    // The box takes the keyboard when the tab shows (perhaps a frame after it is selected).
    if (select == 0) open_view.focus_input = true;
    if (ImGui::BeginTabItem("Open", nullptr, select == 0 ? ImGuiTabItemFlags_SetSelected : 0)) {
      OpenRequest req = draw_open_view(open_view, settings, palette, now_ns);
      if (req.open) requests_.open.push_back({req.spec, req.options});
      ImGui::EndTabItem();
    }
    tab_tooltip.clear();
    for (auto& sp : sessions) {
      Session& s = *sp;
      bool keep = true;
      const std::string gone =
          s.poller->source_gone() ? fmt::format(" ({})", event_kind_name(s.banner.kind)) : "";
      const std::string label =
          fmt::format("{}{}###session{}", printable_text(s.info().name), gone, s.id);
      const bool open = ImGui::BeginTabItem(label.c_str(), &keep,
                                            select == s.id ? ImGuiTabItemFlags_SetSelected : 0);
      // Every tab, shown or not, names its whole source when hovered.
      if (ImGui::IsItemHovered()) {
        tab_tooltip = printable_text(s.info().spec);
        ImGui::SetTooltip("%s", tab_tooltip.c_str());
      }
      s.tab_rect = WidgetRect::last_item();
      if (open) {
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
}

void App::draw_status(int64_t now_ns) {
  // Refreshed twice a second: readable, and an idle viewer draws identical frames (which
  // main.cpp then does not render again).
  if (now_ns - stats_shown_ns_ >= 500'000'000) {
    stats_shown = stats;
    stats_shown_ns_ = now_ns;
  }
  status_drawn = draw_status_bar(status_input(now_ns), palette);
}

StatusBarInput App::status_input(int64_t now_ns) {
  StatusBarInput sb;
  sb.frame = stats_shown;
  sb.discovered = open_view.objects.size();
  sb.notice = notice;
  if (Session* s = active_session()) {
    sb.info = &s->info();
    sb.hex = &s->hex;
    sb.changes_per_second = s->poller->changes_per_second(now_ns);
    sb.paused = s->paused;
    sb.gone = s->poller->source_gone();
    sb.gone_kind = s->banner.kind;
    sb.pending_edits = s->editor->pending();
    sb.attached = attached_status(s->attached);
    sb.sweep = activity_status(s->activity);
    sb.freezes = s->watches.freeze_summary();
    if (s->pid && s->info().base == 0) {  // the whole process
      for (const MapRegion& r : s->regions.regions) sb.mapped_bytes += r.size();
      sb.mappings = s->regions.regions.size();
    }
  }
  return sb;
}

void App::draw_help_popup() {
  if (help_request_) {
    ImGui::OpenPopup("Keys");
    help_request_ = false;
  }
  help_open = ImGui::BeginPopupModal("Keys", nullptr, ImGuiWindowFlags_AlwaysAutoResize);
  if (!help_open) return;
  static const char* const kKeys[][2] = {
      {"Arrows, PageUp/PageDown", "move the cursor"},
      {"Home/End, Ctrl+Home/End", "start/end of the row, of the object"},
      {"Shift + movement, mouse drag", "select"},
      {"0-9 a-f (hex column)", "two digits write the byte at once"},
      {"characters (ASCII column)", "write the character"},
      {"Tab", "switch between hex and ASCII columns"},
      {"Enter", "type at the cursor after its byte went away (the object shrank)"},
      {"Ctrl+G", "go to an offset (decimal or 0x hex)"},
      {"Ctrl+B", "bookmark the cursor"},
      {"Ctrl+F", "find: value scans with narrowing, byte patterns, text (Find panel)"},
      {"F2, double-click a bookmark", "rename the bookmark"},
      {"Ctrl+. / Ctrl+,", "next / previous bookmark (marked left of the address)"},
      {"F8 / Shift+F8", "next / previous change off screen (activity map, right of the grid)"},
      {"F6", "who writes the selection: hardware write watch (Who writes panel)"},
      {"click a field (Overlays)", "move the cursor to it; click its value to edit"},
      {"Ctrl+C / Ctrl+V", "copy the selection as hex / paste hex (ASCII column: text)"},
      {"Ctrl+Z / Ctrl+Y", "undo / redo (refused if someone changed the bytes since)"},
      {"double-click", "edit a byte"},
      {"Ctrl+O, Ctrl+W, Ctrl+Q", "open, close tab, quit"},
      {"Ctrl+S", "save the workspace"},
      {"F9", "show / hide the side panel (inspector, overlays, bookmarks...)"},
      {"Ctrl+= / Ctrl+- / Ctrl+0, Ctrl+wheel", "larger / smaller / default text size"},
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
  if (ImGui::Button("Close") || key_pressed(ImGuiKey_Escape, false)) ImGui::CloseCurrentPopup();
  ImGui::EndPopup();
}

}  // namespace memview::gui
