// Scan states on disk, so a scan can be narrowed by a later command (memview-cli scan
// --save FILE / --from FILE).
//
// Format (version 1, all integers little-endian):
//   "MVSCANST" magic (8 bytes), u32 version, u32 reserved (0)
//   u32 spec length, spec bytes; u64 source base; u64 source size
//   u8 type (ScanType), u8 byte order (0 little, 1 big), u8 every_byte, u8 tolerance mode,
//   f64 epsilon, u32 narrowings, u64 bytes scanned, u64 bytes unreadable
//   u64 block count, then per block:
//     u64 address, u64 length, u64 extent, u8 dense, u8 lane count,
//     dense: extent snapshot bytes; then per lane:
//       u8 scalar type (ScalarType), u32 step, u32 origin, u8 all,
//       dense: u64 word count, words (u64 each); sparse: u64 count, u32 offsets, values
//   u64 XXH3-64 of every byte before it.
// A state whose blocks were spilled above its memory cap is written the same way (the
// temporary file is an in-memory detail, never part of the format).
// A reader checks everything before it allocates: a truncated file, a foreign file, a later
// version, a bad checksum or inconsistent blocks are refused with one clear error
// (Errc::invalid_argument), never read past their end.
//
// Thread-safety: free functions, no shared state.
#pragma once

#include <cstddef>
#include <span>
#include <string>

#include "memview/result.h"
#include "memview/scan.h"

namespace memview {

inline constexpr uint32_t kScanFileVersion = 1;

// Writes `state` to path (through a temporary file renamed over it, so a crash never
// leaves half a state under the name).
Status save_scan_state(const ScanState& state, const std::string& path);

// Reads a state written by save_scan_state.
Result<ScanState> load_scan_state(const std::string& path);
// The same under a memory cap (ScanOptions::memory_cap, which the state then keeps): blocks
// above it go to a temporary file as they are read, so a state larger than the memory
// left can still be narrowed.
Result<ScanState> load_scan_state(const std::string& path, uint64_t memory_cap);

// The same from bytes in memory (the fuzz target's entry).
Result<ScanState> parse_scan_state(std::span<const std::byte> bytes);

}  // namespace memview
