// A headless ImGui context (no window, no renderer) in which tests and benchmarks run real
// frames of the viewer and inject keys, characters and mouse input. Keys go through the
// same InputQueue as in the app, so a press and release queued before one frame are
// delivered over the following frames exactly as GLFW events would be.
#pragma once

#include <functional>
#include <string_view>

#include <imgui.h>

#include "input_queue.h"

namespace memview::gui {

class HeadlessImGui {
 public:
  // Creates and makes current a context with the app's font (or the built-in one when
  // use_app_font is false) and GLFW key codes in io.KeyMap.
  explicit HeadlessImGui(ImVec2 display_size = ImVec2(1280, 800), bool use_app_font = true);
  ~HeadlessImGui();
  HeadlessImGui(const HeadlessImGui&) = delete;
  HeadlessImGui& operator=(const HeadlessImGui&) = delete;

  ImGuiIO& io() { return ImGui::GetIO(); }
  InputQueue& input() { return input_; }

  // One frame: feeds one frame's worth of queued input, NewFrame, body, Render.
  void frame(const std::function<void()>& body);
  // Runs frames until the input queue is empty (at least `min_frames`).
  int frames_until_idle(const std::function<void()>& body, int min_frames = 1,
                        int max_frames = 1000);

  // Queued keyboard input (GLFW key codes, as the GLFW callbacks would queue them).
  void key_down(int glfw_key);
  void key_up(int glfw_key);
  void tap(int glfw_key);                  // press + release
  void chord(int modifier, int glfw_key);  // e.g. chord(GLFW_KEY_LEFT_CONTROL, GLFW_KEY_G)
  // Each character as a key press (letters, digits, space), the character, the release.
  void type(std::string_view text);

  // Mouse state for the next frames.
  void mouse_move(ImVec2 pos) { mouse_pos_ = pos; }
  void mouse_button(bool down, int button = 0) { mouse_down_[button == 1 ? 1 : 0] = down; }
  void mouse_wheel(float lines) { wheel_ += lines; }  // delivered by the next frame
  // Click = move, press for one frame, release for one frame (button 0: left, 1: right).
  void click(ImVec2 pos, const std::function<void()>& body, int button = 0);
  void double_click(ImVec2 pos, const std::function<void()>& body);

 private:
  ImGuiContext* context_ = nullptr;
  InputQueue input_;
  InputSink sink_;
  ImVec2 mouse_pos_{-1, -1};
  bool mouse_down_[2] = {false, false};  // left, right
  float wheel_ = 0;
};

}  // namespace memview::gui
