#include "views/open_view.h"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "keys.h"
#include "memview/text_bytes.h"
#include "text_match.h"
#include "views/status_bar.h"
#include "words.h"

namespace memview::gui {

std::vector<DiscoveredObject> discover_sorted() {
  std::vector<DiscoveredObject> objects = discover_all();
  std::sort(objects.begin(), objects.end(),
            [](const DiscoveredObject& a, const DiscoveredObject& b) { return a.spec < b.spec; });
  return objects;
}

namespace {

struct CallbackData {
  OpenViewState* state;
};

int input_callback(ImGuiInputTextCallbackData* data) {
  auto* cd = static_cast<CallbackData*>(data->UserData);
  OpenViewState& s = *cd->state;
  if (data->EventFlag == ImGuiInputTextFlags_CallbackCompletion) {
    const std::string text(data->Buf, static_cast<size_t>(data->BufTextLen));
    const std::string done = tab_complete(s.tab_cycle, text, s.completions);
    if (done != text) {
      data->DeleteChars(0, data->BufTextLen);
      data->InsertChars(0, done.c_str());
    }
  } else if (data->EventFlag == ImGuiInputTextFlags_CallbackHistory) {
    if (s.row_specs.empty()) return 0;
    const int n = static_cast<int>(s.row_specs.size());
    if (data->EventKey == ImGuiKey_DownArrow) s.selected = std::min(n - 1, s.selected + 1);
    if (data->EventKey == ImGuiKey_UpArrow) s.selected = std::max(0, s.selected - 1);
    const std::string& spec = s.row_specs[static_cast<size_t>(s.selected)];
    s.selected_spec = spec;
    data->DeleteChars(0, data->BufTextLen);
    data->InsertChars(0, spec.c_str());
  }
  return 0;
}

}  // namespace

namespace {

// Takes the lists the workers finished and starts the next ones: the objects always (the
// status bar counts them too), the processes while they are shown or completed.
void refresh_lists(OpenViewState& s, int64_t now_ns) {
  if (s.refresh_now) {
    s.object_lister.refresh();
    s.process_lister.refresh();
    s.refresh_now = false;
  }
  const auto interval = static_cast<int64_t>(s.discovery_interval_s * 1e9);
  if (auto objects = s.object_lister.poll(true, now_ns, interval)) s.objects = std::move(*objects);
  const bool processes_wanted = s.table == OpenTable::processes || s.pid_text;
  if (auto processes = s.process_lister.poll(processes_wanted, now_ns, interval))
    s.processes = std::move(*processes);
}

// Typing "pid:" brings up the processes; typing something else after it, the objects.
void follow_scheme(OpenViewState& s) {
  const bool pid_text = starts_with_ci(s.spec_text, "pid:");
  if (pid_text == s.pid_text) return;
  s.pid_text = pid_text;
  s.table = pid_text ? OpenTable::processes : OpenTable::objects;
  s.select_tab = true;
  s.clear_selection();
}

// Enter while no text box is active opens the selected row (after a click on it).
void open_selected_on_enter(OpenViewState& s, OpenRequest& req) {
  if (req.open || s.selected < 0 || s.selected >= static_cast<int>(s.row_specs.size())) return;
  if (ImGui::IsAnyItemActive() || !ImGui::IsWindowFocused(ImGuiFocusedFlags_RootAndChildWindows)) {
    return;
  }
  if (!key_pressed(ImGuiKey_Enter, false) && !key_pressed(ImGuiKey_KeyPadEnter, false)) return;
  req.open = true;
  req.spec = s.row_specs[static_cast<size_t>(s.selected)];
  req.options.read_only = s.read_only;
}

std::string trimmed(std::string spec) {
  // A pasted name often carries a newline or spaces.
  while (!spec.empty() && std::isspace(static_cast<unsigned char>(spec.back()))) spec.pop_back();
  size_t first = 0;
  while (first < spec.size() && std::isspace(static_cast<unsigned char>(spec[first]))) ++first;
  return spec.substr(first);
}

// The spec box with Tab completion and Up/Down through the table, "Open", "read-only".
void draw_spec_box(OpenViewState& s, OpenRequest& req) {
  if (s.focus_input) {
    ImGui::SetKeyboardFocusHere();
    s.focus_input = false;
  }
  CallbackData cd{&s};
  const ImGuiStyle& st = ImGui::GetStyle();
  const float button_w = ImGui::CalcTextSize("Open").x + st.FramePadding.x * 2;
  const float check_w =
      ImGui::CalcTextSize("read-only").x + ImGui::GetFrameHeight() + st.ItemInnerSpacing.x;
  ImGui::SetNextItemWidth(std::max(
      200.0f, ImGui::GetContentRegionAvail().x - button_w - check_w - st.ItemSpacing.x * 2));
  const bool enter = ImGui::InputTextWithHint(
      "##spec", "NAME, or a spec as listed below   (Tab completes)", &s.spec_text,
      ImGuiInputTextFlags_EnterReturnsTrue | ImGuiInputTextFlags_CallbackCompletion |
          ImGuiInputTextFlags_CallbackHistory,
      input_callback, &cd);
  ImGui::SameLine();
  const bool clicked = ImGui::Button("Open");
  ImGui::SameLine();
  ImGui::Checkbox("read-only", &s.read_only);
  if (!enter && !clicked) return;
  const std::string spec = trimmed(s.spec_text);
  if (spec.empty()) {
    s.error = "type a source spec first, or pick an object below";
    s.focus_input = true;
    return;
  }
  req.open = true;
  req.spec = spec;
  req.options.read_only = s.read_only;
}

// Under the box: why the last open failed, the completions, the spec syntaxes, and the
// recent sources as buttons.
void draw_hints(OpenViewState& s, const Settings& settings, const Palette& pal, OpenRequest& req) {
  if (!s.error.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, pal.error_text);
    ImGui::TextWrapped("%s", s.error.c_str());
    ImGui::PopStyleColor();
  }
  const ImVec4 dim = ImGui::ColorConvertU32ToFloat4(pal.dim_text);
  if (!s.spec_text.empty() && !s.completions.empty()) {
    std::string line = "Tab: ";
    for (size_t i = 0; i < s.completions.size() && i < 6; ++i) {
      line += (i ? "  " : "") + printable_text(s.completions[i]);
    }
    if (s.completions.size() > 6) line += fmt::format("  (+{})", s.completions.size() - 6);
    ImGui::TextColored(dim, "%s", line.c_str());
  }
  if (const std::string syntax = source_spec_syntax(SpecUse::open, "   "); !syntax.empty()) {
    ImGui::TextColored(dim, "Specs: %s", syntax.c_str());
  }
  if (settings.recent.empty()) return;
  ImGui::Spacing();
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted("Recent:");
  for (size_t i = 0; i < settings.recent.size() && i < 8; ++i) {
    ImGui::SameLine();
    ImGui::PushID(static_cast<int>(i));
    if (ImGui::Button(printable_text(settings.recent[i]).c_str())) {
      req.open = true;
      req.spec = settings.recent[i];
      req.options.read_only = s.read_only;
    }
    ImGui::PopID();
  }
}

}  // namespace

OpenRequest draw_open_view(OpenViewState& s, const Settings& settings, const Palette& pal,
                           int64_t now_ns) {
  OpenRequest req;
  follow_scheme(s);
  refresh_lists(s, now_ns);
  s.completions = complete_spec(s.spec_text, s.objects, settings.recent, s.processes);
  ImGui::Spacing();
  ImGui::TextUnformatted(
      "Open a shared memory object, a mapped file, a System V segment or a process's memory");
  ImGui::Spacing();
  draw_spec_box(s, req);
  draw_hints(s, settings, pal, req);
  ImGui::Spacing();
  ImGui::Separator();
  draw_open_tables(s, pal, req);
  open_selected_on_enter(s, req);
  return req;
}

}  // namespace memview::gui
