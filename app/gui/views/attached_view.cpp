#include "views/attached_view.h"

#include <imgui.h>

#include <algorithm>

#include <fmt/format.h>

#include "views/status_bar.h"
#include "words.h"

namespace memview::gui {

namespace {

constexpr size_t kCommandChars = 160;

// A command line on one line: control characters (a python -c script's newlines) as spaces,
// long ones cut (the tooltip shows them whole).
std::string one_line(const std::string& text, size_t max_chars = kCommandChars) {
  std::string out;
  out.reserve(std::min(text.size(), max_chars + 3));
  for (const char c : text) {
    if (out.size() >= max_chars) {
      out += "...";
      break;
    }
    out += static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? ' ' : c;
  }
  return out;
}

void wrapped(const char* text, ImU32 colour) {
  ImGui::PushTextWrapPos(0);
  ImGui::PushStyleColor(ImGuiCol_Text, colour);
  ImGui::TextUnformatted(text);
  ImGui::PopStyleColor();
  ImGui::PopTextWrapPos();
}

size_t mappings_found(const WhoMaps& w) {
  size_t n = 0;
  for (const MappingProcess& p : w.processes) n += p.mappings.size();
  return n;
}

// What the object is and how many map it.
void draw_object_line(const WhoMaps& w, const Palette& pal) {
  const MappedObject& o = w.object;
  std::string line;
  if (o.anonymous) {
    const int64_t pid = w.processes.empty() ? 0 : w.processes.front().pid;
    line = o.path.empty() ? fmt::format("memory of process {} (not shared)", pid)
                          : fmt::format("private memory of process {} ({})", pid, o.path);
  } else {
    const std::string id =
        o.sysv ? fmt::format("segment id {}", o.inode)
               : fmt::format("device {:02x}:{:02x}, inode {}", o.dev_major, o.dev_minor, o.inode);
    line = fmt::format("{} ({}): {} {}", o.path, id,
                       counted(w.processes.size(), "process", "processes"),
                       w.processes.size() == 1 ? "maps it" : "map it");
    if (w.pid_offset) line += fmt::format("; the tab starts at offset 0x{:x}", *w.pid_offset);
  }
  wrapped(line.c_str(), pal.dim_text);
  if (o.attach_count && *o.attach_count > mappings_found(w)) {
    const std::string note = fmt::format(
        "the kernel counts {} attaches, {} were found: the others are in processes whose "
        "memory map cannot be read",
        *o.attach_count, mappings_found(w));
    wrapped(note.c_str(), pal.error_text);
  }
}

// One row of the table: a mapping of `p` (or the process alone when it maps nothing).
void draw_row(AttachedState& s, const MappingProcess& p, size_t k, const Palette& pal,
              AttachedAction& action) {
  const ObjectMapping* m = k < p.mappings.size() ? &p.mappings[k] : nullptr;
  AttachedRow row;
  row.pid = p.pid;
  row.mapping = k;
  row.can_open = p.can_open && m != nullptr;
  if (m) row.spec = m->spec(p.pid);
  ImGui::PushID(static_cast<int>(s.rows.size()));
  ImGui::TableNextRow();
  ImGui::TableSetColumnIndex(0);
  ImGui::Text("%lld", static_cast<long long>(p.pid));
  ImGui::TableSetColumnIndex(1);
  ImGui::TextUnformatted(p.user.c_str());
  ImGui::TableSetColumnIndex(2);
  if (m) {
    ImGui::Text("%llx-%llx", static_cast<unsigned long long>(m->start),
                static_cast<unsigned long long>(m->end));
    if (ImGui::IsItemHovered()) {
      ImGui::SetTooltip("%s at 0x%llx in process %lld; object offset 0x%llx",
                        human_size(m->size()).c_str(), static_cast<unsigned long long>(m->start),
                        static_cast<long long>(p.pid),
                        static_cast<unsigned long long>(m->object_offset));
    }
  } else {  // a pid: tab of the whole process: no one mapping holds it
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(pal.dim_text), "-");
  }
  ImGui::TableSetColumnIndex(3);
  if (m) ImGui::TextUnformatted(m->perms.c_str());
  ImGui::TableSetColumnIndex(4);
  if (m) ImGui::Text("0x%llx", static_cast<unsigned long long>(m->object_offset));
  ImGui::TableSetColumnIndex(5);
  if (row.can_open) {
    if (ImGui::SmallButton("open")) {
      action.open_tab = true;
      action.spec = row.spec;
    }
    row.open_rect = WidgetRect::last_item();
    if (ImGui::IsItemHovered()) {
      ImGui::SetTooltip("open the same bytes in a new tab, through process %lld:\n%s",
                        static_cast<long long>(p.pid), row.spec.c_str());
    }
  } else if (m) {
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(pal.error_text), "no");
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", p.cannot_open.c_str());
  }
  ImGui::TableSetColumnIndex(6);
  const std::string command = (p.self ? "(this viewer) " : "") + one_line(p.command);
  ImGui::TextUnformatted(command.c_str());
  if (ImGui::IsItemHovered() && p.command.size() > kCommandChars) {
    ImGui::SetTooltip("%s", one_line(p.command, 4096).c_str());
  }
  ImGui::PopID();
  s.rows.push_back(std::move(row));
}

void draw_table(AttachedState& s, const WhoMaps& w, const Palette& pal, AttachedAction& action) {
  size_t rows = 0;
  for (const MappingProcess& p : w.processes) rows += std::max<size_t>(1, p.mappings.size());
  const float cw = ImGui::CalcTextSize("0").x;
  const ImGuiStyle& style = ImGui::GetStyle();
  const float row_h = ImGui::GetTextLineHeight() + style.CellPadding.y * 2;
  const float want = static_cast<float>(rows + 1) * row_h + style.ScrollbarSize + 4;
  const float height = std::max(row_h * 3, std::min(want, ImGui::GetContentRegionAvail().y * 0.6f));
  if (!ImGui::BeginTable("##attached", 7,
                         ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV |
                             ImGuiTableFlags_ScrollX | ImGuiTableFlags_ScrollY |
                             ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_Resizable,
                         ImVec2(0, height))) {
    return;
  }
  ImGui::TableSetupScrollFreeze(1, 1);
  ImGui::TableSetupColumn("pid", ImGuiTableColumnFlags_WidthFixed, cw * 8);
  ImGui::TableSetupColumn("user", ImGuiTableColumnFlags_WidthFixed, cw * 9);
  ImGui::TableSetupColumn("address range", ImGuiTableColumnFlags_WidthFixed, cw * 26);
  ImGui::TableSetupColumn("perms", ImGuiTableColumnFlags_WidthFixed, cw * 5);
  ImGui::TableSetupColumn("offset", ImGuiTableColumnFlags_WidthFixed, cw * 8);
  ImGui::TableSetupColumn("##open", ImGuiTableColumnFlags_WidthFixed, cw * 5);
  ImGui::TableSetupColumn("command");
  ImGui::TableHeadersRow();
  for (const MappingProcess& p : w.processes) {
    const size_t n = std::max<size_t>(1, p.mappings.size());
    for (size_t k = 0; k < n; ++k) draw_row(s, p, k, pal, action);
  }
  ImGui::EndTable();
}

// Processes that map it but cannot be opened, and processes whose maps cannot be read.
void draw_limits(const WhoMaps& w, const Palette& pal) {
  for (const MappingProcess& p : w.processes) {
    if (p.can_open || p.mappings.empty()) continue;
    const std::string why =
        fmt::format("cannot open in process {} ({}): {}", p.pid, p.user, p.cannot_open);
    wrapped(why.c_str(), pal.error_text);
  }
  if (w.uninspected.empty()) return;
  wrapped(w.uninspected_summary().c_str(), pal.dim_text);
  const std::string label = fmt::format("{} not inspected###uninspected",
                                        counted(w.uninspected.size(), "process", "processes"));
  if (!ImGui::TreeNode(label.c_str())) return;
  for (const UninspectedProcess& u : w.uninspected) {
    ImGui::Text("%lld  %s  %s", static_cast<long long>(u.pid), u.user.c_str(),
                one_line(u.command, 80).c_str());
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", u.reason.c_str());
  }
  ImGui::TreePop();
}

}  // namespace

size_t attached_count(const WhoMaps& who) {
  if (who.object.anonymous) return who.processes.size();
  return static_cast<size_t>(std::count_if(who.processes.begin(), who.processes.end(),
                                           [](const MappingProcess& p) { return !p.self; }));
}

std::string attached_status(const AttachedState& s) {
  if (!s.unsupported.empty()) return {};
  if (!s.scan) return "attached: scanning...";
  if (!s.scan->result) return "attached: ?";
  const WhoMaps& w = *s.scan->result;
  std::string text = "attached: " + counted(attached_count(w), "process", "processes");
  if (!w.uninspected.empty()) text += fmt::format(" ({} not inspectable)", w.uninspected.size());
  return text;
}

std::string attached_tab_label(const AttachedState& s) {
  if (!s.scan || !s.scan->result) return "Attached###attached";
  return fmt::format("Attached ({})###attached", attached_count(*s.scan->result));
}

AttachedAction draw_attached(AttachedState& s, const Palette& pal, int64_t now_ns) {
  AttachedAction action;
  s.rows.clear();
  s.refresh_button = {};
  if (!s.unsupported.empty()) {
    wrapped(s.unsupported.c_str(), pal.dim_text);
    return action;
  }
  if (ImGui::Button("Refresh")) s.refresh_request = true;
  s.refresh_button = WidgetRect::last_item();
  ImGui::SameLine();
  const ImVec4 dim = ImGui::ColorConvertU32ToFloat4(pal.dim_text);
  // Keeps the scan alive while it is drawn, whatever the worker publishes meanwhile.
  const std::shared_ptr<const WhoMapsScan> scan = s.scan;
  if (!scan) {
    ImGui::TextColored(dim, "looking for the processes that map it...");
    return action;
  }
  const double age = std::max<double>(0, static_cast<double>(now_ns - scan->scanned_ns) / 1e9);
  if (s.scanning) {
    ImGui::TextColored(dim, "scanned %.1f s ago, again every %.0f s", age, s.interval_s);
  } else {
    ImGui::TextColored(dim, "scanned %.1f s ago", age);
  }
  if (!scan->result) {
    const std::string why = "cannot tell who maps it: " + scan->result.error().message;
    wrapped(why.c_str(), pal.error_text);
    return action;
  }
  const WhoMaps& w = *scan->result;
  draw_object_line(w, pal);
  if (!w.processes.empty()) draw_table(s, w, pal, action);
  draw_limits(w, pal);
  return action;
}

}  // namespace memview::gui
