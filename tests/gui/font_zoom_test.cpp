// Text zoom: Ctrl+= / Ctrl+- / Ctrl+0 and Ctrl+wheel change the text size wherever the
// keyboard is, the grid is laid out with the larger characters at once, Ctrl+wheel does
// not scroll the grid, and the zoom is kept in settings.json for the next start. Real
// frames with injected keys and wheel against a real shared memory object.
#include "gui_test_support.h"

namespace memview::gui::testing {
namespace {

class FontZoom : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(obj.ok());
    ASSERT_TRUE(h.app.open(obj.spec()).ok()) << h.app.open_view.error;
    h.frames(3);
  }

  ShmObject obj{65536, "zoom"};
  AppHarness h;
};

TEST_F(FontZoom, KeysChangeTheTextSizeAndTheGridsCharacters) {
  const float w = h.hex().layout.char_w;
  ASSERT_GT(w, 0.0f);
  h.ctrl(GLFW_KEY_EQUAL);
  h.ctrl(GLFW_KEY_EQUAL);
  h.frames(2);
  EXPECT_FLOAT_EQ(h.app.settings.font_zoom, 1.2f);
  // (The grid lays characters out on whole pixels.)
  EXPECT_GT(h.hex().layout.char_w, w) << "the grid uses the larger font";
  EXPECT_NEAR(h.hex().layout.char_w, w * 1.2f, 1.0f);
  h.ctrl(GLFW_KEY_MINUS);
  h.frames(1);
  EXPECT_FLOAT_EQ(h.app.settings.font_zoom, 1.1f);
  h.ctrl(GLFW_KEY_0);
  h.frames(2);
  EXPECT_FLOAT_EQ(h.app.settings.font_zoom, 1.0f);
  EXPECT_NEAR(h.hex().layout.char_w, w, 0.01f);
  // Clamped at both ends.
  for (int i = 0; i < 30; ++i) h.ctrl(GLFW_KEY_MINUS);
  EXPECT_FLOAT_EQ(h.app.settings.font_zoom, Settings::kMinFontZoom);
  for (int i = 0; i < 40; ++i) h.ctrl(GLFW_KEY_EQUAL);
  EXPECT_FLOAT_EQ(h.app.settings.font_zoom, Settings::kMaxFontZoom);
}

TEST_F(FontZoom, CtrlWheelZoomsAndDoesNotScrollTheGrid) {
  const WidgetRect grid{ImVec2(h.hex().layout.addr_x, h.hex().layout.rows_y),
                        ImVec2(h.hex().layout.grid_right, h.hex().layout.grid_bottom)};
  h.imgui.mouse_move(grid.center());
  h.frames(1);
  h.imgui.key_down(GLFW_KEY_LEFT_CONTROL);
  h.frames(2);
  h.imgui.mouse_wheel(1.0f);
  h.frames(1);
  h.imgui.key_up(GLFW_KEY_LEFT_CONTROL);
  h.frames(2);
  EXPECT_FLOAT_EQ(h.app.settings.font_zoom, 1.1f);
  EXPECT_EQ(h.hex().top_row, 0u);
  // Without Ctrl the wheel scrolls as before.
  h.imgui.mouse_wheel(-1.0f);
  h.frames(2);
  EXPECT_GT(h.hex().top_row, 0u);
  EXPECT_FLOAT_EQ(h.app.settings.font_zoom, 1.1f);
}

TEST_F(FontZoom, TheZoomIsRememberedInSettings) {
  h.ctrl(GLFW_KEY_EQUAL);
  h.frames(1);
  h.app.save_settings_if_dirty();
  ASSERT_TRUE(h.app.settings_error.empty()) << h.app.settings_error;
  const Settings again = load_settings(h.app.config_path);
  EXPECT_FLOAT_EQ(again.font_zoom, 1.1f);
}

}  // namespace
}  // namespace memview::gui::testing
