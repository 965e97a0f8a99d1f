// The key to the grid's colours: each highlight the grid draws is listed with the theme's
// own colour (dark and light), and View > Colour key shows it.
#include <set>

#include "gui_test_support.h"
#include "views/colour_key.h"

namespace memview::gui::testing {
namespace {

TEST(ColourKey, ListsEachHighlightInTheThemesOwnColours) {
  AppHarness h;  // an ImGui context for the themes
  for (const Theme theme : {Theme::dark, Theme::light}) {
    const Palette p = apply_theme(theme);
    const std::vector<ColourKeyEntry> key = colour_key_entries(p);
    std::set<ImU32> colours;
    for (const ColourKeyEntry& e : key) {
      EXPECT_FALSE(e.meaning.empty());
      colours.insert(e.colour);
    }
    EXPECT_EQ(colours.size(), key.size()) << "each meaning its own colour";
    for (const ImU32 c :
         {p.glow, p.own_edit, p.selection, p.field_tint[0][0], p.unreadable, p.stale}) {
      EXPECT_EQ(colours.count(c), 1u) << "a grid colour missing from the key: " << c;
    }
  }
}

TEST(ColourKey, TheViewMenuShowsIt) {
  AppHarness h;
  h.frames(2);
  ASSERT_TRUE(h.app.view_menu_item.valid());
  h.imgui.click(h.app.view_menu_item.center(), h.body);
  h.frames(2);
  ASSERT_TRUE(h.app.colour_key_item.valid()) << "the View menu did not open";
  EXPECT_FALSE(h.app.colour_key_shown);
  h.imgui.mouse_move(h.app.colour_key_item.center());
  EXPECT_TRUE(frames_until(
      h, [&] { return h.app.colour_key_shown; }, 5.0))
      << "hovering Colour key opens the key";
}

}  // namespace
}  // namespace memview::gui::testing
