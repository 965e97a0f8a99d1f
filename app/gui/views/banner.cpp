#include "views/banner.h"

#include <imgui.h>

#include <fmt/format.h>

#include "words.h"

namespace memview::gui {

namespace {

// "Removed:", "Exited:", "Disconnected:", "Resized:".
std::string kind_label(SourceEvent::Kind k) {
  std::string s = event_kind_name(k);
  if (!s.empty()) s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s + ":";
}

}  // namespace

void BannerState::add(const SourceEvent& e, int64_t now_ns) {
  const bool is_gone = e.kind != SourceEvent::Kind::resized;
  // A source that is gone stays gone: a later resize does not hide it.
  if (gone && !is_gone) return;
  visible = true;
  gone = is_gone;
  kind = e.kind;
  since_ns = now_ns;
  reopen_error.clear();
  if (!e.message.empty()) {
    message = e.message;
  } else if (is_gone) {
    message = fmt::format("the source was {}", event_kind_name(e.kind));
  } else {
    message =
        fmt::format("the source was resized from {} to {}", e.old_size, bytes_text(e.new_size));
  }
  // One sentence for what happened (the source's words), one for what the viewer does.
  if (!message.empty() && message.back() != '.') message += '.';
  if (is_gone) message += " Showing the last bytes read.";
}

BannerAction draw_banner(BannerState& s, const Palette& palette) {
  if (!s.visible) return BannerAction::none;
  BannerAction action = BannerAction::none;
  ImGui::PushStyleColor(ImGuiCol_ChildBg, palette.warning_bg);
  const float h = ImGui::GetFrameHeightWithSpacing() * (s.reopen_error.empty() ? 1.0f : 2.0f) +
                  ImGui::GetStyle().WindowPadding.y;
  ImGui::BeginChild("##banner", ImVec2(0, h), false, ImGuiWindowFlags_NoScrollbar);
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted(kind_label(s.kind).c_str());
  ImGui::SameLine();
  ImGui::TextUnformatted(s.message.c_str());
  ImGui::SameLine();
  if (ImGui::SmallButton("Reopen")) action = BannerAction::reopen;
  ImGui::SameLine();
  if (s.gone) {
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
