// Keyboard input that never drops a key.
//
// ImGui 1.86 samples io.KeysDown once per frame, so a press and a release that both arrive
// between two frames (a fast tap, a synthetic key from xdotool, a key during a slow frame)
// would never be seen as pressed. The GLFW callbacks therefore only append to this queue;
// before each frame drain_frame() hands ImGui at most one transition per key, at most one
// non-modifier key press (with the characters it typed), and nothing but releases and
// modifiers in the frame after a command key (one that typed nothing: Ctrl+G, Enter, Tab),
// so ImGui has a whole frame to react to it (a dialog opening, focus moving) before the next
// key. The rest waits for later frames, so order and every transition are kept.
//
// Thread-safety: none; GLFW calls its callbacks on the main thread inside glfwPollEvents.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>

struct ImGuiIO;

namespace memview::gui {

struct InputEvent {
  enum class Type { key, character };
  Type type = Type::key;
  int key = 0;  // GLFW key code
  int scancode = 0;
  int action = 0;  // GLFW_PRESS / GLFW_RELEASE
  int mods = 0;
  unsigned codepoint = 0;
};

// Where drained events go: the GLFW backend's callbacks in the app, ImGuiIO in headless runs.
struct InputSink {
  std::function<void(int key, int scancode, int action, int mods)> key;
  std::function<void(unsigned codepoint)> character;
};

class InputQueue {
 public:
  // Key repeats (GLFW_REPEAT) are not queued: ImGui repeats held keys itself.
  void push_key(int key, int scancode, int action, int mods);
  void push_char(unsigned codepoint);

  // Feeds one frame's worth of events to `sink`; returns how many were fed.
  size_t drain_frame(const InputSink& sink);

  bool empty() const { return events_.empty(); }
  size_t size() const { return events_.size(); }
  void clear() {
    events_.clear();
    settle_next_ = false;
  }

 private:
  std::deque<InputEvent> events_;
  bool settle_next_ = false;
};

// The headless sink: applies key transitions and characters to `io` exactly as the GLFW
// backend of 1.86 does (io.KeysDown indexed by GLFW key codes, modifiers from KeysDown).
InputSink imgui_io_sink(ImGuiIO& io);

// io.KeyMap for GLFW key codes, as ImGui_ImplGlfw_Init sets it (for headless contexts).
void set_glfw_key_map(ImGuiIO& io);

bool is_modifier_key(int glfw_key);

}  // namespace memview::gui
