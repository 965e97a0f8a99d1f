// The Snapshots panel's background work (memview/snapshot.h), each on a Worker: taking a
// snapshot through the job's OWN Source (and writing it to a file when asked), loading a
// snapshot file, and diffing two snapshots, or a fresh read of the source against one. The
// frame starts a job and takes its one published result when it is done; it never waits.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "memview/snapshot.h"
#include "memview/worker.h"

namespace memview::gui {

struct SnapshotJobResult {
  enum class Kind { take, load, diff };
  Kind kind = Kind::take;
  std::shared_ptr<const Snapshot> snap;  // taken or loaded; for a live diff: the live read
  std::string path;                      // the file written or read, empty: none
  std::string error;                     // the job failed: one clear message
  std::string save_error;                // taken, but the file could not be written
  std::shared_ptr<const SnapshotDiff> diff;
  std::shared_ptr<const Snapshot> old_snap;  // a diff's old side
  bool live = false;                         // a diff's new side was read live
};

struct SnapshotJob {
  std::unique_ptr<Worker> worker;
  std::shared_ptr<Published<SnapshotJobResult>> result;
  bool running() const { return worker && !worker->done(); }
  // The result once the job ended (the job always publishes one); null while it runs.
  std::shared_ptr<const SnapshotJobResult> finished() const;
};

// Reads `spec` (or `range` of it) into a snapshot named `name`; writes it to `path` too when
// that is not empty.
SnapshotJob start_snapshot_take(std::string spec, std::optional<ByteRange> range, std::string name,
                                std::string path);
SnapshotJob start_snapshot_load(std::string path);
// Differences from `old_snap` to `new_snap`; with no new_snap, to `live_spec` read now over
// the old snapshot's extent (a process: whole).
SnapshotJob start_snapshot_diff(std::shared_ptr<const Snapshot> old_snap,
                                std::shared_ptr<const Snapshot> new_snap, std::string live_spec);

// Whether any byte of [lo, hi) lies in one of `runs` (ascending, disjoint).
bool diff_touches(const std::vector<DiffRun>& runs, uint64_t lo, uint64_t hi);

// The bytes a snapshot holds at [address, address + n): fewer when it ends or has a hole.
std::string snapshot_bytes(const Snapshot& snap, uint64_t address, uint64_t n);

}  // namespace memview::gui
