// The Attached panel: the processes that map the tab's object (shm:, file:, sysv: tabs), or
// for a pid: tab the process itself and whoever shares the mapping the range lies in. Each
// mapping is a row: pid, user, address range in that process, permissions, offset into the
// object, whether this user can open it there, command line; "open" opens the same bytes
// as pid:PID@ADDR+LEN in a new tab. Processes that cannot be opened say why; processes
// whose memory map this user may not read are summarised with the reason and listed.
//
// The scan runs on the session's worker (Session::refresh_who, who_maps.h): this view only
// draws the latest published scan and reports what the user asked for.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "memview/source.h"
#include "memview/who_maps.h"
#include "theme.h"
#include "widget_rect.h"

namespace memview::gui {

struct AttachedRow {
  int64_t pid = 0;
  size_t mapping = 0;  // index into the process's mappings
  std::string spec;    // pid:PID@0xSTART+0xSIZE
  bool can_open = false;
  WidgetRect open_rect;  // the row's "open" button (invalid when it cannot be opened)
};

struct AttachedState {
  // The latest scan the session's worker published; null before the first one.
  std::shared_ptr<const WhoMapsScan> scan;
  // Why this tab has no attached processes to find (a gdb: tab); empty when it has.
  std::string unsupported;
  bool scanning = false;         // the session's scan worker runs (while the tab is shown)
  bool refresh_request = false;  // scan again at once (the Refresh button)
  double interval_s = 2.0;       // a new scan this often while the tab is shown
  bool tab_shown = false;        // the tab was drawn this frame (set by Session::refresh_who)

  // Last frame, for tests: the rows drawn and the widgets.
  std::vector<AttachedRow> rows;
  WidgetRect refresh_button;
};

struct AttachedAction {
  bool open_tab = false;
  std::string spec;  // pid:PID@0xSTART+0xSIZE
};

// The processes counted for the status bar: every process that maps the object except
// this viewer itself (its own mapping is how it shows the bytes); for a pid: tab's private
// memory, that process.
size_t attached_count(const WhoMaps& who);

// The status bar's field: "attached: 2 processes" (and what could not be inspected),
// "attached: scanning..." before the first scan, "attached: ?" when the scan failed;
// empty when the tab's kind has none (gdb:).
std::string attached_status(const AttachedState& state);

// The side tab's label: "Attached (2)###attached".
std::string attached_tab_label(const AttachedState& state);

AttachedAction draw_attached(AttachedState& state, const Palette& palette, int64_t now_ns);

}  // namespace memview::gui
