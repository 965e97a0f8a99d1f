#include "views/banner.h"

#include <imgui.h>

#include <fmt/format.h>

namespace memview::gui {

void BannerState::add(const SourceEvent& e, int64_t now_ns) {
  const bool gone = e.kind != SourceEvent::Kind::resized;
  // A removal outranks a resize; a later resize does not hide that the name is gone.
  if (removed && !gone) return;
  visible = true;
  removed = gone;
  since_ns = now_ns;
  reopen_error.clear();
  if (!e.message.empty()) {
    message = e.message;
  } else if (gone) {
    message = fmt::format("The source was {}.", event_kind_name(e.kind));
  } else {
    message = fmt::format("The source was resized from {} to {} bytes.", e.old_size, e.new_size);
  }
  if (gone) message += " Showing the last bytes read.";
}

BannerAction draw_banner(BannerState& s, const Palette& palette) {
  if (!s.visible) return BannerAction::none;
  BannerAction action = BannerAction::none;
  ImGui::PushStyleColor(ImGuiCol_ChildBg, palette.warning_bg);
  const float h = ImGui::GetFrameHeightWithSpacing() * (s.reopen_error.empty() ? 1.0f : 2.0f) +
                  ImGui::GetStyle().WindowPadding.y;
  ImGui::BeginChild("##banner", ImVec2(0, h), false, ImGuiWindowFlags_NoScrollbar);
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted(s.removed ? "Removed:" : "Resized:");
  ImGui::SameLine();
  ImGui::TextUnformatted(s.message.c_str());
  ImGui::SameLine();
  if (ImGui::SmallButton("Reopen")) action = BannerAction::reopen;
  ImGui::SameLine();
  if (s.removed) {
    if (ImGui::SmallButton("Close tab")) action = BannerAction::close_tab;
    ImGui::SameLine();
  }
  if (ImGui::SmallButton("Dismiss")) s.visible = false;
  if (!s.reopen_error.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, palette.error_text);
    ImGui::TextUnformatted(("Reopen failed: " + s.reopen_error).c_str());
    ImGui::PopStyleColor();
  }
  ImGui::EndChild();
  ImGui::PopStyleColor();
  return action;
}

}  // namespace memview::gui
