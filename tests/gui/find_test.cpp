// The Find panel, driven through real frames against a real shared memory object that
// another process (python3) changes: a first scan finds exactly the planted values,
// narrowing after the peer changed some finds exactly those, Undo brings the previous
// candidates back, a click on a result moves the grid's cursor, an edit in the table
// writes the peer's memory through the Editor, a bad value is refused with the engine's
// message, Ctrl+F reaches the panel from another one, the grid marks the candidates'
// bytes, a hex pattern with a wildcard, a UTF-16 text and a regex find their planted copies, a
// result's context menu bookmarks it or adds it as a typed watch, and a long scan shows its
// progress and candidates so far, and keeps what it found when cancelled.
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <set>
#include <string>
#include <vector>

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
  // Right-clicks result row `row` (its menu opens), then clicks the menu item `item`.
  void row_menu(size_t row, WidgetRect FindState::*item) {
    ASSERT_LT(row, find().rows.size());
    h.imgui.mouse_move(find().rows[row].rect.center());
    h.frames(2);
    h.imgui.click(find().rows[row].rect.center(), h.body, 1);
    h.frames(1);
    click(item);
    h.frames(2);
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

TEST_F(Find, Utf16TextThroughThePanelFindsOnlyTheUtf16Copy) {
  const std::u16string text = u"Hello";
  std::vector<unsigned char> utf16;
  for (char16_t c : text) {
    utf16.push_back(static_cast<unsigned char>(c & 0xff));
    utf16.push_back(static_cast<unsigned char>(c >> 8));
  }
  std::memcpy(obj.bytes() + 0x601, utf16.data(), utf16.size());
  std::memcpy(obj.bytes() + 0xa00, "Hello", 5);  // the UTF-8 copy is not a UTF-16 match
  h.ctrl(GLFW_KEY_F);
  h.frames(2);
  find().form.mode = FindMode::pattern;
  find().form.pattern_kind = PatternKind::utf16;
  h.frames(2);
  click_rect([&] { return find().value_box; });
  h.type("hello");
  find().form.ignore_case = true;
  click(&FindState::find_button);
  wait_idle();
  EXPECT_FALSE(find().message_is_error) << find().message;
  EXPECT_EQ(candidates(), (std::set<uint64_t>{0x601}));
  ASSERT_EQ(find().rows.size(), 1u);
  EXPECT_EQ(find().rows[0].current.substr(0, 11), "48 00 65 00");
}

TEST_F(Find, RegexThroughThePanelListsEachMatchWithItsBytes) {
  std::memcpy(obj.bytes() + 0x700, "id=42;", 6);
  std::memcpy(obj.bytes() + 0x903, "id=12345;", 9);
  std::memcpy(obj.bytes() + 0xb00, "id=;", 4);  // no digits: no match
  h.ctrl(GLFW_KEY_F);
  h.frames(2);
  find().form.mode = FindMode::pattern;
  find().form.pattern_kind = PatternKind::regex;
  find().form.pattern = "id=[0-9]+;";
  h.frames(2);
  click(&FindState::find_button);
  wait_idle();
  EXPECT_FALSE(find().message_is_error) << find().message;
  EXPECT_EQ(candidates(), (std::set<uint64_t>{0x700, 0x903}));
  ASSERT_EQ(find().rows.size(), 2u);
  EXPECT_EQ(find().rows[0].current, "69 64 3d 34 32 3b") << "the match's own length";
  ASSERT_TRUE(find_result_row(find(), 1));
  EXPECT_EQ(find_result_row(find(), 1)->width, 9u);

  // A bad expression is refused at once, with its position.
  find().form.pattern = "id=(";
  click(&FindState::find_button);
  h.frames(2);
  EXPECT_FALSE(find().busy());
  EXPECT_TRUE(find().message_is_error);
  EXPECT_NE(find().message.find("offset 4"), std::string::npos) << find().message;
}

TEST_F(Find, ARowsMenuAddsABookmarkAndATypedWatch) {
  first_scan(std::to_string(kPlanted));
  ASSERT_EQ(find().rows.size(), 3u);
  row_menu(1, &FindState::watch_menu_item);
  WatchesState& w = h.session().watches;
  ASSERT_EQ(w.watches.size(), 1u) << find().message;
  EXPECT_EQ(w.watches[0]->target.type, ScalarType::i32) << "typed as the scan's values";
  EXPECT_EQ(w.watches[0]->target.address, kAt[1]);
  EXPECT_EQ(watch_address_text(w.watches[0]->target, h.session().info()),
            fmt::format("i32@0x{:x}", kAt[1]));
  EXPECT_NE(find().message.find("watching"), std::string::npos) << find().message;

  row_menu(2, &FindState::bookmark_menu_item);
  ASSERT_EQ(h.session().bookmarks.items.size(), 1u);
  EXPECT_EQ(h.session().bookmarks.items[0].address, kAt[2]);

  // The Watches panel shows the watch with the peer's current value.
  peer_write_hex(obj.name(), kAt[1], le32_hex(-42));
  h.app.side_tab_request = SideTab::watches;
  h.frames(4);
  EXPECT_EQ(w.watches[0]->text, "-42");
}

// A first scan of 256 MiB, every byte, for any number: long enough to watch it and to
// cancel it part way (a copy of the value every MiB, so every block done finds some).
class FindLong : public ::testing::Test {
 protected:
  static constexpr uint32_t kValue = 0x5a5a5a5a;
  static constexpr uint64_t kEvery = uint64_t{1} << 20;
  void SetUp() override {
    ASSERT_TRUE(obj.ok());
    for (uint64_t a = 0x40; a < obj.size(); a += kEvery) std::memcpy(obj.bytes() + a, &kValue, 4);
    ASSERT_TRUE(h.app.open(obj.spec()).ok()) << h.app.open_view.error;
    h.frames(3);
    h.ctrl(GLFW_KEY_F);
    h.frames(2);
  }
  FindState& find() { return h.session().find; }

  ShmObject obj{size_t{256} << 20, "findlong"};
  AppHarness h;
};

TEST_F(FindLong, ProgressAndCandidatesAdvanceAndCancelKeepsWhatWasFound) {
  FindState& f = find();
  f.form.type = ScanType::any_number;
  f.form.every_byte = true;
  // Typed: the value box has the keyboard (Ctrl+F), and an edited box keeps its own text.
  h.type(std::to_string(kValue));
  h.frames(1);
  ASSERT_EQ(f.form.a, std::to_string(kValue));
  // The scan may end before Cancel lands on a fast idle machine: then it runs again.
  bool cancelled = false;
  std::vector<float> fractions;
  std::string stage;
  for (int attempt = 0; attempt < 4 && !cancelled; ++attempt) {
    if (f.history.current()) {
      f.request = FindAction::clear;
      h.frames(2);
    }
    f.request = FindAction::first_scan;
    h.frame();
    ASSERT_TRUE(f.busy()) << f.message;
    // Frames until a block is done (the bar moved and candidates were found), then Cancel.
    for (int i = 0; i < 4000 && f.busy(); ++i) {
      h.frame();
      if (f.progress_drawn >= 0) fractions.push_back(f.progress_drawn);
      if (f.progress_drawn > 0 && f.progress_drawn < 1 &&
          f.progress_text.find("so far") != std::string::npos &&
          f.progress_text.rfind("scanning: 0 ", 0) != 0) {
        stage = f.progress_text;
        break;
      }
      usleep(1000);
    }
    if (!f.busy()) continue;
    // The mouse comes in and rests (the panel may move by a line), then clicks Cancel.
    ASSERT_TRUE(f.cancel_button.valid());
    h.imgui.mouse_move(f.cancel_button.center());
    h.frames(2);
    if (!f.busy()) continue;
    h.imgui.click(f.cancel_button.center(), h.body);
    for (int i = 0; i < 4000 && f.busy(); ++i) {
      h.frame();
      usleep(5000);
    }
    ASSERT_FALSE(f.busy()) << "Cancel did not stop the scan";
    h.frames(2);
    cancelled = f.message.find("cancelled") != std::string::npos;
  }
  if (!cancelled) GTEST_SKIP() << "every scan ended before Cancel landed: " << f.message;
  // The bar advanced and said how many candidates it had found.
  ASSERT_FALSE(fractions.empty());
  EXPECT_GT(*std::max_element(fractions.begin(), fractions.end()), 0.0f);
  EXPECT_NE(stage.find("candidates so far"), std::string::npos) << stage;
  // What was found so far is kept, is only planted copies, and is not all of them.
  EXPECT_NE(f.message.find("cancelled: the candidates found so far"), std::string::npos)
      << f.message;
  std::set<uint64_t> found;
  for (uint64_t i = 0; i < f.result_count(); ++i) {
    if (auto r = find_result_row(f, i)) found.insert(r->address);
  }
  EXPECT_GT(found.size(), 0u);
  EXPECT_LT(found.size(), obj.size() / kEvery);
  for (uint64_t a : found) EXPECT_EQ(a % kEvery, 0x40u) << "0x" << std::hex << a;
}

}  // namespace
}  // namespace memview::gui::testing
