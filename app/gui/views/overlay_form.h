// The "Add overlay" form: declarations from a header file or pasted text (parsed on a
// worker, shared with every tab through the DeclLibrary), the parses made so far, a type
// picker with a filter, and where to place the type (at the cursor or an offset, as an
// array of N). It only proposes: the App loads and places what it asks for.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "memview/source.h"
#include "overlay.h"
#include "theme.h"
#include "widget_rect.h"

namespace memview::gui {

// The "Add overlay" form; one per App (it places into the active tab).
struct OverlayFormState {
  bool paste_mode = false;  // false: a header file; true: pasted declarations
  std::string header_path;
  std::string pasted;
  std::string standard;          // empty: the compiler's default (memview::default_standard)
  std::string include_dirs;      // separated by spaces or commas
  std::string defines;           // NAME or NAME=VALUE, separated by spaces or commas
  std::shared_ptr<DeclSet> set;  // the parse the type picker lists
  std::string type_name;
  std::string type_filter;
  bool filter_focus = false;
  bool at_cursor = true;
  std::string offset_text = "0";
  int count = 1;
  std::string message;
  bool message_is_error = false;
  // Placing a type where an overlay of it already is asks first: that overlay's title
  // (empty: not asking) and the placement waiting for the answer.
  std::string duplicate_of;
  uint64_t pending_address = 0, pending_count = 1;

  WidgetRect place_again_button, cancel_button;
  WidgetRect path_box, paste_box, load_button, type_combo, type_filter_box, offset_box, count_box,
      place_button, mode_header, mode_paste, at_offset_radio;
};

// What the form asks the App to do this frame.
struct OverlayFormAction {
  bool load = false;  // parse origin
  DeclOrigin origin;
  bool place = false;  // place `type_name` from form.set
  uint64_t address = 0;
  uint64_t count = 1;
  bool confirmed = false;  // the user said yes to placing a duplicate
};

// The form; `library` lists the parses made so far. `info` is the active tab's source
// (null: none), `cursor` its grid's cursor.
OverlayFormAction draw_overlay_form(OverlayFormState& form, DeclLibrary& library,
                                    const SourceInfo* info, uint64_t cursor,
                                    const Palette& palette);

}  // namespace memview::gui
