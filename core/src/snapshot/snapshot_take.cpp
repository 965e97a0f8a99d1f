// take_snapshot: copies the regions a sweep would cover into memory, recording what could not
// be read.
#include <algorithm>
#include <chrono>
#include <utility>

#include "memview/snapshot.h"

namespace memview {
namespace {

constexpr uint64_t kBlock = uint64_t{1} << 20;

// Appends `r`, merging it with the previous range when they touch.
void add_range(std::vector<ByteRange>& out, ByteRange r) {
  if (!out.empty() && out.back().end() >= r.address) {
    out.back().length = std::max(out.back().end(), r.end()) - out.back().address;
    return;
  }
  out.push_back(r);
}

}  // namespace

uint64_t Snapshot::total_bytes() const {
  uint64_t n = 0;
  for (const SnapshotRegion& r : regions) n += r.length();
  return n;
}

Result<Snapshot> take_snapshot(Source& source, std::optional<ByteRange> range, std::string name,
                               const SnapshotProgress& progress) {
  source.refresh();
  Result<std::vector<SweepRegion>> regions = sweep_regions(source, range);
  if (!regions) return regions.error();
  const SourceInfo& info = source.info();
  Snapshot snap;
  snap.name = std::move(name);
  snap.spec = info.spec;
  snap.kind = info.kind;
  snap.base = info.base;
  snap.size = info.size;
  snap.taken_unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
  uint64_t done = 0;
  for (SweepRegion& sr : *regions) {
    SnapshotRegion r;
    r.address = sr.address;
    r.name = std::move(sr.name);
    r.bytes.resize(static_cast<size_t>(sr.length));
    for (uint64_t off = 0; off < sr.length; off += kBlock) {
      const uint64_t n = std::min(kBlock, sr.length - off);
      const ReadOutcome outcome =
          source.read(sr.address + off, std::span<std::byte>(r.bytes.data() + off, n));
      for (const ByteRange& bad : outcome.unreadable) {
        // Read leaves unreadable bytes as they were; the file stores them as zeros.
        std::fill_n(r.bytes.begin() + static_cast<ptrdiff_t>(bad.address - sr.address), bad.length,
                    std::byte{0});
        add_range(r.unreadable, bad);
      }
      done += n;
      if (progress && !progress(done)) {
        return make_error(Errc::invalid_argument, "snapshot cancelled");
      }
    }
    snap.regions.push_back(std::move(r));
  }
  return snap;
}

}  // namespace memview
