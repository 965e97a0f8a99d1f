#include "find_index.h"

#include <algorithm>
#include <bit>

namespace memview::gui {

namespace {

constexpr size_t kGroupWords = 8;

bool bit_set(const ScanLane& lane, uint64_t i) {
  return lane.all || ((lane.bits[i / 64] >> (i % 64)) & 1) != 0;
}

// The position of the k-th set bit of `word` (k < popcount(word)).
unsigned select_in_word(uint64_t word, uint64_t k) {
  for (; k > 0; --k) word &= word - 1;
  return static_cast<unsigned>(std::countr_zero(word));
}

}  // namespace

uint64_t lane_positions_of(const ScanBlock& block, const ScanLane& lane) {
  const uint64_t w = scalar_size(lane.type);
  if (lane.step == 0 || lane.origin >= block.length || lane.origin + w > block.extent) return 0;
  const uint64_t by_length = (block.length - lane.origin + lane.step - 1) / lane.step;
  const uint64_t by_extent = (block.extent - lane.origin - w) / lane.step + 1;
  return std::min(by_length, by_extent);
}

void CandidateIndex::build(std::shared_ptr<const ScanState> state) {
  state_ = std::move(state);
  spans_.clear();
  total_ = 0;
  if (!state_) return;
  for (size_t b = 0; b < state_->blocks.size(); ++b) {
    const ScanBlock& block = state_->blocks[b];
    for (size_t l = 0; l < block.lanes.size(); ++l) {
      const ScanLane& lane = block.lanes[l];
      Span s;
      s.block = b;
      s.lane = l;
      s.first_row = total_;
      if (!block.dense()) {
        s.count = lane.offsets.size();
      } else {
        s.positions = lane_positions_of(block, lane);
        if (lane.all) {
          s.count = s.positions;
        } else {
          for (size_t w = 0; w < lane.bits.size(); ++w) {
            if (w % kGroupWords == 0) s.prefix.push_back(s.count);
            s.count += static_cast<uint64_t>(std::popcount(lane.bits[w]));
          }
        }
      }
      if (s.count == 0) continue;
      total_ += s.count;
      spans_.push_back(std::move(s));
    }
  }
}

uint64_t CandidateIndex::select_dense(const Span& s, uint64_t k) const {
  const ScanLane& lane = state_->blocks[s.block].lanes[s.lane];
  if (lane.all) return k;
  // The last group starting at or before k candidates, then word by word.
  const auto g = std::upper_bound(s.prefix.begin(), s.prefix.end(), k) - s.prefix.begin() - 1;
  uint64_t rem = k - s.prefix[static_cast<size_t>(g)];
  for (size_t w = static_cast<size_t>(g) * kGroupWords; w < lane.bits.size(); ++w) {
    const auto pc = static_cast<uint64_t>(std::popcount(lane.bits[w]));
    if (rem < pc) return w * 64 + select_in_word(lane.bits[w], rem);
    rem -= pc;
  }
  return s.positions;  // not reached for k < count
}

std::optional<CandidateRow> CandidateIndex::row(uint64_t i) const {
  if (i >= total_) return std::nullopt;
  const auto it = std::upper_bound(spans_.begin(), spans_.end(), i,
                                   [](uint64_t r, const Span& s) { return r < s.first_row; });
  const Span& s = *(it - 1);
  const ScanBlock& block = state_->blocks[s.block];
  const ScanLane& lane = block.lanes[s.lane];
  const uint64_t k = i - s.first_row;
  CandidateRow r;
  r.type = lane.type;
  if (!block.dense()) {
    r.address = block.address + lane.offsets[k];
    r.value = lane.values.data() + k * scalar_size(lane.type);
    return r;
  }
  const uint64_t pos = select_dense(s, k);
  const uint64_t off = lane.origin + pos * lane.step;
  r.address = block.address + off;
  r.value = block.snapshot.data() + off;
  return r;
}

void CandidateIndex::for_each_in(uint64_t begin, uint64_t end,
                                 const std::function<void(uint64_t, size_t)>& fn) const {
  if (!state_ || begin >= end) return;
  const auto& blocks = state_->blocks;
  // A candidate starts at most 7 bytes before `begin` and still overlaps it.
  const uint64_t from = begin >= 7 ? begin - 7 : 0;
  auto it = std::upper_bound(blocks.begin(), blocks.end(), from,
                             [](uint64_t a, const ScanBlock& b) { return a < b.address; });
  if (it != blocks.begin()) --it;
  for (; it != blocks.end() && it->address < end; ++it) {
    const ScanBlock& block = *it;
    for (const ScanLane& lane : block.lanes) {
      const size_t w = scalar_size(lane.type);
      const uint64_t lo = begin >= w - 1 ? begin - (w - 1) : 0;  // first start that overlaps
      if (!block.dense()) {
        const uint64_t lo_off = lo > block.address ? lo - block.address : 0;
        if (lo_off > UINT32_MAX) continue;
        auto o = std::lower_bound(lane.offsets.begin(), lane.offsets.end(),
                                  static_cast<uint32_t>(lo_off));
        for (; o != lane.offsets.end() && block.address + *o < end; ++o) fn(block.address + *o, w);
        continue;
      }
      const uint64_t npos = lane_positions_of(block, lane);
      const uint64_t first = block.address + lane.origin;
      uint64_t i = lo > first ? (lo - first + lane.step - 1) / lane.step : 0;
      for (; i < npos; ++i) {
        const uint64_t a = first + i * lane.step;
        if (a >= end) break;
        if (bit_set(lane, i)) fn(a, w);
      }
    }
  }
}

}  // namespace memview::gui
