// The Overlays panel: the tree of every overlay of a session (field, type, offset, live
// value, inline editing), the colours overlay fields give to the hex grid and the overlay
// lines of its hover tooltip. The form that places overlays is overlay_form.h.
//
// A frame: overlay_request() (after the grid's input and layout, before the session's
// poll: the tree rows visible in the last frame, the field under the grid's mouse, the
// field being edited), overlay_tint() (colours of the grid's visible bytes), then drawing:
// the grid's tooltip (overlay_tooltip) and the tree. Everything a test checks (rows drawn
// with their values and glow, what the tooltip said, messages, widget positions) is plain
// data in these structs. Removing an overlay from the tree is a request, applied by
// apply_requests() at the end of the frame.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <imgui.h>

#include "inline_edit.h"
#include "memview/change_tracker.h"
#include "memview/editor.h"
#include "memview/poller.h"
#include "memview/snapshot.h"
#include "memview/source.h"
#include "overlay.h"
#include "theme.h"
#include "transient_message.h"
#include "views/hex_view.h"
#include "widget_rect.h"

namespace memview::gui {

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
  bool differs = false;    // diff mode: the field's bytes differ between the two sides
  std::string diff_text;   // then its "old -> new" values (empty for a record)
  WidgetRect label_rect, value_rect, remove_rect;
};

// A session's overlays and the state of their tree.
struct OverlayPanelState {
  std::vector<std::unique_ptr<Overlay>> overlays;
  int next_id = 1;

  // Inline edit in progress: which field, and its edit box.
  int edit_overlay = 0;  // overlay id, 0 = none
  std::string edit_key;
  InlineEdit edit;

  // Overlays whose "remove" was clicked this frame (removed by apply_requests()).
  std::vector<int> remove_requests;
  // Fields whose context menu said "Watch" this frame (overlay id, row key); the Watches
  // panel takes them (take_overlay_watches).
  std::vector<std::pair<int, std::string>> watch_requests;
  WidgetRect watch_menu_item;  // the open context menu's "Watch" (last frame)
  // A field's context menu as last drawn: its items by label (Copy value, Show in hex, Watch).
  std::vector<std::pair<std::string, WidgetRect>> field_menu_items;

  // How numbers show: integer fields (and enums without a matching constant) in hex, with
  // the fields listed in other_base (overlay id, row key) shown in the other base; offsets
  // relative to each instance, or absolute (from the source's base).
  bool hex_numbers = false;
  std::set<std::pair<int, std::string>> other_base;
  bool absolute_offsets = false;
  bool shows_hex(int overlay_id, const std::string& key) const {
    return hex_numbers != (other_base.count({overlay_id, key}) != 0);
  }
  WidgetRect hex_box, absolute_box;  // the two boxes above the tree (last frame)

  // A line above the tree, there with or without a message (transient_message.h).
  std::string message;
  bool message_is_error = false;
  MessageClock message_clock;
  uint64_t write_count = 0;

  // Last frame: rows drawn (visible), and the global row range the clipper showed.
  std::vector<OverlayDrawnRow> drawn;
  std::vector<std::pair<std::string, WidgetRect>> popup_items;  // an open enum combo's items
  size_t visible_first = 0, visible_last = 0;
  int scroll_to_row = -1;  // global row index to bring into view next frame
  // A new overlay is scrolled into view (until its rows are ready); a cursor that moved onto
  // a field scrolls the tree to that field's row when it is not in view.
  int scroll_to_overlay = 0;
  uint64_t followed_cursor = UINT64_MAX;
  size_t shown_first = 0, shown_last = 0;  // the rows the tree showed when it was last drawn

  // What the grid's tooltip said about an overlay field this frame (empty: nothing).
  int hover_overlay = 0;
  std::string hover_path;
  std::string hover_value;

  // Colours of the visible grid bytes (overlay_tint).
  std::vector<ImU32> tint;
  uint64_t tint_begin = 0, tint_end = 0;

  Overlay* find(int id);
  // An overlay of `type_name` at `address` with `count` instances, if there is one.
  const Overlay* find_same(const std::string& type_name, uint64_t address, uint64_t count) const;
  // Adds an overlay and scrolls the tree to it.
  Overlay* add(std::unique_ptr<Overlay> overlay);
  void remove(int id);
  // Applies what the tree asked for this frame (removals); called at the end of the frame.
  void apply_requests();
  bool any_pending() const;
  // Total rows over all overlays (each overlay's rows()).
  size_t total_rows();
};

// Diff mode (the Snapshots panel's diff shown in the grid): the tree marks the fields whose
// bytes differ between the two sides and shows old -> new in place of the live value.
struct OverlayDiff {
  const SnapshotDiff* diff = nullptr;
  const Snapshot* old_snap = nullptr;
  const Snapshot* new_snap = nullptr;
};

struct OverlayContext {
  const SourceInfo& info;
  const ChangeTracker& tracker;
  Editor* editor = nullptr;
  const Palette& palette;
  HexViewState& hex;  // the cursor: marked in the tree, moved by a click on a field
  int64_t now_ns = 0;
  float fade_seconds = 1.0f;          // how long a changed value glows
  const OverlayDiff* diff = nullptr;  // diff mode; null: off
};

// Before the poll: the byte ranges the panel needs this frame (`hex` after its input:
// the field under the mouse is read for the tooltip).
void overlay_request(OverlayPanelState& state, const HexViewState& hex, Poller& poller);
// After the grid's layout: colours for the grid's visible bytes; points ctx at them.
void overlay_tint(OverlayPanelState& state, const HexViewState& hex, const Palette& palette,
                  HexViewContext& hctx);
// Tooltip lines for a grid byte (called inside the grid's tooltip).
void overlay_tooltip(OverlayPanelState& state, uint64_t address, const ChangeTracker& tracker,
                     const Palette& palette, int64_t now_ns, float fade_seconds);

// The tree of all overlays (fills the available space).
void draw_overlay_tree(OverlayPanelState& state, OverlayContext& ctx);
// Moves the grid's cursor to a row's field and selects its bytes.
void overlay_goto_row(const OverlayRow& row, HexViewState& hex, const SourceInfo& info);
// Writes `text` into the row `key` of overlay `id` (what Enter in the edit box does).
Status overlay_panel_write(OverlayPanelState& state, OverlayContext& ctx, int overlay_id,
                           const std::string& key, const std::string& text);

}  // namespace memview::gui
