// Narrowing: re-reads the candidates of a previous scan and keeps those whose value now
// meets the condition. Dense blocks are re-read whole and compared against their snapshot
// with the same vectorised kernels as the first scan; sparse blocks are read in runs that
// cover nearby candidates, so a few candidates never cost a sweep of the whole block.
#include <algorithm>
#include <atomic>
#include <cstring>
#include <map>
#include <new>
#include <optional>
#include <thread>
#include <utility>

#include <fmt/format.h>

#include "memview/clock.h"
#include "memview/scan.h"
#include "memview/worker.h"
#include "scan/scan_block.h"
#include "scan/scan_kernels.h"
#include "scan/scan_spill.h"

namespace memview {

using scan_detail::LaneJob;
using scan_detail::Operand;

namespace {

// Candidates closer than this share one read.
constexpr uint64_t kRunGap = 4096;
constexpr uint64_t kMaxRun = uint64_t{1} << 20;

struct Plan {
  bool possible = false;  // false: the value does not fit this type, no candidate survives
  Operand operand;
  scan_detail::LaneKernel kernel = nullptr;
};

struct Narrower {
  Source& source;
  const ScanState* first;
  std::map<ScalarType, Plan> plans;
  ScanStats stats;
  Plan none;
  std::vector<std::byte> spare;  // a read buffer handed from one dense block to the next
  // The first scan's block last looked up (read back once per block when spilled; each
  // thread keeps its own, so threads never evict each other's).
  std::shared_ptr<const ScanBlock> first_block;

  const Plan& plan_for(ScalarType t) const {
    auto it = plans.find(t);
    return it == plans.end() ? none : it->second;
  }

  std::optional<std::vector<std::byte>> first_value(uint64_t address, ScalarType type) {
    if (!first_block || address < first_block->address ||
        address >= first_block->address + first_block->length) {
      first_block = nullptr;
      auto it = std::upper_bound(first->blocks.begin(), first->blocks.end(), address,
                                 [](uint64_t a, const ScanBlock& b) { return a < b.address; });
      if (it == first->blocks.begin()) return std::nullopt;
      Result<std::shared_ptr<const ScanBlock>> held = scan_detail::resident(*first, *(it - 1));
      if (!held) return std::nullopt;
      first_block = std::move(*held);
    }
    return scan_detail::block_value_at(*first_block, address, type);
  }

  // The first scan's value of each candidate, laid over a copy of the old bytes.
  std::vector<std::byte> first_values(const ScanBlock& b, const ScanLane& lane,
                                      const std::vector<std::byte>& old) {
    std::vector<std::byte> out = old;
    const size_t npos = scan_detail::lane_positions(b, lane);
    for (size_t i = 0; i < npos; ++i) {
      if (!lane.all && ((lane.bits[i / 64] >> (i % 64)) & 1) == 0) continue;
      const uint64_t off = lane.origin + i * lane.step;
      if (auto v = first_value(b.address + off, lane.type)) {
        std::copy(v->begin(), v->end(), out.begin() + static_cast<ptrdiff_t>(off));
      }
    }
    return out;
  }

  void dense(ScanBlock& b) {
    // The previous block's old snapshot is this block's read buffer: no fresh allocation
    // (and no page faults) per block.
    std::vector<std::byte> cur = std::move(spare);
    cur.resize(b.extent);
    const ReadOutcome outcome = source.read(b.address, cur);
    count_read(outcome, b.address, b.length);
    std::vector<std::vector<uint64_t>> bits(b.lanes.size());
    for (size_t k = 0; k < b.lanes.size(); ++k) {
      const ScanLane& lane = b.lanes[k];
      const size_t npos = scan_detail::lane_positions(b, lane);
      bits[k].assign(scan_detail::words_for(npos), 0);
      const Plan& plan = plan_for(lane.type);
      if (!plan.possible) continue;
      std::vector<std::byte> from_first;
      if (first) from_first = first_values(b, lane, b.snapshot);
      const std::vector<std::byte>& old = first ? from_first : b.snapshot;
      LaneJob j;
      j.cur = cur.data() + lane.origin;
      j.old = old.data() + lane.origin;
      j.npos = npos;
      j.step = lane.step;
      j.in_bits = lane.all ? nullptr : lane.bits.data();
      j.out_bits = bits[k].data();
      plan.kernel(plan.operand, j);
      scan_detail::clear_unreadable(b, lane, outcome.unreadable, bits[k]);
    }
    // The old snapshot is released (kept as the next read buffer) before the new one is
    // kept: never a second copy of the state.
    spare = std::move(b.snapshot);
    b.snapshot = std::vector<std::byte>();
    for (ScanLane& lane : b.lanes) lane.bits = std::vector<uint64_t>();
    scan_detail::store_block(b, std::move(cur), std::move(bits));
    // A short block may have been read into a full block's buffer: give the rest back.
    if (b.snapshot.capacity() > b.snapshot.size() + b.snapshot.size() / 8) {
      b.snapshot.shrink_to_fit();
    }
  }

  // Sparse candidates: their current values are gathered from reads of nearby runs into
  // one array, then compared with the stored values by the same vectorised kernel.
  void sparse_lane(const ScanBlock& b, ScanLane& lane) {
    const size_t w = scalar_size(lane.type);
    const Plan& plan = plan_for(lane.type);
    const size_t n = lane.offsets.size();
    if (!plan.possible || n == 0) {
      lane.offsets = {};
      lane.values = {};
      return;
    }
    std::vector<std::byte> cur(n * w);
    std::vector<uint8_t> readable(n, 1);
    std::vector<std::byte> buf;
    size_t i = 0;
    while (i < n) {
      // One run: candidates whose gaps are small, read in one go.
      size_t j = i + 1;
      uint64_t run_end = lane.offsets[i] + w;
      while (j < n && lane.offsets[j] <= run_end + kRunGap &&
             lane.offsets[j] + w - lane.offsets[i] <= kMaxRun) {
        run_end = lane.offsets[j] + w;
        ++j;
      }
      const uint64_t run_start = lane.offsets[i];
      buf.resize(static_cast<size_t>(run_end - run_start));
      const ReadOutcome outcome = source.read(b.address + run_start, buf);
      count_read(outcome, b.address + run_start, buf.size());
      for (size_t k = i; k < j; ++k) {
        const uint64_t off = lane.offsets[k];
        if (!outcome.complete() && overlaps(outcome, b.address + off, w)) {
          readable[k] = 0;
          continue;
        }
        std::memcpy(cur.data() + k * w, buf.data() + (off - run_start), w);
      }
      i = j;
    }
    std::vector<std::byte> from_first;
    if (first) {
      from_first = lane.values;
      for (size_t k = 0; k < n; ++k) {
        if (auto v = first_value(b.address + lane.offsets[k], lane.type)) {
          std::memcpy(from_first.data() + k * w, v->data(), w);
        }
      }
    }
    std::vector<uint64_t> bits(scan_detail::words_for(n));
    LaneJob job;
    job.cur = cur.data();
    job.old = first ? from_first.data() : lane.values.data();
    job.npos = n;
    job.step = static_cast<unsigned>(w);
    job.out_bits = bits.data();
    plan.kernel(plan.operand, job);
    size_t kept = 0;
    for (size_t k = 0; k < n; ++k) {
      if (((bits[k / 64] >> (k % 64)) & 1) == 0 || readable[k] == 0) continue;
      lane.offsets[kept] = lane.offsets[k];
      std::memcpy(lane.values.data() + kept * w, cur.data() + k * w, w);
      ++kept;
    }
    lane.offsets.resize(kept);
    lane.values.resize(kept * w);
    lane.offsets.shrink_to_fit();
    lane.values.shrink_to_fit();
  }

  static bool overlaps(const ReadOutcome& o, uint64_t address, uint64_t w) {
    return std::any_of(o.unreadable.begin(), o.unreadable.end(), [&](const ByteRange& u) {
      return u.address < address + w && u.end() > address;
    });
  }

  void count_read(const ReadOutcome& outcome, uint64_t address, uint64_t length) {
    const uint64_t bad = scan_detail::unreadable_inside(outcome, address, length);
    stats.bytes_unreadable += bad;
    stats.bytes_scanned += length - bad;
    if (stats.unreadable_message.empty()) stats.unreadable_message = outcome.message;
  }
};

// The blocks of a narrowing, taken one at a time by each thread and narrowed in place; a
// block nobody took (cancelled) stays as it was. A spilled block is read back, narrowed,
// and kept in memory or spilled again as the memory cap says.
struct BlockWork {
  std::vector<ScanBlock>& blocks;
  const ScanState& previous;  // owns the temporary file of the spilled blocks
  scan_detail::SpillBudget& budget;
  WorkerContext* ctx;
  uint64_t total = 0;
  std::atomic<size_t> next{0};
  std::atomic<uint64_t> done{0};

  Status run(Narrower& n, bool reports) {
    while (true) {
      if (ctx && ctx->cancelled()) {
        n.stats.cancelled = true;
        return {};
      }
      const size_t i = next.fetch_add(1);
      if (i >= blocks.size()) return {};
      ScanBlock& b = blocks[i];
      const uint64_t held = b.spilled() ? 0 : scan_detail::block_memory(b);
      if (b.spilled()) {
        if (!previous.spill) return make_error(Errc::io, "a spilled block without its file");
        Result<ScanBlock> back = previous.spill->read_back(b);
        if (!back) return back.error();
        b = std::move(*back);
      }
      if (b.dense()) {
        n.dense(b);
      } else {
        for (ScanLane& lane : b.lanes) n.sparse_lane(b, lane);
      }
      budget.release(held);
      if (scan_detail::block_candidates(b) != 0) {
        if (Status kept = budget.keep(b); !kept) return kept;
      }
      const uint64_t d = done.fetch_add(b.length) + b.length;
      if (reports && ctx) ctx->set_progress(d, total);
    }
  }
};

}  // namespace

Result<ScanState> narrow(Source& source, ScanState previous, const ScanCondition& condition,
                         WorkerContext* ctx, const ScanState* first) {
  const int64_t start = now_ns();
  if (Status s = check_state_matches(previous, source.info()); !s) return s.error();
  if (condition.op == ScanOp::unknown) {
    return make_error(Errc::invalid_argument,
                      "'unknown' starts a scan; narrowing needs a condition (changed, = v, ...)");
  }
  if (first && first->spec != previous.spec) {
    return make_error(Errc::invalid_argument, "the first scan's state is of another source");
  }
  // Reports a missing or malformed value once, whatever the lanes.
  if (Result<std::vector<Operand>> all = scan_detail::make_operands(previous.options, condition);
      !all) {
    return all.error();
  }
  std::map<ScalarType, Plan> plans;
  for (ScalarType t : scan_detail::concrete_types(previous.options.type)) {
    std::vector<ScalarType> kinds{t};
    // any-int keeps a value that fit only unsigned as the unsigned type of its width.
    const int ti = static_cast<int>(t);
    if (t < ScalarType::f32 && ti % 2 == 1) kinds.push_back(static_cast<ScalarType>(ti - 1));
    for (ScalarType u : kinds) {
      Plan p;
      Result<Operand> o = scan_detail::make_operand(u, condition, previous.options.tolerance);
      p.possible = o.ok();
      if (o) p.operand = *o;
      p.kernel = scan_detail::select_kernel(u, condition.op, previous.options.endian);
      plans[u] = p;
    }
  }
  // The narrowed blocks spill to the previous state's file (append-only: a copy of the
  // previous state still reads its own blocks there).
  uint64_t in_memory = 0;
  for (const ScanBlock& b : previous.blocks) {
    if (!b.spilled()) in_memory += scan_detail::block_memory(b);
  }
  scan_detail::SpillBudget budget(previous.options.memory_cap, previous.spill, in_memory);
  BlockWork work{previous.blocks, previous, budget, ctx};
  for (const ScanBlock& b : previous.blocks) work.total += b.length;
  if (ctx) ctx->set_progress(0, work.total);
  // Helper threads narrow blocks in place beside this one, each with its own Source.
  std::vector<SourcePtr> sources =
      scan_detail::extra_readers(source, previous.options.threads, previous.blocks.size());
  std::vector<Narrower> narrowers;
  narrowers.reserve(sources.size() + 1);
  narrowers.push_back(Narrower{source, first, plans, {}, {}, {}, {}});
  for (SourcePtr& s : sources) narrowers.push_back(Narrower{*s, first, plans, {}, {}, {}, {}});
  std::atomic<bool> out_of_memory{false};
  std::vector<Status> status(narrowers.size());
  auto run_one = [&](size_t k) {
    try {
      status[k] = work.run(narrowers[k], k == 0);
    } catch (const std::bad_alloc&) {
      out_of_memory = true;
    }
    if (!status[k] || out_of_memory) work.next = previous.blocks.size();  // all stop
  };
  std::vector<std::thread> threads;
  for (size_t k = 1; k < narrowers.size(); ++k) threads.emplace_back(run_one, k);
  run_one(0);
  for (std::thread& t : threads) t.join();
  if (ctx) ctx->set_progress(work.done, work.total);  // the helpers' last blocks included
  if (out_of_memory) {
    return make_error(Errc::io,
                      "out of memory while narrowing (the previous state is lost; a memory cap "
                      "keeps candidates in a temporary file)");
  }
  for (const Status& st : status) {
    if (!st) return st.error();
  }
  ScanState out;
  out.spec = previous.spec;
  out.source_base = previous.source_base;
  out.source_size = previous.source_size;
  out.options = previous.options;
  out.narrowings = previous.narrowings + 1;
  out.spill = budget.spill();
  out.stats.bytes_spilled = budget.spilled();
  for (ScanBlock& b : previous.blocks) {
    if (scan_detail::block_candidates(b) != 0) out.blocks.push_back(std::move(b));
    b = ScanBlock{};
  }
  for (Narrower& nr : narrowers) {
    out.stats.bytes_scanned += nr.stats.bytes_scanned;
    out.stats.bytes_unreadable += nr.stats.bytes_unreadable;
    if (out.stats.unreadable_message.empty())
      out.stats.unreadable_message = nr.stats.unreadable_message;
    out.stats.cancelled = out.stats.cancelled || nr.stats.cancelled;
  }
  out.stats.elapsed_ns = now_ns() - start;
  return out;
}

}  // namespace memview
