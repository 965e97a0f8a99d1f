// The Regions panel of a pid: tab, driven through real frames against a real other
// process: a python3 peer holding a POSIX shared memory object and a heap buffer.
#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "gui_test_support.h"
#include "views/regions_view.h"

namespace memview::gui::testing {
namespace {

void click(AppHarness& h, const WidgetRect& r) {
  ASSERT_TRUE(r.valid()) << "widget not drawn";
  h.imgui.click(r.center(), h.body);
}

const MapRegion* find_path(const RegionsState& s, const std::string& path) {
  for (const MapRegion& r : s.regions) {
    if (r.path == path) return &r;
  }
  return nullptr;
}

std::string cached_text(const ChangeTracker& t, uint64_t address, size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    if (!t.known(address + i)) return s + "<unknown>";
    s += static_cast<char>(t.value(address + i));
  }
  return s;
}

TEST(RegionsPanel, WholeProcessOpensOnItsMapAndARowGoesToOrOpensTheRegion) {
  PythonTarget target;
  ASSERT_TRUE(target.ok()) << "the python peer did not start";
  AppHarness h;
  ASSERT_TRUE(h.app.open(fmt::format("pid:{}", target.pid())).ok()) << h.app.open_view.error;
  h.frames(3);
  Session& s = h.session();
  ASSERT_EQ(s.pid, target.pid());
  RegionsState& rs = s.regions;
  ASSERT_FALSE(rs.regions.empty()) << rs.error;
  EXPECT_EQ(h.app.side_tab, SideTab::regions) << "a whole process opens on its map";
  // The cursor left address 0 (never mapped) for the first readable mapping.
  const MapRegion* at = region_containing(rs.regions, s.hex.cursor);
  ASSERT_NE(at, nullptr);
  EXPECT_TRUE(at->read);
  EXPECT_EQ(s.hex.cursor, at->start);

  // The peer's object is listed as shared memory, its heap buffer in a readable mapping.
  const MapRegion* shm = find_path(rs, "/dev/shm/" + target.shm_name());
  ASSERT_NE(shm, nullptr) << "no mapping of the peer's object";
  EXPECT_EQ(shm->kind(), "shm");
  EXPECT_TRUE(shm->shared);
  const MapRegion* heap = region_containing(rs.regions, target.buffer());
  ASSERT_NE(heap, nullptr);
  EXPECT_TRUE(heap->read && heap->write && !heap->shared);

  // Typing the object's name into the filter leaves its one row.
  click(h, rs.filter_box);
  h.frames(2);
  h.type(target.shm_name());
  ASSERT_EQ(rs.shown_rows.size(), 1u);
  EXPECT_EQ(&rs.regions[rs.shown_rows[0]], shm);

  // A click on the row puts the cursor on the object's first byte, and the grid reads it.
  const uint64_t shm_start = shm->start;
  const uint64_t shm_size = shm->size();
  click(h, rs.row_rects[0]);
  h.frames(2);
  EXPECT_EQ(s.hex.cursor, shm_start);
  EXPECT_EQ(s.hex.layout.row_base + s.hex.top_row * 16, shm_start) << "its first row on top";
  EXPECT_EQ(cached_text(s.poller->tracker(), shm_start, 8), "REGIONS!");

  // An address as the filter finds the mapping that holds it.
  rs.filter = fmt::format("{:x}", target.buffer());
  h.frames(1);
  ASSERT_EQ(rs.shown_rows.size(), 1u);
  EXPECT_TRUE(rs.regions[rs.shown_rows[0]].start <= target.buffer() &&
              target.buffer() < rs.regions[rs.shown_rows[0]].end);
  click(h, rs.row_rects[0]);
  h.frames(1);
  h.goto_offset(fmt::format("0x{:x}", target.buffer()));
  h.frames(1);
  EXPECT_EQ(cached_text(s.poller->tracker(), target.buffer(), 16), "heap-marker-1234");

  // "tab" opens the object's mapping as a tab of its own: exactly that range.
  rs.filter = target.shm_name();
  h.frames(1);
  ASSERT_EQ(rs.shown_rows.size(), 1u);
  const size_t before = h.app.sessions.size();
  click(h, rs.tab_rects[0]);
  h.frames(2);
  ASSERT_EQ(h.app.sessions.size(), before + 1) << h.app.open_view.error;
  Session& tab = *h.app.sessions.back();
  EXPECT_EQ(tab.info().base, shm_start);
  EXPECT_EQ(tab.info().size, shm_size);
  EXPECT_EQ(h.app.active_session(), &tab);
  EXPECT_EQ(tab.hex.cursor, shm_start);
  EXPECT_EQ(cached_text(tab.poller->tracker(), shm_start, 8), "REGIONS!");

  // The process ends: the panel keeps the last map and says so.
  h.app.side_tab_request = SideTab::regions;
  h.frames(2);
  const size_t listed = tab.regions.regions.size();
  ASSERT_GT(listed, 0u);
  target.end();
  tab.regions.refresh_request = true;
  h.frames(2);
  EXPECT_NE(tab.regions.error.find("exited"), std::string::npos) << tab.regions.error;
  EXPECT_EQ(tab.regions.regions.size(), listed);
}

TEST(RegionsPanel, FilterMatchesPathKindPermissionsAndAddresses) {
  MapRegion r;
  r.start = 0x7f0000001000;
  r.end = 0x7f0000003000;
  r.read = r.write = true;
  r.path = "/usr/lib/x86_64-linux-gnu/libc.so.6";
  EXPECT_TRUE(region_matches(r, ""));
  EXPECT_TRUE(region_matches(r, "  "));
  EXPECT_TRUE(region_matches(r, "LIBC"));
  EXPECT_TRUE(region_matches(r, "rw-p"));
  EXPECT_TRUE(region_matches(r, "file"));
  EXPECT_TRUE(region_matches(r, "0x7f0000001000"));
  EXPECT_TRUE(region_matches(r, "7f0000002fff"));
  EXPECT_FALSE(region_matches(r, "7f0000003000")) << "end is exclusive";
  EXPECT_FALSE(region_matches(r, "0x"));
  EXPECT_FALSE(region_matches(r, "heap"));
  EXPECT_FALSE(region_matches(r, "12345678901234567"));  // not an address: too long
  r.path = "[heap]";
  EXPECT_TRUE(region_matches(r, "heap"));
  EXPECT_EQ(region_spec(42, r), "pid:42@0x7f0000001000+0x2000");
}

}  // namespace
}  // namespace memview::gui::testing
