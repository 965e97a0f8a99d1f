// One block's candidates: positions, holes, and sparse-or-dense storage.
#include "scan/scan_block.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include <thread>

#include "in_place_source.h"
#include "memview/source_spec.h"
#include "scan/scan_kernels.h"

namespace memview::scan_detail {

size_t lane_positions(const ScanBlock& block, const ScanLane& lane) {
  const uint64_t w = scalar_size(lane.type);
  if (lane.origin >= block.length || lane.origin + w > block.extent) return 0;
  const uint64_t by_length = (block.length - lane.origin + lane.step - 1) / lane.step;
  const uint64_t by_extent = (block.extent - lane.origin - w) / lane.step + 1;
  return static_cast<size_t>(std::min(by_length, by_extent));
}

ScanLane make_lane(const ScanBlock& block, ScalarType type, bool every_byte) {
  ScanLane lane;
  lane.type = type;
  const auto w = static_cast<uint32_t>(scalar_size(type));
  lane.step = every_byte ? 1 : w;
  lane.origin = every_byte ? 0 : static_cast<uint32_t>((w - block.address % w) % w);
  return lane;
}

void clear_unreadable(const ScanBlock& block, const ScanLane& lane,
                      const std::vector<ByteRange>& unreadable, std::vector<uint64_t>& bits) {
  const size_t npos = lane_positions(block, lane);
  if (npos == 0) return;
  const uint64_t w = scalar_size(lane.type);
  const uint64_t first = block.address + lane.origin;
  for (const ByteRange& u : unreadable) {
    // Position p overlaps u when p < u.end() and p + w > u.address.
    if (u.end() <= first) continue;
    const uint64_t lo_addr = u.address + 1 > first + w ? u.address + 1 - w : first;
    const uint64_t i_lo = (lo_addr - first + lane.step - 1) / lane.step;
    const uint64_t i_hi = std::min<uint64_t>((u.end() - 1 - first) / lane.step, npos - 1);
    for (uint64_t i = i_lo; i <= i_hi && i < npos; ++i) {
      bits[i / 64] &= ~(uint64_t{1} << (i % 64));
    }
  }
}

uint64_t unreadable_inside(const ReadOutcome& outcome, uint64_t address, uint64_t length) {
  uint64_t n = 0;
  for (const ByteRange& u : outcome.unreadable) {
    const uint64_t lo = std::max(u.address, address);
    const uint64_t hi = std::min(u.end(), address + length);
    if (lo < hi) n += hi - lo;
  }
  return n;
}

uint64_t popcount_words(const std::vector<uint64_t>& bits) {
  uint64_t n = 0;
  for (uint64_t w : bits) n += static_cast<uint64_t>(std::popcount(w));
  return n;
}

uint64_t block_candidates(const ScanBlock& b) {
  if (b.spilled()) return b.spill_count;
  uint64_t n = 0;
  for (const ScanLane& lane : b.lanes) {
    if (!b.dense()) {
      n += lane.offsets.size();
    } else {
      n += lane.all ? lane_positions(b, lane) : popcount_words(lane.bits);
    }
  }
  return n;
}

namespace {

// store_block() on `buf`, the block's bytes; `owned` (may be null) holds them and may be
// taken as the snapshot instead of a copy.
void store_block_from(ScanBlock& block, std::span<const std::byte> buf,
                      std::vector<std::byte>* owned, std::vector<std::vector<uint64_t>>&& bits) {
  // Every position still a candidate ("unchanged" over static memory): no bitmap at all,
  // so a dense block stays at one byte per scanned byte.
  for (size_t k = 0; k < block.lanes.size(); ++k) {
    const size_t npos = lane_positions(block, block.lanes[k]);
    if (!bits[k].empty() && npos != 0 && popcount_words(bits[k]) == npos) {
      bits[k] = std::vector<uint64_t>();  // not `= {}`, which keeps the capacity
    }
  }
  uint64_t sparse_cost = 0;
  uint64_t dense_cost = buf.size();
  for (size_t k = 0; k < block.lanes.size(); ++k) {
    const ScanLane& lane = block.lanes[k];
    const uint64_t count = bits[k].empty() ? lane_positions(block, lane) : popcount_words(bits[k]);
    sparse_cost += count * (sizeof(uint32_t) + scalar_size(lane.type));
    dense_cost += bits[k].size() * sizeof(uint64_t);
  }
  if (dense_cost < sparse_cost) {
    for (size_t k = 0; k < block.lanes.size(); ++k) {
      ScanLane& lane = block.lanes[k];
      lane.all = bits[k].empty();
      lane.bits = std::move(bits[k]);
      lane.offsets = {};
      lane.values = {};
    }
    block.snapshot = owned ? std::move(*owned) : std::vector<std::byte>(buf.begin(), buf.end());
    return;
  }
  for (size_t k = 0; k < block.lanes.size(); ++k) {
    ScanLane& lane = block.lanes[k];
    const size_t w = scalar_size(lane.type);
    const size_t npos = lane_positions(block, lane);
    lane.all = false;
    lane.offsets.clear();
    lane.values.clear();
    auto add = [&](size_t i) {
      const size_t off = lane.origin + i * lane.step;
      lane.offsets.push_back(static_cast<uint32_t>(off));
      lane.values.insert(lane.values.end(), buf.begin() + static_cast<ptrdiff_t>(off),
                         buf.begin() + static_cast<ptrdiff_t>(off + w));
    };
    if (bits[k].empty()) {
      for (size_t i = 0; i < npos; ++i) add(i);
    } else {
      const uint64_t count = popcount_words(bits[k]);
      lane.offsets.reserve(count);
      lane.values.reserve(count * w);
      for (size_t wi = 0; wi < bits[k].size(); ++wi) {
        for (uint64_t m = bits[k][wi]; m != 0; m &= m - 1) {
          add(wi * 64 + static_cast<size_t>(std::countr_zero(m)));
        }
      }
    }
    lane.bits = {};
  }
  block.snapshot = {};
}

}  // namespace

void store_block(ScanBlock& block, std::vector<std::byte>&& buf,
                 std::vector<std::vector<uint64_t>>&& bits) {
  store_block_from(block, buf, &buf, std::move(bits));
}

void store_block(ScanBlock& block, std::span<const std::byte> bytes,
                 std::vector<std::vector<uint64_t>>&& bits) {
  store_block_from(block, bytes, nullptr, std::move(bits));
}

std::vector<SourcePtr> extra_readers(const Source& source, unsigned threads, size_t blocks) {
  std::vector<SourcePtr> out;
  const SourceBackend* backend = find_source_backend(source.info().kind);
  if (!backend || backend->blocking_io) return out;  // one link to a remote target
  // A mapped object is compared in place through the caller's warm mapping: a helper would
  // map it afresh and take a page fault per 4 KiB, which costs more than the compare.
  if (dynamic_cast<const detail::InPlaceSource*>(&source)) return out;
  unsigned n = threads;
  if (n == 0) n = std::max(1U, std::min(8U, std::thread::hardware_concurrency()));
  n = static_cast<unsigned>(std::min<size_t>(n, blocks));
  for (unsigned k = 1; k < n; ++k) {
    OpenOptions oo;
    oo.read_only = true;
    Result<SourcePtr> s = open_source(source.info().spec, oo);
    if (!s) break;  // fewer helpers; the caller still reads whatever is left
    out.push_back(std::move(*s));
  }
  return out;
}

}  // namespace memview::scan_detail
