// The key to the grid's colours (View > Colour key): what each highlight means, drawn with
// the theme's own colours.
#pragma once

#include <string>
#include <vector>

#include <imgui.h>

#include "theme.h"

namespace memview::gui {

struct ColourKeyEntry {
  ImU32 colour = 0;
  bool text = false;  // the colour is the bytes' text colour, not their background
  std::string meaning;
  bool underline = false;  // drawn as a line under the bytes (tint_underline())
};

// The entries, in the order the key lists them.
std::vector<ColourKeyEntry> colour_key_entries(const Palette& palette);

// The key as menu content: a swatch ("00" in the colour when it is a text colour) and the
// meaning, one per line.
void draw_colour_key(const Palette& palette);

}  // namespace memview::gui
