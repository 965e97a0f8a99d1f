// Reading a ScanState: counts, memory, candidates in address order, one value by address.
#include <algorithm>
#include <bit>

#include <fmt/format.h>

#include "memview/scan.h"
#include "scan/scan_block.h"
#include "scan/scan_spill.h"

namespace memview {

using scan_detail::lane_positions;

namespace {

// The offsets of a lane's candidates, one after another (dense or sparse alike).
class LaneCursor {
 public:
  LaneCursor(const ScanBlock& b, const ScanLane& lane)
      : b_(b), lane_(lane), npos_(b.dense() ? lane_positions(b, lane) : lane.offsets.size()) {
    advance_to(0);
  }
  bool done() const { return i_ >= npos_; }
  uint64_t offset() const {
    return b_.dense() ? lane_.origin + i_ * lane_.step : lane_.offsets[i_];
  }
  const std::byte* value() const {
    return b_.dense() ? b_.snapshot.data() + offset()
                      : lane_.values.data() + i_ * scalar_size(lane_.type);
  }
  void next() { advance_to(i_ + 1); }

 private:
  void advance_to(uint64_t i) {
    i_ = i;
    if (!b_.dense() || lane_.all) return;
    while (i_ < npos_) {
      const uint64_t word = lane_.bits[i_ / 64] >> (i_ % 64);
      if (word != 0) {
        i_ += static_cast<uint64_t>(std::countr_zero(word));
        return;
      }
      i_ = (i_ / 64 + 1) * 64;
    }
  }
  const ScanBlock& b_;
  const ScanLane& lane_;
  uint64_t npos_;
  uint64_t i_ = 0;
};

}  // namespace

uint64_t ScanState::count() const {
  uint64_t n = 0;
  for (const ScanBlock& b : blocks) n += scan_detail::block_candidates(b);
  return n;
}

uint64_t ScanState::memory_bytes() const {
  uint64_t n = sizeof(ScanState);
  for (const ScanBlock& b : blocks) n += scan_detail::block_memory(b);
  return n;
}

uint64_t ScanState::spilled_bytes() const {
  uint64_t n = 0;
  for (const ScanBlock& b : blocks) n += b.spill_bytes;
  return n;
}

void ScanState::visit(const std::function<bool(const Candidate&)>& fn) const {
  Candidate c;
  for (const ScanBlock& stored : blocks) {
    Result<std::shared_ptr<const ScanBlock>> held = scan_detail::resident(*this, stored);
    if (!held) continue;
    const ScanBlock& b = **held;
    std::vector<LaneCursor> cursors;
    cursors.reserve(b.lanes.size());
    for (const ScanLane& lane : b.lanes) cursors.emplace_back(b, lane);
    // Merge the lanes by offset (any-int: several widths at one address, narrowest first).
    while (true) {
      size_t best = cursors.size();
      for (size_t k = 0; k < cursors.size(); ++k) {
        if (cursors[k].done()) continue;
        if (best == cursors.size() || cursors[k].offset() < cursors[best].offset()) best = k;
      }
      if (best == cursors.size()) break;
      const ScanLane& lane = b.lanes[best];
      c.address = b.address + cursors[best].offset();
      c.type = lane.type;
      const std::byte* v = cursors[best].value();
      c.value.assign(v, v + scalar_size(lane.type));
      if (!fn(c)) return;
      cursors[best].next();
    }
  }
}

std::optional<std::vector<std::byte>> ScanState::value_at(uint64_t address, ScalarType type) const {
  auto it = std::upper_bound(blocks.begin(), blocks.end(), address,
                             [](uint64_t a, const ScanBlock& b) { return a < b.address; });
  if (it == blocks.begin()) return std::nullopt;
  if (address >= (it - 1)->address + (it - 1)->length) return std::nullopt;
  Result<std::shared_ptr<const ScanBlock>> held = scan_detail::resident(*this, *(it - 1));
  if (!held) return std::nullopt;
  return scan_detail::block_value_at(**held, address, type);
}

namespace scan_detail {

std::optional<std::vector<std::byte>> block_value_at(const ScanBlock& b, uint64_t address,
                                                     ScalarType type) {
  if (address < b.address || address >= b.address + b.length) return std::nullopt;
  const uint64_t off = address - b.address;
  const size_t w = scalar_size(type);
  for (const ScanLane& lane : b.lanes) {
    if (lane.type != type) continue;
    if (b.dense()) {
      if (off < lane.origin || (off - lane.origin) % lane.step != 0) return std::nullopt;
      const uint64_t i = (off - lane.origin) / lane.step;
      if (i >= lane_positions(b, lane)) return std::nullopt;
      if (!lane.all && ((lane.bits[i / 64] >> (i % 64)) & 1) == 0) return std::nullopt;
      const std::byte* v = b.snapshot.data() + off;
      return std::vector<std::byte>(v, v + w);
    }
    auto o = std::lower_bound(lane.offsets.begin(), lane.offsets.end(), off);
    if (o == lane.offsets.end() || *o != off) return std::nullopt;
    const std::byte* v = lane.values.data() + static_cast<size_t>(o - lane.offsets.begin()) * w;
    return std::vector<std::byte>(v, v + w);
  }
  return std::nullopt;
}

}  // namespace scan_detail

Status check_state_matches(const ScanState& state, const SourceInfo& info) {
  if (state.spec != info.spec) {
    return make_error(
        Errc::invalid_argument,
        fmt::format("the scan state belongs to '{}', not to '{}'", state.spec, info.spec));
  }
  if (state.source_base != info.base || state.source_size != info.size) {
    return make_error(
        Errc::invalid_argument,
        fmt::format("'{}' is now {} bytes at 0x{:x}; the scan state was made when "
                    "it was {} bytes at 0x{:x}: start a new scan",
                    info.spec, info.size, info.base, state.source_size, state.source_base));
  }
  return {};
}

}  // namespace memview
