#include "input_queue.h"

#include <GLFW/glfw3.h>
#include <imgui.h>

#include <iterator>

namespace memview::gui {

bool is_modifier_key(int k) {
  switch (k) {
    case GLFW_KEY_LEFT_SHIFT:
    case GLFW_KEY_RIGHT_SHIFT:
    case GLFW_KEY_LEFT_CONTROL:
    case GLFW_KEY_RIGHT_CONTROL:
    case GLFW_KEY_LEFT_ALT:
    case GLFW_KEY_RIGHT_ALT:
    case GLFW_KEY_LEFT_SUPER:
    case GLFW_KEY_RIGHT_SUPER:
      return true;
    default:
      return false;
  }
}

void InputQueue::push_key(int key, int scancode, int action, int mods) {
  if (action != GLFW_PRESS && action != GLFW_RELEASE) return;
  InputEvent e;
  e.type = InputEvent::Type::key;
  e.key = key;
  e.scancode = scancode;
  e.action = action;
  e.mods = mods;
  events_.push_back(e);
}

void InputQueue::push_char(unsigned codepoint) {
  InputEvent e;
  e.type = InputEvent::Type::character;
  e.codepoint = codepoint;
  events_.push_back(e);
}

size_t InputQueue::drain_frame(const InputSink& sink) {
  const bool settling = settle_next_;
  settle_next_ = false;
  // Keys seen this frame; a handful at most, so a small linear set is fine.
  int seen[16];
  size_t n_seen = 0;
  bool unit = false;      // a key press (or typed text) was delivered this frame
  bool typed = false;     // ... and it typed characters
  bool chars_ok = false;  // the last event delivered was that press or its characters
  size_t fed = 0;
  while (!events_.empty()) {
    const InputEvent& e = events_.front();
    if (e.type == InputEvent::Type::key) {
      bool again = false;
      for (size_t i = 0; i < n_seen; ++i) again |= seen[i] == e.key;
      // A second transition of the same key would overwrite the first inside this frame.
      if (again || n_seen == std::size(seen)) break;
      if (e.action == GLFW_PRESS && !is_modifier_key(e.key)) {
        // One key press per frame, and none in the frame after a command key (one that
        // typed nothing: Ctrl+G, Enter, Tab...): ImGui gets a whole frame to react to it
        // (open a dialog, move focus) before the next key arrives.
        if (settling || unit) break;
        unit = true;
        chars_ok = true;
      } else {
        // Modifiers stay as they were when the key was pressed: xdotool sends Ctrl up before
        // G up, and a Ctrl release in the frame of the G press would turn Ctrl+G into G.
        if (unit && is_modifier_key(e.key)) break;
        chars_ok = false;
      }
      seen[n_seen++] = e.key;
      if (sink.key) sink.key(e.key, e.scancode, e.action, e.mods);
    } else {
      if (settling) break;
      if (!unit) {
        unit = true;  // text without a key event (an input method) is a unit of its own
        chars_ok = true;
      } else if (!chars_ok) {
        break;
      }
      typed = true;
      if (sink.character) sink.character(e.codepoint);
    }
    events_.pop_front();
    ++fed;
  }
  settle_next_ = unit && !typed;
  return fed;
}

InputSink imgui_io_sink(ImGuiIO& io) {
  InputSink sink;
  ImGuiIO* p = &io;
  sink.key = [p](int key, int, int action, int) {
    if (key >= 0 && key < static_cast<int>(IM_ARRAYSIZE(p->KeysDown))) {
      if (action == GLFW_PRESS) p->KeysDown[key] = true;
      if (action == GLFW_RELEASE) p->KeysDown[key] = false;
    }
    p->KeyCtrl = p->KeysDown[GLFW_KEY_LEFT_CONTROL] || p->KeysDown[GLFW_KEY_RIGHT_CONTROL];
    p->KeyShift = p->KeysDown[GLFW_KEY_LEFT_SHIFT] || p->KeysDown[GLFW_KEY_RIGHT_SHIFT];
    p->KeyAlt = p->KeysDown[GLFW_KEY_LEFT_ALT] || p->KeysDown[GLFW_KEY_RIGHT_ALT];
    p->KeySuper = p->KeysDown[GLFW_KEY_LEFT_SUPER] || p->KeysDown[GLFW_KEY_RIGHT_SUPER];
  };
  sink.character = [p](unsigned c) { p->AddInputCharacter(c); };
  return sink;
}

void set_glfw_key_map(ImGuiIO& io) {
  io.KeyMap[ImGuiKey_Tab] = GLFW_KEY_TAB;
  io.KeyMap[ImGuiKey_LeftArrow] = GLFW_KEY_LEFT;
  io.KeyMap[ImGuiKey_RightArrow] = GLFW_KEY_RIGHT;
  io.KeyMap[ImGuiKey_UpArrow] = GLFW_KEY_UP;
  io.KeyMap[ImGuiKey_DownArrow] = GLFW_KEY_DOWN;
  io.KeyMap[ImGuiKey_PageUp] = GLFW_KEY_PAGE_UP;
  io.KeyMap[ImGuiKey_PageDown] = GLFW_KEY_PAGE_DOWN;
  io.KeyMap[ImGuiKey_Home] = GLFW_KEY_HOME;
  io.KeyMap[ImGuiKey_End] = GLFW_KEY_END;
  io.KeyMap[ImGuiKey_Insert] = GLFW_KEY_INSERT;
  io.KeyMap[ImGuiKey_Delete] = GLFW_KEY_DELETE;
  io.KeyMap[ImGuiKey_Backspace] = GLFW_KEY_BACKSPACE;
  io.KeyMap[ImGuiKey_Space] = GLFW_KEY_SPACE;
  io.KeyMap[ImGuiKey_Enter] = GLFW_KEY_ENTER;
  io.KeyMap[ImGuiKey_Escape] = GLFW_KEY_ESCAPE;
  io.KeyMap[ImGuiKey_KeyPadEnter] = GLFW_KEY_KP_ENTER;
  io.KeyMap[ImGuiKey_A] = GLFW_KEY_A;
  io.KeyMap[ImGuiKey_C] = GLFW_KEY_C;
  io.KeyMap[ImGuiKey_V] = GLFW_KEY_V;
  io.KeyMap[ImGuiKey_X] = GLFW_KEY_X;
  io.KeyMap[ImGuiKey_Y] = GLFW_KEY_Y;
  io.KeyMap[ImGuiKey_Z] = GLFW_KEY_Z;
}

}  // namespace memview::gui
