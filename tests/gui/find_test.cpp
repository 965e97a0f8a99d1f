// The Find panel, driven through real frames against a real shared memory object that
// another process (python3) changes: a first scan finds exactly the planted values,
// narrowing after the peer changed some finds exactly those, Undo brings the previous
// candidates back, a click on a result moves the grid's cursor, an edit in the table
// writes the peer's memory through the Editor, a bad value is refused with the engine's
// message, Ctrl+F reaches the panel from another one, the grid marks the candidates'
// bytes, and a hex pattern with a wildcard finds its planted copies.
#include <unistd.h>

#include <cstring>
#include <set>

#include <fmt/format.h>

#include "gui_test_support.h"
#include "views/find_view.h"

namespace memview::gui::testing {
namespace {

constexpr int32_t kPlanted = 123456789;
// Naturally aligned copies, and one unaligned copy an aligned scan must not report.
constexpr uint64_t kAt[] = {0x100, 0x2000, 0x8004};
constexpr uint64_t kUnaligned = 0x3001;

std::string le32_hex(int32_t v) {
  uint32_t u = 0;
  std::memcpy(&u, &v, 4);
  std::string out;
  for (int i = 0; i < 4; ++i) out += fmt::format("{:02x}", (u >> (8 * i)) & 0xff);
  return out;
}

class Find : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(obj.ok());
    for (uint64_t a : kAt) std::memcpy(obj.bytes() + a, &kPlanted, 4);
    std::memcpy(obj.bytes() + kUnaligned, &kPlanted, 4);
    ASSERT_TRUE(h.app.open(obj.spec()).ok()) << h.app.open_view.error;
    h.frames(3);
  }

  FindState& find() { return h.session().find; }

  // Frames until the panel's job has ended and its result is in (at most ~20 s).
  void wait_idle() {
    for (int i = 0; i < 4000; ++i) {
      h.frame();
      if (!find().busy() && find().request == FindAction::none) break;
      usleep(5000);
    }
    ASSERT_FALSE(find().busy()) << "the scan did not end";
    // The rows drawn from the new result; the panel's layout settles (the side panel may
    // scroll once to keep the focused value box in view).
    h.frames(6);
  }

  std::set<uint64_t> candidates() {
    std::set<uint64_t> out;
    for (uint64_t i = 0; i < find().result_count(); ++i) {
      if (auto r = find_result_row(find(), i)) out.insert(r->address);
    }
    return out;
  }

  void first_scan(const std::string& value) {
    h.ctrl(GLFW_KEY_F);
    h.frames(2);
    ASSERT_EQ(h.app.side_tab, SideTab::find);
    h.type(value);
    h.tap(GLFW_KEY_ENTER);
    wait_idle();
  }

  // Clicks a widget of the panel. The mouse first comes into the window and rests (the
  // side panel's layout may move by a line when it does), then the rect is read again.
  void click(WidgetRect FindState::*widget) {
    ASSERT_TRUE((find().*widget).valid());
    h.imgui.mouse_move((find().*widget).center());
    h.frames(2);
    h.imgui.click((find().*widget).center(), h.body);
    h.frames(1);
  }
  void click_rect(const std::function<WidgetRect()>& rect) {
    ASSERT_TRUE(rect().valid());
    h.imgui.mouse_move(rect().center());
    h.frames(2);
    h.imgui.click(rect().center(), h.body);
    h.frames(1);
  }

  ShmObject obj{size_t{64} * 1024, "find"};
  AppHarness h;
};

TEST_F(Find, FirstScanNarrowingAndUndoFindExactlyThePlantedValues) {
  first_scan(std::to_string(kPlanted));
  EXPECT_EQ(candidates(), (std::set<uint64_t>{kAt[0], kAt[1], kAt[2]}));
  EXPECT_FALSE(find().message_is_error) << find().message;
  // The peer raises one copy and lowers another.
  peer_write_hex(obj.name(), kAt[1], le32_hex(kPlanted + 5));
  peer_write_hex(obj.name(), kAt[0], le32_hex(kPlanted - 7));
  h.frames(3);
  // The table polls its visible rows: the raised value shows, glowing.
  ASSERT_EQ(find().rows.size(), 3u);
  EXPECT_EQ(find().rows[1].current, std::to_string(kPlanted + 5));
  EXPECT_EQ(find().rows[1].previous, std::to_string(kPlanted));
  EXPECT_GT(find().rows[1].glow, 0.0f);
  EXPECT_EQ(find().rows[2].glow, 0.0f);

  find().form.next_op = ScanOp::increased;
  click(&FindState::next_button);
  wait_idle();

  EXPECT_EQ(candidates(), (std::set<uint64_t>{kAt[1]}));

  click(&FindState::undo_button);
  h.frames(2);
  EXPECT_EQ(candidates(), (std::set<uint64_t>{kAt[0], kAt[1], kAt[2]}));

  find().form.next_op = ScanOp::changed;
  click(&FindState::next_button);
  wait_idle();
  EXPECT_EQ(candidates(), (std::set<uint64_t>{kAt[0], kAt[1]}));

  // Increased by 5 against the first scan, after one more narrowing.
  find().form.next_op = ScanOp::increased_by;
  find().form.vs_first = true;
  find().form.a = "5";
  click(&FindState::next_button);
  wait_idle();
  EXPECT_EQ(candidates(), (std::set<uint64_t>{kAt[1]}));
}

TEST_F(Find, UnknownInitialValueThenChanged) {
  h.ctrl(GLFW_KEY_F);
  h.frames(2);
  find().form.first_op = ScanOp::unknown;
  h.frames(1);
  click(&FindState::first_button);
  wait_idle();
  EXPECT_EQ(find().result_count(), obj.size() / 4);
  peer_write_hex(obj.name(), 0x40, le32_hex(99));
  find().form.next_op = ScanOp::changed;
  click(&FindState::next_button);
  wait_idle();
  EXPECT_EQ(candidates(), (std::set<uint64_t>{0x40}));
}

TEST_F(Find, ClickMovesTheCursorAndAnEditWritesThePeersMemory) {
  first_scan(std::to_string(kPlanted));
  ASSERT_EQ(find().rows.size(), 3u);
  click_rect([&] { return find().rows[1].rect; });
  EXPECT_EQ(h.hex().cursor, kAt[1]);

  h.imgui.double_click(find().rows[0].value_rect.center(), h.body);
  h.frames(2);
  ASSERT_EQ(find().editing_row, 0);
  h.type("77");
  h.tap(GLFW_KEY_ENTER);
  h.frames(2);
  EXPECT_EQ(find().editing_row, -1);
  EXPECT_FALSE(find().message_is_error) << find().message;
  EXPECT_EQ(peer_read_hex(obj.name(), kAt[0], 4), le32_hex(77));
  ASSERT_EQ(h.session().editor->undo_stack().size(), 1u) << "journalled, so Ctrl+Z undoes it";
  EXPECT_EQ(h.session().editor->undo_stack()[0].address, kAt[0]);

  // A value the type cannot hold keeps the box open and says why.
  h.imgui.double_click(find().rows[2].value_rect.center(), h.body);
  h.frames(2);
  h.type("99999999999");
  h.tap(GLFW_KEY_ENTER);
  h.frames(2);
  EXPECT_EQ(find().editing_row, 2);
  EXPECT_TRUE(find().message_is_error);
  EXPECT_EQ(peer_read_hex(obj.name(), kAt[2], 4), le32_hex(kPlanted));
}

TEST_F(Find, BadValueTextIsRefusedWithAClearMessage) {
  h.ctrl(GLFW_KEY_F);
  h.frames(2);
  h.type("12abc");
  h.tap(GLFW_KEY_ENTER);
  h.frames(2);
  EXPECT_FALSE(find().busy());
  EXPECT_TRUE(find().message_is_error);
  EXPECT_NE(find().message.find("12abc"), std::string::npos) << find().message;
  EXPECT_EQ(find().result_count(), 0u);

  // A fraction for an integer type is refused, not rounded.
  find().form.a = "3.5";
  click(&FindState::first_button);
  h.frames(2);
  EXPECT_TRUE(find().message_is_error);
  EXPECT_FALSE(find().message.empty());
  EXPECT_EQ(find().result_count(), 0u);

  find().form.a.clear();
  click(&FindState::first_button);
  h.frames(2);
  EXPECT_TRUE(find().message_is_error);
  EXPECT_NE(find().message.find("value"), std::string::npos) << find().message;
}

TEST_F(Find, CtrlFFromAnotherPanelOpensFindWithTheKeyboardInTheValueBox) {
  h.app.side_tab_request = SideTab::bookmarks;
  h.frames(2);
  click_rect([&] { return h.session().bookmarks.name_box; });
  ASSERT_EQ(h.app.side_tab, SideTab::bookmarks);
  h.ctrl(GLFW_KEY_F);
  h.frames(2);
  EXPECT_EQ(h.app.side_tab, SideTab::find);
  h.type("42");
  EXPECT_EQ(find().form.a, "42");
  EXPECT_TRUE(h.session().bookmarks.new_name.empty());
}

TEST_F(Find, TheGridMarksTheCandidatesBytesWhileThePanelIsOpen) {
  first_scan(std::to_string(kPlanted));
  h.goto_offset("0x100");
  h.frames(2);
  EXPECT_EQ(find().grid_marked_bytes, 4);
  EXPECT_GE(h.hex().tinted_bytes, 4);
  h.app.side_tab_request = SideTab::bookmarks;
  h.frames(3);
  EXPECT_EQ(find().grid_marked_bytes, 0);
}

TEST_F(Find, HexPatternWithAWildcard) {
  const unsigned char a[] = {0xde, 0xad, 0x11, 0xef};
  const unsigned char b[] = {0xde, 0xad, 0x22, 0xef};
  std::memcpy(obj.bytes() + 0x501, a, 4);
  std::memcpy(obj.bytes() + 0x902, b, 4);
  h.ctrl(GLFW_KEY_F);
  h.frames(2);
  find().form.mode = FindMode::pattern;
  h.frames(2);
  find().form.pattern = "de ad ?? ef";
  click(&FindState::find_button);
  wait_idle();
  EXPECT_EQ(candidates(), (std::set<uint64_t>{0x501, 0x902}));
  ASSERT_EQ(find().rows.size(), 2u);
  EXPECT_EQ(find().rows[0].current, "de ad 11 ef");

  find().form.pattern = "de a";
  click(&FindState::find_button);
  h.frames(2);
  EXPECT_TRUE(find().message_is_error) << find().message;
}

}  // namespace
}  // namespace memview::gui::testing
