#include "views/regions_view.h"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "memview/numbers.h"
#include "text_match.h"
#include "views/status_bar.h"

namespace memview::gui {

namespace {

// The filter as an address: hex with or without 0x (maps list addresses in hex).
bool filter_address(std::string_view f, uint64_t& out) {
  if (f.size() > 2 && f[0] == '0' && (f[1] == 'x' || f[1] == 'X')) f.remove_prefix(2);
  if (f.empty() || f.size() > 16) return false;
  for (char c : f) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  Result<uint64_t> v = parse_u64(fmt::format("0x{}", f));
  if (!v) return false;
  out = *v;
  return true;
}

ImU32 kind_colour(const MapRegion& r, const Palette& pal) {
  const std::string k = r.kind();
  if (k == "heap" || k == "stack") return pal.field_text[0];
  if (k == "shm" || k == "shared") return pal.field_text[1];
  if (k == "file") return pal.field_text[2];
  return pal.dim_text;
}

}  // namespace

bool region_matches(const MapRegion& r, std::string_view filter) {
  while (!filter.empty() && filter.front() == ' ') filter.remove_prefix(1);
  while (!filter.empty() && filter.back() == ' ') filter.remove_suffix(1);
  if (filter.empty()) return true;
  if (contains_ci(r.path, filter) || contains_ci(r.kind(), filter) ||
      contains_ci(r.perms(), filter)) {
    return true;
  }
  uint64_t address = 0;
  return filter_address(filter, address) && address >= r.start && address < r.end;
}

std::string region_spec(int64_t pid, const MapRegion& r) {
  return fmt::format("pid:{}@0x{:x}+0x{:x}", pid, r.start, r.size());
}

const MapRegion* region_containing(const std::vector<MapRegion>& regions, uint64_t address) {
  const MapRegion* r = region_at_or_after(regions, address);
  return r && r->start <= address && address < r->end ? r : nullptr;
}

void region_goto(const MapRegion& r, HexViewState& hex, const SourceInfo& info) {
  hex_view_move_cursor(hex, info, {.address = r.start, .reveal = CursorReveal::top, .focus = true});
}

RegionsAction draw_regions(RegionsState& s, HexViewState& hex, const SourceInfo& info, int64_t pid,
                           const Palette& pal) {
  RegionsAction action;
  s.shown = true;
  const ImVec4 dim = ImGui::ColorConvertU32ToFloat4(pal.dim_text);
  const float cw = ImGui::CalcTextSize("0").x;

  ImGui::SetNextItemWidth(std::max(cw * 12, ImGui::GetContentRegionAvail().x - cw * 12));
  ImGui::InputTextWithHint("##regfilter", "filter: heap, rw, .so, an address", &s.filter);
  s.filter_box = WidgetRect::last_item();
  ImGui::SameLine();
  if (ImGui::Button("Refresh")) s.refresh_request = true;
  s.refresh_button = WidgetRect::last_item();

  if (const MapRegion* here = region_containing(s.regions, hex.cursor)) {
    ImGui::TextColored(dim, "cursor in %s %s", here->perms().c_str(),
                       here->path.empty() ? "(anonymous)" : here->path.c_str());
  } else if (!s.regions.empty()) {
    ImGui::TextColored(dim, "cursor in no mapping: its bytes read as ??");
  }
  if (!s.error.empty()) {
    ImGui::PushTextWrapPos(0);
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(pal.error_text), "%s", s.error.c_str());
    ImGui::PopTextWrapPos();
  }

  s.shown_rows.clear();
  for (size_t i = 0; i < s.regions.size(); ++i) {
    if (region_matches(s.regions[i], s.filter)) s.shown_rows.push_back(i);
  }
  s.row_rects.assign(s.shown_rows.size(), WidgetRect{});
  s.tab_rects.assign(s.shown_rows.size(), WidgetRect{});
  if (s.regions.empty()) {
    if (s.error.empty()) ImGui::TextColored(dim, "Reading the memory map...");
    return action;
  }
  ImGui::TextColored(dim, "%zu of %zu mappings", s.shown_rows.size(), s.regions.size());

  const uint64_t lo = info.base;
  const uint64_t hi = info.base + info.size;  // sizes of pid: sources never reach 2^64
  if (ImGui::BeginTable("##regions", 6,
                        ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV |
                            ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingFixedFit,
                        ImVec2(0, ImGui::GetContentRegionAvail().y))) {
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn("start", ImGuiTableColumnFlags_WidthFixed, cw * 13);
    ImGui::TableSetupColumn("perms", ImGuiTableColumnFlags_WidthFixed, cw * 5);
    ImGui::TableSetupColumn("size", ImGuiTableColumnFlags_WidthFixed, cw * 10);
    ImGui::TableSetupColumn("kind", ImGuiTableColumnFlags_WidthFixed, cw * 6);
    ImGui::TableSetupColumn("path", ImGuiTableColumnFlags_WidthStretch);
    ImGui::TableSetupColumn("##tab", ImGuiTableColumnFlags_WidthFixed, cw * 4);
    ImGui::TableHeadersRow();
    // Clipped: a big process has thousands of mappings.
    ImGuiListClipper clipper;
    clipper.Begin(static_cast<int>(s.shown_rows.size()));
    while (clipper.Step()) {
      for (int row = clipper.DisplayStart; row < clipper.DisplayEnd; ++row) {
        const MapRegion& r = s.regions[s.shown_rows[static_cast<size_t>(row)]];
        // Outside this tab's range (a tab opened on one region): only "tab" applies.
        const bool in_range = r.end > lo && r.start < hi;
        ImGui::PushID(row);
        ImGui::TableNextRow();
        ImGui::TableSetColumnIndex(0);
        const bool here = hex.cursor >= r.start && hex.cursor < r.end;
        if (!in_range) ImGui::PushStyleColor(ImGuiCol_Text, pal.dim_text);
        const std::string start = fmt::format("{:x}", r.start);
        if (ImGui::Selectable(
                start.c_str(), here,
                ImGuiSelectableFlags_SpanAllColumns | ImGuiSelectableFlags_AllowItemOverlap) &&
            in_range) {
          region_goto(r, hex, info);
        }
        s.row_rects[static_cast<size_t>(row)] = WidgetRect::last_item();
        if (ImGui::IsItemHovered()) {
          ImGui::SetTooltip("%016llx-%016llx %s offset 0x%llx %s\n%s",
                            static_cast<unsigned long long>(r.start),
                            static_cast<unsigned long long>(r.end), r.perms().c_str(),
                            static_cast<unsigned long long>(r.offset), r.device.c_str(),
                            in_range ? "click: go to it; tab: open it in its own tab"
                                     : "outside this tab's range; tab: open it in its own tab");
        }
        if (!in_range) ImGui::PopStyleColor();
        ImGui::TableSetColumnIndex(1);
        ImGui::TextUnformatted(r.perms().c_str());
        ImGui::TableSetColumnIndex(2);
        ImGui::TextUnformatted(human_size(r.size()).c_str());
        ImGui::TableSetColumnIndex(3);
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(kind_colour(r, pal)), "%s",
                           r.kind().c_str());
        ImGui::TableSetColumnIndex(4);
        ImGui::TextUnformatted(r.path.c_str());
        ImGui::TableSetColumnIndex(5);
        if (ImGui::SmallButton("tab")) {
          action.open_tab = true;
          action.spec = region_spec(pid, r);
        }
        s.tab_rects[static_cast<size_t>(row)] = WidgetRect::last_item();
        ImGui::PopID();
      }
    }
    ImGui::EndTable();
  }
  return action;
}

}  // namespace memview::gui
