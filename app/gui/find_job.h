// The Find panel's jobs, each on a worker that opens its own Source from the spec (the
// frame never waits on them), and the way the panel lets go of large results.
//
// A value scan's job scans (memview/scan_worker.h) and then indexes the rows of its result
// on the worker, so the frame a scan lands in only takes two pointers. A pattern search
// publishes its FindResult once, when it ends (cancelled: the matches found so far).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "find_index.h"
#include "memview/find_pattern.h"
#include "memview/find_regex.h"
#include "memview/scan_worker.h"
#include "memview/worker.h"

namespace memview::gui {

// A value scan's outcome: the state and the index of its rows (which keeps it alive).
struct IndexedScan {
  std::shared_ptr<const CandidateIndex> index;
  const std::shared_ptr<const ScanState>& state() const { return index->state(); }
};

// Runs `request` on a worker named "scan" and publishes the indexed state once it ends.
std::unique_ptr<Worker> start_indexed_scan(ScanRequest request,
                                           const std::shared_ptr<Published<IndexedScan>>& out);

std::unique_ptr<Worker> start_find(std::string spec, BytePattern pattern, size_t limit,
                                   const std::shared_ptr<Published<FindResult>>& out);
// The same for a regular expression (memview/find_regex.h).
std::unique_ptr<Worker> start_find_regex(std::string spec, std::shared_ptr<const ByteRegex> regex,
                                         size_t limit,
                                         const std::shared_ptr<Published<FindResult>>& out);

// Drops `items` on a thread of their own (whoever holds the last reference frees them):
// freeing a large scan's buffers (hundreds of MiB) takes milliseconds the frame does not
// have. Callers let go of their own references before or right after.
void release_off_frame(std::vector<std::shared_ptr<const void>> items);

}  // namespace memview::gui
