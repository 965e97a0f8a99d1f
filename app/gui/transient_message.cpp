#include "transient_message.h"

namespace memview::gui {

bool age_message(std::string& text, bool is_error, MessageClock& clock, int64_t now_ns) {
  if (text.empty()) {
    clock.seen.clear();
    return false;
  }
  if (text != clock.seen) {
    clock.seen = text;
    clock.since_ns = now_ns;
  }
  if (now_ns - clock.since_ns < (is_error ? kErrorMessageNs : kMessageNs)) return true;
  text.clear();
  clock.seen.clear();
  return false;
}

void draw_message_line(const std::string& text, ImU32 color) {
  if (text.empty()) {
    ImGui::TextUnformatted(" ");
    return;
  }
  ImGui::PushStyleColor(ImGuiCol_Text, color);
  ImGui::TextUnformatted(text.c_str());
  ImGui::PopStyleColor();
  const bool cut = ImGui::GetItemRectMax().x > ImGui::GetWindowPos().x + ImGui::GetWindowWidth();
  if (cut && ImGui::IsItemHovered()) {
    ImGui::BeginTooltip();
    ImGui::PushTextWrapPos(ImGui::GetFontSize() * 40.0f);
    ImGui::TextUnformatted(text.c_str());
    ImGui::PopTextWrapPos();
    ImGui::EndTooltip();
  }
}

}  // namespace memview::gui
