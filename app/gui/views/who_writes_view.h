// The "Who writes" panel: hardware write breakpoints on the grid's selection (up to four
// aligned 1/2/4/8-byte watches, who_writes.h) in every process that maps the bytes, and a
// live table of the writers: process, thread, function, file:line, exact count, when it
// last wrote, the value written. The panel's buttons (and F6) only ask: starting and
// stopping are applied by the session at the end of the frame (Session::who_end_frame),
// whose worker holds the breakpoints; closing the tab or the viewer closes them too.
// While a watch runs, the grid underlines the watched bytes and its tooltip says so.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "memview/source.h"
#include "memview/who_writes.h"
#include "theme.h"
#include "views/hex_view.h"
#include "widget_rect.h"

namespace memview::gui {

struct WhoWritesState {
  // Asked for while the frame draws; Session::who_end_frame applies them.
  std::optional<ByteRange> start_request;  // watch these bytes (replaces a running watch)
  bool stop_request = false;

  // The watch, as the session runs it.
  ByteRange range;                              // the bytes asked for, in the grid's addresses
  std::vector<WriteWatch> watches;              // how they are watched
  std::shared_ptr<const WhoWritesTable> table;  // the latest the worker published
  bool active = false;  // the worker runs: its breakpoints are open or being opened
  std::string error;    // why the last start was refused or the watch failed, with the fix

  // Last frame, for tests: the plan for the grid's selection, the widgets, the rows drawn.
  std::string plan;  // "1 watch: 8 bytes at 0x40", or why the selection cannot be watched
  bool plan_ok = false;
  WidgetRect watch_button;
  WidgetRect stop_button;
  size_t rows_drawn = 0;
};

// Text of a writer's code location: "function+0x1f" (or the module's file name), "?" when
// nothing is known; its source "file.c:42" (empty without debug information); the value
// written as a little-endian hex integer ("0x000000000000002a"; "?" when unreadable).
std::string who_function_text(const CodeLocation& where);
std::string who_source_text(const CodeLocation& where);
std::string who_value_text(const std::vector<std::byte>& value);

// What F6 and the Watch button do: asks for a watch of the grid's selection (the cursor's
// byte when nothing is selected).
void who_writes_request_selection(WhoWritesState& state, const HexViewState& hex);

// Between hex_view_begin and hex_view_end: while a watch runs, the watched bytes are
// underlined and the byte tooltip says who wrote them. `state` must outlive the grid's
// hex_view_end (it is the session's).
void who_writes_mark_grid(const WhoWritesState& state, HexViewContext& ctx);

// The side tab's label: "Who writes###who_writes", with the write count while watching.
std::string who_writes_tab_label(const WhoWritesState& state);

void draw_who_writes(WhoWritesState& state, const HexViewState& hex, const Palette& palette,
                     int64_t now_ns);

}  // namespace memview::gui
