// Watches: typed values of a session followed over time (the model behind the Watches
// panel). A watch is a scalar at an address, added from a typed address ("u32@0x40",
// "be:u16@0x10"), an overlay field or the grid's selection. Its bytes come from the
// session's frame poll (watches_request() asks for them before the poll, watches_sample()
// reads them from the ChangeTracker after it): no watch ever reads the source itself.
//
// While the tab's Record runs and its ranges hold a watch's bytes, the watch's history, min,
// max and changes come from the recording instead (watches_sample_recording(): every
// sample the recorder took, so a value that changed and changed back between two frames
// is in the history); the current value still comes from the frame.
//
// Each watch keeps its current value, min, max, change count, last-change time and a
// history of samples: a run of equal samples is kept as its first and last sample only, so
// the history spans minutes of frames in a few thousand entries.
//
// A watch may be frozen: a core worker (memview/freeze.h) owning its own Source writes the
// value at an interval. Freezes are started and stopped by watches_end_frame() (the panel
// only asks), and stop when the watch is removed or its tab closes (the worker is owned by
// the watch).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "memview/change_tracker.h"
#include "memview/freeze.h"
#include "memview/poller.h"
#include "memview/recording.h"
#include "memview/result.h"
#include "memview/source.h"
#include "memview/value_codec.h"
#include "memview/worker.h"
#include "spark_buckets.h"
#include "transient_message.h"
#include "watch_sample.h"
#include "widget_rect.h"

namespace memview::gui {

// What a watch reads: a scalar of `type` in `endian` order at an absolute address.
struct WatchTarget {
  ScalarType type = ScalarType::u32;
  Endian endian = Endian::little;
  uint64_t address = 0;
  std::string name;  // empty: "u32@0x40"
};

// "u32@0x40", "f64@0x1000", "be:u16@0x10", "le:i64@4096": the address as the Go to box
// takes it (relative to the source's base, decimal or 0x hex). Errors say what is wrong
// and what is expected.
Result<WatchTarget> parse_watch_address(std::string_view text, const SourceInfo& info);
// The target as such text ("be:u16@0x10"), with the address relative to the base.
std::string watch_address_text(const WatchTarget& t, const SourceInfo& info);
// A watch of the selection: 1, 2, 4 or 8 bytes as an unsigned little-endian integer.
Result<WatchTarget> watch_selection(ByteRange selection);
bool scalar_is_float(ScalarType t);

struct Watch {
  int id = 0;
  WatchTarget target;
  std::string name;  // shown in the first column

  // The latest sample.
  bool known = false;     // a value was read at least once
  bool readable = false;  // the latest poll read every byte
  std::vector<std::byte> bytes;
  std::string text;  // decoded (decode_scalar), "?" before the first read
  double value = 0;
  double min = 0, max = 0;
  uint64_t changes = 0;             // the value differed from the previous poll's
  int64_t last_change_ns = 0;       // 0: never
  std::deque<WatchSample> history;  // oldest first, at most kMaxSamples
  static constexpr size_t kMaxSamples = 8192;
  SparkBuckets spark;  // the panel's sparkline of the history, kept between frames

  // From the recording (see above): whether the running recording holds the bytes, the
  // recording read (its start_mono_ns), the time of the last point taken from it
  // (monotonic ns) and that point's value text.
  bool from_recording = false;
  int64_t recording_id = 0;
  int64_t recorded_until_ns = 0;
  std::string recorded_text;

  // Freeze (see freeze.h): what the panel set, and the running worker.
  FreezeMode freeze_mode = FreezeMode::exact;
  float freeze_interval_ms = 100.0f;
  std::string freeze_text;  // the value to hold; empty: the current value
  std::unique_ptr<Worker> freeze;
  std::shared_ptr<Published<FreezeStatus>> freeze_status;
  std::string freeze_error;  // why the last start failed or the freeze stopped
  bool frozen() const { return freeze && !freeze->done(); }

  size_t size() const { return scalar_size(target.type); }
  void add_sample(int64_t t_ns, double value, bool readable);
};

struct WatchesState {
  std::vector<std::unique_ptr<Watch>> watches;
  int next_id = 1;
  int selected = 0;  // watch id whose plot is shown, 0 none

  // The plot's time: a recording's or the timeline's position. 0: the live edge (now).
  int64_t cursor_ns = 0;
  double plot_span_s = 10.0;  // seconds the plot shows (wheel zoom)
  std::string csv_path;

  // The add box and the line of messages.
  std::string add_text;
  std::string message;
  bool message_is_error = false;
  MessageClock message_clock;

  // Asked for while the panel draws; applied by watches_end_frame().
  std::vector<WatchTarget> add_requests;
  std::vector<int> remove_requests;  // ids
  struct FreezeToggle {
    int id = 0;
    bool on = false;
  };
  std::vector<FreezeToggle> freeze_requests;

  // Last frame's widgets and rows, for tests.
  WidgetRect add_box, add_button, add_selection_button, csv_box, csv_button, plot_rect;
  WidgetRect freeze_box, freeze_value_box, interval_box;
  std::vector<WidgetRect> row_rects;
  // The plot's hover text ("t=-1.25 s  value=42"), empty when the mouse is not over it.
  std::string plot_hover;

  Watch* find(int id);
  Watch* add(WatchTarget target);
  void set_message(std::string text, bool error);
  // Freezes listed for the status bar: "frozen: speed=100 (3 fights)", empty when none.
  std::string freeze_summary() const;
};

// Before the poll: the bytes of every watch.
void watches_request(const WatchesState& state, Poller& poller);
// After the poll: one sample per watch from the tracker at now_ns (its current value; and
// its history, unless the watch is from_recording).
void watches_sample(WatchesState& state, const ChangeTracker& tracker, int64_t now_ns);
// Before watches_sample: takes the points of `recording` (the tab's Record as far as it
// was published; nullptr when there is none) after those taken before, for the watches
// whose bytes it holds. While `running`, the watches whose bytes lie in `ranges` (what it
// samples) are from_recording, also before its first block is published.
void watches_sample_recording(WatchesState& state, const Recording* recording,
                              const std::vector<ByteRange>& ranges, bool running);
// End of the frame: adds, removes, starts and stops freezes (workers open `spec` themselves).
void watches_end_frame(WatchesState& state, const std::string& spec);
// Writes the history of a watch as CSV ("time_s,value" with an empty value for gaps; time
// in seconds relative to now_ns). Errors name the file and the reason.
Status watch_export_csv(const Watch& watch, const std::string& path, int64_t now_ns);

}  // namespace memview::gui
