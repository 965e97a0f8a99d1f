// The timeline: Record in a tab while another process (python3) writes the object and logs
// what it wrote when (CLOCK_MONOTONIC, the recorder's clock); then scrub back, step
// through the changes, refuse edits in the past, save the recording and replay the file.
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

constexpr size_t kBlock = 16;  // the peer writes 32 bytes at 16: u32 k, then k bytes 0xAA
constexpr int kWrites = 12;

// The bytes [16, 48) after write k.
std::vector<std::byte> expected_block(int k) {
  std::vector<std::byte> b(32, std::byte{0});
  b[0] = static_cast<std::byte>(k);
  for (int i = 0; i < k; ++i) b[4 + static_cast<size_t>(i)] = std::byte{0xaa};
  return b;
}

// The peer: kWrites writes 40 ms apart, each the block of expected_block(k), logged.
std::vector<LoggedWrite> run_writer(const std::string& name) {
  std::vector<int> ks;
  for (int k = 1; k <= kWrites; ++k) ks.push_back(k);
  return testing::run_logged_writer(name, ks, kBlock, kBlock + 32,
                                    "struct.pack('<I', v) + b'\\xaa' * v + b'\\x00' * (28 - v)",
                                    40);
}

// The write among `candidates` whose bytes are `bytes`; -1 when none.
int matching(const std::vector<int>& candidates, const std::vector<std::byte>& bytes) {
  for (int k : candidates) {
    if (expected_block(k) == bytes) return k;
  }
  return -1;
}

// Offsets (from 0) of the bytes that differ between writes a and b.
std::vector<uint64_t> differing(int a, int b) {
  std::vector<uint64_t> out;
  const std::vector<std::byte> x = expected_block(a);
  const std::vector<std::byte> y = expected_block(b);
  for (size_t i = 0; i < x.size(); ++i) {
    if (x[i] != y[i]) out.push_back(kBlock + i);
  }
  return out;
}

std::vector<std::byte> block_of(const RecordedState& st) {
  if (st.ranges.empty() || st.ranges[0].size() < kBlock + 32) return {};
  return {st.ranges[0].begin() + kBlock, st.ranges[0].begin() + kBlock + 32};
}

std::vector<std::byte> shown(const Session& s, uint64_t address, size_t n) {
  return gather_known(s.view_tracker(), address, n);
}

// Glowing bytes (changed at the shown instant) among [0, n).
std::vector<uint64_t> glowing(const Session& s, int64_t now, size_t n) {
  std::vector<uint64_t> out;
  for (uint64_t a = 0; a < n; ++a) {
    const int64_t c = s.view_tracker().changed_ns(a);
    if (c != 0 && now - c < 500'000'000) out.push_back(a);
  }
  return out;
}

class TimelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(obj.ok());
    ASSERT_TRUE(h.app.open(obj.spec()).ok());
    h.frames(3);
  }

  // Records while the peer writes; returns its log. The recording is finished and shown.
  std::vector<LoggedWrite> record_writer() {
    Session& s = h.session();
    EXPECT_TRUE(h.app.start_recording(s).ok()) << s.timeline.message;
    // The baseline sample first: the peer's first write must be a change.
    for (int i = 0; i < 200 && s.timeline.recorder->stats().samples == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::vector<LoggedWrite> log = run_writer(obj.name());
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    timeline_stop_recording(s.timeline);
    EXPECT_TRUE(s.timeline.recorder->wait_for(5000));
    EXPECT_FALSE(s.timeline.recorder->error()) << s.timeline.recorder->error()->message;
    h.frames(2);
    EXPECT_TRUE(s.timeline.has_recording());
    return log;
  }

  int64_t start_ns() { return h.session().timeline.recording->header().start_mono_ns; }

  ShmObject obj{4096, "timeline"};
  AppHarness h;
};

TEST_F(TimelineTest, ScrubbedGridShowsTheWritersBytesAndGlowsTheChangeAtT) {
  const std::vector<LoggedWrite> log = record_writer();
  ASSERT_EQ(log.size(), static_cast<size_t>(kWrites));
  Session& s = h.session();
  EXPECT_FALSE(s.viewing_past);
  for (int i : {2, 5, 9}) {
    // Halfway between write i and write i+1: the sample shown is the last one before that
    // instant, and its bytes are what the peer's log says the object held at its time.
    const int64_t t = (log[i - 1].after_ns + log[i].before_ns) / 2 - start_ns();
    timeline_seek(s.timeline, t);
    h.frame();
    ASSERT_TRUE(s.viewing_past);
    const TimelineState& tl = s.timeline;
    EXPECT_LE(tl.at.t_ns, t);
    const int k = matching(held_at(log, tl.at.t_ns + start_ns()), shown(s, kBlock, 32));
    ASSERT_GE(k, 1) << "at write " << i << ": the grid's bytes are not what the peer wrote";
    // Normally the sample that saw write i; a starved sampler may have seen an earlier one.
    EXPECT_LE(k, i);
    // Exactly the bytes that changed at the shown sample glow (the counter's low byte and
    // the new 0xAA when the sample saw one write), in the tracker and in the grid.
    const int k_before = matching(held_at(log, tl.before.t_ns + start_ns()), block_of(tl.before));
    ASSERT_GE(k_before, 0) << "at write " << i;
    const std::vector<uint64_t> expect = differing(k_before, k);
    EXPECT_FALSE(expect.empty());
    EXPECT_EQ(glowing(s, h.now, 256), expect) << "at write " << i;
    EXPECT_EQ(s.hex.highlighted_bytes, static_cast<int>(expect.size())) << "at write " << i;
  }
  // The inspector reads the past too: the u32 at 16.
  hex_view_move_cursor(s.hex, s.info(), {.address = kBlock});
  h.frame();
  EXPECT_EQ(s.inspector.address, kBlock);
  const std::vector<std::byte> past = block_of(s.timeline.at);
  ASSERT_EQ(past.size(), 32u);
  EXPECT_EQ(shown(s, kBlock, 1), std::vector<std::byte>{past[0]});
  // Its u32 row shows the counter of the past, not the present's 12.
  const std::string counter = std::to_string(std::to_integer<int>(past[0]));
  bool found = false;
  for (const InspectorRowView& row : s.inspector.rows) found = found || row.value == counter;
  EXPECT_TRUE(found) << "no inspector row shows " << counter;

  // Live: the present again (the last write), nothing past.
  timeline_go_live(s.timeline);
  h.frames(2);
  EXPECT_FALSE(s.viewing_past);
  EXPECT_EQ(gather_known(s.poller->tracker(), kBlock, 32), expected_block(kWrites));
}

TEST_F(TimelineTest, LeftRightStepThroughChangesFromTheStrip) {
  const std::vector<LoggedWrite> log = record_writer();
  ASSERT_EQ(log.size(), static_cast<size_t>(kWrites));
  Session& s = h.session();
  h.frame();
  ASSERT_TRUE(s.timeline.strip_rect.valid());
  // A click on the strip scrubs there and gives it the keys.
  h.imgui.click(s.timeline.strip_rect.center(), h.body);
  h.frame();
  ASSERT_TRUE(s.viewing_past);
  ASSERT_TRUE(s.timeline.keys_active);
  const int64_t t0 = s.timeline.t_ns;
  const std::vector<std::byte> at_t0 = shown(s, kBlock, 32);
  ASSERT_GE(matching(held_at(log, s.timeline.at.t_ns + start_ns()), at_t0), 0);
  h.tap(GLFW_KEY_RIGHT);
  h.frame();
  // The next change: later, other bytes, the ones the peer had written by then.
  EXPECT_GT(s.timeline.t_ns, t0);
  EXPECT_EQ(s.timeline.at.t_ns, s.timeline.t_ns);
  EXPECT_NE(shown(s, kBlock, 32), at_t0);
  EXPECT_GE(matching(held_at(log, s.timeline.t_ns + start_ns()), shown(s, kBlock, 32)), 1);
  EXPECT_GE(s.hex.highlighted_bytes, 2);
  h.tap(GLFW_KEY_LEFT);
  h.frame();
  EXPECT_LE(s.timeline.t_ns, t0);
  EXPECT_EQ(shown(s, kBlock, 32), at_t0);
  // With a selection, only its changes count: the byte 0xAA of write 10 (offset 16+4+9)
  // changed once, so stepping from the start lands on write 10.
  h.tap(GLFW_KEY_HOME);
  h.frame();
  EXPECT_EQ(s.timeline.t_ns, s.timeline.first_ns());
  // A two-byte selection: bytes 29..30.
  hex_view_move_cursor(
      s.hex, s.view_info(),
      {.address = kBlock + 14, .select = CursorSelect::range, .anchor = kBlock + 13});
  ASSERT_TRUE(s.hex.has_selection());
  h.imgui.click(s.timeline.strip_rect.center(), h.body);
  h.tap(GLFW_KEY_HOME);
  h.tap(GLFW_KEY_RIGHT);
  h.frame();
  // Bytes 29 and 30 change only at writes 10 and 11: the first step lands where byte 29
  // became 0xAA, and stepping on ends where byte 30 did, then says there is no more.
  std::vector<std::byte> b = shown(s, kBlock, 32);
  ASSERT_EQ(b.size(), 32u);
  EXPECT_EQ(b[13], std::byte{0xaa}) << s.timeline.message;
  EXPECT_EQ(matching(held_at(log, s.timeline.t_ns + start_ns()), b) >= 10, true);
  for (int i = 0; i < 3 && s.timeline.message.find("no later change") == std::string::npos; ++i) {
    h.tap(GLFW_KEY_RIGHT);
    h.frame();
  }
  EXPECT_NE(s.timeline.message.find("no later change of the selected bytes"), std::string::npos)
      << s.timeline.message;
  EXPECT_EQ(shown(s, kBlock, 32)[14], std::byte{0xaa});
}

TEST_F(TimelineTest, EditingThePastIsRefusedWithTheReason) {
  const std::vector<LoggedWrite> log = record_writer();
  ASSERT_FALSE(log.empty());
  Session& s = h.session();
  timeline_seek(s.timeline, (log[2].after_ns + log[3].before_ns) / 2 - start_ns());
  h.frame();
  ASSERT_TRUE(s.viewing_past);
  hex_view_move_cursor(s.hex, s.view_info(), {.address = 100, .focus = true});
  h.frames(2);
  h.type("ff");
  EXPECT_NE(s.hex.message.find("the past cannot be edited"), std::string::npos) << s.hex.message;
  EXPECT_EQ(obj.bytes()[100], 0);
  EXPECT_EQ(s.hex.write_count, 0u);
  // In the present the same keys write.
  timeline_go_live(s.timeline);
  h.frames(2);
  s.hex.focus_request = true;
  h.frames(2);
  h.type("ff");
  EXPECT_EQ(obj.bytes()[100], 0xff) << s.hex.message;
}

TEST_F(TimelineTest, SavedRecordingOpensInReplayModeWhateverItsName) {
  const std::vector<LoggedWrite> log = record_writer();
  ASSERT_EQ(log.size(), static_cast<size_t>(kWrites));
  Session& s = h.session();
  const int64_t start = start_ns();
  const std::string path = h.config.path() + "/saved-without-extension";
  ASSERT_TRUE(timeline_save(s.timeline, path).ok());
  for (int i = 0; i < 500 && s.timeline.saves == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    h.frame();
  }
  ASSERT_EQ(s.timeline.saves, 1u) << s.timeline.message;
  ASSERT_TRUE(is_recording_file(path));

  ASSERT_TRUE(h.app.open(path).ok()) << h.app.open_view.error;
  h.frames(2);
  Session& r = h.session();
  ASSERT_NE(&r, &s);
  EXPECT_TRUE(r.timeline.replay);
  EXPECT_EQ(r.info().kind, "recording");
  EXPECT_TRUE(r.viewing_past);
  // The same instant shows the same bytes as in the recording tab.
  const int64_t t = (log[6].after_ns + log[7].before_ns) / 2 - start;
  timeline_seek(s.timeline, t);
  timeline_seek(r.timeline, t);
  h.frame();
  const std::vector<std::byte> replayed = shown(r, kBlock, 32);
  EXPECT_EQ(block_of(r.timeline.at), replayed);
  EXPECT_GE(matching(held_at(log, r.timeline.at.t_ns + start), replayed), 1);
  Result<RecordedState> direct = s.timeline.recording->state_at(t);
  ASSERT_TRUE(direct.ok());
  EXPECT_EQ(block_of(*direct), replayed);
  // Replayed bytes cannot be edited either.
  hex_view_move_cursor(r.hex, r.view_info(), {.address = 0, .focus = true});
  h.frames(2);
  h.type("11");
  EXPECT_NE(r.hex.message.find("recording"), std::string::npos) << r.hex.message;
  EXPECT_EQ(obj.bytes()[0], 0);

  // A file that is not a recording is not opened as one.
  const std::string other = h.config.path() + "/not-a-recording.mvrec";
  FILE* f = std::fopen(other.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  std::fputs("MVREC but not quite", f);
  std::fclose(f);
  EXPECT_FALSE(is_recording_file(other));
}

}  // namespace
}  // namespace memview::gui

namespace memview::gui {
namespace {

TEST_F(TimelineTest, PlaybackRunsAtItsSpeedAndStopsAtTheEnd) {
  const std::vector<LoggedWrite> log = record_writer();
  ASSERT_FALSE(log.empty());
  TimelineState& t = h.session().timeline;
  // 1/100x: each frame (1/60 s of the harness clock) moves the position by 1/6000 s.
  t.speed = 0.01f;
  timeline_play(t, true);
  EXPECT_TRUE(t.playing);
  h.frame();
  const int64_t t0 = t.t_ns;
  h.frames(6);
  const int64_t expect = 6 * AppHarness::kFrameNs / 100;
  EXPECT_NEAR(static_cast<double>(t.t_ns - t0), static_cast<double>(expect), 10.0);
  EXPECT_TRUE(h.session().viewing_past);
  // 100x: the end of a one-second recording within a few frames, then it stops there.
  t.speed = 100.0f;
  h.frames(5);
  EXPECT_FALSE(t.playing);
  EXPECT_EQ(t.t_ns, t.last_ns());
  EXPECT_EQ(shown(h.session(), kBlock, 32), expected_block(kWrites));
}

TEST(TimelineMarks, TriggerMarksOfAFileAreOnTheTimeline) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/marks.mvrec";
  RecordingHeader header;
  header.spec = "shm:/x";
  header.ranges = {{0, 64}};
  auto w = RecordingWriter::create(path, header, {});
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->start(0, {std::vector<std::byte>(64)}).ok());
  const std::byte b{7};
  const RecordedRun run{0, 3, std::span(&b, 1)};
  ASSERT_TRUE((*w)->add_sample(1'000'000, std::span(&run, 1)).ok());
  ASSERT_TRUE((*w)->add_event({1'000'000, RecordingEventKind::mark, "u8@3 > 5: u8@3 = 7"}).ok());
  ASSERT_TRUE((*w)->add_sample(2'000'000, {}).ok());
  ASSERT_TRUE((*w)->finish().ok());
  AppHarness h;
  ASSERT_TRUE(h.app.open(path).ok()) << h.app.open_view.error;
  h.frames(2);
  const TimelineState& t = h.session().timeline;
  ASSERT_EQ(t.marks.size(), 1u);
  EXPECT_EQ(t.marks[0], 1'000'000);
  EXPECT_EQ(t.mark_texts[0], "u8@3 > 5: u8@3 = 7");
  EXPECT_TRUE(t.strip_rect.valid());
}

}  // namespace
}  // namespace memview::gui
