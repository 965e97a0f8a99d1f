#include "views/timeline_view.h"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "keys.h"
#include "views/trigger_editor.h"
#include "words.h"

namespace memview::gui {

namespace {

std::string seconds(int64_t ns) {
  return fmt::format("{:.3f} s", static_cast<double>(ns) / 1e9);
}

void draw_record_form(TimelineState& t, const Palette& pal, bool can_record, RecordAction& act) {
  if (!ImGui::BeginPopup("##record_form")) {
    t.record_form_open = false;
    return;
  }
  t.record_form_open = true;
  if (ImGui::IsWindowAppearing()) t.trigger.checked_once = false;  // parsed again next frame
  ImGui::Checkbox("the whole object", &t.settings.whole_object);
  if (ImGui::IsItemHovered()) {
    ImGui::SetTooltip(
        "off: the overlays' bytes and the selection (the whole object when there "
        "are neither)");
  }
  bool max_rate = t.settings.rate_hz <= 0;
  if (ImGui::Checkbox("as fast as the source allows", &max_rate)) {
    t.settings.rate_hz = max_rate ? 0 : 10000;
  }
  if (!max_rate) {
    float rate = static_cast<float>(t.settings.rate_hz);
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 12);
    if (ImGui::SliderFloat("rate (Hz)", &rate, 1.0f, 10000.0f, "%.0f",
                           ImGuiSliderFlags_Logarithmic)) {
      t.settings.rate_hz = std::round(rate);
    }
  }
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 12);
  ImGui::SliderInt("keep (minutes)", &t.settings.ring_minutes, 1, 60);
  const RecordPlan& p = t.plan;
  if (!p.error.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, pal.error_text);
    ImGui::TextWrapped("%s", p.error.c_str());
    ImGui::PopStyleColor();
  } else {
    ImGui::Text("%s in %zu range(s)", bytes_text(p.bytes).c_str(), p.ranges.size());
    if (!p.warning.empty()) {
      ImGui::PushStyleColor(ImGuiCol_Text, pal.error_text);
      ImGui::PushTextWrapPos(ImGui::GetFontSize() * 30.0f);
      ImGui::TextWrapped("%s", p.warning.c_str());
      ImGui::PopTextWrapPos();
      ImGui::PopStyleColor();
    }
  }
  ImGui::Separator();
  draw_trigger_editor(t.trigger, pal);
  ImGui::Separator();
  ImGui::BeginDisabled(!p.error.empty() || !can_record || !t.trigger.valid());
  if (ImGui::Button("Start recording")) {
    act.start = true;
    ImGui::CloseCurrentPopup();
  }
  t.start_button_rect = WidgetRect::last_item();
  ImGui::EndDisabled();
  ImGui::SameLine();
  if (ImGui::Button("Cancel")) ImGui::CloseCurrentPopup();
  ImGui::EndPopup();
}

void draw_save_form(TimelineState& t, RecordAction& act) {
  if (!ImGui::BeginPopup("##save_recording")) {
    t.save_form_open = false;
    return;
  }
  t.save_form_open = true;
  ImGui::TextUnformatted("Save the recording as:");
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 24);
  if (ImGui::IsWindowAppearing()) ImGui::SetKeyboardFocusHere();
  const bool enter =
      ImGui::InputText("##save_path", &t.save_text,
                       ImGuiInputTextFlags_EnterReturnsTrue | ImGuiInputTextFlags_AutoSelectAll);
  if (ImGui::Button("Save") || enter) {
    act.save_path = t.save_text;
    ImGui::CloseCurrentPopup();
  }
  ImGui::SameLine();
  if (ImGui::Button("Cancel")) ImGui::CloseCurrentPopup();
  ImGui::EndPopup();
}

}  // namespace

RecordAction draw_record_controls(TimelineState& t, const Palette& pal, bool can_record) {
  RecordAction act;
  if (t.replay) {
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(pal.dim_text), "replaying %s",
                       t.file_path.c_str());
    return act;
  }
  if (t.recording_now()) {
    if (ImGui::Button("Stop recording")) act.stop = true;
    if (ImGui::IsItemHovered()) {
      const RecorderStats st = t.recorder->stats();
      ImGui::SetTooltip("%llu samples at %.0f Hz, %llu changed, %s held",
                        static_cast<unsigned long long>(st.samples), st.achieved_hz,
                        static_cast<unsigned long long>(st.changed_samples),
                        bytes_text(t.latest_image ? t.latest_image->bytes() : 0).c_str());
    }
  } else {
    if (ImGui::Button("Record...")) ImGui::OpenPopup("##record_form");
    t.record_button_rect = WidgetRect::last_item();
    if (ImGui::IsItemHovered()) {
      ImGui::SetTooltip(
          "record the overlays' bytes and the selection into a ring of the last "
          "minutes, then scrub back through them");
    }
  }
  draw_record_form(t, pal, can_record, act);
  if (t.latest_image) {
    ImGui::SameLine();
    if (ImGui::Button("Save recording...")) {
      if (t.save_text.empty()) t.save_text = "recording.mvrec";
      ImGui::OpenPopup("##save_recording");
    }
    draw_save_form(t, act);
  }
  return act;
}

float timeline_strip_height() {
  const ImGuiStyle& st = ImGui::GetStyle();
  return ImGui::GetFrameHeight() + ImGui::GetTextLineHeight() * 2.5f + st.ItemSpacing.y * 3;
}

StripAction draw_timeline_strip(TimelineState& t, const Palette& pal, float width,
                                std::optional<int64_t> present_ns, int64_t now_ns,
                                bool grid_focused) {
  StripAction act;
  ImGui::PushID("timeline");
  // The controls row.
  const bool past = t.in_past();
  if (!t.replay) {
    ImGui::BeginDisabled(!past);
    if (ImGui::Button("Live")) timeline_go_live(t);
    ImGui::EndDisabled();
    t.live_button_rect = WidgetRect::last_item();
    ImGui::SameLine();
  }
  if (ImGui::Button(t.playing ? "Pause##play" : "Play##play")) timeline_play(t, !t.playing);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 7);
  ImGui::SliderFloat("##speed", &t.speed, 0.01f, 100.0f, "%.2fx", ImGuiSliderFlags_Logarithmic);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("playback speed (1/100x to 100x)");
  ImGui::SameLine();
  if (past) {
    ImGui::Text("%s / %s  (sample %s)", seconds(t.t_ns).c_str(), seconds(t.last_ns()).c_str(),
                seconds(t.at.t_ns).c_str());
  } else {
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(pal.ok_text), "LIVE  (%s recorded)",
                       seconds(t.last_ns() - t.first_ns()).c_str());
  }
  if (!t.recording_trigger.empty()) {
    ImGui::SameLine();
    ImGui::Checkbox("pause at trigger##strip", &t.trigger.pause_at_trigger);
    t.pause_check_rect = WidgetRect::last_item();
    if (ImGui::IsItemHovered()) {
      ImGui::SetTooltip(
          "trigger: %s\n%zu firing(s) marked; when one fires while live, the view "
          "stops at its sample",
          t.recording_trigger.c_str(), t.marks.size());
    }
  }
  if (age_message(t.message, t.message_is_error, t.message_clock, now_ns)) {
    ImGui::SameLine();
    draw_message_line(t.message, t.message_is_error ? pal.error_text : pal.ok_text);
  }

  // The density row.
  const float h = ImGui::GetTextLineHeight() * 2.5f;
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton("##strip", ImVec2(std::max(width, 10.0f), h));
  t.strip_rect = WidgetRect::last_item();
  const bool hovered = ImGui::IsItemHovered();
  const ImVec2 p1(p0.x + std::max(width, 10.0f), p0.y + h);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(p0, p1, pal.row_stripe == 0 ? IM_COL32(40, 40, 40, 255) : pal.row_stripe);
  dl->AddRect(p0, p1, pal.dim_text);
  if (!t.has_recording()) {
    dl->AddText(ImVec2(p0.x + 4, p0.y + 2), pal.dim_text, "recording: nothing to show yet");
    ImGui::PopID();
    return act;
  }
  const int64_t vb = t.view_begin_ns;
  const int64_t ve = std::max(t.view_end_ns, vb + 1);
  const float w = p1.x - p0.x;
  const auto x_of = [&](int64_t ns) {
    return p0.x +
           static_cast<float>(static_cast<double>(ns - vb) / static_cast<double>(ve - vb)) * w;
  };
  const auto t_of = [&](float x) {
    return vb +
           static_cast<int64_t>(static_cast<double>((x - p0.x) / w) * static_cast<double>(ve - vb));
  };
  const int bins = std::max(1, static_cast<int>(w / 2));
  const std::vector<float> density = timeline_density(*t.recording, vb, ve, bins);
  for (int i = 0; i < bins; ++i) {
    const float v = density[static_cast<size_t>(i)];
    if (v <= 0) continue;
    const float x = p0.x + static_cast<float>(i) * 2;
    dl->AddRectFilled(ImVec2(x, p1.y - 1 - (h - 2) * std::max(v, 0.08f)), ImVec2(x + 2, p1.y - 1),
                      pal.glow | IM_COL32(0, 0, 0, 255));
  }
  for (int64_t m : t.marks) {
    if (m < vb || m > ve) continue;
    dl->AddLine(ImVec2(x_of(m), p0.y), ImVec2(x_of(m), p1.y), pal.error_text, 2.0f);
  }
  // Live: the present, at the right end while the recording follows it.
  const int64_t pos = past ? t.t_ns : std::min(present_ns.value_or(t.last_ns()), ve);
  if (pos >= vb && pos <= ve) {
    const float x = x_of(pos);
    dl->AddLine(ImVec2(x, p0.y), ImVec2(x, p1.y), pal.cursor, 2.0f);
  }

  // Input: drag to scrub, wheel to zoom, keys once the strip was clicked.
  const ImGuiIO& io = ImGui::GetIO();
  if (ImGui::IsItemActive() && io.MouseDown[0]) {
    timeline_seek(t, t_of(std::clamp(io.MousePos.x, p0.x, p1.x)));
    t.playing = false;
    t.keys_active = true;
  } else if (ImGui::IsMouseClicked(0) && !hovered) {
    t.keys_active = false;
  }
  if (hovered && io.MouseWheel != 0) {
    timeline_zoom(t, std::pow(0.8f, io.MouseWheel), t_of(io.MousePos.x));
  }
  std::string near_mark;
  if (hovered) {
    for (size_t i = 0; i < t.marks.size() && i < t.mark_texts.size(); ++i) {
      if (std::abs(x_of(t.marks[i]) - io.MousePos.x) <= 3.0f) near_mark = t.mark_texts[i];
    }
  }
  if (hovered && !near_mark.empty()) {
    ImGui::SetTooltip("trigger fired: %s", near_mark.c_str());
  } else if (hovered) {
    ImGui::SetTooltip(
        "%s\ndrag: scrub   wheel: zoom\nclick, then Left/Right: previous/next "
        "change, Home/End\n(from the grid: Alt+Left/Right, Alt+Home/End)",
        seconds(t_of(io.MousePos.x)).c_str());
  }
  // The grid keeps plain arrows and Home/End for its cursor: with Alt they reach the strip.
  if (t.keys_active || (grid_focused && io.KeyAlt)) {
    if (key_pressed(ImGuiKey_LeftArrow)) act.step = -1;
    if (key_pressed(ImGuiKey_RightArrow)) act.step = 1;
    if (key_pressed(ImGuiKey_Home, false)) timeline_seek(t, t.first_ns());
    if (key_pressed(ImGuiKey_End, false)) timeline_seek(t, t.last_ns());
  }
  ImGui::PopID();
  return act;
}

}  // namespace memview::gui
