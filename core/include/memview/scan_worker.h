// A scan or narrowing on a worker thread (memview/worker.h), and the history a front end
// keeps for "undo the last narrowing".
//
// The job opens its own Source from the spec (a Source is single-threaded), reports progress
// in bytes with a stage text, and publishes the resulting ScanState once, when it ends:
// finished, or cancelled (then with the candidates found so far and stats.cancelled set).
//
// Thread-safety: start_scan may be called from any thread; the Published<ScanState> is the
// only thing the job shares with its caller. ScanHistory is not synchronised: it belongs to
// the front end's thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "memview/scan.h"
#include "memview/worker.h"

namespace memview {

struct ScanRequest {
  std::string spec;  // the source to open (read-only)
  // First scan; a narrowing keeps the previous state's options, except a memory_cap set
  // here (not 0), which replaces the previous state's.
  ScanOptions options;
  ScanCondition condition;
  // Set: narrow this state (moved into the job; pass a copy to keep it). Unset: first scan.
  std::optional<ScanState> previous;
  // Set (and `previous` unset): narrow a copy of this state, made by the job on its own
  // thread, so the caller keeps the state and never pays for the copy.
  std::shared_ptr<const ScanState> previous_shared;
  std::shared_ptr<const ScanState> first;  // set: compare with the first scan's values
  std::vector<ByteRange> ranges;           // first scan: empty = scan_ranges()
};

// Starts the scan on a worker named "scan". `out` receives the resulting state.
std::unique_ptr<Worker> start_scan(ScanRequest request,
                                   const std::shared_ptr<Published<ScanState>>& out);

// The scan a request asks for, run on the calling thread with its own Source opened from
// the spec (start_scan's job; for front ends that run more work after it on their worker).
// Consumes request.previous.
Result<ScanState> run_scan(ScanRequest& request, WorkerContext& ctx);

// The states of one scan session: the first scan, then one per narrowing. undo() drops the
// newest (never the first). Each kept state costs its memory_bytes().
class ScanHistory {
 public:
  void reset(std::shared_ptr<const ScanState> first);
  void push(std::shared_ptr<const ScanState> narrowed);
  bool can_undo() const { return states_.size() > 1; }
  void undo();
  std::shared_ptr<const ScanState> first() const;
  std::shared_ptr<const ScanState> current() const;
  size_t depth() const { return states_.size(); }

 private:
  std::vector<std::shared_ptr<const ScanState>> states_;
};

}  // namespace memview
