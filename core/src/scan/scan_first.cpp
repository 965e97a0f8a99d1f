// The first scan: reads each range in blocks of kScanBlockBytes and compares in place.
#include <algorithm>
#include <atomic>
#include <bit>
#include <cstring>
#include <new>
#include <optional>
#include <span>
#include <thread>
#include <utility>

#include <fmt/format.h>

#include "in_place_source.h"
#include "memview/clock.h"
#include "memview/process_maps.h"
#include "memview/scan.h"
#include "memview/worker.h"
#include "scan/scan_block.h"
#include "scan/scan_kernels.h"
#include "scan/scan_spill.h"

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
// `owned` (may be null) holds the bytes and may become the block's snapshot.
void scan_block(ScanBlock& block, std::span<const std::byte> bytes, std::vector<std::byte>* owned,
                const ReadOutcome& outcome, const std::vector<LanePlan>& plans,
                const ScanOptions& options) {
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
      j.cur = bytes.data() + lane.origin;
      j.old = j.cur;
      j.npos = npos;
      j.step = lane.step;
      j.out_bits = bits[k].data();
      plans[k].kernel(plans[k].operand, j);
    }
    scan_detail::clear_unreadable(block, lane, outcome.unreadable, bits[k]);
  }
  if (owned) {
    scan_detail::store_block(block, std::move(*owned), std::move(bits));
  } else {
    scan_detail::store_block(block, bytes, std::move(bits));
  }
}

// ---- comparing in place (a mapped shm object, file or segment) ----

// The jobs run through InPlaceSource::run_in_place: plain pointers into storage made beforehand
// (a fault abandons them half-way).
struct CompareJob {
  const LanePlan* plans;
  const ScanLane* lanes;
  uint64_t* const* bits;
  const size_t* npos;
  size_t count;
  static void run(void* c, const std::byte* data, size_t /*n*/) {
    const auto* j = static_cast<const CompareJob*>(c);
    for (size_t k = 0; k < j->count; ++k) {
      LaneJob lj;
      lj.cur = data + j->lanes[k].origin;
      lj.old = lj.cur;
      lj.npos = j->npos[k];
      lj.step = j->lanes[k].step;
      lj.out_bits = j->bits[k];
      j->plans[k].kernel(j->plans[k].operand, lj);
    }
  }
};

struct GatherJob {
  const uint64_t* bits;
  size_t words;
  uint32_t origin;
  uint32_t step;
  size_t width;
  uint32_t* offsets;
  std::byte* values;
  static void run(void* c, const std::byte* data, size_t /*n*/) {
    const auto* j = static_cast<const GatherJob*>(c);
    size_t at = 0;
    for (size_t w = 0; w < j->words; ++w) {
      for (uint64_t m = j->bits[w]; m != 0; m &= m - 1) {
        const size_t i = w * 64 + static_cast<size_t>(std::countr_zero(m));
        const auto off = static_cast<uint32_t>(j->origin + i * j->step);
        j->offsets[at] = off;
        std::memcpy(j->values + at * j->width, data + off, j->width);
        ++at;
      }
    }
  }
};

// Compares a block where its bytes lie, without copying them, and keeps the candidates in
// the sparse form with their values gathered in place. Returns false, leaving the block
// without lanes, when the source has no in-place view, a fault cut it short (the object
// shrank: the copying path reports what is unreadable), or the dense form would be smaller
// (its snapshot is a copy anyway, taken together with the compare).
bool scan_in_place(Source& source, ScanBlock& block, const std::vector<LanePlan>& plans,
                   const ScanOptions& options) {
  auto* mapped = dynamic_cast<detail::InPlaceSource*>(&source);
  if (!mapped) return false;
  std::vector<ScanLane> lanes;
  std::vector<size_t> npos;
  std::vector<std::vector<uint64_t>> bits(plans.size());
  std::vector<uint64_t*> bit_ptrs;
  for (size_t k = 0; k < plans.size(); ++k) {
    lanes.push_back(scan_detail::make_lane(block, plans[k].operand.type, options.every_byte));
    npos.push_back(scan_detail::lane_positions(block, lanes.back()));
    bits[k].assign(std::max<size_t>(1, scan_detail::words_for(npos.back())), 0);
    bit_ptrs.push_back(bits[k].data());
  }
  CompareJob compare{plans.data(), lanes.data(), bit_ptrs.data(), npos.data(), plans.size()};
  if (!mapped->run_in_place(block.address, block.extent, &CompareJob::run, &compare)) {
    return false;
  }
  uint64_t sparse_cost = 0;
  uint64_t dense_cost = block.extent;
  std::vector<uint64_t> counts;
  for (size_t k = 0; k < plans.size(); ++k) {
    counts.push_back(scan_detail::popcount_words(bits[k]));
    sparse_cost += counts.back() * (sizeof(uint32_t) + scalar_size(lanes[k].type));
    dense_cost += scan_detail::words_for(npos[k]) * sizeof(uint64_t);
  }
  if (dense_cost < sparse_cost) return false;
  for (size_t k = 0; k < plans.size(); ++k) {
    ScanLane& lane = lanes[k];
    const size_t w = scalar_size(lane.type);
    lane.offsets.resize(counts[k]);
    lane.values.resize(counts[k] * w);
    if (counts[k] == 0) continue;
    GatherJob gather{bits[k].data(),      bits[k].size(),    lane.origin, lane.step, w,
                     lane.offsets.data(), lane.values.data()};
    if (!mapped->run_in_place(block.address, block.extent, &GatherJob::run, &gather)) {
      return false;
    }
  }
  block.lanes = std::move(lanes);
  return true;
}

struct BlockTask {
  uint64_t address = 0;
  uint64_t length = 0;
  uint64_t extent = 0;
};

// The blocks of a first scan, taken a group at a time by each reader thread (a group is one
// block, or several small ranges read together); each result lands in its block's slot, so
// the state stays in address order whoever read it.
struct BlockQueue {
  std::vector<BlockTask> tasks;
  std::vector<size_t> group_starts;  // group g is tasks [group_starts[g], group_starts[g + 1])
  std::vector<std::optional<ScanBlock>> results;
  uint64_t total = 0;
  std::atomic<size_t> next{0};  // the next group to take
  std::atomic<uint64_t> done{0};
  std::atomic<uint64_t> found{0};  // candidates in the blocks done so far
  size_t groups() const { return group_starts.empty() ? 0 : group_starts.size() - 1; }
};

// Splits the ranges into blocks of kScanBlockBytes (plus the overlap a value needs when
// every byte is a position) and groups runs of small ranges.
void plan_blocks(BlockQueue& q, const std::vector<ByteRange>& ranges, uint64_t overlap) {
  uint64_t group_bytes = 0;
  bool open_group = false;  // the last group holds small ranges and may take more
  for (const ByteRange& r : ranges) {
    for (uint64_t at = r.address; at < r.end(); at += kScanBlockBytes) {
      BlockTask t;
      t.address = at;
      t.length = std::min(kScanBlockBytes, r.end() - at);
      t.extent = std::min(t.length + overlap, r.end() - at);
      const bool small = r.length < scan_detail::kSmallRange;
      const size_t in_group = q.tasks.size() - (q.group_starts.empty() ? 0 : q.group_starts.back());
      if (!small || !open_group || group_bytes + t.extent > scan_detail::kMaxGroupBytes ||
          in_group >= scan_detail::kMaxGroupRanges) {
        q.group_starts.push_back(q.tasks.size());
        group_bytes = 0;
      }
      open_group = small;
      group_bytes += t.extent;
      q.tasks.push_back(t);
      q.total += t.length;
    }
  }
  q.group_starts.push_back(q.tasks.size());
}

struct ScanContext {
  const std::vector<LanePlan>& plans;
  const ScanOptions& options;
  WorkerContext* ctx;
  scan_detail::SpillBudget& budget;
};

void merge_stats(ScanStats& into, const ScanStats& from) {
  into.bytes_scanned += from.bytes_scanned;
  into.bytes_unreadable += from.bytes_unreadable;
  if (into.unreadable_message.empty()) into.unreadable_message = from.unreadable_message;
  into.cancelled = into.cancelled || from.cancelled;
}

// A block of `length` bytes with `found` candidates is done. The reporting thread says how
// far the scan is and how many candidates it has found so far (the progress's stage).
void block_done(BlockQueue& q, const ScanContext& sc, uint64_t length, uint64_t found,
                bool reports) {
  const uint64_t done = q.done.fetch_add(length) + length;
  const uint64_t all = q.found.fetch_add(found) + found;
  if (!reports || !sc.ctx) return;
  sc.ctx->set_progress(done, q.total);
  sc.ctx->set_stage(fmt::format("scanning: {} candidate{} so far", all, all == 1 ? "" : "s"));
}

// Task i's bytes were read into `bytes` (held by `owned`, which may become the snapshot, or
// by a group's buffer when null): compares them and keeps the block's candidates.
Status scan_read_block(BlockQueue& q, size_t i, std::span<const std::byte> bytes,
                       std::vector<std::byte>* owned, const ReadOutcome& outcome,
                       const ScanContext& sc, ScanStats& stats, bool reports) {
  const BlockTask& t = q.tasks[i];
  const uint64_t bad = scan_detail::unreadable_inside(outcome, t.address, t.length);
  stats.bytes_unreadable += bad;
  stats.bytes_scanned += t.length - bad;
  if (stats.unreadable_message.empty()) stats.unreadable_message = outcome.message;
  uint64_t found = 0;
  if (bad < t.length) {
    ScanBlock block;
    block.address = t.address;
    block.length = t.length;
    block.extent = t.extent;
    scan_block(block, bytes, owned, outcome, sc.plans, sc.options);
    found = scan_detail::block_candidates(block);
    if (found != 0) {
      if (Status kept = sc.budget.keep(block); !kept) return kept;
      q.results[i] = std::move(block);
    }
  }
  block_done(q, sc, t.length, found, reports);
  return {};
}

// One block alone: a value condition over a mapped object is compared where it lies (no
// copy); anything else is read and compared.
Status scan_task(Source& source, BlockQueue& q, size_t i, const ScanContext& sc, ScanStats& stats,
                 bool reports, std::vector<std::byte>& buf) {
  const BlockTask& t = q.tasks[i];
  if (sc.plans.front().operand.op != ScanOp::unknown) {
    ScanBlock block;
    block.address = t.address;
    block.length = t.length;
    block.extent = t.extent;
    if (scan_in_place(source, block, sc.plans, sc.options)) {
      stats.bytes_scanned += t.length;
      const uint64_t found = scan_detail::block_candidates(block);
      if (found != 0) {
        if (Status kept = sc.budget.keep(block); !kept) return kept;
        q.results[i] = std::move(block);
      }
      block_done(q, sc, t.length, found, reports);
      return {};
    }
  }
  buf.resize(t.extent);
  const ReadOutcome outcome = source.read(t.address, buf);
  return scan_read_block(q, i, buf, &buf, outcome, sc, stats, reports);
}

// Tasks [first, last), small ranges, read in one request into `all` (reused: no new
// pages per group) and compared one by one where they lie.
Status scan_group(Source& source, BlockQueue& q, size_t first, size_t last, const ScanContext& sc,
                  ScanStats& stats, bool reports, std::vector<std::byte>& all) {
  uint64_t bytes = 0;
  for (size_t i = first; i < last; ++i) bytes += q.tasks[i].extent;
  if (all.size() < bytes) all.resize(static_cast<size_t>(bytes));
  std::vector<ReadPiece> pieces;
  size_t at = 0;
  for (size_t i = first; i < last; ++i) {
    const auto n = static_cast<size_t>(q.tasks[i].extent);
    pieces.push_back({q.tasks[i].address, std::span<std::byte>(all).subspan(at, n)});
    at += n;
  }
  const std::vector<ReadOutcome> outcomes = source.read_pieces(pieces);
  for (size_t k = 0; k < pieces.size(); ++k) {
    if (Status s =
            scan_read_block(q, first + k, pieces[k].out, nullptr, outcomes[k], sc, stats, reports);
        !s)
      return s;
  }
  return {};
}

// One reader: takes groups until none is left or the scan is cancelled. Only the caller's
// own thread (reports) touches the worker's progress. An error: the temporary file of the
// memory cap failed.
Status read_blocks(Source& source, BlockQueue& q, const ScanContext& sc, ScanStats& stats,
                   bool reports) {
  std::vector<std::byte> buf;
  std::vector<std::byte> group_buf;
  while (true) {
    if (sc.ctx && sc.ctx->cancelled()) {
      stats.cancelled = true;
      return {};
    }
    const size_t g = q.next.fetch_add(1);
    if (g >= q.groups()) return {};
    const size_t first = q.group_starts[g];
    const size_t last = q.group_starts[g + 1];
    Status s = last - first == 1
                   ? scan_task(source, q, first, sc, stats, reports, buf)
                   : scan_group(source, q, first, last, sc, stats, reports, group_buf);
    if (!s) return s;
  }
}

// Reads every block: this thread with `source`, the others each with a Source of their own
// opened from the same spec (a Source is single-threaded).
Status run_readers(Source& source, BlockQueue& q, const ScanContext& sc, ScanStats& stats) {
  std::vector<SourcePtr> sources =
      scan_detail::extra_readers(source, sc.options.threads, q.groups());
  std::vector<ScanStats> helper_stats(sources.size());
  std::vector<Status> helper_status(sources.size());
  std::atomic<bool> out_of_memory{false};
  std::vector<std::thread> threads;
  for (size_t k = 0; k < sources.size(); ++k) {
    threads.emplace_back([&, k] {
      try {
        helper_status[k] = read_blocks(*sources[k], q, sc, helper_stats[k], false);
      } catch (const std::bad_alloc&) {
        out_of_memory = true;
      }
      if (!helper_status[k]) q.next = q.groups();  // the others stop too
    });
  }
  bool failed_here = false;
  Status here;
  try {
    here = read_blocks(source, q, sc, stats, true);
  } catch (const std::bad_alloc&) {
    failed_here = true;
  }
  if (!here) q.next = q.groups();
  for (std::thread& t : threads) t.join();
  if (!here) return here;
  for (const Status& h : helper_status) {
    if (!h) return h;
  }
  if (sc.ctx) sc.ctx->set_progress(q.done, q.total);  // the helpers' last blocks included
  for (const ScanStats& h : helper_stats) merge_stats(stats, h);
  if (failed_here || out_of_memory) {
    return make_error(Errc::io,
                      "out of memory: the scan's candidates do not fit (set a memory cap to "
                      "keep them in a temporary file, narrow the ranges, or scan for a value "
                      "instead of an unknown one)");
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
  plan_blocks(q, ranges, options.every_byte ? max_width - 1 : 0);
  q.results.resize(q.tasks.size());
  if (ctx) ctx->set_progress(0, q.total);
  scan_detail::SpillBudget budget(options.memory_cap, nullptr);
  const ScanContext sc{plans, options, ctx, budget};
  Status outcome = run_readers(source, q, sc, state.stats);
  if (!outcome) return outcome.error();
  state.spill = budget.spill();
  state.stats.bytes_spilled = budget.spilled();
  for (std::optional<ScanBlock>& b : q.results) {
    if (b) state.blocks.push_back(std::move(*b));
  }
  state.stats.elapsed_ns = now_ns() - start;
  return state;
}

}  // namespace memview
