// The Open view's tables: the shared memory objects on the machine and the running
// processes, each filtered by the typed text; one click selects a row (and puts its spec in
// the box), a double-click opens it.
#include <imgui.h>

#include <algorithm>
#include <string_view>

#include <fmt/format.h>

#include "memview/text_bytes.h"
#include "text_match.h"
#include "views/open_view.h"
#include "views/status_bar.h"
#include "words.h"

namespace memview::gui {

namespace {

constexpr ImGuiTableFlags kTableFlags =
    ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_BordersOuterH |
    ImGuiTableFlags_ScrollY | ImGuiTableFlags_Resizable | ImGuiTableFlags_SizingStretchProp;

std::string format_time(int64_t unix_ns) {
  if (unix_ns <= 0) return "-";
  return local_time_text(unix_ns / 1'000'000'000, "%Y-%m-%d %H:%M:%S");
}

bool object_matches(const DiscoveredObject& o, const std::string& needle) {
  return contains_ci(o.spec, needle) || contains_ci(o.name, needle);
}

bool process_matches(const ProcessEntry& p, std::string_view needle) {
  return std::to_string(p.pid).rfind(needle, 0) == 0 || contains_ci(p.name, needle) ||
         contains_ci(p.user, needle) || contains_ci(p.command, needle);
}

// The rows a table shows: those matching the typed text, or all of them when none match,
// with their specs; whether the table is filtered. The selection follows its row's spec (a
// click puts the spec in the box, which filters the table and moves the rows).
template <class Item, class Match, class SpecOf>
bool filter_rows(OpenViewState& s, const std::vector<Item>& items, bool typed, Match match,
                 SpecOf spec_of) {
  s.visible.clear();
  for (size_t i = 0; i < items.size(); ++i) {
    if (match(items[i])) s.visible.push_back(static_cast<int>(i));
  }
  const bool filtered = typed && !s.visible.empty();
  if (s.visible.empty()) {
    for (size_t i = 0; i < items.size(); ++i) s.visible.push_back(static_cast<int>(i));
  }
  s.row_specs.clear();
  for (const int i : s.visible) s.row_specs.push_back(spec_of(items[static_cast<size_t>(i)]));
  const auto at = std::find(s.row_specs.begin(), s.row_specs.end(), s.selected_spec);
  s.selected = s.selected_spec.empty() || at == s.row_specs.end()
                   ? -1
                   : static_cast<int>(at - s.row_specs.begin());
  s.row_rects.assign(s.visible.size(), WidgetRect{});
  return filtered;
}

constexpr const char* kUnreadableNote =
    "memview may not read this process's memory: it belongs to another user, or the kernel's "
    "ptrace rules (Yama's ptrace_scope) keep it from this one";

// The first cell of row k: selects on a click, opens on a double-click. `note` (when not
// null) is said in the row's tooltip.
void row_selectable(OpenViewState& s, size_t k, const std::string& label, OpenRequest& req,
                    const char* note = nullptr) {
  const std::string& spec = s.row_specs[k];
  const bool selected = s.selected == static_cast<int>(k);
  if (ImGui::Selectable(
          label.c_str(), selected,
          ImGuiSelectableFlags_SpanAllColumns | ImGuiSelectableFlags_AllowDoubleClick)) {
    s.selected = static_cast<int>(k);
    s.selected_spec = spec;
    s.spec_text = spec;
    if (ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left)) {
      req.open = true;
      req.spec = spec;
      req.options.read_only = s.read_only;
    }
  }
  s.row_rects[k] = WidgetRect::last_item();
  if (ImGui::IsItemHovered()) {
    ImGui::SetTooltip("%s\nclick selects, double-click or Enter opens%s%s",
                      printable_text(spec).c_str(), note ? "\n" : "", note ? note : "");
  }
}

void object_row(OpenViewState& s, size_t k, OpenRequest& req) {
  const DiscoveredObject& o = s.objects[static_cast<size_t>(s.visible[k])];
  ImGui::TableNextRow();
  ImGui::TableSetColumnIndex(0);
  ImGui::PushID(static_cast<int>(k));
  // Names are bytes: shown escaped on one line (a newline, invalid UTF-8).
  row_selectable(s, k, printable_text(o.name), req);
  ImGui::PopID();
  ImGui::TableSetColumnIndex(1);
  ImGui::TextUnformatted(o.kind.c_str());
  ImGui::TableSetColumnIndex(2);
  ImGui::TextUnformatted(human_size(o.size).c_str());
  ImGui::TableSetColumnIndex(3);
  ImGui::TextUnformatted(printable_text(o.owner).c_str());
  ImGui::TableSetColumnIndex(4);
  ImGui::Text("%04o", o.mode & 07777);
  ImGui::TableSetColumnIndex(5);
  if (o.attach_count >= 0) {
    ImGui::Text("%lld", static_cast<long long>(o.attach_count));
  } else {
    ImGui::TextUnformatted("-");
  }
  ImGui::TableSetColumnIndex(6);
  ImGui::TextUnformatted(format_time(o.modified_unix_ns).c_str());
}

void draw_objects(OpenViewState& s, const Palette& pal, OpenRequest& req) {
  const bool filtered = filter_rows(
      s, s.objects, !s.spec_text.empty(),
      [&](const DiscoveredObject& o) { return object_matches(o, s.spec_text); },
      [](const DiscoveredObject& o) { return o.spec; });
  s.count_text = fmt::format("Objects on this machine: {}", s.objects.size());
  if (filtered) s.count_text += " (" + counted(s.visible.size(), "match", "matches") + ")";
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted(s.count_text.c_str());
  ImGui::SameLine();
  if (ImGui::SmallButton("Refresh")) s.refresh_now = true;
  if (!ImGui::BeginTable("##objects", 7, kTableFlags, ImVec2(0, 0))) return;
  ImGui::TableSetupScrollFreeze(0, 1);
  ImGui::TableSetupColumn("name", ImGuiTableColumnFlags_WidthStretch, 3.0f);
  ImGui::TableSetupColumn("kind", ImGuiTableColumnFlags_WidthStretch, 0.6f);
  ImGui::TableSetupColumn("size", ImGuiTableColumnFlags_WidthStretch, 1.0f);
  ImGui::TableSetupColumn("owner", ImGuiTableColumnFlags_WidthStretch, 0.8f);
  ImGui::TableSetupColumn("mode", ImGuiTableColumnFlags_WidthStretch, 0.6f);
  ImGui::TableSetupColumn("attached", ImGuiTableColumnFlags_WidthStretch, 0.6f);
  ImGui::TableSetupColumn("modified", ImGuiTableColumnFlags_WidthStretch, 1.6f);
  ImGui::TableHeadersRow();
  for (size_t k = 0; k < s.visible.size(); ++k) object_row(s, k, req);
  if (s.objects.empty()) {
    ImGui::TableNextRow();
    ImGui::TableSetColumnIndex(0);
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(pal.dim_text),
                       "no shared memory objects found");
  }
  ImGui::EndTable();
}

// A process whose memory this user may not read is listed dimmed, its tooltip says why.
void process_row(OpenViewState& s, const Palette& pal, size_t k, OpenRequest& req) {
  const ProcessEntry& p = s.processes[static_cast<size_t>(s.visible[k])];
  ImGui::TableNextRow();
  ImGui::TableSetColumnIndex(0);
  ImGui::PushID(static_cast<int>(k));
  if (!p.readable) ImGui::PushStyleColor(ImGuiCol_Text, pal.dim_text);
  row_selectable(s, k, std::to_string(p.pid), req, p.readable ? nullptr : kUnreadableNote);
  ImGui::PopID();
  ImGui::TableSetColumnIndex(1);
  ImGui::TextUnformatted(printable_text(p.name).c_str());
  ImGui::TableSetColumnIndex(2);
  ImGui::TextUnformatted(printable_text(p.user).c_str());
  ImGui::TableSetColumnIndex(3);
  ImGui::TextUnformatted(printable_text(p.command).c_str());
  if (!p.readable) ImGui::PopStyleColor();
}

void draw_processes(OpenViewState& s, const Palette& pal, OpenRequest& req) {
  std::string_view needle = s.spec_text;
  if (starts_with_ci(needle, "pid:")) needle.remove_prefix(4);
  const bool filtered = filter_rows(
      s, s.processes, !needle.empty(),
      [&](const ProcessEntry& p) { return process_matches(p, needle); },
      [](const ProcessEntry& p) { return "pid:" + std::to_string(p.pid); });
  s.count_text = fmt::format("Processes: {}", s.processes.size());
  const auto unreadable = static_cast<size_t>(std::count_if(
      s.processes.begin(), s.processes.end(), [](const ProcessEntry& p) { return !p.readable; }));
  if (unreadable != 0) s.count_text += fmt::format(", {} not readable", unreadable);
  if (filtered) s.count_text += " (" + counted(s.visible.size(), "match", "matches") + ")";
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted(s.count_text.c_str());
  ImGui::SameLine();
  if (ImGui::SmallButton("Refresh")) s.refresh_now = true;
  if (!ImGui::BeginTable("##processes", 4, kTableFlags, ImVec2(0, 0))) return;
  ImGui::TableSetupScrollFreeze(0, 1);
  ImGui::TableSetupColumn("pid", ImGuiTableColumnFlags_WidthStretch, 0.5f);
  ImGui::TableSetupColumn("name", ImGuiTableColumnFlags_WidthStretch, 1.2f);
  ImGui::TableSetupColumn("user", ImGuiTableColumnFlags_WidthStretch, 0.7f);
  ImGui::TableSetupColumn("command", ImGuiTableColumnFlags_WidthStretch, 4.0f);
  ImGui::TableHeadersRow();
  for (size_t k = 0; k < s.visible.size(); ++k) process_row(s, pal, k, req);
  ImGui::EndTable();
}

// One tab for each table; `select_tab` makes the state's table the selected tab.
bool table_tab(OpenViewState& s, const char* label, OpenTable table) {
  const ImGuiTabItemFlags flags =
      s.select_tab && s.table == table ? ImGuiTabItemFlags_SetSelected : ImGuiTabItemFlags_None;
  if (!ImGui::BeginTabItem(label, nullptr, flags)) return false;
  if (!s.select_tab && s.table != table) {
    s.table = table;  // the user picked this tab
    s.clear_selection();
  }
  return true;
}

}  // namespace

void draw_open_tables(OpenViewState& s, const Palette& pal, OpenRequest& req) {
  if (!ImGui::BeginTabBar("##open_tables")) return;
  if (table_tab(s, "Shared memory", OpenTable::objects)) {
    draw_objects(s, pal, req);
    ImGui::EndTabItem();
  }
  if (table_tab(s, "Processes", OpenTable::processes)) {
    draw_processes(s, pal, req);
    ImGui::EndTabItem();
  }
  s.select_tab = false;
  ImGui::EndTabBar();
}

}  // namespace memview::gui
