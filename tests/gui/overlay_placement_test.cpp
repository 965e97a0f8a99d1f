// Where overlays go in the tree, in real frames over real shared memory: placing a type
// where an overlay of it already is asks first; a new overlay is scrolled into view; moving
// the grid's cursor onto a field that is out of view scrolls the tree to it.
#include <fmt/format.h>

#include "gui_test_support.h"

namespace memview::gui::testing {
namespace {

// A struct of 20 ints: 21 rows in the tree (its header and the fields).
std::string many_fields() {
  std::string d = "struct many {";
  for (int i = 0; i < 20; ++i) d += fmt::format(" int f{};", i);
  return d + " };";
}

class OverlayPlacement : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(obj.ok());
    ASSERT_TRUE(h.app.open(obj.spec()).ok()) << h.app.open_view.error;
    h.frames(2);
  }
  OverlayPanelState& panel() { return h.session().overlays; }
  void click(const WidgetRect& r) {
    ASSERT_TRUE(r.valid()) << "widget not drawn";
    h.imgui.click(r.center(), h.body);
    h.frames(2);
  }
  // The global row index of overlay o's row `key` (-1: not listed).
  int row_index(const Overlay& o, const std::string& key) {
    size_t g = 0;
    for (auto& other : panel().overlays) {
      const auto& rows = other->rows();
      for (size_t i = 0; i < rows.size(); ++i, ++g) {
        if (other.get() == &o && rows[i].key == key) return static_cast<int>(g);
      }
    }
    return -1;
  }
  bool in_view(const Overlay& o, const std::string& key) {
    const int g = row_index(o, key);
    return g >= 0 && static_cast<size_t>(g) >= panel().shown_first &&
           static_cast<size_t>(g) < panel().shown_last;
  }

  ShmObject obj{4096, "placement"};
  AppHarness h;
};

TEST_F(OverlayPlacement, ADuplicateAsksFirst) {
  DeclOrigin origin;
  origin.kind = DeclOrigin::Kind::text;
  origin.text = "struct hdr { unsigned int magic; short delta; };";
  OverlayFormState& f = h.app.overlay_form;
  f.set = h.app.decls.load(origin);
  ASSERT_TRUE(frames_until(h, [&] { return !f.set->parsing(); }));
  ASSERT_TRUE(f.set->ok()) << f.set->error();
  f.type_name = "struct hdr";
  f.at_cursor = false;
  f.offset_text = "0x100";
  auto show_form = [&] {
    h.app.side_tab_request = SideTab::add_overlay;
    h.frames(2);
  };
  show_form();
  click(f.place_button);
  ASSERT_EQ(panel().overlays.size(), 1u) << f.message;
  EXPECT_TRUE(f.duplicate_of.empty());

  show_form();
  click(f.place_button);
  EXPECT_EQ(panel().overlays.size(), 1u) << "the same type at the same place asks first";
  EXPECT_EQ(f.duplicate_of, "hdr");
  click(f.cancel_button);
  EXPECT_EQ(panel().overlays.size(), 1u);
  EXPECT_TRUE(f.duplicate_of.empty()) << "Cancel drops the question";

  click(f.place_button);
  ASSERT_FALSE(f.duplicate_of.empty());
  click(f.place_again_button);
  ASSERT_EQ(panel().overlays.size(), 2u) << "Place another adds it";
  EXPECT_EQ(panel().overlays.back()->address, 0x100u);

  show_form();
  f.offset_text = "0x200";
  click(f.place_button);
  EXPECT_EQ(panel().overlays.size(), 3u) << "another place: no question";
  EXPECT_TRUE(f.duplicate_of.empty());
}

TEST_F(OverlayPlacement, ANewOverlayIsScrolledIntoViewAndTheTreeFollowsTheCursor) {
  const std::string decls = many_fields();
  std::vector<Overlay*> added;
  for (int i = 0; i < 8; ++i) {
    Overlay* o = overlay_from_text(h, decls, "struct many", 0x100u * static_cast<uint64_t>(i));
    ASSERT_NE(o, nullptr);
    ASSERT_EQ(o->state(), Overlay::State::ready) << o->error();
    h.frames(3);
    EXPECT_TRUE(in_view(*o, "")) << "overlay " << i << " at row " << row_index(*o, "") << ", shown "
                                 << panel().shown_first << ".." << panel().shown_last;
    added.push_back(o);
  }
  ASSERT_LT(panel().shown_last - panel().shown_first, panel().total_rows())
      << "the tree must be taller than the panel for this test";
  EXPECT_FALSE(in_view(*added[0], "f5")) << "the first overlay scrolled away";

  // The cursor onto the first overlay's f5 (offset 20): the tree scrolls to it.
  h.goto_offset("0x14");
  h.frames(3);
  EXPECT_TRUE(in_view(*added[0], "f5"));
  bool marked = false;
  for (const OverlayDrawnRow& r : panel().drawn) {
    marked |= r.overlay_id == added[0]->id && r.key == "f5" && r.at_cursor;
  }
  EXPECT_TRUE(marked) << "the field at the cursor is highlighted";
  // A move to a field already in view does not scroll.
  const size_t first = panel().shown_first;
  h.goto_offset("0x18");
  h.frames(3);
  EXPECT_EQ(panel().shown_first, first);
  EXPECT_TRUE(in_view(*added[0], "f6"));
}

}  // namespace
}  // namespace memview::gui::testing
