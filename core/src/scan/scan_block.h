// Building one ScanBlock from a compare's bitmaps: positions, unreadable holes, and the
// choice between the sparse and the dense form. Internal to the scan engine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "memview/scan.h"

namespace memview::scan_detail {

// First scans and finds read ranges smaller than kSmallRange together with their neighbours
// in one request (Source::read_pieces: for a process, one syscall for up to IOV_MAX small
// mappings): at most kMaxGroupRanges of them and kMaxGroupBytes, a buffer that stays
// within the caches (measured ~15 % faster than 16 MiB groups, bench_scan_regions).
inline constexpr uint64_t kSmallRange = uint64_t{1} << 20;
inline constexpr size_t kMaxGroupRanges = 1024;
inline constexpr uint64_t kMaxGroupBytes = uint64_t{2} << 20;

// Number of positions of `lane` in `block`: origin + i*step lies inside the block's length
// and the value's bytes inside its extent.
size_t lane_positions(const ScanBlock& block, const ScanLane& lane);

// A lane laid out on a block: origin from the natural alignment (or 0 for every byte).
ScanLane make_lane(const ScanBlock& block, ScalarType type, bool every_byte);

// Clears the positions whose value overlaps an unreadable range (absolute addresses).
void clear_unreadable(const ScanBlock& block, const ScanLane& lane,
                      const std::vector<ByteRange>& unreadable, std::vector<uint64_t>& bits);

// Bytes of [address, address + length) the outcome reports unreadable.
uint64_t unreadable_inside(const ReadOutcome& outcome, uint64_t address, uint64_t length);

// Stores the compare's result in `block` (whose lanes are laid out and whose old storage
// is dropped): `buf` holds the block's current bytes (extent), `bits[k]` the candidates of
// lane k (empty vector: every position). Keeps whichever form needs less memory; a bitmap
// with every position set is kept as "every position" (no bitmap).
void store_block(ScanBlock& block, std::vector<std::byte>&& buf,
                 std::vector<std::vector<uint64_t>>&& bits);
// The same for bytes it does not own: the dense form copies them.
void store_block(ScanBlock& block, std::span<const std::byte> bytes,
                 std::vector<std::vector<uint64_t>>&& bits);

uint64_t popcount_words(const std::vector<uint64_t>& bits);

// The value block `b` (resident, not spilled) holds for a candidate of `type` at address.
std::optional<std::vector<std::byte>> block_value_at(const ScanBlock& b, uint64_t address,
                                                     ScalarType type);

// Candidates a block holds (a spilled block: its recorded count).
uint64_t block_candidates(const ScanBlock& b);

// Sources for the helper threads of a scan over `blocks` blocks (the calling thread reads
// with `source` itself): `threads` readers in all (0: one per core, at most 8), each helper
// with its own Source opened from the same spec; none for a source whose I/O is remote
// (gdb:), or when opening another fails.
std::vector<SourcePtr> extra_readers(const Source& source, unsigned threads, size_t blocks);

}  // namespace memview::scan_detail
