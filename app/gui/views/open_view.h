// The Open view: one text box for a source spec with completion (spec_completion.h), the
// recent sources, and two live tables: the shared memory objects on the machine and the
// running processes (for pid:), both listed on workers. A click on a row selects it, Enter or a
// double-click opens it. The view only proposes what to open; the App opens it (never creating
// anything) and reports failures back in `error`, which the view shows.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "background_list.h"
#include "memview/discovery.h"
#include "memview/process_list.h"
#include "memview/source_spec.h"
#include "settings.h"
#include "spec_completion.h"
#include "theme.h"
#include "widget_rect.h"

namespace memview::gui {

enum class OpenTable { objects, processes };

// discover_all() sorted by spec: the objects table's order.
std::vector<DiscoveredObject> discover_sorted();

struct OpenViewState {
  std::string spec_text;
  bool read_only = false;
  std::string error;  // why the last open failed (shown under the box)
  bool focus_input = true;

  std::vector<DiscoveredObject> objects;  // the last discovery, by spec
  std::vector<ProcessEntry> processes;    // the last process list (while it is needed)
  // Both lists are read on workers (a walk of /proc takes about a millisecond for a hundred
  // entries, /dev/shm and the System V segments grow without bound); the tables show what
  // they published last.
  BackgroundList<DiscoveredObject> object_lister{"shm discovery", discover_sorted};
  BackgroundList<ProcessEntry> process_lister{"process list", list_processes};
  double discovery_interval_s = 1.0;  // the tables are live: listed again this often
  bool refresh_now = false;           // list both again now (the Refresh buttons)

  OpenTable table = OpenTable::objects;  // the table shown (its tab)
  bool pid_text = false;    // spec_text started with "pid:" last frame (shows the processes)
  bool select_tab = false;  // make `table`'s tab the selected one in the next frame

  std::vector<std::string> completions;  // candidates for spec_text (last frame)
  TabCycle tab_cycle;
  std::string selected_spec;  // the selected row's spec (rows move as text filters)
  int selected = -1;          // its index among the shown rows (this frame), or -1
  void clear_selection() {
    selected_spec.clear();
    selected = -1;
  }
  std::vector<int> visible;            // indexes into objects (or processes) shown
  std::vector<std::string> row_specs;  // the spec of each shown row, in order
  std::vector<WidgetRect> row_rects;   // where each shown row was drawn (last frame)
  std::string count_text;              // "Objects on this machine: 5 (2 matches)" (last frame)
};

struct OpenRequest {
  bool open = false;
  std::string spec;
  OpenOptions options;
};

OpenRequest draw_open_view(OpenViewState& state, const Settings& settings, const Palette& palette,
                           int64_t now_ns);

// The tables under the box (open_tables.cpp); a double-click on a row asks to open it.
void draw_open_tables(OpenViewState& state, const Palette& palette, OpenRequest& req);

}  // namespace memview::gui
