// The body's layout in real frames at window sizes from 800x600 to 2560x1400: the grid keeps
// its natural width (its ASCII column whole, never under the side panel), the side panel
// stands at the right edge or, in a window too narrow for both, below the grid; the splitter
// between them resizes the panel, is remembered in the settings, and a double-click makes it
// automatic again. The toolbar wraps in a narrow window.
#include "gui_test_support.h"
#include "views/hex_view.h"

namespace memview::gui::testing {
namespace {

// The right edge of the ASCII column's last character.
float ascii_end(const HexLayout& l) {
  return l.ascii_x + static_cast<float>(l.bytes_per_row) * l.char_w;
}

float width(const WidgetRect& r) {
  return r.max.x - r.min.x;
}
float height(const WidgetRect& r) {
  return r.max.y - r.min.y;
}

// Drags with the left button from `from` by `by`, a few pixels a frame.
void drag(AppHarness& h, ImVec2 from, ImVec2 by) {
  h.imgui.mouse_move(from);
  h.frames(1);
  h.imgui.mouse_button(true);
  h.frames(1);
  for (int i = 1; i <= 4; ++i) {
    h.imgui.mouse_move(ImVec2(from.x + by.x * static_cast<float>(i) / 4,
                              from.y + by.y * static_cast<float>(i) / 4));
    h.frames(1);
  }
  h.imgui.mouse_button(false);
  h.frames(2);
}

class Layout : public ::testing::Test {
 protected:
  void open(AppHarness& h) {
    ASSERT_TRUE(obj.ok());
    ASSERT_TRUE(h.app.open(obj.spec()).ok()) << h.app.open_view.error;
    h.frames(3);
  }
  ShmObject obj{1 << 16, "layout"};
};

TEST_F(Layout, At800x600ThePanelGoesBelowTheGridAndTheAsciiColumnStaysWhole) {
  AppHarness h(ImVec2(800, 600));
  open(h);
  const HexLayout& l = h.hex().layout;
  ASSERT_TRUE(l.valid);
  EXPECT_TRUE(h.app.side_panel_below);
  EXPECT_LE(ascii_end(l), h.app.grid_column_rect.max.x);
  EXPECT_LE(h.app.grid_column_rect.max.x, 800.0f);
  EXPECT_GE(h.app.side_panel_rect.min.y, h.app.grid_column_rect.max.y) << "below, not over";
  EXPECT_GE(height(h.app.side_panel_rect), 6 * ImGui::GetTextLineHeight());
  EXPECT_GE(l.rows_fit, 6);
  // The side tabs have the window's width: each shows its whole label.
  const WidgetRect& tab = h.app.side_tab_rect(SideTab::overlays);
  ASSERT_TRUE(tab.valid());
  EXPECT_GE(width(tab), ImGui::CalcTextSize("Overlays").x);
  // The splitter above the panel moves it; the height is remembered.
  const float before = height(h.app.side_panel_rect);
  drag(h, h.app.splitter_rect.center(), ImVec2(0, -60));
  EXPECT_NEAR(height(h.app.side_panel_rect), before + 60, 2.0f);
  EXPECT_NEAR(h.app.settings.below_height, before + 60, 2.0f);
}

TEST_F(Layout, At800x600TheToolbarWrapsInsteadOfRunningOffTheWindow) {
  AppHarness h(ImVec2(800, 600));
  open(h);
  const ToolbarFlow& bar = h.app.toolbar_flow;
  ASSERT_GE(bar.rects.size(), 6u) << "Pause, bytes/row, fade, Go to, Map, Record";
  EXPECT_GE(bar.lines, 2) << "800 px is too narrow for one line";
  for (size_t i = 0; i < bar.rects.size(); ++i) {
    EXPECT_LE(bar.rects[i].max.x, 800.0f) << "group " << i << " runs off the window";
    for (size_t j = 0; j < i; ++j) {
      const bool apart =
          bar.rects[j].max.x <= bar.rects[i].min.x || bar.rects[j].max.y <= bar.rects[i].min.y;
      EXPECT_TRUE(apart) << "groups " << j << " and " << i << " overlap";
    }
  }
}

TEST_F(Layout, ALongStatusMessageEndsInDotsAtTheWindowsEdge) {
  AppHarness h(ImVec2(1400, 900));
  open(h);
  EXPECT_FALSE(h.app.status_drawn.cut);
  std::string message = "a control request failed:";
  while (message.size() < 400) message += " the reason goes on and on";
  h.app.notify(message);
  h.frames(2);
  EXPECT_TRUE(h.app.status_drawn.cut);
  EXPECT_LE(h.app.status_drawn.right, 1400.0f);
  EXPECT_GT(h.app.status_drawn.right, 1400.0f - 60.0f) << "cut at the edge, not before";
}

TEST_F(Layout, At2560x1400TheToolbarIsOneLine) {
  AppHarness h(ImVec2(2560, 1400));
  open(h);
  EXPECT_EQ(h.app.toolbar_flow.lines, 1);
}

TEST_F(Layout, At2560x1400TheGridHasItsNaturalWidthAndThePanelStandsRight) {
  AppHarness h(ImVec2(2560, 1400));
  open(h);
  const HexLayout& l = h.hex().layout;
  EXPECT_FALSE(h.app.side_panel_below);
  EXPECT_NEAR(width(h.app.grid_column_rect), hex_view_preferred_width(16, h.session().info()),
              1.0f);
  EXPECT_GT(h.app.side_panel_rect.min.x, ascii_end(l));
  EXPECT_GE(h.app.side_panel_rect.max.x, 2540.0f) << "at the window's right edge";
  // Not stretched over the whole rest: about 110 characters.
  EXPECT_NEAR(width(h.app.side_panel_rect), 110 * ImGui::CalcTextSize("0").x, 20.0f);
}

TEST_F(Layout, TheSplitterResizesThePanelIsRememberedAndResetByADoubleClick) {
  AppHarness h(ImVec2(2000, 900));
  open(h);
  ASSERT_FALSE(h.app.side_panel_below);
  ASSERT_TRUE(h.app.splitter_rect.valid());
  const float automatic = width(h.app.side_panel_rect);
  drag(h, h.app.splitter_rect.center(), ImVec2(-100, 0));
  EXPECT_NEAR(width(h.app.side_panel_rect), automatic + 100, 2.0f);
  EXPECT_LE(ascii_end(h.hex().layout), h.app.side_panel_rect.min.x);
  h.app.save_settings_if_dirty();
  ASSERT_TRUE(h.app.settings_error.empty()) << h.app.settings_error;
  EXPECT_NEAR(load_settings(h.app.config_path).side_width, automatic + 100, 2.0f);
  // Never over the grid: a drag far left stops where the grid keeps its natural width.
  drag(h, h.app.splitter_rect.center(), ImVec2(-1000, 0));
  EXPECT_LE(ascii_end(h.hex().layout), h.app.splitter_rect.min.x);
  EXPECT_NEAR(width(h.app.grid_column_rect), hex_view_preferred_width(16, h.session().info()),
              1.0f);
  // A double-click on the splitter: automatic again.
  h.imgui.double_click(h.app.splitter_rect.center(), h.body);
  h.frames(2);
  EXPECT_EQ(h.app.settings.side_width, 0.0f);
  EXPECT_NEAR(width(h.app.side_panel_rect), automatic, 1.0f);
}

}  // namespace
}  // namespace memview::gui::testing
