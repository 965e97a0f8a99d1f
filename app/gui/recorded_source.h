// A Source over recorded bytes: what a tab shows when its timeline is in the past (or
// replays a recording file). The views read it through a Poller like any source, so the
// grid, the inspector and the overlays show the bytes at the timeline's position without
// knowing they are past. Bytes outside the recorded ranges are unreadable ("not
// recorded"); writing is refused with the reason the timeline gives (the past cannot be
// edited).
//
// Thread-safety: like every Source, one thread (the frame's).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "memview/source.h"

namespace memview::gui {

class RecordedSource final : public Source {
 public:
  // `info` gives the address space shown (a live tab's own, so the grid does not move);
  // `ranges` the recorded ranges, sorted and not overlapping.
  RecordedSource(SourceInfo info, std::vector<ByteRange> ranges, std::string read_only_reason);

  // The bytes of every range (as Recording::state_at gives them); must outlive the reads.
  void set_state(const std::vector<std::vector<std::byte>>* state) { state_ = state; }
  // Follows the live source's size and base (it may grow or shrink while scrubbed).
  void set_extent(uint64_t base, uint64_t size);
  void set_read_only_reason(std::string reason) { info_.read_only_reason = std::move(reason); }

  const SourceInfo& info() const override { return info_; }
  ReadOutcome read(uint64_t address, std::span<std::byte> out) override;
  Status write(uint64_t address, std::span<const std::byte> data) override;
  std::vector<SourceEvent> refresh() override { return {}; }

 private:
  SourceInfo info_;
  std::vector<ByteRange> ranges_;
  const std::vector<std::vector<std::byte>>* state_ = nullptr;
};

}  // namespace memview::gui
