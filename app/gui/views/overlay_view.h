// The Overlays panel: the "Add overlay" form (headers or pasted declarations, parsed on a
// worker; a type picker; placement at the cursor or an offset, as an array of N), the tree
// of every overlay of a session (field, type, offset, live value, inline editing), the
// colours overlay fields give to the hex grid and the overlay lines of its hover tooltip.
//
// A frame: overlay_request() (before the session's poll: the tree rows visible in the last
// frame, the hovered field, the field being edited), overlay_tint() (after the grid's
// layout: colours of the visible bytes), then drawing. Everything a test checks (rows
// drawn with their values and glow, the hovered field, messages, widget positions) is
// plain data in these structs.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <imgui.h>

#include "memview/change_tracker.h"
#include "memview/editor.h"
#include "memview/poller.h"
#include "memview/source.h"
#include "overlay.h"
#include "theme.h"
#include "views/hex_view.h"

namespace memview::gui {

// A widget's rectangle in the last frame (tests click its centre).
struct WidgetRect {
  ImVec2 min{0, 0}, max{0, 0};
  bool valid() const { return max.x > min.x; }
  ImVec2 center() const { return ImVec2((min.x + max.x) / 2, (min.y + max.y) / 2); }
  static WidgetRect last_item();
};

// The "Add overlay" form; one per App (it places into the active tab).
struct OverlayFormState {
  bool paste_mode = false;  // false: a header file; true: pasted declarations
  std::string header_path;
  std::string pasted;
  std::string standard = "c11";
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
};

struct OverlayDrawnRow {
  int overlay_id = 0;
  std::string key;
  std::string label;
  std::string type;
  std::string offset;
  std::string value;
  float glow = 0;
  bool own = false;
  bool editable = false;
  bool at_cursor = false;  // the grid's cursor is on this field (the row is highlighted)
  WidgetRect label_rect, value_rect, remove_rect;
};

// A session's overlays and the state of their tree.
struct OverlayPanelState {
  std::vector<std::unique_ptr<Overlay>> overlays;
  int next_id = 1;

  // Inline edit in progress.
  int edit_overlay = 0;  // overlay id, 0 = none
  std::string edit_key;
  std::string edit_text;
  bool edit_focus = false;
  bool edit_was_active = false;
  bool edit_finished = false;  // an edit ended this frame (focus goes back to the grid)

  std::string message;
  bool message_is_error = false;
  uint64_t write_count = 0;

  // Last frame: rows drawn (visible), and the global row range the clipper showed.
  std::vector<OverlayDrawnRow> drawn;
  std::vector<std::pair<std::string, WidgetRect>> popup_items;  // an open enum combo's items
  size_t visible_first = 0, visible_last = 0;
  int scroll_to_row = -1;  // global row index to bring into view next frame

  // The hex grid byte under the mouse, described (set while its tooltip shows).
  int hover_overlay = 0;
  std::string hover_path;
  std::string hover_value;
  Field hover_field;
  uint64_t hover_instance_addr = 0;
  bool hover_has_field = false;

  // Colours of the visible grid bytes (overlay_tint).
  std::vector<ImU32> tint;
  uint64_t tint_begin = 0, tint_end = 0;

  Overlay* find(int id);
  Overlay* add(std::unique_ptr<Overlay> overlay);
  void remove(int id);
  bool any_pending() const;
  // The overlay and row whose field covers `address` (last placed first), for clicks.
  // Total rows over all overlays (each overlay's rows()).
  size_t total_rows();
};

struct OverlayContext {
  const SourceInfo& info;
  const ChangeTracker& tracker;
  Editor* editor = nullptr;
  const Palette& palette;
  HexViewState& hex;  // cursor moves, fade
  int64_t now_ns = 0;
};

// Before the poll: the byte ranges the panel needs this frame.
void overlay_request(OverlayPanelState& state, Poller& poller);
// After the grid's layout: colours for the grid's visible bytes; points ctx at them.
void overlay_tint(OverlayPanelState& state, const HexViewState& hex, const Palette& palette,
                  HexViewContext& hctx);
// Tooltip lines for a grid byte (called inside the grid's tooltip).
void overlay_tooltip(OverlayPanelState& state, uint64_t address, const ChangeTracker& tracker,
                     const Palette& palette, int64_t now_ns, float fade_seconds);

// The tree of all overlays (fills the available space).
void draw_overlay_tree(OverlayPanelState& state, OverlayContext& ctx);
// The form; `library` lists the parses made so far.
OverlayFormAction draw_overlay_form(OverlayFormState& form, DeclLibrary& library,
                                    const SourceInfo* info, uint64_t cursor,
                                    const Palette& palette);

// Moves the grid's cursor to a row's field and selects its bytes.
void overlay_goto_row(const OverlayRow& row, HexViewState& hex, const SourceInfo& info);
// Writes `text` into the row `key` of overlay `id` (what Enter in the edit box does).
Status overlay_panel_write(OverlayPanelState& state, OverlayContext& ctx, int overlay_id,
                           const std::string& key, const std::string& text);

// Parses an offset typed in the form: decimal or 0x hex, relative to the source's base (an
// absolute address inside [base, end) is taken as is, as Go to does).
Result<uint64_t> parse_overlay_offset(std::string_view text, const SourceInfo& info);

}  // namespace memview::gui
