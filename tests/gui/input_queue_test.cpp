// The key queue: ImGui 1.86 samples key state once per frame, so a press and a release
// between two frames are lost unless queued. These tests show the loss with direct
// delivery and that the queue delivers every transition, in order.
#include <vector>

#include "gui_test_support.h"

namespace memview::gui::testing {
namespace {

TEST(InputQueue, DrainsAtMostOneTransitionPerKeyPerFrame) {
  InputQueue q;
  q.push_key(GLFW_KEY_LEFT_CONTROL, 0, GLFW_PRESS, 0);
  q.push_key(GLFW_KEY_G, 0, GLFW_PRESS, GLFW_MOD_CONTROL);
  q.push_key(GLFW_KEY_G, 0, GLFW_RELEASE, GLFW_MOD_CONTROL);
  q.push_key(GLFW_KEY_LEFT_CONTROL, 0, GLFW_RELEASE, 0);
  q.push_key(GLFW_KEY_1, 0, GLFW_REPEAT, 0);  // repeats are ImGui's job: not queued
  EXPECT_EQ(q.size(), 4u);

  std::vector<std::pair<int, int>> got;
  InputSink sink;
  sink.key = [&](int key, int, int action, int) { got.emplace_back(key, action); };
  EXPECT_EQ(q.drain_frame(sink), 2u);  // Ctrl down, G down; G up waits for the next frame
  EXPECT_EQ(got.size(), 2u);
  EXPECT_EQ(q.drain_frame(sink), 2u);  // G up, Ctrl up (releases only after a press)
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[2], std::make_pair(GLFW_KEY_G, GLFW_RELEASE));
  EXPECT_EQ(got[3], std::make_pair(GLFW_KEY_LEFT_CONTROL, GLFW_RELEASE));
  EXPECT_TRUE(q.empty());
}

TEST(InputQueue, OneKeyPressPerFrameKeepsCharactersWithTheirKeys) {
  InputQueue q;
  // "ab" typed faster than a frame: press a, 'a', release a, press b, 'b', release b.
  q.push_key(GLFW_KEY_A, 0, GLFW_PRESS, 0);
  q.push_char('a');
  q.push_key(GLFW_KEY_A, 0, GLFW_RELEASE, 0);
  q.push_key(GLFW_KEY_B, 0, GLFW_PRESS, 0);
  q.push_char('b');
  q.push_key(GLFW_KEY_B, 0, GLFW_RELEASE, 0);
  std::string chars;
  InputSink sink;
  sink.key = [](int, int, int, int) {};
  sink.character = [&](unsigned c) { chars += static_cast<char>(c); };
  EXPECT_EQ(q.drain_frame(sink), 2u);  // press a, 'a' (release a is a's second transition)
  EXPECT_EQ(chars, "a");
  EXPECT_EQ(q.drain_frame(sink), 3u);  // release a, press b, 'b'
  EXPECT_EQ(chars, "ab");
  EXPECT_EQ(q.drain_frame(sink), 1u);  // release b
  EXPECT_TRUE(q.empty());
}

TEST(InputQueue, ACommandKeyGetsAFrameOfItsOwnBeforeTheNextKey) {
  InputQueue q;
  // Enter (types nothing) then '1': the frame after Enter delivers only Enter's release.
  q.push_key(GLFW_KEY_ENTER, 0, GLFW_PRESS, 0);
  q.push_key(GLFW_KEY_ENTER, 0, GLFW_RELEASE, 0);
  q.push_key(GLFW_KEY_1, 0, GLFW_PRESS, 0);
  q.push_char('1');
  q.push_key(GLFW_KEY_1, 0, GLFW_RELEASE, 0);
  std::vector<int> keys;
  std::string chars;
  InputSink sink;
  sink.key = [&](int key, int, int, int) { keys.push_back(key); };
  sink.character = [&](unsigned c) { chars += static_cast<char>(c); };
  EXPECT_EQ(q.drain_frame(sink), 1u);  // press Enter
  EXPECT_EQ(q.drain_frame(sink), 1u);  // release Enter only
  EXPECT_EQ(chars, "");
  EXPECT_EQ(q.drain_frame(sink), 2u);  // press 1, '1'
  EXPECT_EQ(chars, "1");
  EXPECT_EQ(q.drain_frame(sink), 1u);
  EXPECT_TRUE(q.empty());
  // Text without key events (an input method): one run of characters per frame.
  q.push_char('x');
  q.push_char('y');
  EXPECT_EQ(q.drain_frame(sink), 2u);
  EXPECT_EQ(chars, "1xy");
}

TEST(InputQueue, AModifierReleaseNeverLandsInTheFrameOfTheKeyItModifies) {
  // xdotool's "key ctrl+g": Ctrl down, G down, Ctrl up, G up; here Ctrl down reached an
  // earlier frame than the rest.
  InputQueue q;
  std::vector<std::pair<int, int>> got;
  InputSink sink;
  sink.key = [&](int key, int, int action, int) { got.emplace_back(key, action); };
  q.push_key(GLFW_KEY_LEFT_CONTROL, 0, GLFW_PRESS, 0);
  EXPECT_EQ(q.drain_frame(sink), 1u);
  q.push_key(GLFW_KEY_G, 0, GLFW_PRESS, GLFW_MOD_CONTROL);
  q.push_key(GLFW_KEY_LEFT_CONTROL, 0, GLFW_RELEASE, GLFW_MOD_CONTROL);
  q.push_key(GLFW_KEY_G, 0, GLFW_RELEASE, 0);
  EXPECT_EQ(q.drain_frame(sink), 1u);  // G down alone: Ctrl is still down in this frame
  EXPECT_EQ(got.back(), std::make_pair(GLFW_KEY_G, GLFW_PRESS));
  EXPECT_EQ(q.drain_frame(sink), 2u);
  EXPECT_TRUE(q.empty());
}

class KeyDeliveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(obj.ok());
    ASSERT_TRUE(h.app.open(obj.spec()).ok());
    h.frames(3);
  }
  ShmObject obj{4096, "keys"};
  AppHarness h;
};

TEST_F(KeyDeliveryTest, DirectDeliveryLosesATapWithinOneFrame) {
  // What the stock GLFW backend does: both transitions land in io.KeysDown before the
  // frame, so ImGui never sees the key down.
  InputSink direct = imgui_io_sink(h.imgui.io());
  direct.key(GLFW_KEY_RIGHT, 0, GLFW_PRESS, 0);
  direct.key(GLFW_KEY_RIGHT, 0, GLFW_RELEASE, 0);
  h.frames(2);
  EXPECT_EQ(h.hex().cursor, 0u) << "1.86 samples keys per frame: the tap is lost";
}

TEST_F(KeyDeliveryTest, QueuedPressAndReleaseWithinOneFrameStillLand) {
  // Press and release queued before a single frame, many times over.
  for (int i = 0; i < 10; ++i) {
    h.imgui.key_down(GLFW_KEY_RIGHT);
    h.imgui.key_up(GLFW_KEY_RIGHT);
  }
  h.settle();
  EXPECT_EQ(h.hex().cursor, 10u);
}

TEST_F(KeyDeliveryTest, ABurstOfTypedHexDigitsIsNeverDropped) {
  // 64 digits queued at once, as `xdotool type --delay 0` produces them.
  const std::string digits = "00112233445566778899aabbccddeeff0123456789abcdeffedcba9876543210";
  h.imgui.type(digits);
  h.settle();
  EXPECT_EQ(peer_read_hex(obj.name(), 0, 32), digits);
  EXPECT_EQ(h.hex().cursor, 32u);
}

TEST_F(KeyDeliveryTest, CtrlGAsXdotoolSendsItAcrossFrames) {
  h.imgui.key_down(GLFW_KEY_LEFT_CONTROL);
  h.frame();
  h.imgui.key_down(GLFW_KEY_G);
  h.imgui.key_up(GLFW_KEY_LEFT_CONTROL);
  h.imgui.key_up(GLFW_KEY_G);
  h.settle();
  EXPECT_TRUE(h.hex().goto_open);
}

TEST_F(KeyDeliveryTest, ChordAndFollowingCharactersKeepTheirOrder) {
  // Ctrl+G, the offset, Enter and two digits all queued before one frame.
  h.imgui.chord(GLFW_KEY_LEFT_CONTROL, GLFW_KEY_G);
  h.imgui.type("0x20");
  h.imgui.tap(GLFW_KEY_ENTER);
  h.imgui.type("7f");
  h.settle();
  EXPECT_EQ(h.hex().cursor, 0x21u);
  EXPECT_EQ(peer_read_hex(obj.name(), 0x20, 1), "7f");
}

}  // namespace
}  // namespace memview::gui::testing
