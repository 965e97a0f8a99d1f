#include "views/bookmarks_view.h"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <string_view>

#include <fmt/format.h>

#include "words.h"

namespace memview::gui {

void BookmarksState::add(std::string name, uint64_t address) {
  if (name.empty()) name = fmt::format("bookmark {}", items.size() + 1);
  items.push_back({std::move(name), address});
}

void BookmarksState::apply_requests() {
  std::sort(remove_requests.begin(), remove_requests.end());
  remove_requests.erase(std::unique(remove_requests.begin(), remove_requests.end()),
                        remove_requests.end());
  for (auto it = remove_requests.rbegin(); it != remove_requests.rend(); ++it) {
    if (*it < items.size()) items.erase(items.begin() + static_cast<std::ptrdiff_t>(*it));
  }
  remove_requests.clear();
  for (Bookmark& b : add_requests) add(std::move(b.name), b.address);
  add_requests.clear();
}

void bookmark_goto(const Bookmark& b, HexViewState& hex, const SourceInfo& info) {
  hex_view_move_cursor(hex, info,
                       {.address = b.address, .reveal = CursorReveal::center, .focus = true});
}

void draw_bookmarks(BookmarksState& s, HexViewState& hex, const SourceInfo& info,
                    const Palette& pal) {
  const float cw = ImGui::CalcTextSize("0").x;
  ImGui::SetNextItemWidth(cw * 24);
  const bool enter = ImGui::InputTextWithHint("##bmname", "name", &s.new_name,
                                              ImGuiInputTextFlags_EnterReturnsTrue);
  s.name_box = WidgetRect::last_item();
  ImGui::SameLine();
  // Positions as the grid's first column shows them: offsets, or a process's addresses.
  const bool addresses = std::string_view(position_word(info)) == "address";
  const uint64_t origin = addresses ? 0 : info.base;
  const bool add =
      ImGui::Button(fmt::format("Add at the cursor (0x{:x})  Ctrl+B", hex.cursor - origin).c_str());
  s.add_button = WidgetRect::last_item();
  if (enter || add) {
    s.add_requests.push_back({s.new_name, hex.cursor});
    s.new_name.clear();
  }
  s.go_rects.assign(s.items.size(), WidgetRect{});
  if (s.items.empty()) {
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(pal.dim_text), "No bookmarks yet.");
    return;
  }
  if (ImGui::BeginTable("##bookmarks", 3,
                        ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV |
                            ImGuiTableFlags_SizingStretchProp)) {
    ImGui::TableSetupColumn("name", ImGuiTableColumnFlags_WidthStretch);
    ImGui::TableSetupColumn(position_word(info), ImGuiTableColumnFlags_WidthFixed, cw * 18);
    ImGui::TableSetupColumn("##x", ImGuiTableColumnFlags_WidthFixed, cw * 3);
    for (size_t i = 0; i < s.items.size(); ++i) {
      const Bookmark& b = s.items[i];
      ImGui::PushID(static_cast<int>(i));
      ImGui::TableNextRow();
      ImGui::TableSetColumnIndex(0);
      const bool here = hex.cursor == b.address;
      if (ImGui::Selectable(
              b.name.c_str(), here,
              ImGuiSelectableFlags_SpanAllColumns | ImGuiSelectableFlags_AllowItemOverlap)) {
        bookmark_goto(b, hex, info);
      }
      s.go_rects[i] = WidgetRect::last_item();
      ImGui::TableSetColumnIndex(1);
      ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(pal.address), "0x%llx",
                         static_cast<unsigned long long>(b.address - origin));
      ImGui::TableSetColumnIndex(2);
      if (ImGui::SmallButton("x")) s.remove_requests.push_back(i);
      ImGui::PopID();
    }
    ImGui::EndTable();
  }
}

}  // namespace memview::gui
