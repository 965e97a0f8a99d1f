// diff_snapshots: differing runs where both snapshots hold readable bytes, plus the address
// ranges only one of them covers.
#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "byte_compare.h"
#include "memview/snapshot.h"

namespace memview {
namespace {

class RunCollector {
 public:
  RunCollector(SnapshotDiff& diff, const DiffOptions& options) : diff_(diff), options_(options) {}

  void add(uint64_t address, uint64_t length) {
    diff_.differing_bytes += length;
    std::vector<DiffRun>& runs = diff_.runs;
    if (!runs.empty() && runs.back().address + runs.back().length + options_.merge_gap >= address) {
      runs.back().length = address + length - runs.back().address;
      return;
    }
    if (runs.size() >= options_.max_runs) {
      diff_.truncated = true;
      return;
    }
    runs.push_back(DiffRun{address, length});
  }

  // Compares n bytes of a and b that live at `address`.
  void compare(uint64_t address, const std::byte* a, const std::byte* b, uint64_t n) {
    diff_.compared_bytes += n;
    uint64_t i = 0;
    while (i < n) {
      i += detail::equal_prefix(a + i, b + i, static_cast<size_t>(n - i));
      if (i >= n) break;
      uint64_t j = i + 1;
      while (j < n && a[j] != b[j]) ++j;
      add(address + i, j - i);
      i = j;
    }
  }

 private:
  SnapshotDiff& diff_;
  const DiffOptions& options_;
};

// The unreadable parts of both regions inside [lo, hi), merged and sorted.
std::vector<ByteRange> unreadable_in(const SnapshotRegion& a, const SnapshotRegion& b, uint64_t lo,
                                     uint64_t hi) {
  std::vector<ByteRange> all;
  for (const SnapshotRegion* r : {&a, &b}) {
    for (const ByteRange& u : r->unreadable) {
      const uint64_t s = std::max(lo, u.address);
      const uint64_t e = std::min(hi, u.end());
      if (s < e) all.push_back(ByteRange{s, e - s});
    }
  }
  std::sort(all.begin(), all.end(),
            [](const ByteRange& x, const ByteRange& y) { return x.address < y.address; });
  std::vector<ByteRange> merged;
  for (const ByteRange& r : all) {
    if (!merged.empty() && merged.back().end() >= r.address) {
      merged.back().length = std::max(merged.back().end(), r.end()) - merged.back().address;
    } else {
      merged.push_back(r);
    }
  }
  return merged;
}

// The parts of x's regions no region of y covers (both sorted and disjoint).
void uncovered(const std::vector<SnapshotRegion>& x, const std::vector<SnapshotRegion>& y,
               RegionChange::Kind kind, std::vector<RegionChange>& out) {
  size_t j = 0;
  for (const SnapshotRegion& r : x) {
    uint64_t pos = r.address;
    while (j < y.size() && y[j].end() <= pos) ++j;
    for (size_t k = j; k < y.size() && y[k].address < r.end() && pos < r.end(); ++k) {
      if (y[k].address > pos) out.push_back(RegionChange{kind, pos, y[k].address - pos, r.name});
      pos = std::max(pos, y[k].end());
    }
    if (pos < r.end()) out.push_back(RegionChange{kind, pos, r.end() - pos, r.name});
  }
}

Status check_comparable(const Snapshot& a, const Snapshot& b) {
  const bool pa = a.kind == "pid";
  const bool pb = b.kind == "pid";
  if (pa != pb) {
    return make_error(Errc::invalid_argument,
                      fmt::format("cannot compare a snapshot of a process with one of an object "
                                  "('{}' is {}, '{}' is {})",
                                  a.spec, a.kind, b.spec, b.kind));
  }
  if (pa) return {};
  const uint64_t sa = a.regions.empty() ? 0 : a.regions.back().end() - a.regions.front().address;
  const uint64_t sb = b.regions.empty() ? 0 : b.regions.back().end() - b.regions.front().address;
  const uint64_t la = a.regions.empty() ? 0 : a.regions.front().address;
  const uint64_t lb = b.regions.empty() ? 0 : b.regions.front().address;
  if (sa != sb || la != lb) {
    return make_error(Errc::invalid_argument,
                      fmt::format("cannot compare snapshots of different extents: '{}' covers "
                                  "0x{:x}+{} bytes, '{}' covers 0x{:x}+{} bytes",
                                  a.spec, la, sa, b.spec, lb, sb));
  }
  return {};
}

}  // namespace

Result<SnapshotDiff> diff_snapshots(const Snapshot& a, const Snapshot& b, DiffOptions options) {
  Status comparable = check_comparable(a, b);
  if (!comparable) return comparable.error();
  SnapshotDiff diff;
  RunCollector runs(diff, options);
  size_t i = 0;
  size_t j = 0;
  while (i < a.regions.size() && j < b.regions.size()) {
    const SnapshotRegion& ra = a.regions[i];
    const SnapshotRegion& rb = b.regions[j];
    const uint64_t lo = std::max(ra.address, rb.address);
    const uint64_t hi = std::min(ra.end(), rb.end());
    if (lo < hi) {
      uint64_t pos = lo;
      for (const ByteRange& u : unreadable_in(ra, rb, lo, hi)) {
        if (u.address > pos) {
          runs.compare(pos, ra.bytes.data() + (pos - ra.address),
                       rb.bytes.data() + (pos - rb.address), u.address - pos);
        }
        diff.unreadable.push_back(u);
        pos = u.end();
      }
      if (pos < hi) {
        runs.compare(pos, ra.bytes.data() + (pos - ra.address),
                     rb.bytes.data() + (pos - rb.address), hi - pos);
      }
    }
    if (ra.end() <= rb.end()) {
      ++i;
    } else {
      ++j;
    }
  }
  uncovered(a.regions, b.regions, RegionChange::Kind::vanished, diff.regions);
  uncovered(b.regions, a.regions, RegionChange::Kind::appeared, diff.regions);
  std::sort(diff.regions.begin(), diff.regions.end(),
            [](const RegionChange& x, const RegionChange& y) { return x.address < y.address; });
  return diff;
}

}  // namespace memview
