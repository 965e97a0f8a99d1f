// The block walk shared by the byte finds (find_pattern, find_regex): reads the ranges in
// kScanBlockBytes blocks, each read a little further so that a match crossing into the next
// block is seen whole, and keeps the statistics, progress and cancellation. Internal to the
// scan engine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "memview/find_pattern.h"
#include "memview/result.h"
#include "memview/source.h"

namespace memview {
class WorkerContext;
}

namespace memview::scan_detail {

// One block as read: `bytes` holds the block's own `length` bytes from `at` and up to the
// walk's overlap more (never past the end of `range`).
struct FindBlock {
  const ByteRange& range;
  uint64_t at = 0;
  uint64_t length = 0;
  std::span<const std::byte> bytes;
  const ReadOutcome& outcome;
};

using FindBlockVisit = std::function<Status(const FindBlock&)>;

// Walks `ranges` (empty: scan_ranges(source)) and calls `visit` for every block with a
// readable byte; `visit` appends its matches to `out`. Adds the scanned and unreadable
// bytes and the elapsed time to out.stats; a cancelled ctx ends the walk with
// out.stats.cancelled and what was found so far. An error from scan_ranges or `visit`
// ends it too and is returned.
Status walk_find_blocks(Source& source, std::vector<ByteRange> ranges, uint64_t overlap,
                        WorkerContext* ctx, FindResult& out, const FindBlockVisit& visit);

}  // namespace memview::scan_detail
