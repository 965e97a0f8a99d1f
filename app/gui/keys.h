// Keyboard queries for the views. The keys Dear ImGui 1.86 names (arrows, paging, Home/End,
// Tab, Enter, Escape, and A C V X Y Z for shortcuts) are asked by their ImGuiKey_; the other
// letters and the function keys by the backend's key code, which in this viewer is always
// GLFW's: main.cpp and the headless harness both install GLFW's key map (input_queue.h).
#pragma once

#include <GLFW/glfw3.h>
#include <imgui.h>

namespace memview::gui {

// Whether `key` went down this frame (with key repeat when `repeat`).
inline bool key_pressed(ImGuiKey key, bool repeat = true) {
  return ImGui::IsKeyPressed(ImGui::GetKeyIndex(key), repeat);
}

// The same for a key ImGuiKey_ does not name in 1.86 (GLFW_KEY_G, GLFW_KEY_F1, ...).
inline bool glfw_key_pressed(int glfw_key, bool repeat = false) {
  return ImGui::IsKeyPressed(glfw_key, repeat);
}

}  // namespace memview::gui
