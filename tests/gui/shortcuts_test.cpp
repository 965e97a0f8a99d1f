// The global shortcuts (Ctrl+G, Ctrl+B, F1) work wherever the keyboard is inside the window:
// after a click in the Bookmarks panel's name box, the Add overlay form's paste box, the
// overlay tree or an inspector value, Ctrl+G opens Go to and what is typed next goes there,
// Ctrl+B bookmarks the cursor the Go to moved, and F1 opens the Keys dialog. Real frames,
// injected clicks and keys, a real shared memory object.
#include <chrono>
#include <thread>

#include "gui_test_support.h"
#include "views/bookmarks_view.h"
#include "views/inspector_view.h"
#include "views/overlay_view.h"

namespace memview::gui::testing {
namespace {

class Shortcuts : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(obj.ok());
    ASSERT_TRUE(h.app.open(obj.spec()).ok()) << h.app.open_view.error;
    h.frames(3);
  }

  void click(const WidgetRect& r) {
    ASSERT_TRUE(r.valid()) << "widget not drawn";
    h.imgui.click(r.center(), h.body);
    h.frames(2);  // a text box takes the keyboard a frame or two after the click
  }

  void show(SideTab tab) {
    h.app.side_tab_request = tab;
    h.frames(2);
    ASSERT_EQ(h.app.side_tab, tab);
  }

  // Ctrl+G, the offset typed, Enter: the cursor is there and the grid has the keyboard.
  void go_to(const std::string& text, uint64_t expected) {
    h.ctrl(GLFW_KEY_G);
    ASSERT_TRUE(h.hex().goto_open) << "Ctrl+G opened no Go to dialog";
    h.type(text);
    EXPECT_EQ(h.hex().goto_text, text) << "the typed offset went elsewhere";
    h.tap(GLFW_KEY_ENTER);
    h.frames(2);
    EXPECT_FALSE(h.hex().goto_open);
    EXPECT_EQ(h.hex().cursor, expected);
  }

  ShmObject obj{16384, "keys"};
  AppHarness h;
};

TEST_F(Shortcuts, CtrlGAndCtrlBFromTheBookmarksNameBox) {
  show(SideTab::bookmarks);
  BookmarksState& b = h.session().bookmarks;
  click(b.name_box);
  go_to("0x2000", 0x2000);
  EXPECT_TRUE(b.new_name.empty()) << "typed into the name box: " << b.new_name;
  // Back in the name box: Ctrl+B bookmarks the cursor Go to moved.
  click(b.name_box);
  h.ctrl(GLFW_KEY_B);
  h.frames(1);
  ASSERT_EQ(b.items.size(), 1u);
  EXPECT_EQ(b.items[0].address, 0x2000u);
  EXPECT_TRUE(b.new_name.empty());
}

TEST_F(Shortcuts, CtrlGFromTheAddOverlayPasteBox) {
  show(SideTab::add_overlay);
  OverlayFormState& f = h.app.overlay_form;
  if (!f.paste_mode) {
    click(f.mode_paste);
  }
  click(f.paste_box);
  go_to("4096", 4096);
  EXPECT_TRUE(f.pasted.empty()) << "typed into the paste box: " << f.pasted;
  click(f.paste_box);
  h.ctrl(GLFW_KEY_B);
  h.frames(1);
  ASSERT_EQ(h.session().bookmarks.items.size(), 1u);
  EXPECT_EQ(h.session().bookmarks.items[0].address, 4096u);
}

TEST_F(Shortcuts, CtrlGFromTheOverlayTree) {
  Overlay* o = overlay_from_text(h, "struct pair { int a; int b; };\n", "struct pair", 0x40);
  ASSERT_NE(o, nullptr);
  ASSERT_EQ(o->state(), Overlay::State::ready) << o->error();
  h.frames(2);
  const OverlayPanelState& p = h.session().overlays;
  const OverlayDrawnRow* b = nullptr;
  for (const auto& r : p.drawn) {
    if (r.key == "b") b = &r;
  }
  ASSERT_NE(b, nullptr);
  click(b->label_rect);
  EXPECT_EQ(h.hex().cursor, 0x44u) << "a click on field b moves the cursor to it";
  go_to("0x300", 0x300);
  click(b->label_rect);
  h.ctrl(GLFW_KEY_B);
  h.frames(1);
  ASSERT_EQ(h.session().bookmarks.items.size(), 1u);
  EXPECT_EQ(h.session().bookmarks.items[0].address, 0x44u);
}

TEST_F(Shortcuts, CtrlGFromAnInspectorValueBeingEdited) {
  const InspectorState& in = h.session().inspector;
  const InspectorRowView& row = in.rows.at(static_cast<size_t>(inspector_row_index("uint32")));
  click(WidgetRect{row.min, row.max});
  ASSERT_EQ(in.edit_row, inspector_row_index("uint32")) << "the click opened no edit box";
  go_to("0x1234", 0x1234);
  EXPECT_EQ(in.edit_row, -1) << "the edit box was cancelled";
  EXPECT_EQ(obj.bytes()[0], 0) << "nothing was written";
}

TEST_F(Shortcuts, F1OpensTheKeysFromATextBoxAndEscapeClosesIt) {
  show(SideTab::bookmarks);
  click(h.session().bookmarks.name_box);
  h.tap(GLFW_KEY_F1);
  h.frames(1);
  EXPECT_TRUE(h.app.help_open);
  // While the dialog is open, Ctrl+G does not open a second one behind it.
  h.ctrl(GLFW_KEY_G);
  EXPECT_FALSE(h.hex().goto_open);
  h.tap(GLFW_KEY_ESCAPE);
  h.frames(1);
  EXPECT_FALSE(h.app.help_open);
}

TEST_F(Shortcuts, F9HidesAndShowsTheSidePanelAndCtrlBBringsItBack) {
  const float grid_w = h.hex().layout.grid_right - h.hex().layout.addr_x;
  ASSERT_TRUE(h.app.side_tab_rect(SideTab::bookmarks).valid());
  h.tap(GLFW_KEY_F9);
  h.frames(2);
  EXPECT_FALSE(h.app.settings.side_panel);
  EXPECT_FALSE(h.app.side_tab_rect(SideTab::bookmarks).valid()) << "the panel is gone";
  EXPECT_EQ(h.hex().layout.grid_right - h.hex().layout.addr_x, grid_w)
      << "the grid keeps its natural width";
  // Go to still works without the panel; Ctrl+B shows the panel with its new bookmark.
  go_to("0x80", 0x80);
  h.ctrl(GLFW_KEY_B);
  h.frames(2);
  EXPECT_TRUE(h.app.settings.side_panel);
  EXPECT_EQ(h.app.side_tab, SideTab::bookmarks);
  h.tap(GLFW_KEY_F9);
  h.frames(1);
  h.app.save_settings_if_dirty();
  EXPECT_FALSE(load_settings(h.app.config_path).side_panel) << "remembered";
}

}  // namespace
}  // namespace memview::gui::testing
