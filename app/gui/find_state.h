// A tab's Find panel state and the work behind it: value scans with narrowing and pattern
// searches, each run on a worker (scan_worker.h, find_job.h) that owns its own Source, so
// the frame never waits on them.
//
// Frame order (app.h): before the poll, find_request() asks for the bytes of the result
// rows the panel showed last frame; after it, find_mark_grid() tints the visible grid
// bytes that belong to candidates; the panel (views/find_view.h) draws and only records
// what was asked (first scan, next scan, undo, cancel, pattern); find_end_frame() applies
// those and takes in what a finished worker published, so results never change mid-frame.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "find_index.h"
#include "find_job.h"
#include "inline_edit.h"
#include "memview/find_pattern.h"
#include "memview/poller.h"
#include "memview/scan.h"
#include "memview/scan_worker.h"
#include "theme.h"
#include "transient_message.h"
#include "views/hex_view.h"
#include "widget_rect.h"

namespace memview::gui {

enum class FindMode { value, pattern };
enum class PatternKind { hex, text, utf16, regex };

// What the form holds (the user's choices).
struct FindForm {
  FindMode mode = FindMode::value;
  ScanType type = ScanType::i32;
  ScanOp first_op = ScanOp::eq;
  ScanOp next_op = ScanOp::eq;
  std::string a;  // value text (decimal, 0x hex, float)
  std::string b;  // upper end of a range
  bool every_byte = false;
  bool big_endian = false;
  bool vs_first = false;  // narrowing compares with the first scan's values
  FloatTolerance tolerance;
  std::string pattern;
  PatternKind pattern_kind = PatternKind::hex;
  bool ignore_case = false;
};

enum class FindAction { none, first_scan, next_scan, undo, cancel, find_pattern, clear };

// One result row as last drawn (for tests and the value glow).
struct FindRowView {
  uint64_t address = 0;
  std::string current;  // "?" when not read yet or unreadable
  std::string previous;
  float glow = 0;
  WidgetRect rect;        // the address cell (a click moves the grid's cursor)
  WidgetRect value_rect;  // the current value (double-click edits it)
};

struct FindState {
  FindForm form;
  FindAction request = FindAction::none;  // applied by find_end_frame

  // The job running, if any, and where it publishes.
  std::unique_ptr<Worker> worker;
  std::shared_ptr<Published<IndexedScan>> scan_out;
  std::shared_ptr<Published<FindResult>> find_out;
  bool narrowing = false;

  // Value scans: the session's states (first, then one per narrowing) and the shown one,
  // with one index per state (built by the scan's worker: neither the frame a scan lands
  // in nor an undo builds one).
  ScanHistory history;
  std::vector<std::shared_ptr<const CandidateIndex>> indexes;
  // The pattern search's result as its worker published it (addresses ascending, and how
  // many matched in all): taken, never copied, on the frame it lands in.
  std::shared_ptr<const FindResult> found;
  size_t pattern_len = 0;
  std::string pattern_desc;  // "de ad ?? ef" as searched
  FindMode results_mode = FindMode::value;

  std::string message;  // what the last action did, or why it was refused
  bool message_is_error = false;
  MessageClock message_clock;

  // The panel.
  bool shown = false;      // drawn this frame (the grid marks candidates while it is)
  bool was_shown = false;  // drawn last frame
  bool focus_request = false;
  uint64_t visible_first = 0, visible_last = 0;  // result rows drawn last frame
  int64_t editing_row = -1;
  InlineEdit edit;
  WidgetRect edit_rect;

  // For tests: last frame's widgets and rows; how many grid bytes were marked.
  WidgetRect value_box, first_button, next_button, undo_button, cancel_button, find_button;
  WidgetRect bookmark_menu_item, watch_menu_item;  // the open row menu's items (last frame)
  float progress_drawn = -1;                       // the progress bar's fraction (-1: no bar)
  std::string progress_text;  // the line under it ("scanning: 12 candidates so far")
  std::vector<FindRowView> rows;
  int grid_marked_bytes = 0;
  std::vector<ImU32> tint;  // the grid's tint buffer while marking (overlay tint merged in)

  // The shown state's index (empty when there is none).
  const CandidateIndex& index() const;
  const std::vector<uint64_t>& hits() const;
  uint64_t hit_count() const { return found ? found->count : 0; }
  uint64_t result_count() const {
    return results_mode == FindMode::pattern ? hits().size() : index().size();
  }
  bool busy() const { return worker != nullptr; }
};

// The row's address and width (pattern rows: the pattern's length), nullopt past the end.
struct FindResultRow {
  uint64_t address = 0;
  size_t width = 0;
  ScalarType type = ScalarType::u8;
  const std::byte* previous = nullptr;  // value scans: the value at the last scan
};
std::optional<FindResultRow> find_result_row(const FindState& s, uint64_t i);

// The panel's condition labels ("= value", "increased by", ...).
const char* find_op_label(ScanOp op);

// Checks the form's value text for the scan about to start (the same parse the engine
// does), so a bad value is refused at once with the engine's message.
Status find_check_value(const FindForm& form, ScanOp op, const SourceInfo& info, Source& source);

// Before the poll: the bytes of last frame's visible result rows.
void find_request(const FindState& s, Poller& poller);
// After the poll, while the panel is shown: tints the visible candidates' bytes.
void find_mark_grid(FindState& s, const HexViewState& hex, const Palette& pal, HexViewContext& ctx);
// End of the frame: applies the request; takes in a finished job's result.
void find_end_frame(FindState& s, Source& source);

}  // namespace memview::gui
