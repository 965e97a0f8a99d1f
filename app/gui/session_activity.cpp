// A tab's activity sweeper (memview/activity.h): a worker owning its own Source that hashes
// the whole object (or every readable mapping of a process) under a CPU budget. The frame
// only takes the newest view it published for the activity map.
#include <fmt/format.h>

#include "memview/clock.h"
#include "session.h"

namespace memview::gui {

namespace {

// A gdb: stub answers one request at a time over a slow link: sweeping it would starve the
// grid's own reads. Everything local is swept.
bool sweepable(const SourceInfo& info) {
  return info.kind != "gdb";
}

}  // namespace

void Session::refresh_activity() {
  ActivityMapState& a = activity;
  a.clock_ns = now_ns();  // the sweeper's time base (the frame's clock may be a test's)
  if (!a.enabled) {
    activity_sweeper.reset();
    a.view.reset();
    a.cells.clear();
    return;
  }
  if (!activity_sweeper && a.error.empty()) {
    if (!sweepable(info())) {
      a.error = fmt::format("a {}: tab is not swept (each read crosses the link)", info().kind);
      return;
    }
    SweeperOptions options;
    options.cpu_budget = a.cpu_budget;
    Result<std::unique_ptr<ActivitySweeper>> started = ActivitySweeper::start(info().spec, options);
    if (!started) {
      a.error = started.error().message;
      return;
    }
    activity_sweeper = std::move(started.value());
    activity_budget = a.cpu_budget;
  }
  if (!activity_sweeper) return;
  if (activity_budget != a.cpu_budget) {
    activity_sweeper->set_cpu_budget(a.cpu_budget);
    activity_budget = a.cpu_budget;
  }
  if (std::shared_ptr<const ActivityView> v = activity_sweeper->latest()) a.view = std::move(v);
  if (activity_sweeper->worker().done()) {
    const std::optional<Error> e = activity_sweeper->worker().error();
    a.error = e ? e->message : "the sweeper stopped";
    activity_sweeper.reset();  // the last view stays shown
  }
}

void Session::restart_activity() {
  activity_sweeper.reset();
  activity.view.reset();
  activity.cells.clear();
  activity.error.clear();
}

}  // namespace memview::gui
