// The Snapshots side panel: snapshots of the tab (the whole object, a typed range or the
// selection) taken
// into memory or to a file, snapshot files loaded, named and renamed; and the diff mode:
// the live bytes against a snapshot (re-diffed as they change), or one snapshot against
// another, as a list of
// differing ranges (offset, length, old -> new) with a count and next/previous navigation,
// filtered by how often the activity map saw a range change (noise) or by the overlays'
// fields; the grid underlines the differing bytes.
//
// The panel owns no I/O: what it asks for (take, load, diff) is recorded in the state and
// started by the session at the end of the frame (session_snapshots.cpp) on workers.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "memview/activity.h"
#include "memview/snapshot.h"
#include "theme.h"
#include "views/hex_view.h"
#include "views/overlay_view.h"
#include "widget_rect.h"

namespace memview::gui {

struct SnapshotItem {
  std::shared_ptr<const Snapshot> snap;
  std::string name;  // the user's label (renamable; a snapshot's own name when loaded)
  std::string path;  // the file it was saved to or loaded from, empty: memory only
};

struct SnapshotsState {
  std::vector<SnapshotItem> items;

  // The form. What Take reads: the whole object (a process: its readable regions), a range
  // typed as offset + length (decimal or 0x hex), or the grid's selection.
  enum class Scope { whole, range, selection };
  Scope scope = Scope::whole;
  std::string range_offset, range_length;
  bool to_file = false;
  std::string file_path;  // where Take writes when to_file
  std::string load_path;

  // Asked for this frame (the session starts the job at the end of the frame).
  bool take_request = false;
  std::optional<ByteRange> take_range;
  std::string take_path;
  std::string load_request;
  bool diff_request = false;  // stays set until the session can start it
  bool busy = false;          // a take or load runs (set by the session)
  bool diffing = false;       // a diff runs (set by the session)

  std::string message;
  bool message_is_error = false;

  // Renaming item rename_index (-1: none) in an edit box.
  int rename_index = -1;
  std::string rename_text;
  bool rename_focus = false;

  // Diff mode: old side = items[diff_old]; new side = items[diff_new], or the live bytes
  // when diff_new < 0.
  int diff_old = -1;
  int diff_new = -1;
  bool diff_shown = false;  // the grid marks the differences
  // A diff against the live bytes follows them: while live_diff (the shown diff's new side
  // is live) and follow_live, the session re-diffs in the background every kLiveDiffMs (or
  // as soon as the previous round ended, when it took longer).
  bool follow_live = true;
  bool live_diff = false;
  uint64_t diff_rounds = 0;  // diffs landed (tests wait on it)
  static constexpr int kLiveDiffMs = 250;
  std::shared_ptr<const SnapshotDiff> diff;
  std::shared_ptr<const Snapshot> diff_old_snap;  // the two sides it compared
  std::shared_ptr<const Snapshot> diff_new_snap;
  std::shared_ptr<const SnapshotDiff> diff_prev_runs;  // the diff `shown` indexes into
  // Filters: hide ranges whose chunk the activity map saw change more than max_changes
  // times (decayed count; 0: off); keep only ranges touching an overlay's fields.
  int max_changes = 0;
  bool only_overlay_fields = false;
  // The overlays' fields whose bytes differ between the two sides (old -> new), computed
  // with `shown`.
  struct FieldChange {
    std::string path;  // "telemetry.speed", "log[2].text"
    uint64_t address = 0;
    std::string old_bytes, new_bytes;
  };
  std::vector<FieldChange> fields;
  std::vector<size_t> shown;  // indices into diff->runs that pass the filters
  int current = -1;           // index into shown: the range the cursor was moved to
  bool refilter = false;      // the filters changed: recompute `shown` at the next draw

  // Last frame (tests click these).
  WidgetRect take_button, load_button, diff_button, next_button, previous_button;
  std::array<WidgetRect, 3> scope_buttons;  // whole, range, selection
  WidgetRect range_offset_box, range_length_box, follow_checkbox, fields_checkbox;
  std::vector<WidgetRect> item_rects;  // name cell of each item
  std::vector<WidgetRect> rename_buttons;
  WidgetRect rename_box;
};

struct SnapshotsContext {
  const SourceInfo& info;
  HexViewState& hex;
  const Palette& palette;
  const ActivityView* activity = nullptr;  // for the noise filter (null: not filtered)
  int64_t activity_now_ns = 0;
  OverlayPanelState* overlays = nullptr;  // for the fields filter
};

void draw_snapshots(SnapshotsState& s, SnapshotsContext& ctx);

// Recomputes `shown` from the diff and the filters (activity, overlays: null, not filtered).
// The cursor stays on the range it was on when that range is still listed (a live diff's
// next round).
void snapshots_filter(SnapshotsState& s, const ActivityView* activity, int64_t activity_now_ns,
                      OverlayPanelState* overlays);
// What Take reads for the form's scope: nullopt (everything), or a range; an error message
// for a bad offset or length.
Result<std::optional<ByteRange>> snapshots_take_range(const SnapshotsState& s,
                                                      const SourceInfo& info,
                                                      const HexViewState& hex);
// Moves the cursor to the next (previous) shown range after (before) the cursor.
bool snapshots_step(SnapshotsState& s, SnapshotsContext& ctx, bool forward);
// "0x1f00  4 bytes  01 02 03 04 -> 05 06 07 08" for run i of the diff (up to 8 bytes shown).
std::string diff_run_text(const SnapshotsState& s, size_t run, const SourceInfo& info);

// The grid underlines the differing bytes it shows (beside the marks already set, which
// `storage` keeps alive for the frame).
void snapshots_mark_grid(const SnapshotsState& s, const HexViewState& hex, HexViewContext& ctx,
                         std::vector<ByteRange>& storage);

}  // namespace memview::gui
