#include "views/trigger_editor.h"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>

namespace memview::gui {

namespace {

// Tab: the word before the cursor is completed to the suggestions' common prefix.
int trigger_box_callback(ImGuiInputTextCallbackData* data) {
  if (data->EventFlag != ImGuiInputTextFlags_CallbackCompletion) return 0;
  const auto* e = static_cast<const TriggerEditState*>(data->UserData);
  const std::string_view text(data->Buf, static_cast<size_t>(data->BufTextLen));
  const TriggerCompletion c =
      trigger_completion(text, static_cast<size_t>(data->CursorPos), e->fields);
  const std::string prefix = completion_prefix(c);
  if (prefix.empty()) return 0;
  data->DeleteChars(static_cast<int>(c.word_begin), static_cast<int>(c.word_end - c.word_begin));
  data->InsertChars(static_cast<int>(c.word_begin), prefix.c_str());
  return 0;
}

// A mark under the column an error names, when that column is visible in the box.
void draw_error_mark(const TriggerEditState& e, const Palette& pal) {
  if (!e.error_column || e.checked != e.text) return;
  const size_t col = std::min(*e.error_column - 1, e.text.size());
  const ImVec2 pad = ImGui::GetStyle().FramePadding;
  const float x = e.box.min.x + pad.x + ImGui::CalcTextSize(e.text.c_str(), e.text.c_str() + col).x;
  if (x > e.box.max.x - pad.x) return;
  const float y = e.box.max.y;
  const float s = ImGui::GetFontSize() * 0.35f;
  ImGui::GetWindowDrawList()->AddTriangleFilled(ImVec2(x, y - s), ImVec2(x - s, y + s),
                                                ImVec2(x + s, y + s), pal.error_text);
}

}  // namespace

void draw_trigger_editor(TriggerEditState& e, const Palette& pal) {
  ImGui::PushID("trigger");
  ImGui::TextUnformatted("Trigger (optional): marks the strip where it fires");
  if (e.focus_box) {
    ImGui::SetKeyboardFocusHere();
    e.focus_box = false;
  }
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 26);
  ImGui::InputTextWithHint("##text", "telemetry.speed_kmh > 100, u32@0x40 changed", &e.text,
                           ImGuiInputTextFlags_CallbackCompletion, trigger_box_callback, &e);
  e.box = WidgetRect::last_item();
  if (ImGui::IsItemHovered()) {
    ImGui::SetTooltip(
        "FIELD or TYPE@ADDRESS, then changed | == != < > <= >= N | crosses [above|below] N |\n"
        "bit N set|cleared; combine with and, or, not, ( ).   Tab completes a field path.");
  }
  draw_error_mark(e, pal);
  e.candidate_rects.clear();
  // Suggestions for the word at the end of the text (click to take one).
  if (!e.completion.candidates.empty() && e.checked == e.text) {
    ImGui::Indent();
    for (const std::string& c : e.completion.candidates) {
      if (ImGui::Selectable(c.c_str(), false, ImGuiSelectableFlags_DontClosePopups,
                            ImVec2(ImGui::CalcTextSize(c.c_str()).x, 0))) {
        e.text = apply_completion(e.text, e.completion, c);
        e.focus_box = true;
      }
      e.candidate_rects.push_back(WidgetRect::last_item());
    }
    ImGui::Unindent();
  }
  if (!e.error.empty() && e.checked == e.text) {
    ImGui::PushStyleColor(ImGuiCol_Text, pal.error_text);
    ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + ImGui::GetFontSize() * 26);
    ImGui::TextWrapped("%s", e.error.c_str());
    ImGui::PopTextWrapPos();
    ImGui::PopStyleColor();
  }
  ImGui::Checkbox("pause at trigger", &e.pause_at_trigger);
  e.pause_box = WidgetRect::last_item();
  if (ImGui::IsItemHovered()) {
    ImGui::SetTooltip("when it fires while the view is live, the view stops at its sample");
  }
  ImGui::PopID();
}

}  // namespace memview::gui
