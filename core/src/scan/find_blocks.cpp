#include "scan/find_blocks.h"

#include <algorithm>

#include "memview/clock.h"
#include "memview/scan.h"
#include "memview/worker.h"
#include "scan/scan_block.h"

namespace memview::scan_detail {

Status walk_find_blocks(Source& source, std::vector<ByteRange> ranges, uint64_t overlap,
                        WorkerContext* ctx, FindResult& out, const FindBlockVisit& visit) {
  const int64_t start = now_ns();
  if (ranges.empty()) {
    Result<std::vector<ByteRange>> r = scan_ranges(source);
    if (!r) return r.error();
    ranges = std::move(*r);
  }
  uint64_t total = 0;
  for (const ByteRange& r : ranges) total += r.length;
  uint64_t done = 0;
  std::vector<std::byte> buf;
  for (const ByteRange& r : ranges) {
    for (uint64_t at = r.address; at < r.end() && !out.stats.cancelled; at += kScanBlockBytes) {
      if (ctx && ctx->cancelled()) {
        out.stats.cancelled = true;
        break;
      }
      const uint64_t length = std::min(kScanBlockBytes, r.end() - at);
      const uint64_t extent = std::min<uint64_t>(length + overlap, r.end() - at);
      buf.resize(static_cast<size_t>(extent));
      const ReadOutcome outcome = source.read(at, buf);
      const uint64_t bad = unreadable_inside(outcome, at, length);
      out.stats.bytes_unreadable += bad;
      out.stats.bytes_scanned += length - bad;
      if (out.stats.unreadable_message.empty()) out.stats.unreadable_message = outcome.message;
      if (bad < length) {
        if (Status s = visit(FindBlock{r, at, length, buf, outcome}); !s) return s;
      }
      done += length;
      if (ctx) ctx->set_progress(done, total);
    }
  }
  out.stats.elapsed_ns = now_ns() - start;
  return {};
}

}  // namespace memview::scan_detail
