// The poller: once per frame per open source, reads the union of the ranges the views
// asked for, refreshes the source (resize/removal), and updates the ChangeTracker.
// It is the frame's reader of a source: views read the tracker, never the source. (The
// Editor also reads the source, only the bytes it is about to overwrite, to journal them
// and to check undo/redo against them.)
//
// Thread-safety: none; one thread calls request(), poll() and the accessors.
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include "memview/change_tracker.h"
#include "memview/source.h"

namespace memview {

class Poller {
 public:
  // The poller does not own the source; it must outlive the poller.
  explicit Poller(Source& source);

  // Asks for a range to be read by the next poll(). Requests are merged and clamped to
  // the source; they are cleared by poll().
  void request(ByteRange range);

  struct PollResult {
    std::vector<SourceEvent> events;  // resize/removal/exit/disconnect seen by this poll
    uint64_t changed_bytes = 0;
    std::vector<ByteRange> unreadable;
  };

  // Refreshes the source and reads the requested ranges. When the source shrank, tracked
  // bytes past the new end are kept (the last values read) but flagged unreadable.
  PollResult poll(int64_t now_ns);

  // Changed bytes per second over the last second of polls.
  double changes_per_second(int64_t now_ns) const;

  Source& source() { return source_; }
  const Source& source() const { return source_; }
  ChangeTracker& tracker() { return tracker_; }
  const ChangeTracker& tracker() const { return tracker_; }
  // Events seen so far (all polls), oldest first; capped at 64.
  const std::deque<SourceEvent>& event_log() const { return event_log_; }
  // True once the source reported that it is gone: its name was removed, its process
  // exited or its link dropped (the bytes last read stay in the tracker).
  bool source_gone() const { return source_gone_; }
  uint64_t poll_count() const { return poll_count_; }

 private:
  Source& source_;
  ChangeTracker tracker_;
  std::vector<ByteRange> requests_;
  std::deque<std::pair<int64_t, uint64_t>> recent_changes_;  // (time, changed bytes)
  std::deque<SourceEvent> event_log_;
  bool source_gone_ = false;
  uint64_t poll_count_ = 0;
};

// Merges overlapping/adjacent ranges and clamps them to [lo, hi). Sorted result.
std::vector<ByteRange> merge_ranges(const std::vector<ByteRange>& ranges, uint64_t lo, uint64_t hi);

}  // namespace memview
