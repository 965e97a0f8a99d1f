// A value edited in place (the inspector's rows, the overlay tree's fields): a click opens
// an edit box with the keyboard in it and the value selected; Enter commits, and a commit
// that fails keeps the box open to fix the text; Escape or a click elsewhere cancels.
// The owner keeps which value is being edited; InlineEdit keeps the box's state.
#pragma once

#include <string>

#include "widget_rect.h"

namespace memview::gui {

struct InlineEdit {
  std::string text;
  bool focus = false;       // put the keyboard into the box in the next frame
  bool was_active = false;  // the box has had the keyboard (losing it then cancels)
  bool finished = false;    // an edit ended this frame (the app gives the keyboard back)

  enum class Event { none, commit, cancel };

  // Opens the box on `initial`.
  void start(std::string initial);
  // Draws the box over the available width (ImGui id "##edit"); `rect` gets its rectangle.
  // On commit the owner writes `text`, then calls committed().
  Event draw(WidgetRect& rect);
  // The owner's write after a commit: done (the edit ends) or refused (the box stays).
  void committed(bool ok);
  // Ends the edit after a cancel.
  void cancelled() { finished = true; }
};

}  // namespace memview::gui
