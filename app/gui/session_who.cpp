// A tab's background work for the Attached and Who writes panels: the who-maps scan (a
// worker that rescans /proc while the tab is shown) and the write watch (a worker that
// holds the hardware breakpoints). The frame only takes what they published last.
#include <fmt/format.h>

#include "session.h"

namespace memview::gui {

namespace {

// Destroying a scan's worker must not wait for a /proc scan in progress (tens of
// milliseconds): the job owns everything it touches, so it may finish on its own.
WhoMapsJob start_scans(const std::string& spec, double interval_s) {
  WhoMapsJob job = start_who_maps_scans(spec, static_cast<int64_t>(interval_s * 1e9));
  job.worker->detach_on_destroy();
  return job;
}

}  // namespace

std::string Session::who_unsupported() const {
#if defined(__linux__)
  const std::string& spec = info().spec;
  const std::string scheme = spec.substr(0, spec.find(':'));
  if (scheme == "shm" || scheme == "file" || scheme == "sysv" || scheme == "sysvkey" ||
      scheme == "pid") {
    return {};
  }
  return fmt::format(
      "a {}: tab has no processes mapping it: who maps and who writes work for shared memory "
      "(shm:, file:, sysv:) and processes (pid:)",
      scheme);
#else
  return "who maps and who writes are not available on this system (they read Linux's /proc "
         "and use its perf events)";
#endif
}

void Session::refresh_who() {
  attached.tab_shown = true;
  attached.unsupported = who_unsupported();
  if (attached.unsupported.empty()) {
    if (attached.refresh_request) {
      attached.refresh_request = false;
      who_maps_job = {};  // a new scan at once; the last one stays shown until it lands
    }
    if (!who_maps_job.worker) who_maps_job = start_scans(info().spec, attached.interval_s);
    attached.scanning = true;
    if (std::shared_ptr<const WhoMapsScan> scan = who_maps_job.latest->latest()) {
      attached.scan = std::move(scan);
    }
  }
  if (!who_writes_job.worker) return;
  if (std::shared_ptr<const WhoWritesTable> t = who_writes_job.table->latest()) {
    who_writes.table = std::move(t);
  }
  if (!who_writes_job.worker->done()) return;
  // The watch ended (stopped, or failed): its last table has the final counts.
  if (std::optional<Error> e = who_writes_job.worker->error()) {
    who_writes.error = "who writes: " + e->message;
  }
  who_writes_job = {};
  who_writes.active = false;
}

void Session::who_end_frame() {
  if (!attached.tab_shown && who_maps_job.worker) {
    who_maps_job = {};
    attached.scanning = false;
  }
  attached.tab_shown = false;

  WhoWritesState& w = who_writes;
  if (w.stop_request) {
    w.stop_request = false;
    // The worker closes every breakpoint and publishes the final table; refresh_who
    // collects it when the worker is done.
    if (who_writes_job.worker) who_writes_job.worker->cancel();
  }
  if (!w.start_request) return;
  const ByteRange range = *w.start_request;
  w.start_request.reset();
  if (std::string why = who_unsupported(); !why.empty()) {
    w.error = std::move(why);
    return;
  }
  Result<std::vector<WriteWatch>> plan = plan_write_watches(range.address, range.length);
  if (!plan) {
    // A running watch goes on: the refusal only concerns the new selection.
    w.error = fmt::format("cannot watch {} byte{} at 0x{:x}: {}", range.length,
                          range.length == 1 ? "" : "s", range.address, plan.error().message);
    return;
  }
  who_writes_job = {};  // a running watch ends first: its breakpoints close
  WhoWritesOptions options;
  options.spec = info().spec;
  options.watches = *plan;
  who_writes_job = start_who_writes(std::move(options));
  w.range = range;
  w.watches = std::move(plan).value();
  w.table.reset();
  w.error.clear();
  w.active = true;
}

}  // namespace memview::gui
