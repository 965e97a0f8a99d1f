// The data inspector: the bytes at the cursor as every integer width and sign, floats,
// binary and text, in little or big endian. Each value is editable; an edit becomes one
// Editor write of the value's bytes (a naturally aligned 2/4/8-byte value is then a single
// store in the source).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <imgui.h>

#include "inline_edit.h"
#include "memview/change_tracker.h"
#include "memview/editor.h"
#include "memview/poller.h"
#include "memview/source.h"
#include "memview/value_codec.h"
#include "theme.h"
#include "transient_message.h"

namespace memview::gui {

enum class InspectorKind { scalar, binary, text };

struct InspectorRowSpec {
  const char* label;
  InspectorKind kind;
  ScalarType type;  // for scalar rows
};

// The rows, in display order.
const std::vector<InspectorRowSpec>& inspector_rows();
// Index of the row with this label ("uint32", "float64", "binary", "text"), or -1.
int inspector_row_index(const char* label);

struct InspectorRowView {  // as drawn in the last frame
  std::string value;       // the text shown ("n/a" when the bytes are not available)
  ImVec2 min, max;         // screen rectangle of the value cell
};

struct InspectorState {
  static constexpr size_t kTextBytes = 16;  // bytes shown by the text row

  Endian endian = Endian::little;
  int edit_row = -1;  // row being edited, -1 none
  InlineEdit edit;

  // A line under the values, there with or without a message (transient_message.h).
  std::string message;
  bool message_is_error = false;
  MessageClock message_clock;

  uint64_t last_write_address = 0;
  std::vector<std::byte> last_write;
  uint64_t write_count = 0;

  uint64_t address = 0;                // the address shown (the cursor)
  std::vector<InspectorRowView> rows;  // last frame, one per inspector_rows() entry
};

struct InspectorContext {
  const SourceInfo& info;
  const ChangeTracker& tracker;
  Editor* editor = nullptr;
  const Palette& palette;
  uint64_t cursor = 0;
  // The grid holds writes at the cursor (its byte went away and the cursor was clamped):
  // the inspector writes nothing there either.
  bool writes_held = false;
  int64_t now_ns = 0;  // the message's clock
};

// The bytes the inspector needs polled this frame.
void inspector_request(const InspectorState& state, uint64_t cursor, Poller& poller);
// Draws into the current window (the side panel).
void draw_inspector(InspectorState& state, InspectorContext& ctx);
// Encodes `text` for a row and writes it at ctx.cursor (what pressing Enter in the edit
// box does). Refused while ctx.writes_held.
Status inspector_write(InspectorState& state, InspectorContext& ctx, int row,
                       const std::string& text);

}  // namespace memview::gui
