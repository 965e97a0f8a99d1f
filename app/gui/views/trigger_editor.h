// The trigger box of the Record form: the expression (the recorder's grammar), Tab or a
// click on a suggestion completes an overlay field path, a parse error is shown with a mark
// under the column it names, and "pause at trigger". The state is TriggerEditState
// (trigger_edit.h); the App parses the text before the form draws.
#pragma once

#include "theme.h"
#include "trigger_edit.h"

namespace memview::gui {

void draw_trigger_editor(TriggerEditState& e, const Palette& pal);

}  // namespace memview::gui
