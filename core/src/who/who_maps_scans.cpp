// who_maps() on a worker, repeated: what a viewer shows as "attached processes".
#include "memview/clock.h"
#include "memview/who_maps.h"

namespace memview {

WhoMapsJob start_who_maps_scans(std::string spec, int64_t interval_ns) {
  WhoMapsJob job;
  job.latest = std::make_shared<Published<WhoMapsScan>>();
  auto out = job.latest;
  job.worker = Worker::start(
      "who-maps", [spec = std::move(spec), interval_ns, out](WorkerContext& ctx) -> Status {
        int64_t next = now_ns();
        while (!ctx.cancelled()) {
          WhoMapsScan scan;
          scan.result = who_maps(spec);
          scan.scanned_ns = now_ns();
          out->publish(std::move(scan));
          next += interval_ns > 0 ? interval_ns : 2'000'000'000;
          if (!ctx.sleep_until(next)) break;
        }
        return {};
      });
  return job;
}

}  // namespace memview
