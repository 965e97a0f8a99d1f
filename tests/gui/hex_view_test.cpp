// The hex grid driven through real ImGui frames with injected keys, characters and mouse,
// against a real shared memory object that another process (python) reads and writes.
#include <cstring>

#include "change_glow.h"
#include "gui_test_support.h"

namespace memview::gui::testing {
namespace {

class HexViewTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(obj.ok());
    for (size_t i = 0; i < obj.size(); ++i) obj.bytes()[i] = 0;
    ASSERT_TRUE(h.app.open(obj.spec()).ok()) << h.app.open_view.error;
    h.frames(3);
    ASSERT_NE(h.app.active_session(), nullptr);
    ASSERT_TRUE(h.hex().focused) << "the grid should have keyboard focus after opening";
  }

  ShmObject obj{8192, "hex"};
  AppHarness h;
};

TEST_F(HexViewTest, TypingTwoHexDigitsWritesTheByteAnotherProcessReads) {
  h.goto_offset("0x40");
  ASSERT_EQ(h.hex().cursor, 0x40u);
  h.type("d");
  // One digit is pending: nothing written yet.
  EXPECT_EQ(h.hex().pending_nibble, 0xd);
  EXPECT_EQ(peer_read_hex(obj.name(), 0x40, 1), "00");
  h.type("e");
  EXPECT_EQ(peer_read_hex(obj.name(), 0x40, 1), "de");
  EXPECT_EQ(h.hex().cursor, 0x41u) << "the cursor moves on after a byte";
  h.type("adBEEF");
  EXPECT_EQ(peer_read_hex(obj.name(), 0x40, 4), "deadbeef");
  EXPECT_EQ(h.hex().cursor, 0x44u);
  EXPECT_EQ(h.hex().last_write_address, 0x43u);
  ASSERT_EQ(h.hex().last_write.size(), 1u);
  EXPECT_EQ(h.hex().last_write[0], std::byte{0xef});
  // Our own bytes carry the own-edit mark (and are not reported as foreign changes).
  h.frame();
  const ChangeTracker& t = h.session().poller->tracker();
  for (uint64_t a = 0x40; a < 0x44; ++a) {
    EXPECT_TRUE(t.flags(a) & kOwnEdit) << a;
  }
  EXPECT_EQ(h.hex().own_edit_bytes, 4);
  EXPECT_EQ(h.hex().highlighted_bytes, 0);
}

TEST_F(HexViewTest, NonHexCharactersWriteNothing) {
  h.goto_offset("16");
  h.type("zq");
  EXPECT_TRUE(h.hex().message_is_error);
  EXPECT_EQ(h.hex().write_count, 0u);
  EXPECT_EQ(peer_read_hex(obj.name(), 16, 1), "00");
}

TEST_F(HexViewTest, AsciiColumnTypingWritesCharacters) {
  h.goto_offset("0x80");
  h.tap(GLFW_KEY_TAB);
  ASSERT_EQ(h.hex().column, HexColumn::ascii);
  h.type("Hi there");
  EXPECT_EQ(peer_read_hex(obj.name(), 0x80, 8), "4869207468657265");
  EXPECT_EQ(h.hex().cursor, 0x88u);
  h.tap(GLFW_KEY_TAB);
  EXPECT_EQ(h.hex().column, HexColumn::hex);
}

TEST_F(HexViewTest, ForeignWriteGlowsOnTheNextFrameAndFades) {
  h.frame();
  EXPECT_EQ(h.hex().highlighted_bytes, 0);
  peer_write_hex(obj.name(), 0x21, "aabbcc");
  const int64_t poll_time = h.now;
  h.frame();  // the first frame after the write polls, sees and highlights it
  EXPECT_EQ(h.hex().highlighted_bytes, 3);
  const ChangeTracker& t = h.session().poller->tracker();
  EXPECT_EQ(t.changed_ns(0x21), poll_time);
  EXPECT_EQ(t.changed_ns(0x20), 0);
  EXPECT_FALSE(t.flags(0x21) & kOwnEdit);
  EXPECT_NEAR(change_glow(t.changed_ns(0x21), poll_time, h.app.settings.fade_seconds), 1.0f, 1e-6);

  // Half-way through the (default 1 s) fade it still glows, weaker.
  h.now = poll_time + 500'000'000;
  h.frame();
  EXPECT_EQ(h.hex().highlighted_bytes, 3);
  EXPECT_NEAR(change_glow(t.changed_ns(0x21), poll_time + 500'000'000, h.app.settings.fade_seconds),
              0.5f, 1e-3);

  h.now = poll_time + 1'050'000'000;
  h.frame();
  EXPECT_EQ(h.hex().highlighted_bytes, 0) << "the glow is gone after the fade duration";

  // The fade duration is adjustable.
  h.app.set_fade_seconds(3.0f);
  peer_write_hex(obj.name(), 0x21, "01");
  const int64_t t2 = h.now;
  h.frame();
  h.now = t2 + 2'000'000'000;
  h.frame();
  EXPECT_EQ(h.hex().highlighted_bytes, 1);
}

TEST_F(HexViewTest, ForeignOverwriteOfOwnEditClearsTheOwnMark) {
  h.goto_offset("0x30");
  h.type("11");
  h.frame();
  EXPECT_TRUE(h.session().poller->tracker().flags(0x30) & kOwnEdit);
  peer_write_hex(obj.name(), 0x30, "22");
  h.frame();
  EXPECT_FALSE(h.session().poller->tracker().flags(0x30) & kOwnEdit);
  EXPECT_EQ(h.hex().highlighted_bytes, 1);
}

TEST_F(HexViewTest, PasteWritesHexAtTheCursorAndRefusesWhatDoesNotFit) {
  h.goto_offset("0x100");
  ImGui::SetClipboardText("01 02 03 04 05");
  h.ctrl(GLFW_KEY_V);
  EXPECT_EQ(peer_read_hex(obj.name(), 0x100, 6), "010203040500");
  EXPECT_FALSE(h.hex().message_is_error) << h.hex().message;
  EXPECT_EQ(h.hex().selection_or_cursor().address, 0x100u);
  EXPECT_EQ(h.hex().selection_or_cursor().length, 5u);

  // Not hex: nothing written.
  h.goto_offset("0x200");
  ImGui::SetClipboardText("12 zz");
  h.ctrl(GLFW_KEY_V);
  EXPECT_TRUE(h.hex().message_is_error);
  EXPECT_EQ(peer_read_hex(obj.name(), 0x200, 2), "0000");

  // Past the end: refused as a whole, never a partial write.
  h.goto_offset(std::to_string(obj.size() - 2));
  ImGui::SetClipboardText("aabbccdd");
  const uint64_t writes = h.hex().write_count;
  h.ctrl(GLFW_KEY_V);
  EXPECT_TRUE(h.hex().message_is_error);
  EXPECT_NE(h.hex().message.find("do not fit"), std::string::npos) << h.hex().message;
  EXPECT_EQ(h.hex().write_count, writes);
  EXPECT_EQ(peer_read_hex(obj.name(), obj.size() - 2, 2), "0000");
}

TEST_F(HexViewTest, UndoRedoAndUndoRefusedAfterAForeignChange) {
  obj.bytes()[8] = 0x5a;
  h.frames(2);
  h.goto_offset("8");
  h.type("ab");
  ASSERT_EQ(peer_read_hex(obj.name(), 8, 1), "ab");
  h.ctrl(GLFW_KEY_Z);
  EXPECT_EQ(peer_read_hex(obj.name(), 8, 1), "5a");
  EXPECT_FALSE(h.hex().message_is_error) << h.hex().message;
  EXPECT_EQ(h.hex().cursor, 8u);
  h.ctrl(GLFW_KEY_Y);
  EXPECT_EQ(peer_read_hex(obj.name(), 8, 1), "ab");

  // Someone else changes the byte: undo must not write our stale 0x5a over it.
  peer_write_hex(obj.name(), 8, "cc");
  h.frame();
  h.ctrl(GLFW_KEY_Z);
  EXPECT_TRUE(h.hex().message_is_error);
  EXPECT_NE(h.hex().message.find("undo refused"), std::string::npos) << h.hex().message;
  EXPECT_EQ(peer_read_hex(obj.name(), 8, 1), "cc");
}

TEST_F(HexViewTest, GotoAcceptsDecimalAndHexAndRejectsOutOfRange) {
  h.goto_offset("4096");
  EXPECT_EQ(h.hex().cursor, 4096u);
  EXPECT_LE(h.hex().visible_begin, 4096u);
  EXPECT_GT(h.hex().visible_end, 4096u);
  h.goto_offset("0x1ff0");
  EXPECT_EQ(h.hex().cursor, 0x1ff0u);
  EXPECT_FALSE(h.hex().goto_open);

  h.goto_offset("0x99999");
  EXPECT_TRUE(h.hex().goto_open) << "the dialog stays open to fix the offset";
  EXPECT_NE(h.hex().goto_error.find("outside"), std::string::npos) << h.hex().goto_error;
  EXPECT_EQ(h.hex().cursor, 0x1ff0u);
  h.tap(GLFW_KEY_ESCAPE);
  h.frame();
  EXPECT_FALSE(h.hex().goto_open);
  // Focus is back on the grid: keys move the cursor again.
  h.tap(GLFW_KEY_LEFT);
  EXPECT_EQ(h.hex().cursor, 0x1fefu);
}

TEST_F(HexViewTest, NavigationKeys) {
  HexViewState& x = h.hex();
  const uint64_t bpr = static_cast<uint64_t>(h.app.settings.bytes_per_row);
  h.tap(GLFW_KEY_RIGHT);
  EXPECT_EQ(x.cursor, 1u);
  h.tap(GLFW_KEY_DOWN);
  EXPECT_EQ(x.cursor, 1u + bpr);
  h.tap(GLFW_KEY_END);
  EXPECT_EQ(x.cursor, 2 * bpr - 1);
  h.tap(GLFW_KEY_HOME);
  EXPECT_EQ(x.cursor, bpr);
  h.tap(GLFW_KEY_PAGE_DOWN);
  const uint64_t page = bpr * static_cast<uint64_t>(x.layout.rows_fit);
  EXPECT_EQ(x.cursor, bpr + page);
  h.tap(GLFW_KEY_PAGE_UP);
  EXPECT_EQ(x.cursor, bpr);
  h.ctrl(GLFW_KEY_END);
  EXPECT_EQ(x.cursor, obj.size() - 1);
  EXPECT_GT(x.visible_end, obj.size() - 1) << "the grid scrolled to the end";
  h.ctrl(GLFW_KEY_HOME);
  EXPECT_EQ(x.cursor, 0u);
  EXPECT_EQ(x.top_row, 0u);
  h.tap(GLFW_KEY_UP);
  h.tap(GLFW_KEY_LEFT);
  EXPECT_EQ(x.cursor, 0u) << "the cursor stays inside the object";
}

TEST_F(HexViewTest, ShiftArrowsSelectAndCtrlCCopiesHex) {
  for (int i = 0; i < 4; ++i) obj.bytes()[0x10 + i] = static_cast<unsigned char>(0xa0 + i);
  h.frames(2);
  h.goto_offset("0x10");
  h.shift(GLFW_KEY_RIGHT);
  h.shift(GLFW_KEY_RIGHT);
  h.shift(GLFW_KEY_RIGHT);
  ASSERT_TRUE(h.hex().has_selection());
  EXPECT_EQ(h.hex().selection_or_cursor().address, 0x10u);
  EXPECT_EQ(h.hex().selection_or_cursor().length, 4u);
  h.ctrl(GLFW_KEY_C);
  EXPECT_EQ(std::string(ImGui::GetClipboardText()), "a0 a1 a2 a3");
  EXPECT_EQ(h.hex().last_copied, "a0 a1 a2 a3");
  // An arrow without shift drops the selection.
  h.tap(GLFW_KEY_RIGHT);
  EXPECT_FALSE(h.hex().has_selection());
}

TEST_F(HexViewTest, MouseClickSelectsDragExtendsDoubleClickEdits) {
  const ImVec2 a = hex_view_cell_center(h.hex(), 0x35, HexColumn::hex);
  h.imgui.click(a, h.body);
  EXPECT_EQ(h.hex().cursor, 0x35u);
  EXPECT_FALSE(h.hex().has_selection());

  h.frames(30);  // longer than the double-click time

  // Drag from 0x35 to 0x3a.
  const ImVec2 b = hex_view_cell_center(h.hex(), 0x3a, HexColumn::hex);
  h.imgui.mouse_move(a);
  h.frame();
  h.imgui.mouse_button(true);
  h.frame();
  h.imgui.mouse_move(ImVec2((a.x + b.x) / 2, a.y));
  h.frame();
  h.imgui.mouse_move(b);
  h.frame();
  h.imgui.mouse_button(false);
  h.frame();
  EXPECT_EQ(h.hex().selection_or_cursor().address, 0x35u);
  EXPECT_EQ(h.hex().selection_or_cursor().length, 6u);

  // Double-click a byte in the ASCII column: edit it there.
  const ImVec2 c = hex_view_cell_center(h.hex(), 0x50, HexColumn::ascii);
  h.imgui.double_click(c, h.body);
  EXPECT_TRUE(h.hex().editing);
  EXPECT_EQ(h.hex().cursor, 0x50u);
  EXPECT_EQ(h.hex().column, HexColumn::ascii);
  h.type("OK");
  EXPECT_EQ(peer_read_hex(obj.name(), 0x50, 2), "4f4b");
}

TEST_F(HexViewTest, PausedViewDoesNotPollAndShowsUnreadBytesAsQuestionMarks) {
  h.frame();
  EXPECT_EQ(h.hex().unreadable_bytes, 0);
  h.session().paused = true;
  const uint64_t polls = h.session().poller->poll_count();
  peer_write_hex(obj.name(), 0, "77");
  h.frames(3);
  EXPECT_EQ(h.session().poller->poll_count(), polls) << "paused: no polling";
  EXPECT_EQ(h.session().poller->tracker().value(0), std::byte{0}) << "display frozen";
  // Scrolling somewhere never read while paused: those bytes are unknown, drawn as ??.
  h.ctrl(GLFW_KEY_END);
  h.frame();
  EXPECT_GT(h.hex().unreadable_bytes, 0);
  h.session().paused = false;
  h.frame();
  EXPECT_EQ(h.hex().unreadable_bytes, 0);
  EXPECT_EQ(h.session().poller->tracker().value(0), std::byte{0x77});
}

TEST_F(HexViewTest, BytesPerRowSettings) {
  for (int bpr : {8, 32, 16}) {
    h.app.set_bytes_per_row(bpr);
    h.frame();
    EXPECT_EQ(h.hex().visible_end - h.hex().visible_begin,
              static_cast<uint64_t>(bpr) * static_cast<uint64_t>(h.hex().layout.rows_drawn));
    h.tap(GLFW_KEY_DOWN);
    EXPECT_EQ(h.hex().cursor % static_cast<uint64_t>(bpr), 0u);
    h.ctrl(GLFW_KEY_HOME);
  }
}

TEST(HexViewReadOnly, EditsOnAReadOnlySourceShowWhyAndWriteNothing) {
  ShmObject obj(4096, "ro");
  ASSERT_TRUE(obj.ok());
  AppHarness h;
  OpenOptions ro;
  ro.read_only = true;
  ASSERT_TRUE(h.app.open(obj.spec(), ro).ok());
  h.frames(3);
  h.type("ff");
  EXPECT_TRUE(h.hex().message_is_error);
  EXPECT_NE(h.hex().message.find("read-only"), std::string::npos) << h.hex().message;
  EXPECT_EQ(peer_read_hex(obj.name(), 0, 1), "00");
}

}  // namespace
}  // namespace memview::gui::testing

namespace memview::gui::testing {
namespace {

TEST(HexViewScrolling, WheelAndScrollbarMoveThroughALargeObjectAndOnlyVisibleRowsArePolled) {
  ShmObject obj(64u << 20, "big");  // 64 MiB
  ASSERT_TRUE(obj.ok());
  AppHarness h;
  ASSERT_TRUE(h.app.open(obj.spec()).ok());
  h.frames(3);
  HexViewState& x = h.hex();
  const ImVec2 mid((x.layout.addr_x + x.layout.grid_right) / 2,
                   (x.layout.rows_y + x.layout.grid_bottom) / 2);
  h.imgui.mouse_move(mid);
  h.imgui.mouse_wheel(-2.0f);  // two notches down: six rows
  h.frame();
  EXPECT_EQ(x.top_row, 6u);
  h.imgui.mouse_wheel(5.0f);
  h.frame();
  EXPECT_EQ(x.top_row, 0u);

  // Drag the scrollbar thumb to the bottom of its track.
  const float sb_x = x.layout.grid_right + ImGui::GetStyle().ScrollbarSize / 2;
  h.imgui.mouse_move(ImVec2(sb_x, x.layout.rows_y + 2));
  h.frame();
  h.imgui.mouse_button(true);
  h.frame();
  h.imgui.mouse_move(ImVec2(sb_x, x.layout.grid_bottom + 50));
  h.frame();
  h.imgui.mouse_button(false);
  h.frame();
  EXPECT_EQ(x.top_row + x.layout.rows_fit, x.layout.total_rows) << "scrolled to the last row";
  EXPECT_GE(x.visible_end, obj.size() - 16);
  // The tracker holds only what was visible (a few 4 KiB chunks), not the 64 MiB.
  EXPECT_LE(h.session().poller->tracker().chunk_count(), 8u);
  h.frame();
  EXPECT_EQ(x.unreadable_bytes, 0) << "the rows at the end were polled";
}

TEST(HexViewHover, ATooltipDescribesTheHoveredByte) {
  ShmObject obj(4096, "hover");
  ASSERT_TRUE(obj.ok());
  obj.bytes()[0x21] = 'A';
  AppHarness h;
  ASSERT_TRUE(h.app.open(obj.spec()).ok());
  h.frames(3);
  h.imgui.mouse_move(hex_view_cell_center(h.hex(), 0x21, HexColumn::hex));
  h.frames(2);
  EXPECT_TRUE(h.hex().hover_valid);
  EXPECT_EQ(h.hex().hover_address, 0x21u);
  h.frames(40);  // the tooltip appears after half a second; drawing it must not disturb
  EXPECT_EQ(h.hex().hover_address, 0x21u);
  h.imgui.mouse_move(ImVec2(-100, -100));
  h.frame();
  EXPECT_FALSE(h.hex().hover_valid);
}

TEST(HexViewEmpty, AnEmptyObjectOpensAndShowsNothingToEdit) {
  ShmObject obj(0, "empty");
  ASSERT_TRUE(obj.ok() || obj.size() == 0);
  AppHarness h;
  auto st = h.app.open(obj.spec());
  ASSERT_TRUE(st.ok()) << st.error().message;
  h.frames(3);
  h.type("ab");
  h.tap(GLFW_KEY_DOWN);
  h.ctrl(GLFW_KEY_END);
  EXPECT_EQ(h.hex().write_count, 0u);
  EXPECT_EQ(h.hex().visible_end, h.hex().visible_begin);
}

}  // namespace
}  // namespace memview::gui::testing
