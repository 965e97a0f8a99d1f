// A tab's timeline: the recording its Record button runs (the core Recorder on its worker,
// kept in memory as a ring of the last minutes) or the recording file it replays, and the
// position the views show. Plain state and functions without drawing (views/timeline_view
// draws it), so headless tests can drive and check it.
//
// The past is shown through a RecordedSource with its own Poller and Editor: while the
// position is in the past the grid, the inspector and the overlays read that poller's
// tracker instead of the live one. Each frame the tracker is rebuilt from two states, the
// one just before the shown sample and the shown sample itself, so exactly the bytes that
// changed at the shown instant glow (during playback: every change since the instant the
// previous frame showed). Editing the past is refused by the RecordedSource with a reason.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "memview/editor.h"
#include "memview/poller.h"
#include "memview/recorder.h"
#include "memview/recording.h"
#include "memview/worker.h"
#include "recorded_source.h"
#include "transient_message.h"
#include "trigger_edit.h"
#include "widget_rect.h"

namespace memview::gui {

// Above this many recorded bytes the Record form warns: every block's keyframe holds them.
constexpr uint64_t kRecordWarnBytes = 1u << 20;
// Blocks of an in-memory recording close at least this often (per MiB recorded), so the
// timeline lags the present by about this much.
constexpr int64_t kLiveBlockNs = 250'000'000;

struct RecordSettings {
  double rate_hz = 10000;  // 0: as fast as the source allows (default: that, up to 10 kHz)
  int ring_minutes = 5;    // keep the last N minutes
  bool whole_object = false;
};

// What a Record press would record.
struct RecordPlan {
  std::vector<ByteRange> ranges;  // sorted, merged
  uint64_t bytes = 0;
  std::string warning;  // a large recording (still allowed)
  std::string error;    // nothing can be recorded: why
};

// The overlays' ranges and the selection; the whole object when asked, or when neither
// gives anything (then only when it fits one recording).
RecordPlan plan_recording(const SourceInfo& info, const std::vector<ByteRange>& overlays,
                          std::optional<ByteRange> selection, bool whole_object);

struct TimelineState {
  // The recording the Record button runs (live tabs).
  std::unique_ptr<Recorder> recorder;
  std::shared_ptr<Published<RecordingImage>> image;
  uint64_t image_version = 0;
  std::shared_ptr<const RecordingImage> latest_image;  // what Save writes
  RecordSettings settings;
  RecordPlan plan;  // shown in the Record form
  // The Record form's trigger, and the one the running recording evaluates ("" none).
  TriggerEditState trigger;
  std::string recording_trigger;
  std::vector<ByteRange> recording_ranges;  // what the Record button's recording samples
  // Pause at trigger: the mark to show once the recording shown reaches it (a firing
  // arrives before the block that holds its sample is published).
  std::optional<int64_t> pause_pending;

  // The recording shown: from the recorder's image, or a file (replay).
  std::optional<Recording> recording;
  bool replay = false;         // a recording file: there is no present
  std::string file_path;       // replay: the file
  uint64_t marks_blocks = 0;   // blocks whose events were read into marks
  std::vector<int64_t> marks;  // trigger firings (recording time)
  std::vector<std::string> mark_texts;

  // The position. live: the views show the present; else t_ns (recording time, ns since
  // the recording's start) clamped to the recording.
  bool live = true;
  int64_t t_ns = 0;
  bool playing = false;
  float speed = 1.0f;  // 0.01 .. 100
  int64_t last_frame_ns = 0;
  // The strip's visible span (recording time); follow: the span tracks the whole recording.
  int64_t view_begin_ns = 0;
  int64_t view_end_ns = 0;
  bool view_follow = true;

  // The past, as the views see it.
  std::unique_ptr<RecordedSource> past_source;
  std::unique_ptr<Poller> past_poller;
  std::unique_ptr<Editor> past_editor;
  RecordedState at;                // the state shown (at.t_ns: the sample shown)
  RecordedState before;            // the state the glow compares with
  std::optional<int64_t> state_t;  // t_ns the states were made for
  uint64_t state_version = 0;      // image_version they were made from

  // Saving (a worker writes the image).
  std::unique_ptr<Worker> save_worker;
  std::string save_path;
  uint64_t saves = 0;  // finished saves

  std::string message;
  bool message_is_error = false;
  MessageClock message_clock;

  // The strip (last frame) and whether its keys are active (it was clicked last).
  WidgetRect strip_rect;
  WidgetRect live_button_rect;
  WidgetRect record_button_rect;
  WidgetRect start_button_rect;
  WidgetRect pause_check_rect;  // the strip's "pause at trigger"
  bool keys_active = false;
  bool record_form_open = false;
  bool save_form_open = false;
  std::string save_text;

  bool recording_now() const { return recorder && !recorder->done(); }
  bool has_recording() const { return recording.has_value() && !recording->blocks().empty(); }
  // The views show the past (a replay always does).
  bool in_past() const { return has_recording() && (replay || !live); }
  int64_t first_ns() const { return recording ? recording->first_ns() : 0; }
  int64_t last_ns() const { return recording ? recording->last_ns() : 0; }
};

void timeline_say(TimelineState& t, std::string text, bool error);

// Starts recording `plan.ranges` of the live source `spec` in memory (a ring of
// settings.ring_minutes); replaces a recording shown before. `triggers` are evaluated on
// every sample (their bytes must lie in the ranges): each firing is a mark on the strip,
// and with trigger.pause_at_trigger a firing seen while live scrubs the view to its sample.
Status timeline_start_recording(TimelineState& t, const std::string& spec,
                                const std::vector<ByteRange>& ranges,
                                std::vector<Trigger> triggers = {});
void timeline_stop_recording(TimelineState& t);
// Opens a recording file for replay (the tab shows its recorded ranges).
Status timeline_open_file(TimelineState& t, const std::string& path);
// Saves the recording shown on a worker; the outcome arrives as a message.
Status timeline_save(TimelineState& t, const std::string& path);
bool is_recording_file(const std::string& path);

// Each frame, before the views: takes the recorder's newest blocks and marks (pausing at
// a mark when asked), advances playback, keeps the position inside the recording, reports
// a finished save.
void timeline_update(TimelineState& t, int64_t now_ns);

void timeline_seek(TimelineState& t, int64_t t_ns);
void timeline_go_live(TimelineState& t);
// Steps to the previous (dir < 0) or next sample that changed `bytes` (anything when
// nullopt). Says so when there is none or the bytes were not recorded.
void timeline_step(TimelineState& t, int dir, std::optional<ByteRange> bytes);
void timeline_play(TimelineState& t, bool play);
void timeline_zoom(TimelineState& t, float factor, int64_t around_ns);

// Makes the past view ready for this frame (its source, poller and editor, and the states
// at the position): `info` is the address space to show (the live source's, or the
// recording's extent in a replay). Returns false (the views stay on the live source) when
// the position is the present or the state cannot be read.
bool timeline_prepare_past(TimelineState& t, const SourceInfo& info);
// Polls the past view: `request` asks the views' ranges of a poller (called twice: for the
// state before the position and for the state at it).
void timeline_poll_past(TimelineState& t, int64_t now_ns,
                        const std::function<void(Poller&)>& request);

// The source info a replay tab shows: the recording's ranges' extent.
SourceInfo recording_extent_info(const Recording& r, const std::string& path);

// Change density per bin over [begin, end): from the block index (a block's changed bytes
// spread over its time), normalised to 0..1.
std::vector<float> timeline_density(const Recording& r, int64_t begin_ns, int64_t end_ns, int bins);

}  // namespace memview::gui
