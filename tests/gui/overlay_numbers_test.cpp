// How the overlay tree shows numbers and offsets, in real frames over real shared memory:
// integers in decimal or hex (the "hex values" box for all, a field's menu for one; a
// negative value as its two's complement bits, edited in decimal), enums without a matching
// constant too, and offsets relative to each struct or absolute from the source's start.
#include <cstring>

#include "gui_test_support.h"

namespace memview::gui::testing {
namespace {

constexpr const char* kDecls =
    "enum mode { IDLE = 0, RUN = 1 };\n"
    "struct hdr { unsigned int magic; short delta; enum mode mode; unsigned char flags : 3; };";

class OverlayNumbers : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(obj.ok());
    const uint32_t magic = 0x57454956;
    const int16_t delta = -2;
    const int32_t mode = 7;  // no constant
    std::memcpy(obj.bytes() + 0x100, &magic, 4);
    std::memcpy(obj.bytes() + 0x104, &delta, 2);
    std::memcpy(obj.bytes() + 0x108, &mode, 4);
    obj.bytes()[0x10c] = 5;
    ASSERT_TRUE(h.app.open(obj.spec()).ok()) << h.app.open_view.error;
    h.frames(2);
    o = overlay_from_text(h, kDecls, "struct hdr", 0x100, "hdr");
    ASSERT_NE(o, nullptr);
    ASSERT_EQ(o->state(), Overlay::State::ready) << o->error();
    h.app.side_tab_request = SideTab::overlays;
    h.frames(3);
  }
  OverlayPanelState& panel() { return h.session().overlays; }
  const OverlayDrawnRow& row(const std::string& key) {
    for (const OverlayDrawnRow& r : panel().drawn) {
      if (r.overlay_id == o->id && r.key == key) return r;
    }
    ADD_FAILURE() << "no row " << key;
    static const OverlayDrawnRow none;
    return none;
  }
  void click(const WidgetRect& r, int button = 0) {
    ASSERT_TRUE(r.valid());
    h.imgui.click(r.center(), h.body, button);
    h.frames(2);
  }
  void menu(const std::string& key, const std::string& item) {
    panel().field_menu_items.clear();
    click(row(key).label_rect, 1);
    for (const auto& [text, rect] : panel().field_menu_items) {
      if (text == item) return click(rect);
    }
    FAIL() << "no item " << item << " in " << key << "'s menu";
  }

  ShmObject obj{4096, "ovlnum"};
  AppHarness h;
  Overlay* o = nullptr;
};

TEST_F(OverlayNumbers, IntegersShowInDecimalOrHexForAllOrForOneField) {
  EXPECT_EQ(row("magic").value, "1464158550");
  EXPECT_EQ(row("delta").value, "-2");
  EXPECT_EQ(row("flags").value, "5");
  click(panel().hex_box);
  EXPECT_EQ(row("magic").value, "0x57454956");
  EXPECT_EQ(row("delta").value, "0xfffe") << "the bits of a negative value";
  EXPECT_EQ(row("mode").value, "0x00000007") << "an enum without a matching constant";
  EXPECT_EQ(row("flags").value, "0x5") << "a 3-bit field: one digit";
  // One field in the other base, from its menu; the others stay in hex.
  menu("magic", "Value in decimal");
  EXPECT_EQ(row("magic").value, "1464158550");
  EXPECT_EQ(row("delta").value, "0xfffe");
  click(panel().hex_box);
  EXPECT_EQ(row("magic").value, "0x57454956") << "still the other base than the rest";
  EXPECT_EQ(row("delta").value, "-2");
  menu("magic", "Value in decimal");
  EXPECT_EQ(row("magic").value, "1464158550");
}

TEST_F(OverlayNumbers, AValueShownInHexIsEditedAsShownAndANegativeOneInDecimal) {
  click(panel().hex_box);
  click(row("magic").value_rect);
  ASSERT_EQ(panel().edit_key, "magic");
  EXPECT_EQ(panel().edit.text, "0x57454956");
  h.ctrl(GLFW_KEY_A);
  h.type("0x11223344");
  h.tap(GLFW_KEY_ENTER);
  h.frames(2);
  uint32_t magic = 0;
  std::memcpy(&magic, obj.bytes() + 0x100, 4);
  EXPECT_EQ(magic, 0x11223344u);
  click(row("delta").value_rect);
  ASSERT_EQ(panel().edit_key, "delta");
  EXPECT_EQ(panel().edit.text, "-2");
}

TEST_F(OverlayNumbers, OffsetsAreRelativeToTheStructOrAbsolute) {
  EXPECT_EQ(row("magic").offset, "0x0");
  EXPECT_EQ(row("delta").offset, "0x4");
  EXPECT_EQ(row("flags").offset, "0xc.0");
  click(panel().absolute_box);
  EXPECT_EQ(row("magic").offset, "0x100");
  EXPECT_EQ(row("delta").offset, "0x104");
  EXPECT_EQ(row("flags").offset, "0x10c.0");
}

}  // namespace
}  // namespace memview::gui::testing
