#include "snapshot_jobs.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include <fmt/format.h>

#include "memview/source_spec.h"

namespace memview::gui {

namespace {

using Kind = SnapshotJobResult::Kind;

// Runs `body` on a worker; whatever it returns (or the failure) is published once.
template <class Body>
SnapshotJob start_job(const char* name, Kind kind, Body body) {
  SnapshotJob job;
  job.result = std::make_shared<Published<SnapshotJobResult>>();
  auto published = job.result;
  job.worker = Worker::start(name, [published, kind, body = std::move(body)](WorkerContext& ctx) {
    SnapshotJobResult r;
    r.kind = kind;
    body(ctx, r);
    published->publish(std::move(r));
    return Status{};
  });
  return job;
}

Result<Snapshot> read_live(const std::string& spec, std::optional<ByteRange> range,
                           std::string name, WorkerContext& ctx) {
  OpenOptions open;
  open.read_only = true;
  Result<SourcePtr> source = open_source(spec, open);
  if (!source) return source.error();
  return take_snapshot(**source, range, std::move(name),
                       [&ctx](uint64_t /*done*/) { return !ctx.cancelled(); });
}

}  // namespace

std::shared_ptr<const SnapshotJobResult> SnapshotJob::finished() const {
  if (!worker || !worker->done()) return nullptr;
  return result->latest();
}

SnapshotJob start_snapshot_take(std::string spec, std::optional<ByteRange> range, std::string name,
                                std::string path) {
  return start_job("snapshot", Kind::take,
                   [spec = std::move(spec), range, name = std::move(name), path = std::move(path)](
                       WorkerContext& ctx, SnapshotJobResult& r) {
                     Result<Snapshot> snap = read_live(spec, range, name, ctx);
                     if (!snap) {
                       r.error = "snapshot failed: " + snap.error().message;
                       return;
                     }
                     if (!path.empty()) {
                       const Status st = write_snapshot_file(*snap, path);
                       if (st.ok()) {
                         r.path = path;
                       } else {
                         r.save_error =
                             fmt::format("cannot write {}: {}", path, st.error().message);
                       }
                     }
                     r.snap = std::make_shared<const Snapshot>(std::move(*snap));
                   });
}

SnapshotJob start_snapshot_load(std::string path) {
  return start_job("snapshot load", Kind::load,
                   [path = std::move(path)](WorkerContext& /*ctx*/, SnapshotJobResult& r) {
                     Result<Snapshot> snap = read_snapshot_file(path);
                     if (!snap) {
                       r.error = fmt::format("cannot load {}: {}", path, snap.error().message);
                       return;
                     }
                     r.path = path;
                     r.snap = std::make_shared<const Snapshot>(std::move(*snap));
                   });
}

SnapshotJob start_snapshot_diff(std::shared_ptr<const Snapshot> old_snap,
                                std::shared_ptr<const Snapshot> new_snap, std::string live_spec) {
  return start_job("snapshot diff", Kind::diff,
                   [old_snap = std::move(old_snap), new_snap = std::move(new_snap),
                    live_spec = std::move(live_spec)](WorkerContext& ctx, SnapshotJobResult& r) {
                     std::shared_ptr<const Snapshot> now = new_snap;
                     if (!now) {
                       // The live side over the old one's extent, so the two compare (a process:
                       // whole).
                       std::optional<ByteRange> range;
                       if (old_snap->kind != "pid" && !old_snap->regions.empty()) {
                         const uint64_t lo = old_snap->regions.front().address;
                         range = ByteRange{lo, old_snap->regions.back().end() - lo};
                       }
                       Result<Snapshot> live = read_live(live_spec, range, "live", ctx);
                       if (!live) {
                         r.error = "cannot read the live bytes: " + live.error().message;
                         return;
                       }
                       now = std::make_shared<const Snapshot>(std::move(*live));
                     }
                     DiffOptions options;
                     options.max_runs = 100000;  // a list longer than this is no list to read
                     Result<SnapshotDiff> d = diff_snapshots(*old_snap, *now, options);
                     if (!d) {
                       r.error = "cannot compare: " + d.error().message;
                       return;
                     }
                     r.live = !new_snap;
                     r.old_snap = old_snap;
                     r.snap = std::move(now);
                     r.diff = std::make_shared<const SnapshotDiff>(std::move(*d));
                   });
}

bool diff_touches(const std::vector<DiffRun>& runs, uint64_t lo, uint64_t hi) {
  auto it = std::upper_bound(runs.begin(), runs.end(), lo,
                             [](uint64_t a, const DiffRun& r) { return a < r.address; });
  if (it != runs.begin() && std::prev(it)->address + std::prev(it)->length > lo) return true;
  return it != runs.end() && it->address < hi;
}

std::string snapshot_bytes(const Snapshot& snap, uint64_t address, uint64_t n) {
  auto it = std::upper_bound(snap.regions.begin(), snap.regions.end(), address,
                             [](uint64_t a, const SnapshotRegion& r) { return a < r.address; });
  if (it == snap.regions.begin()) return {};
  const SnapshotRegion& r = *std::prev(it);
  if (address >= r.end()) return {};
  const uint64_t len = std::min(n, r.end() - address);
  for (const ByteRange& u : r.unreadable) {
    if (u.address <= address && address < u.end()) return {};
  }
  const auto* p = reinterpret_cast<const char*>(r.bytes.data() + (address - r.address));
  return std::string(p, static_cast<size_t>(len));
}

}  // namespace memview::gui
