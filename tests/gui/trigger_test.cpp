// Triggers in the viewer, and the timeline with a recording running, in real frames against
// real shared memory written by another process (python3):
//  - the Record form's trigger box completes overlay field paths and points at a parse
//    error's column;
//  - a trigger crossing a threshold marks the strip at the crossing sample, and "pause at
//    trigger" leaves the view at that instant showing the bytes of that instant;
//  - a watch's history comes from the recording while one runs: a value that changed and
//    changed back between two frames is in it;
//  - the strip's keys reach it with Alt while the grid has the keyboard.
#include <algorithm>
#include <chrono>
#include <cstring>
#include <sstream>
#include <thread>
#include <vector>

#include "gui_test_support.h"
#include "tracked_bytes.h"

namespace memview::gui {
namespace {

using testing::AppHarness;
using testing::LoggedWrite;
using testing::ShmObject;

constexpr uint64_t kStruct = 0x100;  // struct telemetry of the tests
constexpr uint64_t kSpeed = kStruct + 4;
constexpr uint64_t kTemp = kStruct + 8;

// The peer writes `values` as i32 at `offset`, `gap_ms` apart, and logs each write.
std::vector<LoggedWrite> run_writer(const std::string& name, uint64_t offset,
                                    const std::vector<int>& values, int gap_ms) {
  return testing::run_logged_writer(name, values, offset, offset + 4, "struct.pack('<i', v)",
                                    gap_ms);
}

int32_t i32_of(const std::vector<std::byte>& b) {
  int32_t v = 0;
  if (b.size() >= 4) std::memcpy(&v, b.data(), 4);
  return v;
}

// The i32 at `address` in a recorded state of `r` (the overlay's bytes are its range 0).
int32_t recorded_i32(const Recording& r, const RecordedState& st, uint64_t address) {
  const uint64_t base = r.header().ranges.at(0).address;
  if (st.ranges.empty() || address < base || st.ranges[0].size() < address - base + 4) {
    return INT32_MIN;
  }
  int32_t v = 0;
  std::memcpy(&v, st.ranges[0].data() + (address - base), 4);
  return v;
}

class TriggerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(obj.ok());
    ASSERT_TRUE(h.app.open(obj.spec()).ok()) << h.app.open_view.error;
    h.frames(3);
    overlay = testing::overlay_from_text(h,
                                         "struct telemetry { unsigned int frame; float speed_kmh; "
                                         "int temp; unsigned short speed_limit; "
                                         "unsigned char flags : 3; };",
                                         "struct telemetry", kStruct);
    ASSERT_NE(overlay, nullptr);
    ASSERT_EQ(overlay->state(), Overlay::State::ready) << overlay->error();
    ASSERT_EQ(overlay->title, "telemetry");
  }

  void click(const WidgetRect& r) {
    ASSERT_TRUE(r.valid()) << "widget not drawn";
    h.imgui.click(r.center(), h.body);
    h.frames(2);
  }

  // Waits for the recorder's first sample (the baseline every change is measured from).
  void wait_first_sample() {
    TimelineState& t = h.session().timeline;
    ASSERT_TRUE(t.recorder);
    for (int i = 0; i < 500 && t.recorder->stats().samples == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_GT(t.recorder->stats().samples, 0u);
  }

  ShmObject obj{4096, "trigger"};
  AppHarness h;
  Overlay* overlay = nullptr;
};

TEST_F(TriggerTest, TheTriggerBoxCompletesFieldPathsAndPointsAtErrors) {
  TimelineState& t = h.session().timeline;
  h.frames(2);
  click(t.record_button_rect);
  ASSERT_TRUE(t.record_form_open);
  click(t.trigger.box);
  h.type("telemetry.sp");
  h.frames(2);
  // Both speed fields are offered; bitfields are not (a trigger reads whole values).
  EXPECT_EQ(t.trigger.completion.candidates,
            (std::vector<std::string>{"telemetry.speed_kmh", "telemetry.speed_limit"}));
  EXPECT_EQ(t.trigger.candidate_rects.size(), 2u);
  // Tab: the common prefix, then with one more letter the whole path.
  h.tap(GLFW_KEY_TAB);
  h.frames(2);
  EXPECT_EQ(t.trigger.text, "telemetry.speed_");
  h.type("k");
  h.tap(GLFW_KEY_TAB);
  h.frames(2);
  EXPECT_EQ(t.trigger.text, "telemetry.speed_kmh");
  // An incomplete condition: the error names the column after the operator (22).
  h.type(" >");
  h.frames(2);
  EXPECT_EQ(t.trigger.error_column, std::optional<size_t>(22)) << t.trigger.error;
  EXPECT_NE(t.trigger.error.find("expected a number"), std::string::npos) << t.trigger.error;
  EXPECT_FALSE(t.trigger.valid());
  h.type(" 100");
  h.frames(2);
  EXPECT_TRUE(t.trigger.valid()) << t.trigger.error;
  ASSERT_EQ(t.trigger.operands.size(), 1u);
  EXPECT_EQ(t.trigger.operands[0].address, kSpeed);
  EXPECT_EQ(t.trigger.operands[0].length, 4u);

  // A field the overlay does not have: the error points at the path (column 1).
  h.ctrl(GLFW_KEY_A);
  h.type("telemetry.nope > 1");
  h.frames(2);
  EXPECT_EQ(t.trigger.error_column, std::optional<size_t>(1)) << t.trigger.error;
  EXPECT_NE(t.trigger.error.find("nope"), std::string::npos) << t.trigger.error;
  // A click on a suggestion takes it.
  h.ctrl(GLFW_KEY_A);
  h.type("u8@0 changed or telemetry.te");
  h.frames(2);
  ASSERT_EQ(t.trigger.candidate_rects.size(), 1u);
  click(t.trigger.candidate_rects[0]);
  EXPECT_EQ(t.trigger.text, "u8@0 changed or telemetry.temp");
}

TEST_F(TriggerTest, AMarkLandsAtTheCrossingSampleAndPauseAtTriggerStaysThere) {
  Session& s = h.session();
  TimelineState& t = s.timeline;
  t.trigger.text = "telemetry.temp > 100";
  t.trigger.pause_at_trigger = true;
  h.frames(2);
  ASSERT_TRUE(t.trigger.valid()) << t.trigger.error;
  ASSERT_TRUE(h.app.start_recording(s).ok()) << t.message;
  EXPECT_EQ(t.recording_trigger, "telemetry.temp > 100");
  wait_first_sample();
  h.frames(2);
  EXPECT_TRUE(t.live);
  const std::vector<int> values{90, 95, 100, 104, 108, 112, 116, 120};
  const std::vector<LoggedWrite> log = run_writer(obj.name(), kTemp, values, 30);
  ASSERT_EQ(log.size(), values.size());
  // The firing arrives with the recorder's marks; the view pauses once the recording shown
  // holds its sample.
  ASSERT_TRUE(frames_until(h, [&] { return !t.live; })) << t.message;
  ASSERT_EQ(t.marks.size(), 1u);  // the expression turned true once
  const int64_t mark = t.marks[0];
  const int64_t start = t.recording->header().start_mono_ns;
  EXPECT_NE(t.mark_texts[0].find("telemetry.temp > 100"), std::string::npos) << t.mark_texts[0];

  // The mark is the crossing sample: above 100 there, at most 100 at the sample before.
  Result<RecordedState> at = t.recording->state_at(mark);
  ASSERT_TRUE(at.ok());
  EXPECT_EQ(at->t_ns, mark);
  const int32_t v = recorded_i32(*t.recording, *at, kTemp);
  EXPECT_GT(v, 100);
  Result<RecordedState> before = t.recording->state_at(mark - 1);
  ASSERT_TRUE(before.ok());
  EXPECT_LE(recorded_i32(*t.recording, *before, kTemp), 100);
  // What the peer's log says the object held at the mark, and normally its first value
  // above 100 (a sampler starved past a write may have seen a later one).
  const std::vector<int> held = held_at(log, start + mark, 0);
  EXPECT_NE(std::find(held.begin(), held.end(), v), held.end()) << v;
  EXPECT_GE(start + mark, log[3].before_ns);

  // Pause at trigger: the view left Live and shows that instant's bytes.
  EXPECT_EQ(t.t_ns, mark);
  h.frames(2);
  EXPECT_TRUE(s.viewing_past);
  EXPECT_EQ(t.at.t_ns, mark);
  EXPECT_EQ(i32_of(gather_known(s.view_tracker(), kTemp, 4)), v);
  int32_t present = 0;
  std::memcpy(&present, obj.bytes() + kTemp, 4);
  EXPECT_EQ(present, 120);  // while the view shows the instant of the mark
  EXPECT_NE(t.message.find("paused at the trigger"), std::string::npos) << t.message;
  EXPECT_TRUE(t.pause_check_rect.valid());
  timeline_stop_recording(t);
  ASSERT_TRUE(t.recorder->wait_for(5000));
}

TEST_F(TriggerTest, WatchHistoryFromTheRecordingHoldsChangesBetweenFrames) {
  Session& s = h.session();
  Watch* w = s.watches.add(WatchTarget{ScalarType::i32, Endian::little, kTemp, "temp"});
  h.frames(3);
  ASSERT_TRUE(w->known);
  ASSERT_TRUE(h.app.start_recording(s).ok()) << s.timeline.message;
  wait_first_sample();
  h.frames(2);
  EXPECT_TRUE(w->from_recording);
  const uint64_t changes_before = w->changes;
  // Three blips 7 -> 0, each back within 8 ms, and no frame runs meanwhile: only the
  // recording can have seen them.
  const std::vector<LoggedWrite> log = run_writer(obj.name(), kTemp, {7, 0, 7, 0, 7, 0}, 8);
  ASSERT_EQ(log.size(), 6u);
  const int64_t end_mono = log.back().after_ns;
  ASSERT_TRUE(frames_until(h, [&] { return w->recorded_until_ns > end_mono; }))
      << "the recording shown never reached the writer's end";
  // Every blip the recorder saw is in the history (7 then 0), and counted twice.
  int sevens = 0;
  for (size_t i = 0; i + 1 < w->history.size(); ++i) {
    if (w->history[i].value == 7 && w->history[i + 1].value == 0) ++sevens;
  }
  const RecorderStats st = s.timeline.recorder->stats();
  EXPECT_GE(sevens, 1) << "no blip in the history; recorder worst gap "
                       << st.worst_gap_ns / 1000000.0 << " ms";
  EXPECT_EQ(w->changes - changes_before, static_cast<uint64_t>(2 * sevens));
  EXPECT_EQ(w->max, 7.0);
  EXPECT_EQ(w->min, 0.0);
  // The history equals the recording's own series of the value.
  const Recording& r = *s.timeline.recording;
  ASSERT_EQ(r.header().ranges.at(0).address, kStruct);
  Result<std::vector<SeriesPoint>> series =
      r.series(0, kTemp - kStruct, ScalarType::i32, Endian::little, r.first_ns(), r.last_ns());
  ASSERT_TRUE(series.ok());
  int recorded_sevens = 0;
  for (const SeriesPoint& p : *series) recorded_sevens += p.value == "7" ? 1 : 0;
  EXPECT_EQ(sevens, recorded_sevens);
  timeline_stop_recording(s.timeline);
  ASSERT_TRUE(s.timeline.recorder->wait_for(5000));
  h.frames(2);
  EXPECT_FALSE(w->from_recording);
}

TEST_F(TriggerTest, AltArrowsHomeEndDriveTheStripFromTheGrid) {
  Session& s = h.session();
  TimelineState& t = s.timeline;
  ASSERT_TRUE(h.app.start_recording(s).ok()) << t.message;
  wait_first_sample();
  const std::vector<LoggedWrite> log = run_writer(obj.name(), kTemp, {1, 2, 3, 4}, 30);
  ASSERT_EQ(log.size(), 4u);
  timeline_stop_recording(t);
  ASSERT_TRUE(t.recorder->wait_for(5000));
  h.frames(2);
  ASSERT_TRUE(t.has_recording());
  hex_view_move_cursor(s.hex, s.info(), {.address = 0x20, .focus = true});
  h.frames(3);
  ASSERT_TRUE(s.hex.focused);
  ASSERT_FALSE(t.keys_active);  // the strip was never clicked
  EXPECT_TRUE(t.live);
  h.imgui.chord(GLFW_KEY_LEFT_ALT, GLFW_KEY_HOME);
  h.settle();
  h.frame();
  EXPECT_FALSE(t.live);
  EXPECT_EQ(t.t_ns, t.first_ns());
  EXPECT_EQ(s.hex.cursor, 0x20u);  // the grid's cursor stayed
  EXPECT_EQ(i32_of(gather_known(s.view_tracker(), kTemp, 4)), 0);
  // Alt+Right: the next change, the peer's first write.
  h.imgui.chord(GLFW_KEY_LEFT_ALT, GLFW_KEY_RIGHT);
  h.settle();
  h.frame();
  EXPECT_GT(t.t_ns, t.first_ns());
  EXPECT_EQ(i32_of(gather_known(s.view_tracker(), kTemp, 4)), 1);
  EXPECT_EQ(s.hex.cursor, 0x20u);
  h.imgui.chord(GLFW_KEY_LEFT_ALT, GLFW_KEY_END);
  h.settle();
  h.frame();
  EXPECT_EQ(t.t_ns, t.last_ns());
  EXPECT_EQ(i32_of(gather_known(s.view_tracker(), kTemp, 4)), 4);
  // Plain arrows stay the grid's.
  const int64_t at = t.t_ns;
  h.tap(GLFW_KEY_RIGHT);
  h.frame();
  EXPECT_EQ(s.hex.cursor, 0x21u);
  EXPECT_EQ(t.t_ns, at);
}

}  // namespace
}  // namespace memview::gui
