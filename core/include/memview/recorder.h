// The recorder: a background sampler that reads a set of ranges of one source at a fixed
// rate (or as fast as the source allows), keeps only the runs that changed since the last
// sample, and writes them to a recording (memview/recording.h).
//
//   Recorder::start(options)  opens its OWN Source from options.spec on a Worker thread and
//   samples until the duration ends, stop() is called, a trigger's post-time ends, or the
//   source fails (shrinks below the ranges, is removed, exits, drops its link): a fault ends
//   the recording with a "fault" event in it; what was recorded stays readable.
//
// Timing: sample k is due at start + k * period (absolute deadlines, no accumulated drift).
// A sample that starts a whole period or more after its deadline skips the deadlines it
// missed, which are counted as late. stats() reports the achieved rate and the worst gap.
//
// Consistency: with a seqlock (the writer makes the counter odd while it writes) a sample
// reads the counter, copies the ranges, re-reads the counter and retries when it was odd or
// moved; after max_retries the sample is dropped and counted torn, never recorded. With
// stable_read, a sample is two copies that must agree (else retried, then dropped).
//
// Thread-safety: every member may be called from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "memview/recording.h"
#include "memview/result.h"
#include "memview/source.h"
#include "memview/trigger.h"
#include "memview/worker.h"

namespace memview {

struct RecorderOptions {
  std::string spec;
  std::vector<ByteRange> ranges;     // in the source's addresses; each must lie inside it
  double rate_hz = 1000;             // 0: as fast as the source allows
  int64_t duration_ns = 0;           // 0: until stopped
  uint64_t max_samples = 0;          // stop after this many samples; 0: no limit
  std::optional<ByteRange> seqlock;  // 1, 2, 4 or 8 bytes inside one of the ranges
  bool stable_read = false;
  unsigned max_retries = 1000;
  std::string out_path;
  RecordingWriterOptions writer;
  std::vector<Trigger> triggers;  // each fires a mark
  // With a trigger: stop post_ns after the first firing, keeping pre_ns before it (the
  // recording is held in a ring until then). post_ns < 0: triggers only mark.
  int64_t pre_ns = 0;
  int64_t post_ns = -1;
  uint64_t post_samples = 0;  // instead of post_ns: stop this many samples after the firing
  bool stops_after_trigger() const { return post_ns >= 0 || post_samples > 0; }
  std::string layout_json;  // stored in the header
  uint64_t layout_at = 0;
  // With writer.in_memory (no out_path): the recording so far is published here each time
  // a block closes, and once more when it ends.
  std::shared_ptr<Published<RecordingImage>> image;
};

struct RecorderStats {
  uint64_t samples = 0;          // consistent samples taken (recorded)
  uint64_t changed_samples = 0;  // samples with at least one changed run
  uint64_t changed_runs = 0;
  uint64_t changed_bytes = 0;
  uint64_t late_samples = 0;  // deadlines missed (the sampler was late by a whole period)
  uint64_t torn_retries = 0;  // seqlock / stable-read retries
  uint64_t torn_dropped = 0;  // samples still torn after max_retries (not recorded)
  int64_t elapsed_ns = 0;     // first sample to the last
  int64_t worst_gap_ns = 0;   // longest time between two consecutive samples
  int64_t gap_p99_ns = 0;     // 99th percentile of those gaps (within 12.5%)
  double achieved_hz = 0;
  uint64_t file_bytes = 0;
  uint64_t raw_bytes = 0;               // uncompressed record bytes in closed blocks
  uint64_t stored_bytes = 0;            // their compressed size
  uint64_t marks = 0;                   // trigger firings
  std::optional<int64_t> triggered_ns;  // first firing (time since the start)
  std::string last_mark;                // the newest mark's text
  std::string ended_by;  // "", "duration", "samples", "stopped", "trigger", "fault: ..."

  std::string to_json() const;
};

class Recorder {
 public:
  // Checks the options and starts the worker (the source is opened on it). Errors in the
  // options are reported here; failures to open the source or the file by error() later.
  static Result<std::unique_ptr<Recorder>> start(RecorderOptions options);
  ~Recorder();  // stops and finishes the file
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  void stop();                        // finish the recording soon (Ctrl+C)
  bool wait_for(int64_t timeout_ms);  // true once the recording is finished
  bool done() const;
  RecorderStats stats() const;  // the newest published statistics (about 10 times a second)
  std::optional<Error> error() const;

  // The marks written since the last call, oldest first, for actions on them (the CLI's
  // --exec). At most kMaxPendingMarks wait here: older ones are dropped from this queue
  // (never from the file) and counted by dropped_marks().
  static constexpr size_t kMaxPendingMarks = 1024;
  std::vector<RecordingEvent> take_marks();
  uint64_t dropped_marks() const;

  struct MarkQueue;

 private:
  Recorder() = default;
  std::shared_ptr<Published<RecorderStats>> stats_;
  std::shared_ptr<MarkQueue> marks_;
  std::unique_ptr<Worker> worker_;
};

}  // namespace memview
