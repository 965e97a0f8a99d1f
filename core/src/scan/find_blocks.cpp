#include "scan/find_blocks.h"

#include <algorithm>
#include <span>

#include "memview/clock.h"
#include "memview/scan.h"
#include "memview/worker.h"
#include "scan/scan_block.h"

namespace memview::scan_detail {
namespace {

struct Walk {
  Source& source;
  uint64_t overlap;
  WorkerContext* ctx;
  FindResult& out;
  const FindBlockVisit& visit;
  uint64_t total = 0;
  uint64_t done = 0;
};

// The block [at, at + length) of r was read into buf: counts it and visits it.
Status visit_read(Walk& w, const ByteRange& r, uint64_t at, uint64_t length,
                  std::span<const std::byte> buf, const ReadOutcome& outcome) {
  const uint64_t bad = unreadable_inside(outcome, at, length);
  w.out.stats.bytes_unreadable += bad;
  w.out.stats.bytes_scanned += length - bad;
  if (w.out.stats.unreadable_message.empty()) w.out.stats.unreadable_message = outcome.message;
  if (bad < length) {
    if (Status s = w.visit(FindBlock{r, at, length, buf, outcome}); !s) return s;
  }
  w.done += length;
  if (w.ctx) w.ctx->set_progress(w.done, w.total);
  return {};
}

bool cancelled(Walk& w) {
  if (w.ctx && w.ctx->cancelled()) w.out.stats.cancelled = true;
  return w.out.stats.cancelled;
}

// One range in blocks, each read a little further (the overlap).
Status walk_range(Walk& w, const ByteRange& r, std::vector<std::byte>& buf) {
  for (uint64_t at = r.address; at < r.end() && !cancelled(w); at += kScanBlockBytes) {
    const uint64_t length = std::min(kScanBlockBytes, r.end() - at);
    const uint64_t extent = std::min<uint64_t>(length + w.overlap, r.end() - at);
    buf.resize(static_cast<size_t>(extent));
    const ReadOutcome outcome = w.source.read(at, buf);
    if (Status s = visit_read(w, r, at, length, buf, outcome); !s) return s;
  }
  return {};
}

// Small ranges, each one block, read in one request into `all` (reused between groups) and
// visited where they lie.
Status walk_small(Walk& w, std::span<const ByteRange> ranges, std::vector<std::byte>& all) {
  if (cancelled(w)) return {};
  uint64_t bytes = 0;
  for (const ByteRange& r : ranges) bytes += r.length;
  if (all.size() < bytes) all.resize(static_cast<size_t>(bytes));
  std::vector<ReadPiece> pieces;
  size_t at = 0;
  for (const ByteRange& r : ranges) {
    pieces.push_back({r.address, std::span<std::byte>(all).subspan(at, r.length)});
    at += r.length;
  }
  const std::vector<ReadOutcome> outcomes = w.source.read_pieces(pieces);
  for (size_t k = 0; k < ranges.size(); ++k) {
    if (Status s = visit_read(w, ranges[k], ranges[k].address, ranges[k].length, pieces[k].out,
                              outcomes[k]);
        !s)
      return s;
  }
  return {};
}

}  // namespace

Status walk_find_blocks(Source& source, std::vector<ByteRange> ranges, uint64_t overlap,
                        WorkerContext* ctx, FindResult& out, const FindBlockVisit& visit) {
  const int64_t start = now_ns();
  if (ranges.empty()) {
    Result<std::vector<ByteRange>> r = scan_ranges(source);
    if (!r) return r.error();
    ranges = std::move(*r);
  }
  Walk w{source, overlap, ctx, out, visit};
  for (const ByteRange& r : ranges) w.total += r.length;
  std::vector<std::byte> buf;
  std::vector<std::byte> group_buf;
  size_t i = 0;
  while (i < ranges.size() && !cancelled(w)) {
    size_t j = i;
    uint64_t bytes = 0;
    while (j < ranges.size() && ranges[j].length < kSmallRange && j - i < kMaxGroupRanges &&
           bytes + ranges[j].length <= kMaxGroupBytes) {
      bytes += ranges[j].length;
      ++j;
    }
    Status s = j - i > 1 ? walk_small(w, std::span(ranges).subspan(i, j - i), group_buf)
                         : walk_range(w, ranges[i], buf);
    if (!s) return s;
    i = std::max(j, i + 1);
  }
  out.stats.elapsed_ns = now_ns() - start;
  return {};
}

}  // namespace memview::scan_detail
