// Bookmarks get names you can edit: F2 renames the bookmark at the cursor, a double-click
// renames the one clicked, Enter keeps the new name, Escape the old one, and a single click
// still moves the cursor to the bookmark. Ctrl+. / Ctrl+, go to the next / previous one;
// the grid marks their rows left of the address. Real frames with injected keys and clicks
// against a real shared memory object.
#include "gui_test_support.h"
#include "views/bookmarks_view.h"

namespace memview::gui::testing {
namespace {

class Bookmarks : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(obj.ok());
    ASSERT_TRUE(h.app.open(obj.spec()).ok()) << h.app.open_view.error;
    h.frames(3);
    h.goto_offset("0x100");
    h.ctrl(GLFW_KEY_B);
    h.frames(2);
    ASSERT_EQ(marks().items.size(), 1u);
    ASSERT_EQ(h.app.side_tab, SideTab::bookmarks);
  }

  BookmarksState& marks() { return h.session().bookmarks; }
  void click_name_box() {
    h.app.side_tab_request = SideTab::bookmarks;
    h.frames(2);
    ASSERT_TRUE(marks().name_box.valid());
    h.imgui.click(marks().name_box.center(), h.body);
    h.frames(2);
  }

  ShmObject obj{8192, "marks"};
  AppHarness h;
};

TEST_F(Bookmarks, F2RenamesTheBookmarkAtTheCursor) {
  EXPECT_EQ(marks().items[0].name, "bookmark 1");
  h.tap(GLFW_KEY_F2);
  h.frames(2);
  ASSERT_EQ(marks().renaming, 0);
  h.type("header");
  h.tap(GLFW_KEY_ENTER);
  h.frames(2);
  EXPECT_EQ(marks().renaming, -1);
  EXPECT_EQ(marks().items[0].name, "header");
  EXPECT_TRUE(h.hex().focused) << "the keyboard goes back to the grid";
  // F2 where there is no bookmark does nothing.
  h.goto_offset("0x200");
  h.tap(GLFW_KEY_F2);
  h.frames(2);
  EXPECT_EQ(marks().renaming, -1);
}

TEST_F(Bookmarks, DoubleClickRenamesEscapeKeepsTheNameAndAClickGoesThere) {
  h.goto_offset("0x10");
  h.frames(1);
  ASSERT_EQ(marks().go_rects.size(), 1u);
  h.imgui.double_click(marks().go_rects[0].center(), h.body);
  h.frames(2);
  ASSERT_EQ(marks().renaming, 0);
  h.type("zzz");
  h.tap(GLFW_KEY_ESCAPE);
  h.frames(2);
  EXPECT_EQ(marks().renaming, -1);
  EXPECT_EQ(marks().items[0].name, "bookmark 1");
  h.frames(30);  // longer than the double-click time
  h.imgui.click(marks().go_rects[0].center(), h.body);
  h.frames(2);
  EXPECT_EQ(h.hex().cursor, 0x100u);
  EXPECT_EQ(marks().renaming, -1);
}

TEST_F(Bookmarks, NextAndPreviousKeysAndTheMarkInTheAddressColumn) {
  h.goto_offset("0x40");
  h.ctrl(GLFW_KEY_B);
  h.goto_offset("0x1000");
  h.ctrl(GLFW_KEY_B);
  h.frames(1);
  ASSERT_EQ(marks().items.size(), 3u);  // 0x100, 0x40, 0x1000
  h.goto_offset("0x0");
  h.frames(1);
  // Rows 0x40 and 0x100 are on screen: two marks; 0x1000 is not.
  EXPECT_EQ(h.hex().bookmarked_rows, 2);
  h.ctrl(GLFW_KEY_PERIOD);
  EXPECT_EQ(h.hex().cursor, 0x40u);
  h.ctrl(GLFW_KEY_PERIOD);
  EXPECT_EQ(h.hex().cursor, 0x100u);
  h.ctrl(GLFW_KEY_PERIOD);
  EXPECT_EQ(h.hex().cursor, 0x1000u);
  h.ctrl(GLFW_KEY_PERIOD);  // no further one: stays
  EXPECT_EQ(h.hex().cursor, 0x1000u);
  h.frames(1);
  EXPECT_EQ(h.hex().bookmarked_rows, 1) << "the 0x1000 row, scrolled into view";
  h.ctrl(GLFW_KEY_COMMA);
  EXPECT_EQ(h.hex().cursor, 0x100u);
  // From a text box too.
  click_name_box();
  h.ctrl(GLFW_KEY_COMMA);
  EXPECT_EQ(h.hex().cursor, 0x40u);
  EXPECT_TRUE(marks().new_name.empty());
}

}  // namespace
}  // namespace memview::gui::testing
