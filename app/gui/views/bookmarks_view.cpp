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

namespace {

// The edit box over item i's name: Enter renames it (an empty name keeps the old one).
void draw_rename(BookmarksState& s, size_t i) {
  const InlineEdit::Event ev = s.rename.draw(s.rename_box);
  if (ev == InlineEdit::Event::commit) {
    if (!s.rename.text.empty()) s.items[i].name = s.rename.text;
    s.renaming = -1;
    s.rename.committed(true);
  } else if (ev == InlineEdit::Event::cancel) {
    s.renaming = -1;
    s.rename.cancelled();
  }
}

}  // namespace

int bookmark_next(const BookmarksState& s, uint64_t address, bool forward) {
  int best = -1;
  for (size_t i = 0; i < s.items.size(); ++i) {
    const uint64_t a = s.items[i].address;
    if (forward ? a <= address : a >= address) continue;
    const uint64_t best_a = best < 0 ? 0 : s.items[static_cast<size_t>(best)].address;
    if (best < 0 || (forward ? a < best_a : a > best_a)) best = static_cast<int>(i);
  }
  return best;
}

int bookmark_at(const BookmarksState& s, uint64_t address) {
  for (size_t i = 0; i < s.items.size(); ++i) {
    if (s.items[i].address == address) return static_cast<int>(i);
  }
  return -1;
}

void draw_bookmarks(BookmarksState& s, HexViewState& hex, const SourceInfo& info,
                    const Palette& pal) {
  if (s.rename_request >= 0 && static_cast<size_t>(s.rename_request) < s.items.size()) {
    s.renaming = s.rename_request;
    s.rename.start(s.items[static_cast<size_t>(s.renaming)].name);
  }
  s.rename_request = -1;
  if (s.renaming >= static_cast<int>(s.items.size())) s.renaming = -1;
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
      if (static_cast<int>(i) == s.renaming) {
        draw_rename(s, i);
        s.go_rects[i] = s.rename_box;
      } else {
        if (ImGui::Selectable(b.name.c_str(), here,
                              ImGuiSelectableFlags_SpanAllColumns |
                                  ImGuiSelectableFlags_AllowItemOverlap |
                                  ImGuiSelectableFlags_AllowDoubleClick)) {
          if (ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left)) {
            s.rename_request = static_cast<int>(i);
          } else {
            bookmark_goto(b, hex, info);
          }
        }
        s.go_rects[i] = WidgetRect::last_item();
        if (ImGui::IsItemHovered()) ImGui::SetTooltip("double-click or F2: rename");
      }
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
