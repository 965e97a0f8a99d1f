// Plots of a watch's history, drawn with ImGui's draw list (ImPlot is not packaged for
// Debian 12): a sparkline in a table cell and the larger plot of the selected watch. Both
// show the `span_s` seconds before `end_ns`; integers are drawn as steps, floats as lines,
// unreadable samples as gaps. Many samples in one pixel column are drawn as that column's
// range, so the cost per frame is bounded by the width, not by the history.
#pragma once

#include <cstdint>
#include <deque>
#include <string>

#include <imgui.h>

#include "spark_buckets.h"
#include "watches.h"

namespace memview::gui {

struct PlotStyle {
  ImU32 line = 0;
  ImU32 gap = 0;     // the band drawn under unreadable spans
  ImU32 cursor = 0;  // the cursor line
  ImU32 frame = 0;
  ImU32 text = 0;
};

// A sparkline of `size` at the cursor position (an ImGui item, so tables lay it out), drawn
// from `cache`, which it brings up to date with `samples` (spark_buckets.h) while visible.
void draw_sparkline(SparkBuckets& cache, const std::deque<WatchSample>& samples, bool steps,
                    int64_t end_ns, double span_s, ImVec2 size, const PlotStyle& style);

struct PlotFrame {
  WidgetRect rect;
  std::string hover;  // "t = -1.250 s  value = 42", empty when not hovered
  double span_s = 0;  // after wheel zoom
};

// The larger plot: axes labels (value range, time span), a cursor line at cursor_ns (the
// live edge when 0), hover text, wheel zoom (span clamped to 0.1 s .. 1 h).
PlotFrame draw_plot(const char* id, const Watch& watch, int64_t now_ns, int64_t cursor_ns,
                    double span_s, ImVec2 size, const PlotStyle& style);

}  // namespace memview::gui
