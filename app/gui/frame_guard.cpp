#include "frame_guard.h"

#include <imgui.h>
#include <imgui_internal.h>

#include <exception>
#include <new>

namespace memview::gui {

std::string run_frame_guarded(const std::function<void()>& body) {
  std::string failure;
  try {
    body();
    return {};
  } catch (const std::bad_alloc&) {
    failure = "out of memory";
  } catch (const std::exception& e) {
    failure = e.what() && *e.what() ? e.what() : "unknown error";
  } catch (...) {
    failure = "unknown error";
  }
  // ImGui's own recovery (as after a script error): ends the open tables, tab bars, tree
  // nodes, groups, ID and style pushes, child windows and windows, back to the implicit
  // fallback window NewFrame() opened.
  ImGui::ErrorCheckEndFrameRecover(nullptr, nullptr);
  return failure;
}

}  // namespace memview::gui
