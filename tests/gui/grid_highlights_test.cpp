// How the grid layers its highlights, read from the draw data ImGui renders: a selection
// never hides the change glow (the glow is drawn over it), and overlay fields are a band
// along the bottom of their cells, so a field that changes still shows the glow's fill.
#include "draw_data.h"
#include "gui_test_support.h"

namespace memview::gui::testing {
namespace {

class GridHighlights : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(obj.ok());
    ASSERT_TRUE(h.app.open(obj.spec()).ok()) << h.app.open_view.error;
    h.frames(3);
  }
  // Centre of byte i's hex cell in row 0 (the view at the top).
  ImVec2 hex_cell(int i) {
    const HexLayout& l = h.hex().layout;
    return ImVec2(
        l.hex_x + (static_cast<float>(i) * 3.0f + (i >= 8 ? 1.0f : 0.0f) + 1.0f) * l.char_w,
        l.rows_y + l.row_h / 2);
  }
  ShmObject obj{4096, "highlights"};
  AppHarness h;
};

TEST_F(GridHighlights, TheGlowIsDrawnOverTheSelection) {
  hex_view_move_cursor(h.hex(), h.session().info(),
                       {.address = 15, .select = CursorSelect::range, .anchor = 0});
  h.frames(2);
  peer_write_hex(obj.name(), 4, "aabbccdd");
  h.frame();
  ASSERT_EQ(h.hex().highlighted_bytes, 4);
  const Palette& pal = h.app.palette;
  const auto sel = rect_at(hex_cell(5), pal.selection, true);
  const auto glow = rect_at(hex_cell(5), pal.glow, false);
  ASSERT_TRUE(sel.has_value()) << "the selection is drawn";
  ASSERT_TRUE(glow.has_value()) << "the glow is drawn";
  EXPECT_GT(glow->order, sel->order) << "the glow lies over the selection";
  // A selected byte that did not change: the selection alone.
  EXPECT_FALSE(rect_at(hex_cell(1), pal.glow, false).has_value());
  EXPECT_TRUE(rect_at(hex_cell(1), pal.selection, true).has_value());
}

TEST_F(GridHighlights, OverlayFieldsAreABandUnderTheCellsNotAFill) {
  Overlay* o = overlay_from_text(h, "struct s { int a; int b; };", "struct s", 0);
  ASSERT_NE(o, nullptr);
  ASSERT_EQ(o->state(), Overlay::State::ready) << o->error();
  h.frames(2);
  peer_write_hex(obj.name(), 1, "77");
  h.frame();
  const HexLayout& l = h.hex().layout;
  const ImVec2 bottom(hex_cell(1).x, l.rows_y + l.row_h - 1.0f);
  std::optional<Found> band;
  for (const auto& hue : h.app.palette.field_tint) {
    for (ImU32 shade : hue) {
      if (!band) band = rect_at(bottom, tint_underline(shade), true);
    }
  }
  ASSERT_TRUE(band.has_value()) << "field a is underlined";
  EXPECT_LE(band->y1 - band->y0, l.row_h * 0.25f) << "a band, not the whole cell";
  const auto glow = rect_at(hex_cell(1), h.app.palette.glow, false);
  ASSERT_TRUE(glow.has_value()) << "the changed byte of the field glows";
  EXPECT_NEAR(glow->y1 - glow->y0, l.row_h, 0.5f) << "the glow fills the cell";
}

}  // namespace
}  // namespace memview::gui::testing
