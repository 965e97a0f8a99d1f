// The Snapshots panel through real frames of the App: snapshots of a POSIX shared memory
// object taken into memory and to a file, of a typed range, loaded back, renamed; bad files;
// and the diff mode (live against a snapshot, snapshot against snapshot) against a reference
// diff a python3 peer computes from the bytes it changed; a live diff following a peer's
// writes; the overlay-fields filter and the overlay tree's old -> new marks.
#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "draw_data.h"
#include "gui_test_support.h"
#include "views/overlay_view.h"
#include "views/snapshots_view.h"

namespace memview::gui::testing {
namespace {

void click(AppHarness& h, const WidgetRect& r) {
  ASSERT_TRUE(r.valid()) << "widget not drawn";
  h.imgui.click(r.center(), h.body);
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

// Diffs snapshot `old_index` with `new_index` (-1: the live bytes) through the panel's
// button; waits for the result, which must not be an error.
void diff(AppHarness& h, SnapshotsState& p, int old_index, int new_index) {
  p.diff = nullptr;
  p.diff_old = old_index;
  p.diff_new = new_index;
  h.frame();
  click(h, p.diff_button);
  ASSERT_TRUE(frames_until(h, [&] { return p.diff != nullptr || p.message_is_error; }));
  ASSERT_TRUE(p.diff) << p.message;
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
  p.scope = SnapshotsState::Scope::selection;
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
  diff(h, p, 0, -1);
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
  diff(h, p, 0, 1);
  EXPECT_EQ(p.diff->runs, reference);
  // A snapshot against itself: no differences.
  diff(h, p, 0, 0);
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

  diff(h, p, 0, -1);
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

// Clicks a text box, waits for it to take the keyboard, replaces its text with `text`.
void type_into(AppHarness& h, const WidgetRect& box, const std::string& text) {
  click(h, box);
  h.frames(2);
  h.ctrl(GLFW_KEY_A);
  h.type(text);
}

TEST(SnapshotsPanel, TakesATypedRangeAndRefusesABadOne) {
  ShmObject obj(size_t{64} << 10, "snap-range");
  ASSERT_TRUE(obj.ok());
  AppHarness h;
  Session& s = open_panel(h, obj);
  SnapshotsState& p = s.snapshots;
  click(h, p.scope_buttons[1]);  // "range"
  h.frames(2);
  ASSERT_EQ(p.scope, SnapshotsState::Scope::range);
  type_into(h, p.range_offset_box, "0x1000");
  type_into(h, p.range_length_box, "256");
  EXPECT_EQ(p.range_offset, "0x1000");
  EXPECT_EQ(p.range_length, "256");
  take(h, s);
  ASSERT_EQ(p.items.size(), 1u);
  const Snapshot& snap = *p.items[0].snap;
  ASSERT_EQ(snap.regions.size(), 1u);
  EXPECT_EQ(snap.regions[0].address, 0x1000u);
  EXPECT_EQ(snap.regions[0].length(), 256u);
  EXPECT_EQ(snapshot_text(snap),
            std::string(reinterpret_cast<const char*>(obj.bytes()) + 0x1000, 256));

  // Junk, a zero length and a range past the end: one clear message each, nothing taken.
  const struct {
    const char* offset;
    const char* length;
    const char* says;
  } bad[] = {{"0xzz", "16", "offset"}, {"16", "0", "length is 0"}, {"0xff00", "0x200", "outside"}};
  for (const auto& b : bad) {
    type_into(h, p.range_offset_box, b.offset);
    type_into(h, p.range_length_box, b.length);
    p.message.clear();
    click(h, p.take_button);
    h.frames(3);
    EXPECT_TRUE(p.message_is_error) << b.offset << " " << b.length;
    EXPECT_NE(p.message.find(b.says), std::string::npos) << p.message;
    EXPECT_EQ(p.items.size(), 1u);
  }
}

TEST(SnapshotsPanel, ALiveDiffFollowsWhatAPeerWritesWithoutPressingDiffAgain) {
  ShmObject obj(size_t{64} << 10, "snap-live");
  ASSERT_TRUE(obj.ok());
  AppHarness h;
  Session& s = open_panel(h, obj);
  SnapshotsState& p = s.snapshots;
  take(h, s);
  const std::string at_40 = fmt::format("{:02x}{:02x}", obj.bytes()[0x40], obj.bytes()[0x41]);
  const std::string flipped =
      fmt::format("{:02x}{:02x}", obj.bytes()[0x40] ^ 0xff, obj.bytes()[0x41] ^ 0xff);
  ASSERT_TRUE(p.follow_live);
  diff(h, p, 0, -1);
  EXPECT_TRUE(p.diff->runs.empty());
  EXPECT_TRUE(p.live_diff);
  EXPECT_EQ(s.hex.marked_bytes, 0);

  // Another process writes two bytes in view: the list and the grid's marks follow.
  peer_write_hex(obj.name(), 0x40, flipped);
  const std::vector<DiffRun> one{{0x40, 2}};
  ASSERT_TRUE(frames_until(h, [&] { return p.diff && p.diff->runs == one; }))
      << "the live diff did not follow the write";
  EXPECT_EQ(p.shown.size(), 1u);
  h.frames(2);
  EXPECT_EQ(s.hex.marked_bytes, 2);
  // The mark is a line along the top of the cells (the bottom is the overlay fields' band).
  const HexLayout& l = s.hex.layout;
  const uint64_t row_index = 0x40 / static_cast<uint64_t>(l.bytes_per_row);
  const float row = static_cast<float>(row_index) - static_cast<float>(s.hex.top_row);
  const float row_y = l.rows_y + row * l.row_h;
  const auto mark =
      rect_at(ImVec2(l.hex_x + l.char_w, row_y + 2.0f), h.app.palette.unreadable, true);
  ASSERT_TRUE(mark.has_value()) << "the changed byte is marked";
  EXPECT_LE(mark->y1, row_y + l.row_h / 2) << "at the top of the cell";
  EXPECT_LE(mark->y1 - mark->y0, l.row_h * 0.25f) << "a line, not a fill";
  const uint64_t rounds = p.diff_rounds;

  // A second write elsewhere, then the first undone: still no Diff pressed.
  peer_write_hex(obj.name(), 0x2000, fmt::format("{:02x}", obj.bytes()[0x2000] ^ 0xff));
  const std::vector<DiffRun> two{{0x40, 2}, {0x2000, 1}};
  ASSERT_TRUE(frames_until(h, [&] { return p.diff && p.diff->runs == two; }));
  EXPECT_GT(p.diff_rounds, rounds);
  peer_write_hex(obj.name(), 0x40, at_40);
  const std::vector<DiffRun> back{{0x2000, 1}};
  ASSERT_TRUE(frames_until(h, [&] { return p.diff && p.diff->runs == back; }));
  h.frames(2);
  EXPECT_EQ(s.hex.marked_bytes, 0) << "0x2000 is not in view";

  // "follow" off: the list stays as it was.
  click(h, p.follow_checkbox);
  h.frames(2);
  ASSERT_FALSE(p.follow_live);
  ASSERT_TRUE(frames_until(h, [&] { return !s.diff_job.running(); }));
  const uint64_t stopped = p.diff_rounds;
  peer_write_hex(obj.name(), 0x80, fmt::format("{:02x}", obj.bytes()[0x80] ^ 0xff));
  h.frames(40);
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  h.frames(5);
  EXPECT_EQ(p.diff_rounds, stopped);
  EXPECT_EQ(p.diff->runs, back);
}

// A struct with padding (after a and after c) and a nested record, placed at kAt.
constexpr uint64_t kAt = 0x100;
constexpr const char* kRecDecls =
    "struct rec { unsigned char a; unsigned int b; unsigned short c; "
    "struct inner { int x; int y; } in; };";

// The panel on an object holding rec {a=1, b=2, c=3, in={5, 6}} at kAt, with the overlay
// placed and ready; a snapshot taken; then a peer changes b, in.y, a padding byte and a byte
// far from the overlay; a second snapshot; the diff of the two shown.
struct DiffedOverlay {
  ShmObject obj{size_t{64} << 10, "snap-ovl"};
  AppHarness h;
  Session* s = nullptr;
  Overlay* o = nullptr;

  void set_up() {
    ASSERT_TRUE(obj.ok());
    s = &open_panel(h, obj);
    std::memset(obj.bytes() + kAt, 0, 20);
    obj.bytes()[kAt] = 1;
    const unsigned int b = 2;
    const unsigned short c = 3;
    const int in[2] = {5, 6};
    std::memcpy(obj.bytes() + kAt + 4, &b, 4);
    std::memcpy(obj.bytes() + kAt + 8, &c, 2);
    std::memcpy(obj.bytes() + kAt + 12, in, 8);
    DeclOrigin origin;
    origin.kind = DeclOrigin::Kind::text;
    origin.text = kRecDecls;
    o = h.app.add_overlay(*s, origin, "struct rec", kAt);
    ASSERT_NE(o, nullptr);
    ASSERT_TRUE(frames_until(h, [&] {
      return o->state() != Overlay::State::waiting && o->state() != Overlay::State::computing;
    }));
    ASSERT_EQ(o->state(), Overlay::State::ready) << o->error();
    ASSERT_EQ(o->instance_size(), 20u);
    h.app.side_tab_request = SideTab::snapshots;
    h.frames(2);
    take(h, *s);
    int status = -1;
    const std::string out = run_python(peer_prelude(obj.name()) + fmt::format(R"(
import struct
struct.pack_into('<I', shm.buf, {0} + 4, 200)
struct.pack_into('<i', shm.buf, {0} + 16, -7)
shm.buf[{0} + 1] = 0x5a
shm.buf[0x3000] = shm.buf[0x3000] ^ 0xff
shm.close()
)",
                                                                              kAt),
                                       &status);
    ASSERT_EQ(status, 0) << out;
    take(h, *s);
    SnapshotsState& p = s->snapshots;
    diff(h, p, 0, 1);
    ASSERT_EQ(p.diff->runs,
              (std::vector<DiffRun>{{kAt + 1, 1}, {kAt + 4, 1}, {kAt + 16, 4}, {0x3000, 1}}));
  }
};

TEST(SnapshotsPanel, TheOverlayTreeMarksExactlyTheFieldsThatDifferWithOldAndNew) {
  DiffedOverlay d;
  d.set_up();
  if (::testing::Test::HasFatalFailure()) return;
  AppHarness& h = d.h;
  h.app.side_tab_request = SideTab::overlays;
  h.frames(3);
  const OverlayPanelState& op = d.s->overlays;
  std::map<std::string, std::string> marked;
  std::set<std::string> drawn;
  for (const OverlayDrawnRow& r : op.drawn) {
    if (r.overlay_id != d.o->id) continue;
    drawn.insert(r.key);
    if (r.differs) marked[r.key] = r.diff_text;
  }
  // Every field row is on screen (the tree is short), so "only those" is checked.
  for (const char* key : {"a", "b", "c", "in", "in.x", "in.y"}) {
    EXPECT_TRUE(drawn.count(key)) << key << " not drawn";
  }
  // b and in.y differ; the record in holds in.y (marked, no value of its own); the padding
  // byte and the byte far away belong to no field.
  const std::map<std::string, std::string> expected{
      {"b", "2 -> 200"}, {"in", ""}, {"in.y", "6 -> -7"}};
  EXPECT_EQ(marked, expected);

  // Mark in grid off: the tree is back to live values only.
  d.s->snapshots.diff_shown = false;
  h.frames(2);
  for (const OverlayDrawnRow& r : op.drawn) EXPECT_FALSE(r.differs) << r.key;
}

TEST(SnapshotsPanel, OnlyOverlayFieldsKeepsTheRangesInsideAnOverlaysFields) {
  DiffedOverlay d;
  d.set_up();
  if (::testing::Test::HasFatalFailure()) return;
  AppHarness& h = d.h;
  SnapshotsState& p = d.s->snapshots;
  EXPECT_EQ(p.shown.size(), 4u);
  click(h, p.fields_checkbox);
  h.frames(2);
  ASSERT_TRUE(p.only_overlay_fields);
  std::vector<uint64_t> shown;
  for (size_t i : p.shown) shown.push_back(p.diff->runs[i].address);
  EXPECT_EQ(shown, (std::vector<uint64_t>{kAt + 4, kAt + 16}))
      << "the padding byte and the byte outside the overlay are hidden";
  // Next walks the kept ranges only.
  hex_view_move_cursor(d.s->hex, d.s->info(), {.address = 0});
  click(h, p.next_button);
  EXPECT_EQ(d.s->hex.cursor, kAt + 4);
  click(h, p.next_button);
  EXPECT_EQ(d.s->hex.cursor, kAt + 16);
  SnapshotsContext ctx{d.s->info(), d.s->hex, h.app.palette};
  EXPECT_FALSE(snapshots_step(p, ctx, true)) << "nothing after the last kept range";
  // Off again: all four.
  click(h, p.fields_checkbox);
  h.frames(2);
  EXPECT_EQ(p.shown.size(), 4u);
}

}  // namespace
}  // namespace memview::gui::testing
