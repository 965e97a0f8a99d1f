// A tab's snapshot jobs (snapshot_jobs.h) for the Snapshots panel: one at a time; the panel's
// requests start them at the end of the frame, and their results land at the start of a
// later one.
#include <utility>

#include <fmt/format.h>

#include "session.h"
#include "views/status_bar.h"

namespace memview::gui {

namespace {

void say(SnapshotsState& s, std::string text, bool error) {
  s.message = std::move(text);
  s.message_is_error = error;
}

}  // namespace

void Session::refresh_snapshots() {
  SnapshotsState& s = snapshots;
  s.busy = snapshot_job.running();
  const std::shared_ptr<const SnapshotJobResult> r = snapshot_job.finished();
  if (!r) return;
  snapshot_job = {};
  s.busy = false;
  if (!r->error.empty()) {
    say(s, r->error, true);
    return;
  }
  using Kind = SnapshotJobResult::Kind;
  if (r->kind == Kind::diff) {
    s.diff = r->diff;
    s.diff_new_snap = r->snap;
    s.diff_shown = true;
    snapshots_filter(s, activity.view.get(), activity.clock_ns, &overlays);
    say(s, r->diff->same() ? "no differences" : "", false);
    return;
  }
  SnapshotItem item{r->snap, r->snap->name, r->path};
  if (item.name.empty()) item.name = fmt::format("snapshot {}", ++snapshot_serial);  // unnamed file
  const std::string what = r->kind == Kind::load
                               ? fmt::format("loaded {}", r->path)
                               : fmt::format("took {}{}", human_size(r->snap->total_bytes()),
                                             r->path.empty() ? "" : " to " + r->path);
  s.items.push_back(std::move(item));
  if (!r->save_error.empty()) {
    say(s, r->save_error + " (kept in memory)", true);
  } else {
    say(s, what, false);
  }
}

void Session::snapshots_end_frame() {
  SnapshotsState& s = snapshots;
  const bool take = std::exchange(s.take_request, false);
  const std::string load = std::exchange(s.load_request, {});
  const bool diff = std::exchange(s.diff_request, false);
  if (snapshot_job.running()) return;  // the buttons are disabled meanwhile
  if (take) {
    // Named now, so that a file written keeps the name.
    snapshot_job = start_snapshot_take(info().spec, s.take_range,
                                       fmt::format("snapshot {}", ++snapshot_serial), s.take_path);
  } else if (!load.empty()) {
    snapshot_job = start_snapshot_load(load);
  } else if (diff && s.diff_old >= 0 && s.diff_old < static_cast<int>(s.items.size())) {
    std::shared_ptr<const Snapshot> old_snap = s.items[static_cast<size_t>(s.diff_old)].snap;
    std::shared_ptr<const Snapshot> new_snap;
    if (s.diff_new >= 0 && s.diff_new < static_cast<int>(s.items.size())) {
      new_snap = s.items[static_cast<size_t>(s.diff_new)].snap;
    }
    s.diff_old_snap = old_snap;
    snapshot_job = start_snapshot_diff(std::move(old_snap), std::move(new_snap), info().spec);
  } else {
    return;
  }
  s.busy = true;
  s.message.clear();
}

}  // namespace memview::gui
