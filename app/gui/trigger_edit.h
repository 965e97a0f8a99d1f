// The Record form's trigger: an expression in the recorder's grammar (memview/trigger.h,
// parsed by its own parser, never a second one) over typed addresses and the fields of the
// tab's overlays, named "TITLE.path" ("telemetry.speed_kmh"; "TITLE[k].path" for an
// overlay of several instances). Plain state and functions without drawing
// (views/trigger_editor draws the box), so headless tests can check them.
//
// The text is parsed whenever it changes: a parse error keeps its message and the column
// it names (the editor points at it), a good trigger the bytes it reads (the Record plan
// adds them, since a trigger only sees sampled bytes). Completion offers the overlay field
// paths that start with the word before the cursor.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "memview/source.h"
#include "memview/trigger.h"
#include "overlay.h"
#include "widget_rect.h"

namespace memview::gui {

// A field a trigger may name: its path and what it reads.
struct TriggerField {
  std::string path;  // "telemetry.speed_kmh"
  TriggerOperand operand;
};

// The scalar fields (1, 2, 4 or 8-byte numbers, not bitfields) of the ready overlays, in
// overlay and field order. Overlays of several instances list instance 0 ("TITLE[0].x").
std::vector<TriggerField> overlay_trigger_fields(const std::vector<std::unique_ptr<Overlay>>& list);

// Resolves "TITLE.path" / "TITLE[k].path" through the overlays' layouts (array elements
// such as "TITLE.arr[3].x" included). The overlays must outlive the resolver's use.
TriggerResolver overlay_trigger_resolver(const std::vector<std::unique_ptr<Overlay>>& list);

// The word being typed at `cursor` (after the last space, parenthesis or operator) and the
// paths that start with it and are longer.
struct TriggerCompletion {
  size_t word_begin = 0;
  size_t word_end = 0;
  std::vector<std::string> candidates;  // at most kMaxCandidates
  static constexpr size_t kMaxCandidates = 12;
};
TriggerCompletion trigger_completion(std::string_view text, size_t cursor,
                                     const std::vector<TriggerField>& fields);
// What Tab inserts: the candidates' longest common prefix (the single candidate when there
// is one); empty when it adds nothing to the word.
std::string completion_prefix(const TriggerCompletion& c);
// `text` with the completion's word replaced by `with`.
std::string apply_completion(std::string_view text, const TriggerCompletion& c,
                             std::string_view with);

struct TriggerEditState {
  std::string text;  // empty: no trigger
  bool pause_at_trigger = false;

  // From the last parse of `text` (trigger_edit_check).
  std::string checked;  // the text parsed
  bool checked_once = false;
  std::string error;                   // empty: the text is a good trigger (or empty)
  std::optional<size_t> error_column;  // 1-based column the error names
  std::vector<ByteRange> operands;     // the bytes a good trigger reads
  std::vector<TriggerField> fields;    // what completion offers
  TriggerCompletion completion;        // at the end of the text
  bool focus_box = false;              // give the box the keyboard next frame

  // Last frame's widgets, for tests.
  WidgetRect box;
  WidgetRect pause_box;
  std::vector<WidgetRect> candidate_rects;

  bool has_trigger() const { return !text.empty(); }
  bool valid() const { return error.empty(); }
};

// Parses the text again when it changed since the last check (or `force`, or after
// checked_once was cleared), with the overlays' fields; refreshes fields and completion.
void trigger_edit_check(TriggerEditState& e, const std::vector<std::unique_ptr<Overlay>>& list,
                        bool force = false);

// The trigger to record with, parsed from the text (nullopt for an empty text).
Result<std::optional<Trigger>> trigger_edit_build(
    const TriggerEditState& e, const std::vector<std::unique_ptr<Overlay>>& list);

}  // namespace memview::gui
