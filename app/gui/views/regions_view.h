// The Regions panel of a process source (pid:PID...): the process's memory map as a table
// (range, permissions, file offset, size, kind, path; heap, stack and shared memory
// marked). A click on a row moves the grid's cursor to the region; "tab" opens the region
// as a tab of its own (pid:PID@START+SIZE). The Session reads the map (Session::
// refresh_regions); this view only draws what was read and reports what the user asked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "memview/process_maps.h"
#include "memview/source.h"
#include "theme.h"
#include "views/hex_view.h"
#include "widget_rect.h"

namespace memview::gui {

struct RegionsState {
  std::vector<MapRegion> regions;  // the last map read; kept when a later read fails
  std::string error;               // why the last read failed (empty when it worked)
  int64_t read_ns = 0;             // when the map was last read, 0: never
  bool refresh_request = true;     // read again before the next frame draws
  double interval_s = 2.0;         // the map changes (mmap, heap growth): re-read this often
  bool shown = false;              // the panel was drawn last frame (the map is read only then)
  std::string filter;

  // Last frame, for tests: rows shown (indexes into regions) and their rectangles.
  std::vector<size_t> shown_rows;
  std::vector<WidgetRect> row_rects;
  std::vector<WidgetRect> tab_rects;
  WidgetRect filter_box;
  WidgetRect refresh_button;
};

struct RegionsAction {
  bool open_tab = false;
  std::string spec;  // pid:PID@0xSTART+0xSIZE
};

// Whether a row matches the filter text: a substring (case-insensitive) of its path, kind
// or permissions, or an address (hex, 0x optional) inside the region. Empty matches all.
bool region_matches(const MapRegion& r, std::string_view filter);

// The spec that opens exactly this region of process `pid`.
std::string region_spec(int64_t pid, const MapRegion& r);

// The region containing `address`, or nullptr.
const MapRegion* region_containing(const std::vector<MapRegion>& regions, uint64_t address);

// Moves the grid's cursor to the start of `r` (clamped to the source's range), its row at
// the top (what comes before it is another mapping or a hole).
void region_goto(const MapRegion& r, HexViewState& hex, const SourceInfo& info);

RegionsAction draw_regions(RegionsState& state, HexViewState& hex, const SourceInfo& info,
                           int64_t pid, const Palette& palette);

}  // namespace memview::gui
