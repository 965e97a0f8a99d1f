// The first scan: reads each range in blocks of kScanBlockBytes and compares in place.
#include <algorithm>
#include <atomic>
#include <new>
#include <optional>
#include <thread>
#include <utility>

#include <fmt/format.h>

#include "memview/clock.h"
#include "memview/process_maps.h"
#include "memview/scan.h"
#include "memview/worker.h"
#include "scan/scan_block.h"
#include "scan/scan_kernels.h"

namespace memview {

using scan_detail::LaneJob;
using scan_detail::Operand;

namespace {

// Mappings a scan skips: the kernel's pages, which either fault or are not the program's
// data ([vvar] reads fail, [vsyscall] lies outside the user address space).
bool skipped_mapping(const MapRegion& r) {
  return !r.read || r.path == "[vvar]" || r.path == "[vsyscall]" || r.path == "[vvar_vclock]";
}

constexpr uint64_t kMaxUnmappedScan = uint64_t{1} << 32;

}  // namespace

Result<std::vector<ByteRange>> scan_ranges(Source& source) {
  const SourceInfo& info = source.info();
  const uint64_t lo = info.base;
  const uint64_t hi = info.base + info.size;
  if (info.kind != "pid") {
    if (info.size == 0) return std::vector<ByteRange>{};
    return std::vector<ByteRange>{{lo, info.size}};
  }
  // pid:PID[...]: the readable mappings inside the source's range; the spec's target starts
  // with the process id.
  const std::string target = info.spec.substr(info.spec.find(':') + 1);
  const auto pid = static_cast<pid_t>(std::strtol(target.c_str(), nullptr, 10));
  Result<std::vector<MapRegion>> maps = read_process_maps(pid);
  if (!maps) {
    if (info.size <= kMaxUnmappedScan) return std::vector<ByteRange>{{lo, info.size}};
    return maps.error();
  }
  std::vector<ByteRange> out;
  for (const MapRegion& r : *maps) {
    if (skipped_mapping(r)) continue;
    const uint64_t a = std::max(r.start, lo);
    const uint64_t b = std::min(r.end, hi);
    if (a < b) out.push_back({a, b - a});
  }
  return out;
}

namespace {

struct LanePlan {
  Operand operand;
  scan_detail::LaneKernel kernel = nullptr;
};

// Compares one block whose bytes are in buf and stores its candidates.
void scan_block(ScanBlock& block, std::vector<std::byte>& buf, const ReadOutcome& outcome,
                const std::vector<LanePlan>& plans, const ScanOptions& options) {
  const bool unknown = plans.front().operand.op == ScanOp::unknown;
  std::vector<std::vector<uint64_t>> bits(plans.size());
  for (size_t k = 0; k < plans.size(); ++k) {
    block.lanes.push_back(scan_detail::make_lane(block, plans[k].operand.type, options.every_byte));
    const ScanLane& lane = block.lanes.back();
    const size_t npos = scan_detail::lane_positions(block, lane);
    if (unknown && outcome.complete()) continue;  // every position: no bitmap
    bits[k].assign(scan_detail::words_for(npos), 0);
    if (unknown) {
      std::fill(bits[k].begin(), bits[k].end(), ~uint64_t{0});
      if (npos % 64 != 0) bits[k].back() = (uint64_t{1} << (npos % 64)) - 1;
    } else {
      LaneJob j;
      j.cur = buf.data() + lane.origin;
      j.old = j.cur;
      j.npos = npos;
      j.step = lane.step;
      j.out_bits = bits[k].data();
      plans[k].kernel(plans[k].operand, j);
    }
    scan_detail::clear_unreadable(block, lane, outcome.unreadable, bits[k]);
  }
  scan_detail::store_block(block, std::move(buf), std::move(bits));
}

uint64_t block_count(const ScanBlock& b) {
  uint64_t n = 0;
  for (const ScanLane& lane : b.lanes) {
    if (!b.dense()) {
      n += lane.offsets.size();
    } else {
      n += lane.all ? scan_detail::lane_positions(b, lane) : scan_detail::popcount_words(lane.bits);
    }
  }
  return n;
}

struct BlockTask {
  uint64_t address = 0;
  uint64_t length = 0;
  uint64_t extent = 0;
};

// The blocks of a first scan, taken one at a time by each reader thread; each result lands
// in its block's slot, so the state stays in address order whoever read it.
struct BlockQueue {
  std::vector<BlockTask> tasks;
  std::vector<std::optional<ScanBlock>> results;
  uint64_t total = 0;
  std::atomic<size_t> next{0};
  std::atomic<uint64_t> done{0};
};

struct ScanContext {
  const std::vector<LanePlan>& plans;
  const ScanOptions& options;
  WorkerContext* ctx;
};

void merge_stats(ScanStats& into, const ScanStats& from) {
  into.bytes_scanned += from.bytes_scanned;
  into.bytes_unreadable += from.bytes_unreadable;
  if (into.unreadable_message.empty()) into.unreadable_message = from.unreadable_message;
  into.cancelled = into.cancelled || from.cancelled;
}

// One reader: takes blocks until none is left or the scan is cancelled. Only the caller's
// own thread (reports) touches the worker's progress.
void read_blocks(Source& source, BlockQueue& q, const ScanContext& sc, ScanStats& stats,
                 bool reports) {
  std::vector<std::byte> buf;
  while (true) {
    if (sc.ctx && sc.ctx->cancelled()) {
      stats.cancelled = true;
      return;
    }
    const size_t i = q.next.fetch_add(1);
    if (i >= q.tasks.size()) return;
    const BlockTask& t = q.tasks[i];
    ScanBlock block;
    block.address = t.address;
    block.length = t.length;
    block.extent = t.extent;
    buf.resize(t.extent);
    const ReadOutcome outcome = source.read(t.address, buf);
    const uint64_t bad = scan_detail::unreadable_inside(outcome, t.address, t.length);
    stats.bytes_unreadable += bad;
    stats.bytes_scanned += t.length - bad;
    if (stats.unreadable_message.empty()) stats.unreadable_message = outcome.message;
    if (bad < t.length) {
      scan_block(block, buf, outcome, sc.plans, sc.options);  // may take buf as the snapshot
      if (block_count(block) != 0) q.results[i] = std::move(block);
    }
    const uint64_t done = q.done.fetch_add(t.length) + t.length;
    if (reports && sc.ctx) sc.ctx->set_progress(done, q.total);
  }
}

// Reads every block: this thread with `source`, the others each with a Source of their own
// opened from the same spec (a Source is single-threaded).
Status run_readers(Source& source, BlockQueue& q, const ScanContext& sc, ScanStats& stats) {
  std::vector<SourcePtr> sources =
      scan_detail::extra_readers(source, sc.options.threads, q.tasks.size());
  std::vector<ScanStats> helper_stats(sources.size());
  std::atomic<bool> out_of_memory{false};
  std::vector<std::thread> threads;
  for (size_t k = 0; k < sources.size(); ++k) {
    threads.emplace_back([&, k] {
      try {
        read_blocks(*sources[k], q, sc, helper_stats[k], false);
      } catch (const std::bad_alloc&) {
        out_of_memory = true;
      }
    });
  }
  bool failed_here = false;
  try {
    read_blocks(source, q, sc, stats, true);
  } catch (const std::bad_alloc&) {
    failed_here = true;
  }
  for (std::thread& t : threads) t.join();
  if (sc.ctx) sc.ctx->set_progress(q.done, q.total);  // the helpers' last blocks included
  for (const ScanStats& h : helper_stats) merge_stats(stats, h);
  if (failed_here || out_of_memory) {
    return make_error(Errc::io,
                      "out of memory: the scan's candidates do not fit (narrow the "
                      "ranges, or scan for a value instead of an unknown one)");
  }
  return {};
}

}  // namespace

Result<ScanState> first_scan(Source& source, const ScanOptions& options,
                             const ScanCondition& condition, WorkerContext* ctx,
                             std::vector<ByteRange> ranges) {
  const int64_t start = now_ns();
  if (scan_op_needs_previous(condition.op)) {
    return make_error(Errc::invalid_argument,
                      fmt::format("'{}' compares with a previous scan: start with a first scan",
                                  scan_op_name(condition.op)));
  }
  if (condition.op == ScanOp::unknown &&
      (options.type == ScanType::any_int || options.type == ScanType::any_number)) {
    return make_error(Errc::invalid_argument,
                      "an unknown-initial-value scan needs one type (i32, f32, ...), not " +
                          std::string(scan_type_name(options.type)));
  }
  Result<std::vector<Operand>> operands = scan_detail::make_operands(options, condition);
  if (!operands) return operands.error();
  std::vector<LanePlan> plans;
  size_t max_width = 1;
  for (const Operand& o : *operands) {
    plans.push_back({o, scan_detail::select_kernel(o.type, o.op, options.endian)});
    max_width = std::max(max_width, scalar_size(o.type));
  }
  if (ranges.empty()) {
    Result<std::vector<ByteRange>> r = scan_ranges(source);
    if (!r) return r.error();
    ranges = std::move(*r);
  }
  ScanState state;
  state.spec = source.info().spec;
  state.source_base = source.info().base;
  state.source_size = source.info().size;
  state.options = options;
  BlockQueue q;
  for (const ByteRange& r : ranges) {
    for (uint64_t at = r.address; at < r.end(); at += kScanBlockBytes) {
      BlockTask t;
      t.address = at;
      t.length = std::min(kScanBlockBytes, r.end() - at);
      t.extent = std::min(t.length + (options.every_byte ? max_width - 1 : 0), r.end() - at);
      q.tasks.push_back(t);
      q.total += t.length;
    }
  }
  q.results.resize(q.tasks.size());
  if (ctx) ctx->set_progress(0, q.total);
  const ScanContext sc{plans, options, ctx};
  Status outcome = run_readers(source, q, sc, state.stats);
  if (!outcome) return outcome.error();
  for (std::optional<ScanBlock>& b : q.results) {
    if (b) state.blocks.push_back(std::move(*b));
  }
  state.stats.elapsed_ns = now_ns() - start;
  return state;
}

}  // namespace memview
