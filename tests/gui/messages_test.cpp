// Messages that answer an action never move what is below them and go after a few
// seconds: after an inline edit of an overlay field the tree's rows stay where they were
// (the next click lands on the field aimed at), an inspector edit does not move the side
// tabs, and the grid's, the tree's and the inspector's messages clear once old. Real frames
// and clicks against a real shared memory object that another process reads.
#include <chrono>
#include <thread>

#include "gui_test_support.h"
#include "transient_message.h"
#include "views/inspector_view.h"
#include "views/overlay_view.h"

namespace memview::gui::testing {
namespace {

class Messages : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(obj.ok());
    ASSERT_TRUE(h.app.open(obj.spec()).ok()) << h.app.open_view.error;
    h.frames(3);
    o = overlay_from_text(h, "struct pair { int a; int b; };\n", "struct pair", 0x40);
    ASSERT_NE(o, nullptr);
    ASSERT_EQ(o->state(), Overlay::State::ready) << o->error();
    h.frames(2);
  }

  OverlayPanelState& panel() { return h.session().overlays; }

  OverlayDrawnRow row(const std::string& key) {
    for (const auto& r : panel().drawn) {
      if (r.key == key) return r;
    }
    ADD_FAILURE() << "row " << key << " not drawn";
    return {};
  }

  void click(const WidgetRect& r) {
    ASSERT_TRUE(r.valid()) << "widget not drawn";
    h.imgui.click(r.center(), h.body);
    h.frames(2);
  }

  // Lets the harness clock run `seconds` on (one frame).
  void wait(double seconds) {
    h.now += static_cast<int64_t>(seconds * 1e9);
    h.frames(2);
  }

  ShmObject obj{8192, "msg"};
  AppHarness h;
  Overlay* o = nullptr;
};

TEST_F(Messages, AnInlineEditMessageDoesNotMoveTheTreeAndTheNextClickHitsItsField) {
  const float a_y = row("a").label_rect.min.y;
  const float b_y = row("b").label_rect.min.y;
  click(row("b").value_rect);
  ASSERT_EQ(panel().edit_key, "b");
  h.type("35");
  h.tap(GLFW_KEY_ENTER);
  h.frames(2);
  ASSERT_EQ(panel().message, "b = 35");
  EXPECT_EQ(peer_read_hex(obj.name(), 0x44, 4), "23000000");
  EXPECT_EQ(row("a").label_rect.min.y, a_y) << "the message pushed the tree down";
  EXPECT_EQ(row("b").label_rect.min.y, b_y);
  // The next click on a's value edits a, not b.
  click(row("a").value_rect);
  EXPECT_EQ(panel().edit_key, "a");
  h.tap(GLFW_KEY_ESCAPE);
  h.frames(2);
  // Old news goes; the rows still do not move.
  wait(kMessageNs / 1e9 + 1);
  EXPECT_TRUE(panel().message.empty()) << panel().message;
  EXPECT_EQ(row("a").label_rect.min.y, a_y);
}

TEST_F(Messages, ARepeatedMessageStartsItsTimeAgain) {
  click(row("a").value_rect);
  h.type("1");
  h.tap(GLFW_KEY_ENTER);
  h.frames(2);
  wait(kMessageNs / 1e9 - 1);
  ASSERT_EQ(panel().message, "a = 1");
  click(row("a").value_rect);
  h.type("1");
  h.tap(GLFW_KEY_ENTER);
  h.frames(2);
  wait(2);  // past the first message's time, not the second's
  EXPECT_EQ(panel().message, "a = 1");
}

TEST_F(Messages, TheInspectorsMessageDoesNotMoveTheSideTabsAndClears) {
  const float tabs_y = h.app.side_tab_rect(SideTab::overlays).min.y;
  const InspectorState& in = h.session().inspector;
  const InspectorRowView& v = in.rows.at(static_cast<size_t>(inspector_row_index("uint8")));
  click(WidgetRect{v.min, v.max});
  ASSERT_EQ(in.edit_row, inspector_row_index("uint8"));
  h.type("7");
  h.tap(GLFW_KEY_ENTER);
  h.frames(2);
  EXPECT_NE(in.message.find("wrote 7"), std::string::npos) << in.message;
  EXPECT_EQ(peer_read_hex(obj.name(), 0, 1), "07");
  EXPECT_EQ(h.app.side_tab_rect(SideTab::overlays).min.y, tabs_y);
  wait(kMessageNs / 1e9 + 1);
  EXPECT_TRUE(in.message.empty()) << in.message;
}

TEST_F(Messages, TheGridsErrorMessageClearsAfterItsTime) {
  h.frames(1);
  ASSERT_TRUE(h.hex().focused);
  h.type("z");
  ASSERT_TRUE(h.hex().message_is_error);
  ASSERT_FALSE(h.hex().message.empty());
  wait(kMessageNs / 1e9 + 1);
  EXPECT_FALSE(h.hex().message.empty()) << "an error stays longer than a plain message";
  wait(static_cast<double>(kErrorMessageNs - kMessageNs) / 1e9);
  EXPECT_TRUE(h.hex().message.empty()) << h.hex().message;
}

}  // namespace
}  // namespace memview::gui::testing
