// The data inspector: values decoded from the live bytes; edits typed into real ImGui
// frames become one write of the value's bytes that another process reads.
#include <cstring>

#include "gui_test_support.h"

namespace memview::gui::testing {
namespace {

class InspectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(obj.ok());
    ASSERT_TRUE(h.app.open(obj.spec()).ok());
    h.frames(3);
  }
  InspectorState& insp() { return h.session().inspector; }
  const std::string& value(const char* label) {
    return insp().rows.at(static_cast<size_t>(inspector_row_index(label))).value;
  }
  // Clicks a row's value, types the text and presses Enter.
  void edit(const char* label, const std::string& text) {
    const int row = inspector_row_index(label);
    ASSERT_GE(row, 0);
    const InspectorRowView& v = insp().rows.at(static_cast<size_t>(row));
    h.imgui.click(ImVec2((v.min.x + v.max.x) / 2, (v.min.y + v.max.y) / 2), h.body);
    h.frames(2);
    ASSERT_EQ(insp().edit_row, row);
    // Select-all is on, so typing replaces the shown value.
    h.type(text);
    h.tap(GLFW_KEY_ENTER);
  }

  ShmObject obj{4096, "insp"};
  AppHarness h;
};

TEST_F(InspectorTest, ShowsTheBytesAtTheCursorInEveryType) {
  const unsigned char bytes[8] = {0x78, 0x56, 0x34, 0x12, 0xff, 0xff, 0xff, 0xff};
  std::memcpy(obj.bytes() + 0x40, bytes, 8);
  h.goto_offset("0x40");
  h.frame();
  EXPECT_EQ(value("uint8"), "120");
  EXPECT_EQ(value("uint16"), "22136");
  EXPECT_EQ(value("uint32"), "305419896");
  EXPECT_EQ(value("int64"), "-3989547400");
  EXPECT_EQ(value("binary"), "0111 1000");
  insp().endian = Endian::big;
  h.frame();
  EXPECT_EQ(value("uint16"), "30806");
  EXPECT_EQ(value("uint32"), "2018915346");
  // Near the end of the object, wider types are not available.
  h.goto_offset("4094");
  h.frame();
  EXPECT_EQ(value("uint32"), "n/a");
  EXPECT_EQ(value("uint16"), "0");
}

TEST_F(InspectorTest, EditingAValueWritesItsBytesInOneWrite) {
  h.goto_offset("0x100");
  edit("uint32", "3735928559");
  EXPECT_EQ(peer_read_hex(obj.name(), 0x100, 4), "efbeadde");
  EXPECT_FALSE(insp().message_is_error) << insp().message;
  EXPECT_EQ(insp().last_write_address, 0x100u);
  EXPECT_EQ(insp().last_write.size(), 4u);
  EXPECT_EQ(insp().write_count, 1u) << "one write for the whole value";
  EXPECT_EQ(h.hex().cursor, 0x100u) << "the cursor stays on the value";

  insp().endian = Endian::big;
  h.frame();
  edit("int16", "-2");
  EXPECT_EQ(peer_read_hex(obj.name(), 0x100, 2), "fffe");

  insp().endian = Endian::little;
  h.frame();
  edit("float64", "1.5");
  EXPECT_EQ(peer_read_hex(obj.name(), 0x100, 8), "000000000000f83f");
  edit("binary", "1010 0101");
  EXPECT_EQ(peer_read_hex(obj.name(), 0x100, 1), "a5");
  edit("text", "hello");
  EXPECT_EQ(peer_read_hex(obj.name(), 0x100, 5), "68656c6c6f");
  h.frame();
  EXPECT_EQ(value("text").substr(0, 5), "hello");
}

TEST_F(InspectorTest, AValueThatDoesNotFitIsRefusedAndNothingIsWritten) {
  obj.bytes()[0x80] = 0x11;
  obj.bytes()[0x81] = 0x22;
  h.goto_offset("0x80");
  edit("uint16", "70000");
  EXPECT_TRUE(insp().message_is_error);
  EXPECT_EQ(insp().write_count, 0u);
  EXPECT_EQ(insp().edit_row, inspector_row_index("uint16")) << "stays open to fix the value";
  EXPECT_EQ(peer_read_hex(obj.name(), 0x80, 2), "1122");
  h.tap(GLFW_KEY_ESCAPE);
  h.frames(2);
  EXPECT_EQ(insp().edit_row, -1);
}

}  // namespace
}  // namespace memview::gui::testing
