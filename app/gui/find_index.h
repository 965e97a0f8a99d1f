// Random access to the candidates of a scan state, for the Find panel's virtual results
// table (row i -> candidate in O(log n)) and the grid's candidate marks (the candidates
// inside the visible bytes in O(log n + visible)).
//
// Rows run block by block in ascending address order; inside a block of several lanes
// (any-int, any-number) lane by lane, so the rows of a multi-width scan are address-sorted
// within each lane of a 16 MiB block, not across its lanes. A dense lane with a bitmap gets
// one prefix count per 512 positions (8 words): 1/64 byte per position, built in one
// popcount pass when a state arrives.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "memview/scan.h"

namespace memview::gui {

struct CandidateRow {
  uint64_t address = 0;
  ScalarType type = ScalarType::i32;
  const std::byte* value = nullptr;  // the value at the last scan (scalar_size(type) bytes)
};

class CandidateIndex {
 public:
  // Indexes `state` (kept alive by the index); null: empty.
  void build(std::shared_ptr<const ScanState> state);
  const std::shared_ptr<const ScanState>& state() const { return state_; }
  uint64_t size() const { return total_; }
  std::optional<CandidateRow> row(uint64_t i) const;
  // Each candidate whose bytes overlap [begin, end): fn(address, width).
  void for_each_in(uint64_t begin, uint64_t end,
                   const std::function<void(uint64_t, size_t)>& fn) const;

 private:
  struct Span {
    size_t block = 0;
    size_t lane = 0;
    uint64_t first_row = 0;
    uint64_t count = 0;
    uint64_t positions = 0;        // dense: positions of the lane in its block
    std::vector<uint64_t> prefix;  // dense with bits: candidates before each 8-word group
  };
  uint64_t select_dense(const Span& s, uint64_t k) const;  // position of the k-th candidate

  std::shared_ptr<const ScanState> state_;
  std::vector<Span> spans_;
  uint64_t total_ = 0;
};

// Positions of `lane` in `block` (origin + i*step inside the length, the value inside the
// extent): the engine's own rule, restated from the public layout.
uint64_t lane_positions_of(const ScanBlock& block, const ScanLane& lane);

}  // namespace memview::gui
