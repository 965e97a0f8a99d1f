#include "inline_edit.h"

#include <imgui.h>
#include <imgui_stdlib.h>

namespace memview::gui {

void InlineEdit::start(std::string initial) {
  text = std::move(initial);
  focus = true;
  was_active = false;
}

InlineEdit::Event InlineEdit::draw(WidgetRect& rect) {
  if (focus) {
    ImGui::SetKeyboardFocusHere();
    focus = false;
  }
  ImGui::SetNextItemWidth(-FLT_MIN);
  const bool enter = ImGui::InputText(
      "##edit", &text, ImGuiInputTextFlags_EnterReturnsTrue | ImGuiInputTextFlags_AutoSelectAll);
  rect = WidgetRect::last_item();
  const bool active = ImGui::IsItemActive();
  if (active) was_active = true;
  if (enter) return Event::commit;
  if (was_active && !active) return Event::cancel;
  return Event::none;
}

void InlineEdit::committed(bool ok) {
  if (ok) {
    finished = true;
    return;
  }
  focus = true;  // stay in the box to fix the value
  was_active = false;
}

}  // namespace memview::gui
