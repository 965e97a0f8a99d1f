// A tab's snapshot jobs (snapshot_jobs.h) for the Snapshots panel: one take or load and one
// diff at a time; the panel's requests start them at the end of the frame, and their results
// land at the start of a later one. A diff against the live bytes re-runs in the background
// while it is shown (SnapshotsState::live_diff), so its list and the grid's marks follow the
// bytes another process writes.
#include <utility>

#include <fmt/format.h>

#include "memview/clock.h"
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
  s.diffing = diff_job.running();
  if (const std::shared_ptr<const SnapshotJobResult> d = diff_job.finished()) {
    diff_job = {};
    s.diffing = false;
    diff_done_ns = now_ns();
    // A diff asked for since it started supersedes it (a live round must not show over it).
    if (!s.diff_request) land_diff(s, *d);
  }
  const std::shared_ptr<const SnapshotJobResult> r = snapshot_job.finished();
  if (!r) return;
  snapshot_job = {};
  s.busy = false;
  if (!r->error.empty()) {
    say(s, r->error, true);
    return;
  }
  using Kind = SnapshotJobResult::Kind;
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

void Session::land_diff(SnapshotsState& s, const SnapshotJobResult& r) {
  if (!r.error.empty()) {
    say(s, r.error, true);
    s.live_diff = false;  // a live read that fails stops the rounds (Diff starts them again)
    return;
  }
  // A live diff's next round keeps "mark in grid" as the user left it; a new diff marks.
  const bool next_round = s.live_diff && r.live;
  s.live_diff = r.live;
  if (!next_round) s.diff_shown = true;
  s.diff = r.diff;
  s.diff_old_snap = r.old_snap;
  s.diff_new_snap = r.snap;
  ++s.diff_rounds;
  snapshots_filter(s, activity.view.get(), activity.clock_ns, &overlays);
  if (r.diff->same()) {
    say(s, "no differences", false);
  } else if (s.message == "no differences") {
    s.message.clear();
  }
}

void Session::snapshots_end_frame() {
  SnapshotsState& s = snapshots;
  const bool take = std::exchange(s.take_request, false);
  const std::string load = std::exchange(s.load_request, {});
  start_diff(s);
  if (snapshot_job.running()) return;  // the buttons are disabled meanwhile
  if (take) {
    // Named now, so that a file written keeps the name.
    snapshot_job = start_snapshot_take(info().spec, s.take_range,
                                       fmt::format("snapshot {}", ++snapshot_serial), s.take_path);
  } else if (!load.empty()) {
    snapshot_job = start_snapshot_load(load);
  } else {
    return;
  }
  s.busy = true;
  s.message.clear();
}

void Session::start_diff(SnapshotsState& s) {
  // One diff at a time: a request waits for the running one (never joined in the frame).
  if (diff_job.running()) return;
  const int n = static_cast<int>(s.items.size());
  if (std::exchange(s.diff_request, false) && s.diff_old >= 0 && s.diff_old < n) {
    std::shared_ptr<const Snapshot> old_snap = s.items[static_cast<size_t>(s.diff_old)].snap;
    std::shared_ptr<const Snapshot> new_snap;
    if (s.diff_new >= 0 && s.diff_new < n) new_snap = s.items[static_cast<size_t>(s.diff_new)].snap;
    s.live_diff = false;  // until this one lands
    diff_job = start_snapshot_diff(std::move(old_snap), std::move(new_snap), info().spec);
    s.diffing = true;
    s.message.clear();
    return;
  }
  // The next round of a live diff, against the same old side.
  const int64_t period_ns = int64_t{SnapshotsState::kLiveDiffMs} * 1'000'000;
  if (s.live_diff && s.follow_live && s.diff_old_snap && now_ns() - diff_done_ns >= period_ns) {
    diff_job = start_snapshot_diff(s.diff_old_snap, nullptr, info().spec);
    s.diffing = true;
  }
}

}  // namespace memview::gui
