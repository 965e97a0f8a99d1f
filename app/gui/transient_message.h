// Messages that answer an action (a value written, a paste refused, an undo) are news for
// a few seconds and then go: an old message must not sit in the panel as if it were
// current. They are drawn in a line of their own that is there with or without a message,
// so that a message appearing or going never moves what is below it (a click aimed at the
// overlay tree's next row must land on that row).
#pragma once

#include <cstdint>
#include <string>

#include <imgui.h>

namespace memview::gui {

// How long a message stays: errors longer, they may need reading twice.
constexpr int64_t kMessageNs = 6'000'000'000;
constexpr int64_t kErrorMessageNs = 12'000'000'000;

// When the message now shown was first drawn. A setter that may repeat the same text calls
// restart() so that the repeat counts as new.
struct MessageClock {
  std::string seen;
  int64_t since_ns = 0;
  void restart() { seen.clear(); }
};

// Clears `text` once it has been shown for its time (starting the clock the first frame a
// text is seen). Returns whether there is a message to show.
bool age_message(std::string& text, bool is_error, MessageClock& clock, int64_t now_ns);

// One line: the message in `color` (cut at the line's end, the whole text in a tooltip),
// or an empty line of the same height.
void draw_message_line(const std::string& text, ImU32 color);

}  // namespace memview::gui
