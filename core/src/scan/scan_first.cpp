// The first scan: reads each range in blocks of kScanBlockBytes and compares in place.
#include <algorithm>
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
  uint64_t total = 0;
  for (const ByteRange& r : ranges) total += r.length;
  uint64_t done = 0;
  if (ctx) ctx->set_progress(0, total);
  std::vector<std::byte> buf;
  for (const ByteRange& r : ranges) {
    for (uint64_t at = r.address; at < r.end(); at += kScanBlockBytes) {
      if (ctx && ctx->cancelled()) {
        state.stats.cancelled = true;
        break;
      }
      ScanBlock block;
      block.address = at;
      block.length = std::min(kScanBlockBytes, r.end() - at);
      const uint64_t length = block.length;
      const uint64_t tail = options.every_byte ? max_width - 1 : 0;
      block.extent = std::min(block.length + tail, r.end() - at);
      buf.resize(block.extent);
      const ReadOutcome outcome = source.read(at, buf);
      const uint64_t bad = scan_detail::unreadable_inside(outcome, at, block.length);
      state.stats.bytes_unreadable += bad;
      state.stats.bytes_scanned += block.length - bad;
      if (state.stats.unreadable_message.empty()) state.stats.unreadable_message = outcome.message;
      if (bad < block.length) {
        scan_block(block, buf, outcome, plans, options);  // may take buf as the snapshot
        if (block_count(block) != 0) state.blocks.push_back(std::move(block));
      }
      done += length;
      if (ctx) ctx->set_progress(done, total);
    }
    if (state.stats.cancelled) break;
  }
  state.stats.elapsed_ns = now_ns() - start;
  return state;
}

}  // namespace memview
