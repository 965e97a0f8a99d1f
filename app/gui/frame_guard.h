// The guard around one frame of the viewer: whatever the frame's code throws (an
// allocation that fails, a bug), the viewer goes on. The exception is caught, the ImGui
// windows, tables, tab bars and ID/style stacks the frame left open are closed, so the
// frame can still be ended and rendered, and the message is handed back for the status
// bar.
#pragma once

#include <functional>
#include <string>

namespace memview::gui {

// Runs body() (between ImGui::NewFrame and ImGui::Render, with no window of the caller's
// open: recovery closes every window back to the implicit one). Returns the empty string
// when it finished normally, else what it threw.
std::string run_frame_guarded(const std::function<void()>& body);

}  // namespace memview::gui
