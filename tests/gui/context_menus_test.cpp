// The context menus in real frames against real shared memory. The grid's: a right-click
// on a byte opens it (keeping a selection the byte is in, else moving the cursor there) and
// each item does what it says: the three copies put the bytes read from the object on the
// clipboard, Bookmark here, Add overlay here, Add watch and Find this value hand the
// selection to their panels. An overlay field's: Copy value and Show in hex (its Watch is
// tested with the Watches panel).
#include <fmt/format.h>

#include <cstring>
#include <string>

#include "gui_test_support.h"
#include "memview/numbers.h"

namespace memview::gui::testing {
namespace {

class GridMenu : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(obj.ok());
    for (size_t i = 0; i < 256; ++i) obj.bytes()[i] = static_cast<unsigned char>(i * 7 + 1);
    std::memcpy(obj.bytes() + 0x60, "hi\tthere\x01", 10);
    ASSERT_TRUE(h.app.open(obj.spec()).ok()) << h.app.open_view.error;
    h.frames(3);
  }

  HexViewState& hex() { return h.session().hex; }

  void select(uint64_t from, uint64_t to) {
    hex_view_move_cursor(hex(), h.session().info(),
                         {.address = to, .select = CursorSelect::range, .anchor = from});
    h.frames(2);
  }

  // Right-click on the byte at `address`: the menu must open with its items.
  void open_menu(uint64_t address) {
    hex().menu_items.clear();
    h.imgui.click(hex_view_cell_center(hex(), address, HexColumn::hex), h.body, 1);
    h.frames(2);
    ASSERT_FALSE(hex().menu_items.empty()) << "no context menu";
  }

  void choose(const std::string& label) {
    for (const auto& [text, rect] : hex().menu_items) {
      if (text != label) continue;
      h.imgui.click(rect.center(), h.body);
      h.frames(3);
      return;
    }
    FAIL() << "no menu item " << label;
  }

  ShmObject obj{4096, "gridmenu"};
  AppHarness h;
};

TEST_F(GridMenu, CopiesTheSelectionAsHexCArrayAndText) {
  select(0x20, 0x23);
  open_menu(0x21);  // inside the selection: it stays
  EXPECT_TRUE(hex().has_selection());
  choose("Copy as C array");
  const auto b = [&](size_t i) { return static_cast<unsigned>(obj.bytes()[i]); };
  const std::string want =
      fmt::format("{{0x{:02x}, 0x{:02x}, 0x{:02x}, 0x{:02x}}}", b(0x20), b(0x21), b(0x22), b(0x23));
  EXPECT_EQ(hex().last_copied, want);
  EXPECT_EQ(std::string(ImGui::GetClipboardText()), want);
  EXPECT_EQ(hex().message, "copied 4 bytes as a C array");

  open_menu(0x22);
  choose("Copy as hex");
  EXPECT_EQ(hex().last_copied,
            fmt::format("{:02x} {:02x} {:02x} {:02x}", b(0x20), b(0x21), b(0x22), b(0x23)));

  select(0x60, 0x69);
  open_menu(0x61);
  choose("Copy as text");
  EXPECT_EQ(hex().last_copied, "hi\tthere..");  // 0x01 and the NUL as dots
}

TEST_F(GridMenu, ARightClickOutsideTheSelectionMovesTheCursorAndBookmarksThere) {
  select(0x20, 0x23);
  open_menu(0x45);
  EXPECT_FALSE(hex().has_selection());
  EXPECT_EQ(hex().cursor, 0x45u);
  choose("Bookmark here");
  ASSERT_EQ(h.session().bookmarks.items.size(), 1u);
  EXPECT_EQ(h.session().bookmarks.items[0].address, 0x45u);
  EXPECT_EQ(h.app.side_tab, SideTab::bookmarks);
}

TEST_F(GridMenu, AddWatchAddOverlayAndFindTakeTheSelection) {
  select(0x10, 0x13);
  open_menu(0x12);
  choose("Add watch");
  ASSERT_TRUE(frames_until(h, [&] { return !h.session().watches.watches.empty(); }));
  EXPECT_EQ(h.session().watches.watches[0]->target.address, 0x10u);
  EXPECT_EQ(h.session().watches.watches[0]->target.type, ScalarType::u32);
  EXPECT_EQ(h.app.side_tab, SideTab::watches);

  open_menu(0x11);
  choose("Add overlay here");
  EXPECT_FALSE(h.app.overlay_form.at_cursor);
  EXPECT_EQ(h.app.overlay_form.offset_text, "0x10");
  EXPECT_EQ(h.app.side_tab, SideTab::add_overlay);

  open_menu(0x10);
  choose("Find this value");
  const FindForm& f = h.session().find.form;
  EXPECT_EQ(f.mode, FindMode::pattern);
  EXPECT_EQ(f.pattern_kind, PatternKind::hex);
  EXPECT_EQ(f.pattern, format_hex_bytes(reinterpret_cast<const std::byte*>(obj.bytes()) + 0x10, 4));
  EXPECT_EQ(h.app.side_tab, SideTab::find);
}

TEST_F(GridMenu, AWatchOfAnOddSizeIsRefusedWithTheReason) {
  select(0x10, 0x12);  // 3 bytes
  open_menu(0x10);
  choose("Add watch");
  EXPECT_TRUE(h.session().watches.watches.empty());
  EXPECT_TRUE(h.session().watches.message_is_error);
  EXPECT_FALSE(h.session().watches.message.empty());
}

TEST_F(GridMenu, AnOverlayFieldsMenuCopiesItsValueAndShowsItsBytes) {
  int32_t v = -1234;
  std::memcpy(obj.bytes() + 0x84, &v, 4);
  Overlay* o = overlay_from_text(h, "struct p { int a; int b; };", "struct p", 0x80, "p");
  ASSERT_NE(o, nullptr);
  ASSERT_EQ(o->state(), Overlay::State::ready) << o->error();
  h.app.side_tab_request = SideTab::overlays;
  h.frames(3);
  OverlayPanelState& panel = h.session().overlays;
  auto field_menu = [&](const std::string& key, const std::string& label) {
    WidgetRect row;
    for (const OverlayDrawnRow& r : panel.drawn) {
      if (r.key == key) row = r.label_rect;
    }
    ASSERT_TRUE(row.valid()) << key;
    panel.field_menu_items.clear();
    h.imgui.click(row.center(), h.body, 1);
    h.frames(2);
    for (const auto& [text, rect] : panel.field_menu_items) {
      if (text != label) continue;
      h.imgui.click(rect.center(), h.body);
      h.frames(2);
      return;
    }
    FAIL() << "no item " << label << " in " << key << "'s menu";
  };
  field_menu("b", "Copy value");
  EXPECT_EQ(std::string(ImGui::GetClipboardText()), "-1234");
  EXPECT_EQ(panel.message, "copied b = -1234");
  field_menu("b", "Show in hex");
  EXPECT_TRUE(hex().has_selection());
  EXPECT_EQ(hex().selection_or_cursor().address, 0x84u);
  EXPECT_EQ(hex().selection_or_cursor().length, 4u);
}

}  // namespace
}  // namespace memview::gui::testing
