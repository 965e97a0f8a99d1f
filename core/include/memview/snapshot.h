// Snapshots of a source (the whole object, a range, or a process's readable regions) in
// memory and in files, and the diff of two snapshots.
//
//   take_snapshot(source)            copies the regions sweep_regions() names; what cannot be
//                                    read is recorded per region (and stored as zero bytes).
//   write_snapshot_file / read_snapshot_file
//                                    the versioned, zstd-compressed file format of
//                                    docs/snapshot.md. Readers refuse foreign, truncated,
//                                    corrupt and newer-version files with one clear error.
//   diff_snapshots(a, b)             differing runs of bytes where both have readable bytes,
//                                    and the regions only one of them has (a process mapped
//                                    or unmapped memory).
//
// Thread-safety: free functions; a Snapshot is a plain value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "memview/activity.h"
#include "memview/result.h"
#include "memview/source.h"

namespace memview {

struct SnapshotRegion {
  uint64_t address = 0;
  std::string name;  // a process mapping's path; empty for an object
  std::vector<std::byte> bytes;
  std::vector<ByteRange> unreadable;  // sorted, disjoint, inside the region (bytes are 0 there)
  uint64_t length() const { return bytes.size(); }
  uint64_t end() const { return address + bytes.size(); }
};

struct Snapshot {
  std::string name;   // the user's label (may be empty)
  std::string spec;   // what it was taken of ("shm:/x", "pid:42")
  std::string kind;   // the source's kind ("shm", "pid", ...)
  uint64_t base = 0;  // the source's base and size when taken
  uint64_t size = 0;
  int64_t taken_unix_ms = 0;            // wall-clock time it was taken
  std::vector<SnapshotRegion> regions;  // sorted, disjoint
  uint64_t total_bytes() const;
};

// Called after each block copied: bytes done so far. Return false to cancel.
using SnapshotProgress = std::function<bool(uint64_t done)>;

// Reads `source` (or `range` of it) into memory. Errors: out_of_range for a range outside the
// source, invalid_argument when cancelled, and the errors of sweep_regions (a process's maps).
Result<Snapshot> take_snapshot(Source& source, std::optional<ByteRange> range = std::nullopt,
                               std::string name = {}, const SnapshotProgress& progress = nullptr);

// The file format (docs/snapshot.md).
inline constexpr char kSnapshotMagic[8] = {'\x89', 'M', 'V', 'S', 'N', 'A', 'P', '\n'};
inline constexpr uint32_t kSnapshotVersion = 1;

struct SnapshotLimits {
  uint64_t max_bytes = uint64_t{1} << 40;  // refuse snapshots declaring more bytes than this
};

// Writes `snap` to `path` (through a temporary file renamed into place, so a failed write
// never leaves half a snapshot under the name). zstd level 3 with a content checksum.
Status write_snapshot_file(const Snapshot& snap, const std::string& path);

// Reads a snapshot file; only regular files are opened (file_read.h).
Result<Snapshot> read_snapshot_file(const std::string& path, SnapshotLimits limits = {});

// The same from bytes in memory (tests, the fuzzer).
Result<Snapshot> parse_snapshot(std::string_view bytes, SnapshotLimits limits = {});

// True when `prefix` starts like a snapshot file (the magic).
bool looks_like_snapshot(std::string_view prefix);

struct DiffRun {
  uint64_t address = 0;
  uint64_t length = 0;
  bool operator==(const DiffRun&) const = default;
};

struct RegionChange {
  enum class Kind { appeared, vanished };  // only in b / only in a
  Kind kind = Kind::appeared;
  uint64_t address = 0;
  uint64_t length = 0;
  std::string name;
};

struct SnapshotDiff {
  std::vector<DiffRun> runs;          // ascending, disjoint
  uint64_t differing_bytes = 0;       // bytes inside runs that differ (gaps merged excluded)
  uint64_t compared_bytes = 0;        // bytes readable in both and compared
  std::vector<RegionChange> regions;  // address ranges only one snapshot has
  std::vector<ByteRange> unreadable;  // in both, but unreadable in at least one
  bool truncated = false;             // max_runs reached: runs is incomplete
  bool same() const { return runs.empty() && regions.empty(); }
};

struct DiffOptions {
  // Runs separated by at most this many equal bytes are reported as one run (0: exact runs
  // of differing bytes).
  uint64_t merge_gap = 0;
  size_t max_runs = static_cast<size_t>(-1);
};

// Errc::invalid_argument when the two cannot be compared: one is of a process and the other
// of an object, or two objects (or ranges) of different extents.
Result<SnapshotDiff> diff_snapshots(const Snapshot& a, const Snapshot& b, DiffOptions options = {});

}  // namespace memview
