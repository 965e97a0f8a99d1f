// The App's side of the timeline: the toolbar's Record controls, the strip under the grid,
// File > Open recording, and opening a recording file as a tab that replays it.
#include <imgui.h>
#include <imgui_stdlib.h>

#include <filesystem>

#include <fmt/format.h>

#include "app.h"
#include "views/timeline_view.h"

namespace memview::gui {

namespace {

RecordPlan plan_for(const Session& s) {
  std::vector<ByteRange> overlays;
  for (const auto& o : s.overlays.overlays) {
    if (o->instance_size() == 0 || o->end() <= o->address) continue;
    overlays.push_back({o->address, o->end() - o->address});
  }
  // A trigger sees only sampled bytes: its own are recorded too.
  const TriggerEditState& trigger = s.timeline.trigger;
  if (trigger.has_trigger() && trigger.valid()) {
    overlays.insert(overlays.end(), trigger.operands.begin(), trigger.operands.end());
  }
  std::optional<ByteRange> selection;
  if (s.hex.has_selection()) selection = s.hex.selection_or_cursor();
  return plan_recording(s.info(), overlays, selection, s.timeline.settings.whole_object);
}

}  // namespace

Status App::start_recording(Session& s) {
  TimelineState& t = s.timeline;
  trigger_edit_check(t.trigger, s.overlays.overlays, true);
  Result<std::optional<Trigger>> trigger = trigger_edit_build(t.trigger, s.overlays.overlays);
  if (!trigger) {
    timeline_say(t, "cannot record: " + trigger.error().message, true);
    return trigger.error();
  }
  t.plan = plan_for(s);
  if (!t.plan.error.empty()) {
    timeline_say(t, "cannot record: " + t.plan.error, true);
    return make_error(Errc::invalid_argument, t.plan.error);
  }
  std::vector<Trigger> triggers;
  if (*trigger) triggers.push_back(std::move(**trigger));
  return timeline_start_recording(t, s.info().spec, t.plan.ranges, std::move(triggers));
}

void App::draw_record_controls_for(Session& s) {
  TimelineState& t = s.timeline;
  if (!t.replay) {
    // The trigger is parsed again when its text changed, and as the form opens (overlays
    // may have become ready since).
    trigger_edit_check(t.trigger, s.overlays.overlays);
    t.plan = plan_for(s);
  }
  const RecordAction act = draw_record_controls(t, palette, !s.poller->source_gone());
  if (act.start) (void)start_recording(s);
  if (act.stop) timeline_stop_recording(t);
  if (!act.save_path.empty()) {
    if (Status st = timeline_save(t, act.save_path); !st.ok()) {
      timeline_say(t, "cannot save the recording: " + st.error().message, true);
    }
  }
}

void App::draw_timeline(Session& s, float width, int64_t now_ns) {
  TimelineState& t = s.timeline;
  std::optional<int64_t> present;
  if (!t.replay && t.recording) present = now_ns - t.recording->header().start_mono_ns;
  const StripAction act = draw_timeline_strip(t, palette, width, present, now_ns, s.hex.focused);
  if (act.step != 0) {
    std::optional<ByteRange> bytes;
    if (s.hex.has_selection()) bytes = s.hex.selection_or_cursor();
    timeline_step(t, act.step, bytes);
  }
}

Status App::open_recording(const std::string& path) {
  std::error_code ec;
  std::string abs = std::filesystem::absolute(path, ec).lexically_normal().string();
  if (ec) abs = path;
  for (auto& other : sessions) {
    if (other->timeline.replay && other->timeline.file_path == abs) {
      select_request_ = other->id;
      last_open_id_ = other->id;
      return {};
    }
  }
  Result<std::unique_ptr<Session>> opened = Session::open_recording(abs, next_id_);
  if (!opened) {
    open_view.error =
        fmt::format("cannot open the recording '{}': {}", path, opened.error().message);
    select_request_ = 0;
    return opened.error();
  }
  ++next_id_;
  select_request_ = (*opened)->id;
  last_open_id_ = (*opened)->id;
  open_view.error.clear();
  settings.remember(abs);
  mark_dirty();
  sessions.push_back(std::move(*opened));
  return {};
}

void App::draw_open_recording_popup() {
  if (open_recording_request_) {
    open_recording_request_ = false;
    open_recording_error_.clear();
    ImGui::OpenPopup("Open recording");
  }
  if (!ImGui::BeginPopupModal("Open recording", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) {
    return;
  }
  ImGui::TextUnformatted("A recording file (memview-cli record, or Save recording):");
  if (ImGui::IsWindowAppearing()) ImGui::SetKeyboardFocusHere();
  ImGui::SetNextItemWidth(ImGui::CalcTextSize("0").x * 60);
  bool go =
      ImGui::InputText("##recpath", &open_recording_path_, ImGuiInputTextFlags_EnterReturnsTrue);
  if (!open_recording_error_.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, palette.error_text);
    ImGui::TextUnformatted(open_recording_error_.c_str());
    ImGui::PopStyleColor();
  }
  go |= ImGui::Button("Open");
  ImGui::SameLine();
  if (ImGui::Button("Cancel")) ImGui::CloseCurrentPopup();
  if (go) {
    if (is_recording_file(open_recording_path_)) {
      requests_.open.push_back({open_recording_path_, {}});
      ImGui::CloseCurrentPopup();
    } else {
      open_recording_error_ = fmt::format(
          "'{}' is not a memview recording (not a regular file starting with \"MVRECORD\")",
          open_recording_path_);
    }
  }
  ImGui::EndPopup();
}

}  // namespace memview::gui
