// ActivitySweeper: the activity map's background worker. It owns its Source, re-reads the
// regions before each sweep, keeps its busy share under the CPU budget by sleeping between
// blocks, and publishes a view after every sweep.
#include <algorithm>
#include <atomic>
#include <utility>

#include "memview/activity.h"
#include "memview/clock.h"
#include "memview/source_spec.h"

namespace memview {
namespace {

// Sleeping in slices shorter than this costs more in wake-ups than it spreads the load.
constexpr int64_t kMinSleepNs = 2'000'000;

struct SweepJob {
  SourcePtr source;
  SweeperOptions options;
  std::optional<ActivityMap> map;
  std::shared_ptr<Published<ActivityView>> published;
  std::shared_ptr<std::atomic<double>> budget;
  uint64_t extent = 0;  // the largest size seen: a shrunk object keeps its old extent

  // Regions for the next sweep (a process's mappings now; an object's largest extent).
  std::vector<SweepRegion> regions() {
    source->refresh();
    Result<std::vector<SweepRegion>> now = sweep_regions(*source, options.range);
    if (source->info().kind == "pid") return now ? std::move(*now) : std::vector<SweepRegion>{};
    const SourceInfo& info = source->info();
    extent = std::max(extent, info.size);
    ByteRange clip{info.base, extent};
    if (options.range) {
      const uint64_t lo = std::max(clip.address, options.range->address);
      const uint64_t hi = std::min(clip.end(), options.range->end());
      clip = ByteRange{lo, hi > lo ? hi - lo : 0};
    }
    if (clip.length == 0) return {};
    return {SweepRegion{clip.address, clip.length, {}}};
  }

  Status run(WorkerContext& ctx) {
    int64_t prev_start = 0;
    int64_t prev_busy = 0;
    while (!ctx.cancelled()) {
      const int64_t start = now_ns();
      // The figures of the last whole cycle (sweep and wait): how long a change may take to
      // show, and the CPU share the budget is about.
      const int64_t cycle = prev_start != 0 ? start - prev_start : 0;
      map->set_regions(regions());
      uint64_t total = 0;
      for (const SweepRegion& r : map->regions()) total += r.length;
      ctx.set_stage("sweeping");
      int64_t busy = 0;
      int64_t slice_start = now_ns();
      int64_t debt = 0;  // sleep owed to the budget
      const SweepResult result = map->sweep(*source, [&](uint64_t done) {
        ctx.set_progress(done, total);
        const int64_t t = now_ns();
        const int64_t worked = t - slice_start;
        busy += worked;
        const double b = budget->load(std::memory_order_relaxed);
        if (b > 0 && b < 1) debt += static_cast<int64_t>(static_cast<double>(worked) * (1 / b - 1));
        if (debt >= kMinSleepNs) {
          if (!ctx.sleep_until(t + debt)) return false;
          debt = 0;
        }
        slice_start = now_ns();
        return !ctx.cancelled();
      });
      if (result.cancelled) break;
      const int64_t period = cycle != 0 ? cycle : now_ns() - start;
      const int64_t period_busy = cycle != 0 ? prev_busy : busy;
      published->publish(map->view(
          period,
          period > 0 ? static_cast<double>(period_busy) / static_cast<double>(period) : 0.0));
      prev_start = start;
      prev_busy = busy;
      ctx.set_stage("waiting");
      if (!ctx.sleep_until(std::max(now_ns() + debt, start + options.min_period_ms * 1'000'000))) {
        break;
      }
    }
    return {};
  }
};

}  // namespace

Result<std::unique_ptr<ActivitySweeper>> ActivitySweeper::start(const std::string& spec,
                                                                SweeperOptions options) {
  OpenOptions open;
  open.read_only = true;
  Result<SourcePtr> source = open_source(spec, open);
  if (!source) return source.error();
  Result<std::vector<SweepRegion>> regions = sweep_regions(**source, options.range);
  if (!regions) return regions.error();
  Result<ActivityMap> map = ActivityMap::create(std::move(*regions), options.activity);
  if (!map) return map.error();

  std::unique_ptr<ActivitySweeper> s(new ActivitySweeper());
  s->published_ = std::make_shared<Published<ActivityView>>();
  s->budget_ = std::make_shared<std::atomic<double>>(options.cpu_budget);
  auto job = std::make_shared<SweepJob>();
  job->source = std::move(*source);
  job->options = options;
  job->map.emplace(std::move(*map));
  job->published = s->published_;
  job->budget = s->budget_;
  job->extent = job->source->info().size;
  s->worker_ = Worker::start("sweep", [job](WorkerContext& ctx) { return job->run(ctx); });
  return s;
}

ActivitySweeper::~ActivitySweeper() = default;

void ActivitySweeper::set_cpu_budget(double budget) {
  budget_->store(budget, std::memory_order_relaxed);
}

}  // namespace memview
