// The Watches panel in real frames against real shared memory: watches added by a typed
// address (with clear errors for bad text), from an overlay field's context menu and from
// the selection; min, max and change count equal to what a writer process logged; the plot
// and CSV export; a freeze set in the panel holds the value against another process and
// stops when the tab closes; watches and their freeze settings are saved in a workspace and
// come back without the freeze writing until asked.
#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "gui_test_support.h"
#include "views/watches_view.h"

namespace memview::gui::testing {
namespace {

uint32_t peek_u32(ShmObject& obj, size_t at) {
  uint32_t v = 0;
  std::memcpy(&v, obj.bytes() + at, 4);
  return v;
}

class Watches : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(obj.ok());
    ASSERT_TRUE(h.app.open(obj.spec()).ok()) << h.app.open_view.error;
    show();
  }
  WatchesState& panel() { return h.session().watches; }
  void show() {
    h.app.side_tab_request = SideTab::watches;
    h.frames(3);
    ASSERT_EQ(h.app.side_tab, SideTab::watches);
  }
  void click(const WidgetRect& r) {
    ASSERT_TRUE(r.valid()) << "widget not drawn";
    h.imgui.click(r.center(), h.body);
  }
  // Types into the add box and presses Enter.
  void add(const std::string& text) {
    click(panel().add_box);
    h.frames(2);
    h.ctrl(GLFW_KEY_A);  // a refused text stays in the box to be fixed: replace it
    h.type(text);
    h.tap(GLFW_KEY_ENTER);
    h.frames(2);
  }

  ShmObject obj{4096, "watch"};
  AppHarness h;
};

TEST_F(Watches, ATypedAddressWatchesItsValueInEitherByteOrder) {
  obj.bytes()[0x10] = 0x12;
  obj.bytes()[0x11] = 0x34;
  add("be:u16@0x10");
  add("u16@0x10");
  ASSERT_EQ(panel().watches.size(), 2u) << panel().message;
  h.frames(2);
  const Watch& be = *panel().watches[0];
  const Watch& le = *panel().watches[1];
  EXPECT_EQ(be.target.endian, Endian::big);
  EXPECT_EQ(be.target.type, ScalarType::u16);
  EXPECT_EQ(be.target.address, 0x10u);
  EXPECT_EQ(be.text, "4660");   // 0x1234
  EXPECT_EQ(le.text, "13330");  // 0x3412
  EXPECT_EQ(be.name, "be:u16@0x10");
  EXPECT_EQ(panel().selected, le.id) << "a new watch is selected: its plot shows";
  EXPECT_TRUE(panel().plot_rect.valid());
  // Another process changes it: the value follows, glows, and counts one change.
  peer_write_hex(obj.name(), 0x10, "0001");
  ASSERT_TRUE(frames_until(h, [&] { return be.text == "1"; })) << be.text;
  EXPECT_EQ(be.changes, 1u);
  EXPECT_NE(be.last_change_ns, 0);
  EXPECT_EQ(be.min, 1.0);
  EXPECT_EQ(be.max, 4660.0);
  EXPECT_EQ(h.app.side_tab, SideTab::watches);
}

TEST_F(Watches, BadTypedAddressesSayWhatIsWrong) {
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"u33@0x10", "unknown type 'u33'"},
      {"u32 0x10", "no '@'"},
      {"u32@zz", "zz"},
      {"u32@0x2000", "0x2000"},
      {"u64@0xffc", "ends past the end"},
  };
  for (const Case& c : cases) {
    add(c.text);
    EXPECT_TRUE(panel().message_is_error) << c.text;
    EXPECT_NE(panel().message.find(c.message), std::string::npos)
        << c.text << " -> " << panel().message;
  }
  EXPECT_TRUE(panel().watches.empty());
}

TEST_F(Watches, TheSelectionBecomesAWatchOfItsSize) {
  h.goto_offset("0x20");
  h.frames(1);
  // Four bytes selected with Shift+Right.
  for (int i = 0; i < 3; ++i) h.shift(GLFW_KEY_RIGHT);
  h.frames(1);
  ASSERT_EQ(h.hex().selection_or_cursor().length, 4u);
  show();
  click(panel().add_selection_button);
  h.frames(2);
  ASSERT_EQ(panel().watches.size(), 1u) << panel().message;
  EXPECT_EQ(panel().watches[0]->target.type, ScalarType::u32);
  EXPECT_EQ(panel().watches[0]->target.address, 0x20u);
  // Three bytes cannot be one scalar.
  h.goto_offset("0x30");
  for (int i = 0; i < 2; ++i) h.shift(GLFW_KEY_RIGHT);
  show();
  click(panel().add_selection_button);
  h.frames(2);
  EXPECT_EQ(panel().watches.size(), 1u);
  EXPECT_NE(panel().message.find("3 bytes cannot be watched"), std::string::npos)
      << panel().message;
}

TEST_F(Watches, AnOverlayFieldsContextMenuAddsAWatchOfItsType) {
  DeclOrigin origin;
  origin.kind = DeclOrigin::Kind::text;
  origin.text = "struct w { int a; double b; unsigned short c; unsigned char f : 3; };";
  Overlay* o = h.app.add_overlay(h.session(), origin, "struct w", 0x100, 1, "w");
  ASSERT_TRUE(frames_until(h, [&] { return o->state() == Overlay::State::ready; })) << o->error();
  double b = -2.5;
  std::memcpy(obj.bytes() + 0x108, &b, 8);
  h.app.side_tab_request = SideTab::overlays;
  h.frames(3);
  auto row_of = [&](const std::string& key) -> WidgetRect {
    for (const OverlayDrawnRow& r : h.session().overlays.drawn) {
      if (r.key == key) return r.label_rect;
    }
    return {};
  };
  auto watch_from_menu = [&](const std::string& key) {
    const WidgetRect r = row_of(key);
    ASSERT_TRUE(r.valid()) << key;
    h.imgui.click(r.center(), h.body, 1);  // a right-click on the field's row opens its menu
    h.frames(2);
    click(h.session().overlays.watch_menu_item);
    h.frames(3);
  };
  watch_from_menu("b");
  ASSERT_EQ(h.app.side_tab, SideTab::watches) << "the panel shows the new watch";
  ASSERT_EQ(panel().watches.size(), 1u) << panel().message;
  const Watch& w = *panel().watches[0];
  EXPECT_EQ(w.name, "w.b");
  EXPECT_EQ(w.target.type, ScalarType::f64);
  EXPECT_EQ(w.target.address, 0x108u);
  EXPECT_EQ(w.text, "-2.5");
  // A bitfield cannot be watched: the panel says why.
  h.app.side_tab_request = SideTab::overlays;
  h.frames(3);
  watch_from_menu("f");
  EXPECT_EQ(panel().watches.size(), 1u);
  EXPECT_NE(panel().message.find("cannot be watched"), std::string::npos) << panel().message;
}

TEST_F(Watches, MinMaxAndChangeCountEqualTheWritersLog) {
  // The values a writer process stores, 60 ms apart (a repeat is not a change).
  const std::vector<int64_t> log = {7, 12, -3, -3, 40, 5, 5, 5, -19, 22, 0, 31, 31, 8};
  const int32_t first = static_cast<int32_t>(log[0]);
  std::memcpy(obj.bytes() + 0x40, &first, 4);
  add("i32@0x40");
  ASSERT_EQ(panel().watches.size(), 1u) << panel().message;
  const Watch& w = *panel().watches[0];
  ASSERT_TRUE(frames_until(h, [&] { return w.known; }));
  std::string values;
  for (size_t i = 1; i < log.size(); ++i) values += std::to_string(log[i]) + ",";
  std::string out;
  std::thread writer([&] {
    out = run_python(peer_prelude(obj.name()) +
                     "import struct, time\n"
                     "for v in [" +
                     values +
                     "]:\n"
                     "    time.sleep(0.06)\n"
                     "    shm.buf[0x40:0x44] = struct.pack('<i', v)\n"
                     "print('done')\nshm.close()\n");
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (out.empty() && std::chrono::steady_clock::now() < deadline) {
    h.frame();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  writer.join();
  ASSERT_EQ(out, "done");
  h.frames(3);
  uint64_t changes = 0;
  for (size_t i = 1; i < log.size(); ++i) changes += log[i] != log[i - 1] ? 1 : 0;
  EXPECT_EQ(w.changes, changes);
  EXPECT_EQ(w.min, static_cast<double>(*std::min_element(log.begin(), log.end())));
  EXPECT_EQ(w.max, static_cast<double>(*std::max_element(log.begin(), log.end())));
  EXPECT_EQ(w.text, std::to_string(log.back()));
  // The history holds each value the writer stored, in order (runs of one value merged).
  std::vector<int64_t> seen;
  for (const WatchSample& s : w.history) {
    if (seen.empty() || seen.back() != static_cast<int64_t>(s.value)) {
      seen.push_back(static_cast<int64_t>(s.value));
    }
  }
  std::vector<int64_t> expected;
  for (int64_t v : log) {
    if (expected.empty() || expected.back() != v) expected.push_back(v);
  }
  EXPECT_EQ(seen, expected);

  // The plot: hovering says a time and a value; the wheel zooms.
  ASSERT_TRUE(panel().plot_rect.valid());
  // Near the right end: the newest samples (the clock runs 1/60 s a frame).
  h.imgui.mouse_move(ImVec2(panel().plot_rect.max.x - 8, panel().plot_rect.center().y));
  h.frames(2);
  EXPECT_NE(panel().plot_hover.find("value = "), std::string::npos) << panel().plot_hover;
  const double span = panel().plot_span_s;
  h.imgui.mouse_wheel(2);
  h.frames(2);
  EXPECT_LT(panel().plot_span_s, span);

  // CSV export: one line per kept sample; a path that cannot be written says why.
  TempDir dir;
  const std::string csv = dir.path() + "/series.csv";
  panel().csv_path = csv;
  h.frames(1);
  click(panel().csv_button);
  h.frames(1);
  EXPECT_FALSE(panel().message_is_error) << panel().message;
  std::ifstream in(csv);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "# memview watch i32@0x40 (i32)");
  std::getline(in, line);
  EXPECT_EQ(line, "time_s,value");
  size_t rows = 0;
  std::string last;
  while (std::getline(in, line)) {
    ++rows;
    last = line;
  }
  EXPECT_EQ(rows, w.history.size());
  EXPECT_NE(last.find(",8"), std::string::npos) << last;
  panel().csv_path = dir.path() + "/no-such-dir/series.csv";
  h.frames(1);
  click(panel().csv_button);
  h.frames(1);
  EXPECT_TRUE(panel().message_is_error);
  EXPECT_NE(panel().message.find("cannot write"), std::string::npos) << panel().message;
  EXPECT_NE(panel().message.find("No such file or directory"), std::string::npos);
}

TEST_F(Watches, AFreezeSetInThePanelHoldsTheValueAndStopsWhenTheTabCloses) {
  add("u32@0x40");
  ASSERT_EQ(panel().watches.size(), 1u) << panel().message;
  Watch& w = *panel().watches[0];
  h.frames(2);
  click(panel().freeze_value_box);
  h.frames(2);
  h.type("1000");
  h.frames(1);
  EXPECT_EQ(w.freeze_text, "1000");
  w.freeze_interval_ms = 5;  // the slider's drag is not what is tested here
  click(panel().freeze_box);
  h.frames(2);
  ASSERT_TRUE(w.frozen()) << w.freeze_error;
  ASSERT_TRUE(frames_until(h, [&] { return peek_u32(obj, 0x40) == 1000; }));
  // Another process fights it three times: the freeze writes it back each time.
  for (int i = 0; i < 3; ++i) {
    peer_write_hex(obj.name(), 0x40, "05000000");
    ASSERT_TRUE(frames_until(h,
                             [&] {
                               auto st = w.freeze_status->latest();
                               return st && st->fights == static_cast<uint64_t>(i + 1);
                             }))
        << "fight " << i;
    ASSERT_TRUE(frames_until(h, [&] { return peek_u32(obj, 0x40) == 1000; }));
  }
  h.frames(1);
  const std::vector<std::string> fields = status_fields(h.app.status_input(h.now));
  bool listed = false;
  for (const std::string& f : fields) listed |= f == "frozen: u32@0x40=1000 (3 fights)";
  EXPECT_TRUE(listed) << "the status bar lists the freeze";
  EXPECT_NE(watches_tab_label(panel()).find("1 frozen"), std::string::npos);

  // Closing the tab stops the freeze: a later write stays.
  h.app.close_session(h.session().id);
  h.frames(2);
  ASSERT_TRUE(h.app.sessions.empty());
  peer_write_hex(obj.name(), 0x40, "07000000");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(peek_u32(obj, 0x40), 7u);
}

TEST_F(Watches, UnfreezingInThePanelStopsTheWrites) {
  add("u32@0x40");
  ASSERT_EQ(panel().watches.size(), 1u);
  Watch& w = *panel().watches[0];
  w.freeze_text = "42";
  w.freeze_interval_ms = 2;
  h.frames(2);
  click(panel().freeze_box);
  ASSERT_TRUE(frames_until(h, [&] { return peek_u32(obj, 0x40) == 42; }));
  click(panel().freeze_box);
  h.frames(2);
  EXPECT_FALSE(w.frozen());
  peer_write_hex(obj.name(), 0x40, "09000000");
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  h.frames(2);
  EXPECT_EQ(peek_u32(obj, 0x40), 9u);
  EXPECT_EQ(w.text, "9");
}

TEST_F(Watches, AWorkspaceKeepsTheWatchesAndTheirFreezesWithoutRestartingThem) {
  add("be:u16@0x10");
  add("u32@0x40");
  ASSERT_EQ(panel().watches.size(), 2u) << panel().message;
  Watch& frozen = *panel().watches[1];
  frozen.freeze_text = "1000";
  frozen.freeze_interval_ms = 5;
  frozen.freeze_mode = FreezeMode::allow_increase;
  frozen.name = "speed";
  h.frames(2);
  click(panel().freeze_box);
  ASSERT_TRUE(frames_until(h, [&] { return peek_u32(obj, 0x40) == 1000; }));
  TempDir dir;
  const std::string path = dir.path() + "/work.json";
  ASSERT_TRUE(h.app.save_workspace(path).ok());
  h.app.close_session(h.session().id);
  h.frames(2);
  peer_write_hex(obj.name(), 0x40, "07000000");

  AppHarness h2;
  ASSERT_TRUE(h2.app.open_workspace(path).ok()) << h2.app.open_view.error;
  h2.frames(3);
  const WatchesState& back = h2.session().watches;
  ASSERT_EQ(back.watches.size(), 2u);
  EXPECT_EQ(back.watches[0]->target.endian, Endian::big);
  EXPECT_EQ(back.watches[0]->target.type, ScalarType::u16);
  EXPECT_EQ(back.watches[0]->target.address, 0x10u);
  const Watch& w = *back.watches[1];
  EXPECT_EQ(w.name, "speed");
  EXPECT_EQ(w.target.address, 0x40u);
  EXPECT_EQ(w.freeze_text, "1000");
  EXPECT_FLOAT_EQ(w.freeze_interval_ms, 5.0f);
  EXPECT_EQ(w.freeze_mode, FreezeMode::allow_increase);
  EXPECT_FALSE(w.frozen()) << "opening a workspace never starts writing";
  EXPECT_NE(w.freeze_error.find("frozen when the workspace was saved"), std::string::npos);
  EXPECT_NE(back.message.find("1 watch was frozen"), std::string::npos) << back.message;
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  h2.frames(2);
  EXPECT_EQ(peek_u32(obj, 0x40), 7u);
  EXPECT_EQ(w.text, "7");
  // Opened twice: the watches are not doubled.
  ASSERT_TRUE(h2.app.open_workspace(path).ok());
  h2.frames(2);
  EXPECT_EQ(h2.app.sessions.back()->watches.watches.size(), 2u);
}

TEST_F(Watches, BadWatchesInAWorkspaceAreNamedAndTheRestOpens) {
  TempDir dir;
  const std::string bad_mode = dir.path() + "/mode.json";
  std::ofstream(bad_mode) << fmt::format(
      R"({{"memview_workspace": 1, "sources": [{{"spec": "{}", "watches": [)"
      R"({{"address": "u32@0x40", "freeze_mode": "sometimes"}}]}}]}})",
      obj.spec());
  Status st = h.app.open_workspace(bad_mode);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("sources[0].watches[0].freeze_mode must be"), std::string::npos)
      << st.error().message;
  // An address the source does not hold: that watch is reported, the good one is added (to
  // the tab open already: a source is opened once).
  const std::string outside = dir.path() + "/outside.json";
  std::ofstream(outside) << fmt::format(
      R"({{"memview_workspace": 1, "sources": [{{"spec": "{}", "watches": [)"
      R"({{"address": "u32@0x100000"}}, {{"address": "u8@0x3"}}]}}]}})",
      obj.spec());
  const size_t tabs = h.app.sessions.size();
  st = h.app.open_workspace(outside);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("watch u32@0x100000"), std::string::npos) << st.error().message;
  h.frames(2);
  ASSERT_EQ(h.app.sessions.size(), tabs);
  ASSERT_EQ(h.app.sessions.back()->watches.watches.size(), 1u);
  EXPECT_EQ(h.app.sessions.back()->watches.watches[0]->target.type, ScalarType::u8);
}

}  // namespace
}  // namespace memview::gui::testing
