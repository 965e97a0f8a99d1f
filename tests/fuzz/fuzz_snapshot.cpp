// Fuzzes the snapshot file reader (memview/snapshot.h, docs/snapshot.md): any bytes give a
// snapshot or one error, never a crash, a hang or unbounded memory; a snapshot that is
// accepted is consistent (regions sorted and disjoint, unreadable ranges inside them, within
// the byte limit) and diffs against itself as the same.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "memview/snapshot.h"

namespace {

// A header may declare up to this many bytes: bounds what one input can make us decompress.
constexpr uint64_t kLimit = uint64_t{8} << 20;

bool consistent(const memview::Snapshot& s) {
  uint64_t prev_end = 0;
  uint64_t total = 0;
  for (const memview::SnapshotRegion& r : s.regions) {
    if (r.address < prev_end) return false;
    prev_end = r.end();
    total += r.length();
    for (const memview::ByteRange& u : r.unreadable) {
      if (u.address < r.address || u.end() > r.end()) return false;
    }
  }
  return total <= kLimit;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  memview::Result<memview::Snapshot> snap = memview::parse_snapshot(bytes, {kLimit});
  if (!snap.ok()) {
    if (snap.error().message.empty()) __builtin_trap();
    return 0;
  }
  if (!consistent(*snap)) __builtin_trap();
  // An accepted snapshot diffs against itself as "same".
  memview::Result<memview::SnapshotDiff> d = memview::diff_snapshots(*snap, *snap);
  if (d.ok() && !d->same()) __builtin_trap();
  return 0;
}
