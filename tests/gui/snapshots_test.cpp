// The Snapshots panel through real frames of the App: snapshots of a POSIX shared memory
// object taken into memory and to a file, loaded back, renamed; bad files; and the diff mode
// (live against a snapshot, snapshot against snapshot) against a reference diff a python3
// peer computes from the bytes it changed.
#include <chrono>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "gui_test_support.h"
#include "views/snapshots_view.h"

namespace memview::gui::testing {
namespace {

void click(AppHarness& h, const WidgetRect& r) {
  ASSERT_TRUE(r.valid()) << "widget not drawn";
  h.imgui.click(r.center(), h.body);
}

template <class Pred>
bool frames_until(AppHarness& h, Pred pred, double seconds = 15.0) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<int>(seconds * 1e3));
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    h.frame();
  }
  return true;
}

// The panel shown on a tab of `obj`, with the object filled with seeded random bytes.
Session& open_panel(AppHarness& h, ShmObject& obj) {
  std::mt19937 rng(7);
  for (size_t i = 0; i < obj.size(); ++i) obj.bytes()[i] = static_cast<unsigned char>(rng());
  EXPECT_TRUE(h.app.open(obj.spec()).ok()) << h.app.open_view.error;
  h.app.side_tab_request = SideTab::snapshots;
  h.frames(3);
  return h.session();
}

// Takes a snapshot through the panel's button; waits for it to be listed.
void take(AppHarness& h, Session& s) {
  const size_t before = s.snapshots.items.size();
  click(h, s.snapshots.take_button);
  ASSERT_TRUE(frames_until(h, [&] {
    return s.snapshots.items.size() > before || s.snapshots.message_is_error;
  })) << "no snapshot";
  ASSERT_FALSE(s.snapshots.message_is_error) << s.snapshots.message;
}

std::string snapshot_text(const Snapshot& snap) {
  std::string out;
  for (const SnapshotRegion& r : snap.regions) {
    out.append(reinterpret_cast<const char*>(r.bytes.data()), r.bytes.size());
  }
  return out;
}

TEST(SnapshotsPanel, TakesToMemoryAndFileLoadsRenamesAndRefusesBadFiles) {
  ShmObject obj(size_t{1} << 20, "snap");
  ASSERT_TRUE(obj.ok());
  AppHarness h;
  Session& s = open_panel(h, obj);
  SnapshotsState& p = s.snapshots;
  const std::string content(reinterpret_cast<const char*>(obj.bytes()), obj.size());

  take(h, s);
  ASSERT_EQ(p.items.size(), 1u);
  EXPECT_EQ(snapshot_text(*p.items[0].snap), content);
  EXPECT_TRUE(p.items[0].path.empty());
  EXPECT_EQ(p.items[0].name, "snapshot 1");
  EXPECT_EQ(p.items[0].snap->name, "snapshot 1");

  // To a file, then loaded back: the same bytes, the file's path listed.
  const std::string file = h.config.path() + "/a.mvsnap";
  p.to_file = true;
  p.file_path = file;
  h.frame();
  take(h, s);
  ASSERT_EQ(p.items.size(), 2u);
  EXPECT_EQ(p.items[1].path, file);
  ASSERT_TRUE(std::filesystem::exists(file));
  p.load_path = file;
  h.frame();
  click(h, p.load_button);
  ASSERT_TRUE(frames_until(h, [&] { return p.items.size() == 3 || p.message_is_error; }));
  ASSERT_EQ(p.items.size(), 3u) << p.message;
  EXPECT_EQ(snapshot_text(*p.items[2].snap), content);
  EXPECT_EQ(p.items[2].path, file);
  EXPECT_EQ(p.items[2].name, "snapshot 2") << "the name the file keeps";
  EXPECT_EQ(p.items[2].snap->spec, s.info().spec);

  // The selection only.
  p.to_file = false;
  p.selection_only = true;
  hex_view_move_cursor(s.hex, s.info(),
                       {.address = 0x1000, .select = CursorSelect::range, .anchor = 0x10ff});
  h.frame();
  take(h, s);
  ASSERT_EQ(p.items.size(), 4u);
  ASSERT_EQ(p.items[3].snap->regions.size(), 1u);
  EXPECT_EQ(p.items[3].snap->regions[0].address, 0x1000u);
  EXPECT_EQ(p.items[3].snap->regions[0].length(), 0x100u);

  // Rename the first: click rename, type, Enter.
  click(h, p.rename_buttons[0]);
  h.frames(2);
  h.ctrl(GLFW_KEY_A);
  h.type("before");
  h.tap(GLFW_KEY_ENTER);
  EXPECT_EQ(p.items[0].name, "before");
  EXPECT_EQ(p.rename_index, -1);

  // Bad files: garbage, a truncated snapshot, a missing file: one clear line each, nothing
  // added.
  std::string good;
  {
    std::ifstream in(file, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    good = ss.str();
  }
  ASSERT_GT(good.size(), 64u);
  const std::string garbage = h.config.path() + "/garbage.mvsnap";
  const std::string truncated = h.config.path() + "/truncated.mvsnap";
  std::ofstream(garbage, std::ios::binary) << "this is not a snapshot at all\n";
  std::ofstream(truncated, std::ios::binary) << good.substr(0, good.size() / 2);
  for (const std::string& bad : {garbage, truncated, h.config.path() + "/missing.mvsnap"}) {
    p.load_path = bad;
    p.message.clear();
    h.frame();
    click(h, p.load_button);
    ASSERT_TRUE(frames_until(h, [&] { return !p.message.empty(); })) << bad;
    EXPECT_TRUE(p.message_is_error) << p.message;
    EXPECT_EQ(p.message.rfind("cannot load " + bad + ": ", 0), 0u) << p.message;
    EXPECT_EQ(p.message.find('\n'), std::string::npos) << p.message;
    EXPECT_EQ(p.items.size(), 4u);
  }
}

// A python peer changes random bytes (seeded) and prints the reference diff: the runs of
// differing bytes between what it read before and after, "OFFSET LENGTH" per line.
std::vector<DiffRun> peer_change_and_diff(const std::string& name, size_t size) {
  const std::string script = peer_prelude(name) + fmt::format(R"(
import random
rnd = random.Random(15)
before = bytes(shm.buf[:{0}])
for _ in range(60):
    at = rnd.randrange(1, {0} - 40)
    n = rnd.choice([1, 1, 2, 4, 8, 33])
    shm.buf[at:at + n] = bytes(rnd.randrange(256) for _ in range(n))
after = bytes(shm.buf[:{0}])
i = 0
while i < {0}:
    if before[i] != after[i]:
        j = i
        while j < {0} and before[j] != after[j]:
            j += 1
        print(i, j - i)
        i = j
    else:
        i += 1
shm.close()
)",
                                                              size);
  int status = -1;
  const std::string out = run_python(script, &status);
  EXPECT_EQ(status, 0) << out;
  std::vector<DiffRun> runs;
  std::istringstream in(out);
  uint64_t at = 0, n = 0;
  while (in >> at >> n) runs.push_back({at, n});
  return runs;
}

TEST(SnapshotsPanel, DiffListsTheRangesAPeerChangedAndSteps) {
  ShmObject obj(size_t{1} << 20, "snap-diff");
  ASSERT_TRUE(obj.ok());
  AppHarness h;
  Session& s = open_panel(h, obj);
  SnapshotsState& p = s.snapshots;
  take(h, s);
  const std::string old_bytes(reinterpret_cast<const char*>(obj.bytes()), obj.size());
  const std::vector<DiffRun> reference = peer_change_and_diff(obj.name(), obj.size());
  ASSERT_GT(reference.size(), 20u);

  // Live against the snapshot.
  h.frame();
  p.diff_old = 0;
  p.diff_new = -1;
  click(h, p.diff_button);
  ASSERT_TRUE(frames_until(h, [&] { return p.diff != nullptr || p.message_is_error; }));
  ASSERT_TRUE(p.diff) << p.message;
  EXPECT_EQ(p.diff->runs, reference);
  EXPECT_EQ(p.shown.size(), reference.size());
  // The list's first line: offset, length, old -> new.
  const DiffRun& r0 = reference[0];
  std::string old_hex, new_hex;
  for (uint64_t i = 0; i < std::min<uint64_t>(r0.length, 8); ++i) {
    old_hex += fmt::format("{}{:02x}", i ? " " : "",
                           static_cast<unsigned char>(old_bytes[r0.address + i]));
    new_hex += fmt::format("{}{:02x}", i ? " " : "", obj.bytes()[r0.address + i]);
  }
  const std::string line = diff_run_text(p, 0, s.info());
  EXPECT_EQ(line.rfind(fmt::format("0x{:x}  ", r0.address), 0), 0u) << line;
  const size_t arrow = line.find(" -> ");
  ASSERT_NE(arrow, std::string::npos) << line;
  EXPECT_NE(line.find(old_hex), std::string::npos) << line;
  EXPECT_LT(line.find(old_hex), arrow) << line;
  EXPECT_NE(line.find(new_hex, arrow), std::string::npos) << line;

  // Next / previous: each range in turn from the top; the grid underlines the bytes.
  for (size_t k = 0; k < 3; ++k) {
    click(h, p.next_button);
    h.frame();
    EXPECT_EQ(s.hex.cursor, reference[k].address);
    EXPECT_EQ(p.current, static_cast<int>(k));
    EXPECT_GE(s.hex.marked_bytes, static_cast<int>(reference[k].length));
  }
  click(h, p.previous_button);
  EXPECT_EQ(s.hex.cursor, reference[1].address);

  // Snapshot against snapshot: the same list.
  take(h, s);
  h.frame();
  p.diff = nullptr;
  p.diff_old = 0;
  p.diff_new = 1;
  click(h, p.diff_button);
  ASSERT_TRUE(frames_until(h, [&] { return p.diff != nullptr || p.message_is_error; }));
  ASSERT_TRUE(p.diff) << p.message;
  EXPECT_EQ(p.diff->runs, reference);
  // A snapshot against itself: no differences.
  p.diff = nullptr;
  p.diff_new = 0;
  click(h, p.diff_button);
  ASSERT_TRUE(frames_until(h, [&] { return p.diff != nullptr || p.message_is_error; }));
  EXPECT_TRUE(p.diff->runs.empty());
  EXPECT_EQ(p.message, "no differences");
}

TEST(SnapshotsPanel, TheNoiseFilterHidesRangesTheActivityMapSawChangeOften) {
  ShmObject obj(size_t{256} << 10, "snap-noise");
  ASSERT_TRUE(obj.ok());
  AppHarness h;
  Session& s = open_panel(h, obj);
  SnapshotsState& p = s.snapshots;
  s.activity.enabled = true;
  ASSERT_TRUE(frames_until(h, [&] { return s.activity.view != nullptr; })) << s.activity.error;
  take(h, s);
  // The peer counts one byte up every 10 ms for 1.5 s (many sweeps see it change) and
  // changes another once, far away (another chunk).
  constexpr size_t kNoisy = 1000;
  constexpr size_t kOnce = 200000;
  int status = -1;
  const std::string out = run_python(peer_prelude(obj.name()) + fmt::format(R"(
import time
shm.buf[{1}] = (shm.buf[{1}] + 1) % 256
for _ in range(150):
    shm.buf[{0}] = (shm.buf[{0}] + 1) % 256
    time.sleep(0.01)
shm.close()
)",
                                                                            kNoisy, kOnce),
                                     &status);
  ASSERT_EQ(status, 0) << out;
  const uint64_t seen = s.activity.view->sweeps();
  ASSERT_TRUE(frames_until(h, [&] { return s.activity.view->sweeps() >= seen + 2; }));
  const ActivityView& v = *s.activity.view;
  ASSERT_GT(v.changes(v.chunk_at(kNoisy), s.activity.clock_ns), 5.0) << "sweeps saw it often";
  ASSERT_LT(v.changes(v.chunk_at(kOnce), s.activity.clock_ns), 1.5);

  p.diff_old = 0;
  p.diff_new = -1;
  h.frame();
  click(h, p.diff_button);
  ASSERT_TRUE(frames_until(h, [&] { return p.diff != nullptr || p.message_is_error; }));
  ASSERT_TRUE(p.diff) << p.message;
  ASSERT_EQ(p.diff->runs, (std::vector<DiffRun>{{kNoisy, 1}, {kOnce, 1}}));
  EXPECT_EQ(p.shown.size(), 2u);
  p.max_changes = 5;
  p.refilter = true;
  h.frame();
  ASSERT_EQ(p.shown.size(), 1u) << "the noisy byte is hidden";
  EXPECT_EQ(p.diff->runs[p.shown[0]].address, kOnce);
  click(h, p.next_button);
  EXPECT_EQ(s.hex.cursor, kOnce);
}

}  // namespace
}  // namespace memview::gui::testing
