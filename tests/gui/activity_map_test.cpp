// The activity map beside the grid, through real frames of the App: a 64 MiB POSIX shared
// memory object, a python3 peer writing bytes at known places, the tab's own background
// sweeper; F8 / Shift+F8 and a click on the map; an object that shrinks and is removed while
// it is swept; a whole process's map following its mappings.
#include <chrono>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "gui_test_support.h"
#include "views/activity_map.h"

namespace memview::gui::testing {
namespace {

constexpr size_t kObject = size_t{64} << 20;

uint64_t sweeps(const Session& s) {
  return s.activity.view ? s.activity.view->sweeps() : 0;
}

// Another process writes one byte (the complement of what is there) at each offset.
void peer_flip(const std::string& name, const std::vector<size_t>& offsets) {
  std::string script = peer_prelude(name);
  for (size_t o : offsets) script += fmt::format("shm.buf[{0}] = shm.buf[{0}] ^ 0xff\n", o);
  script += "shm.close()\n";
  int status = -1;
  const std::string out = run_python(script, &status);
  ASSERT_EQ(status, 0) << out;
}

// A sweep that started after now has ended: two more than the sweep now under way.
bool wait_two_sweeps(AppHarness& h) {
  Session& s = h.session();
  const uint64_t now = s.activity_sweeper ? s.activity_sweeper->latest()->sweeps() : 0;
  return frames_until(h, [&] { return sweeps(s) >= now + 2; });
}

TEST(ActivityMap, MarksExactlyTheChunksAPeerChangedAndF8VisitsEachInTurn) {
  ShmObject obj(kObject, "activity");
  ASSERT_TRUE(obj.ok());
  AppHarness h;
  ASSERT_TRUE(h.app.open(obj.spec()).ok()) << h.app.open_view.error;
  h.frames(3);
  Session& s = h.session();
  s.activity.enabled = true;  // the toolbar's Map box
  ASSERT_TRUE(frames_until(h, [&] { return sweeps(s) >= 1; })) << s.activity.error;
  EXPECT_EQ(s.activity.changed_rows, 0) << "the baseline sweep changes nothing";

  // Far apart (none two in one chunk or on one screen), the last in the object's last chunk.
  const std::vector<size_t> offsets = {(size_t{3} << 20) + 100, (size_t{17} << 20) + 5000,
                                       (size_t{40} << 20) + 8191, kObject - 1};
  peer_flip(obj.name(), offsets);
  ASSERT_TRUE(wait_two_sweeps(h)) << "no sweep ended after the write";
  h.frame();
  const std::shared_ptr<const ActivityView> view = s.activity.view;  // later frames replace it
  const ActivityView& v = *view;
  const uint64_t chunk = v.chunk_size();
  ASSERT_EQ(v.chunk_count(), kObject / chunk);
  std::set<size_t> expected;
  for (size_t o : offsets) expected.insert(o / chunk);
  for (size_t i = 0; i < v.chunk_count(); ++i) {
    ASSERT_EQ(v.last_change_ns(i) != 0, expected.count(i) == 1) << "chunk " << i;
    ASSERT_FALSE(v.unreadable(i));
  }
  // The map's pixel rows: exactly the rows of those chunks glow.
  const size_t rows = s.activity.cells.size();
  ASSERT_GT(rows, 100u);
  std::set<size_t> expected_rows;
  for (size_t c : expected)
    expected_rows.insert(activity_map_row_of_chunk(v.chunk_count(), rows, c));
  for (size_t r = 0; r < rows; ++r) {
    EXPECT_EQ(s.activity.cells[r].last_change_ns != 0, expected_rows.count(r) == 1) << "row " << r;
  }
  EXPECT_EQ(s.activity.changed_rows, static_cast<int>(expected_rows.size()));
  EXPECT_EQ(s.activity.unreadable_rows, 0);

  // The status bar shows the achieved sweep period.
  bool period_shown = false;
  for (const std::string& f : status_fields(h.app.status_input(h.now))) {
    period_shown |= f.rfind("sweep ", 0) == 0 && f.find("% CPU") != std::string::npos;
  }
  EXPECT_TRUE(period_shown);

  // F8 from the top: each changed chunk in turn, then nothing more.
  hex_view_move_cursor(s.hex, s.info(), {.address = 0, .reveal = CursorReveal::top});
  h.frames(2);
  for (size_t o : offsets) {
    h.tap(GLFW_KEY_F8);
    h.frame();
    EXPECT_EQ(s.hex.cursor, o / chunk * chunk) << "F8 towards " << o;
    EXPECT_TRUE(s.hex.visible_begin <= s.hex.cursor && s.hex.cursor < s.hex.visible_end);
  }
  const uint64_t last = s.hex.cursor;
  h.tap(GLFW_KEY_F8);
  EXPECT_EQ(s.hex.cursor, last) << "no change after the last";
  EXPECT_NE(s.activity.message.find("no change after"), std::string::npos);
  // Shift+F8 walks back.
  for (size_t k = offsets.size() - 1; k-- > 0;) {
    h.shift(GLFW_KEY_F8);
    EXPECT_EQ(s.hex.cursor, offsets[k] / chunk * chunk) << "Shift+F8 towards " << offsets[k];
  }

  // The visible window is outlined where the cursor is, and a click on the map jumps.
  h.frame();
  const WidgetRect map = s.activity.rect;
  ASSERT_TRUE(map.valid());
  const float y_cursor =
      map.min.y + (map.max.y - map.min.y) * static_cast<float>(s.hex.cursor) / kObject;
  EXPECT_LE(s.activity.window_top, y_cursor + 1);
  EXPECT_GE(s.activity.window_bottom, y_cursor - 1);
  const size_t row = rows * 3 / 4;
  h.imgui.click(ImVec2(map.center().x, map.min.y + static_cast<float>(row) + 0.5f), h.body);
  h.frame();
  EXPECT_EQ(s.hex.cursor, activity_map_row_first_chunk(v.chunk_count(), rows, row) * chunk);
}

TEST(ActivityMap, AnObjectThatShrinksIsGreyedAndOneRemovedEndsNothing) {
  ShmObject obj(kObject, "activity-shrink");
  ASSERT_TRUE(obj.ok());
  AppHarness h;
  ASSERT_TRUE(h.app.open(obj.spec()).ok()) << h.app.open_view.error;
  h.frames(3);
  Session& s = h.session();
  s.activity.enabled = true;  // the toolbar's Map box
  ASSERT_TRUE(frames_until(h, [&] { return sweeps(s) >= 1; })) << s.activity.error;
  ASSERT_TRUE(obj.truncate(kObject / 4));
  ASSERT_TRUE(wait_two_sweeps(h));
  h.frame();
  const std::shared_ptr<const ActivityView> view = s.activity.view;  // later frames replace it
  const ActivityView& v = *view;
  ASSERT_EQ(v.chunk_count() * v.chunk_size(), kObject) << "the lost tail is kept, as unreadable";
  for (size_t i = 0; i < v.chunk_count(); ++i) {
    ASSERT_EQ(v.unreadable(i), v.chunk_range(i).address >= kObject / 4) << "chunk " << i;
  }
  const size_t rows = s.activity.cells.size();
  const size_t first_grey =
      activity_map_row_of_chunk(v.chunk_count(), rows, kObject / 4 / v.chunk_size());
  for (size_t r = 0; r < rows; ++r) {
    EXPECT_EQ(s.activity.cells[r].unreadable != 0, r >= first_grey) << "row " << r;
  }
  // Removed while swept: the frames go on, the map keeps what it knew or says why.
  ASSERT_TRUE(obj.unlink());
  ASSERT_TRUE(obj.truncate(0));
  const uint64_t before = sweeps(s);
  EXPECT_TRUE(frames_until(
      h, [&] { return sweeps(s) >= before + 2 || !s.activity.error.empty(); }, 10.0));
  h.frames(3);
  EXPECT_TRUE(s.activity.view != nullptr);
  EXPECT_GT(s.activity.unreadable_rows, 0);
}

TEST(ActivityMap, AProcessMapFollowsItsMappingsWithGapsBetween) {
  PythonTarget target;
  ASSERT_TRUE(target.ok()) << "the python peer did not start";
  AppHarness h;
  ASSERT_TRUE(h.app.open(fmt::format("pid:{}", target.pid())).ok()) << h.app.open_view.error;
  h.frames(3);
  Session& s = h.session();
  s.activity.enabled = true;  // the toolbar's Map box
  ASSERT_TRUE(frames_until(
      h, [&] { return sweeps(s) >= 1; }, 30.0))
      << s.activity.error;
  h.frame();
  const std::shared_ptr<const ActivityView> view = s.activity.view;  // later frames replace it
  const ActivityView& v = *view;
  ASSERT_GT(v.regions().size(), 1u);
  // The peer's object is one of the regions swept, named by its path.
  bool named = false;
  for (const SweepRegion& r : v.regions()) named |= r.name == "/dev/shm/" + target.shm_name();
  EXPECT_TRUE(named);
  EXPECT_GT(s.activity.gap_lines, 0) << "unmapped gaps between mappings are drawn as gaps";
  // The map covers the mappings only: 128 TiB of address space would leave them a pixel.
  uint64_t swept = 0;
  for (const SweepRegion& r : v.regions()) swept += r.length;
  EXPECT_LT(swept, uint64_t{1} << 40);
  // The process exits: the map keeps its last view and the frames go on.
  target.end();
  h.frames(5);
  EXPECT_TRUE(s.activity.view != nullptr);
}

TEST(ActivityMap, TheMapCanBeTurnedOffAndItsSweeperStops) {
  ShmObject obj(size_t{1} << 20, "activity-off");
  ASSERT_TRUE(obj.ok());
  AppHarness h;
  ASSERT_TRUE(h.app.open(obj.spec()).ok());
  h.frames(3);
  Session& s = h.session();
  s.activity.enabled = true;  // the toolbar's Map box
  ASSERT_TRUE(frames_until(h, [&] { return sweeps(s) >= 1; }));
  s.activity.enabled = false;
  h.frames(2);
  EXPECT_TRUE(s.activity_sweeper == nullptr);
  EXPECT_TRUE(s.activity.view == nullptr);
  for (const std::string& f : status_fields(h.app.status_input(h.now))) {
    EXPECT_NE(f.rfind("sweep", 0), 0u) << f;
  }
  h.tap(GLFW_KEY_F8);
  EXPECT_EQ(s.hex.cursor, 0u);
  EXPECT_EQ(s.activity.message, "the activity map is off");
}

TEST(ActivityMap, TheMapBoxIsRememberedInTheSettingsForLaterTabs) {
  ShmObject a(size_t{1} << 20, "activity-remember-a");
  ShmObject b(size_t{1} << 20, "activity-remember-b");
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  AppHarness h;  // a fresh configuration directory: the defaults
  const std::string config = h.app.config_path;
  ASSERT_TRUE(h.app.open(a.spec()).ok());
  h.frames(3);
  Session& s = h.session();
  ASSERT_FALSE(s.activity.enabled) << "off by default";
  ASSERT_TRUE(s.activity.checkbox.valid());
  h.imgui.click(s.activity.checkbox.center(), h.body);
  h.frames(2);
  ASSERT_TRUE(s.activity.enabled) << "the click turned the map on";
  EXPECT_TRUE(h.app.settings.activity_map);
  h.app.save_settings_if_dirty();
  EXPECT_TRUE(load_settings(config).activity_map) << "remembered";
  // A tab opened later starts with its map (and sweeper) on.
  ASSERT_TRUE(h.app.open(b.spec()).ok());
  h.frames(3);
  Session& t = h.session();
  ASSERT_NE(&t, &s);
  EXPECT_TRUE(t.activity.enabled);
  EXPECT_TRUE(frames_until(h, [&] { return sweeps(t) >= 1; })) << t.activity.error;
  // Off again in this tab: remembered off.
  h.imgui.click(t.activity.checkbox.center(), h.body);
  h.frames(2);
  EXPECT_FALSE(t.activity.enabled);
  h.app.save_settings_if_dirty();
  EXPECT_FALSE(load_settings(config).activity_map);
}

}  // namespace
}  // namespace memview::gui::testing
