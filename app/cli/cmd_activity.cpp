// memview-cli activity SPEC [--seconds S] [--budget F] [--chunk N] [--range R] [--json]: runs
// the background sweeper (memview/activity.h) over the whole object, a range, or every
// readable region of a pid: process for S seconds, then lists the ranges that changed (with
// how often and how long ago) and the achieved sweep period and CPU share.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli_util.h"
#include "command.h"
#include "memview/activity.h"
#include "memview/clock.h"
#include "memview/json_bytes.h"
#include "memview/text_bytes.h"
#include "range_option.h"

namespace memview::cli {
namespace {

struct ActivityCliOptions {
  std::string spec;
  std::optional<std::string> range;
  double seconds = 5;
  double budget = 0.25;
  uint64_t chunk = 8192;
  bool json = false;
};

// Adjacent changed chunks of one region, merged.
struct ChangedRange {
  uint64_t address = 0;
  uint64_t length = 0;
  double changes = 0;  // the most any chunk in it changed (decayed to now)
  int64_t last_ns = 0;
  std::string region;
};

std::vector<ChangedRange> changed_ranges(const ActivityView& v, int64_t now) {
  std::vector<ChangedRange> out;
  size_t prev = ActivityView::npos;
  for (size_t i = v.next_changed(0, 0); i != ActivityView::npos; i = v.next_changed(i + 1, 0)) {
    const ByteRange r = v.chunk_range(i);
    const double c = v.changes(i, now);
    if (prev != ActivityView::npos && prev + 1 == i &&
        out.back().address + out.back().length == r.address) {
      ChangedRange& last = out.back();
      last.length += r.length;
      last.changes = std::max(last.changes, c);
      last.last_ns = std::max(last.last_ns, v.last_change_ns(i));
    } else {
      out.push_back(
          ChangedRange{r.address, r.length, c, v.last_change_ns(i), v.region_of_chunk(i).name});
    }
    prev = i;
  }
  return out;
}

std::string report(const ActivityView& v, const ActivityCliOptions& opts, int64_t now) {
  const std::vector<ChangedRange> ranges = changed_ranges(v, now);
  uint64_t swept = 0;
  for (const SweepRegion& r : v.regions()) swept += r.length;
  const ActivityCell all = v.summarize(0, v.chunk_count());
  if (opts.json) {
    nlohmann::json j;
    j["spec"] = json_from_bytes(opts.spec);
    j["sweeps"] = v.sweeps();
    j["sweep_period_ms"] = static_cast<double>(v.sweep_period_ns()) / 1e6;
    j["cpu_share"] = v.cpu_share();
    j["chunk_size"] = v.chunk_size();
    j["chunks"] = v.chunk_count();
    j["regions"] = v.regions().size();
    j["bytes"] = swept;
    j["unreadable_chunks"] = all.unreadable;
    nlohmann::json list = nlohmann::json::array();
    for (const ChangedRange& r : ranges) {
      list.push_back({{"address", r.address},
                      {"length", r.length},
                      {"changes", r.changes},
                      {"seconds_ago", static_cast<double>(now - r.last_ns) / 1e9},
                      {"region", json_from_bytes(r.region)}});
    }
    j["changed"] = std::move(list);
    return json_dump(j, 2) + "\n";
  }
  std::string out;
  for (const ChangedRange& r : ranges) {
    out += fmt::format("0x{:016x} {:>10}  changes {:>6.1f}  last {:>6.2f}s ago{}{}\n", r.address,
                       r.length, r.changes, static_cast<double>(now - r.last_ns) / 1e9,
                       r.region.empty() ? "" : "  ", printable_text(r.region));
  }
  out += fmt::format(
      "{} changed range{}; {} bytes in {} region{} as {} chunks of {} ({} unreadable); {} sweeps, "
      "sweep period {:.1f} ms, CPU {:.1f}% of a core\n",
      ranges.size(), ranges.size() == 1 ? "" : "s", swept, v.regions().size(),
      v.regions().size() == 1 ? "" : "s", v.chunk_count(), v.chunk_size(), all.unreadable,
      v.sweeps(), static_cast<double>(v.sweep_period_ns()) / 1e6, v.cpu_share() * 100);
  return out;
}

int run_activity(const ActivityCliOptions& opts) {
  SweeperOptions so;
  so.cpu_budget = opts.budget;
  so.activity.chunk_size = opts.chunk;
  if (opts.range) {
    Result<ByteRange> r = parse_range_option(*opts.range);
    if (!r) return fail(r.error());
    so.range = *r;
  }
  if (!(opts.seconds >= 0) || !std::isfinite(opts.seconds)) {
    return fail("--seconds must be a non-negative number");
  }
  Result<std::unique_ptr<ActivitySweeper>> sweeper = ActivitySweeper::start(opts.spec, so);
  if (!sweeper) return fail(with_context("sweep", opts.spec, sweeper.error()));
  install_stop_signals();
  const int64_t end = now_ns() + static_cast<int64_t>(opts.seconds * 1e9);
  // At least the baseline and one more sweep, so every change in the window is seen.
  while (!stop_requested() && !(*sweeper)->worker().done()) {
    const std::shared_ptr<const ActivityView> v = (*sweeper)->latest();
    if (now_ns() >= end && v && v->sweeps() >= 2) break;
    sleep_ms(10);
  }
  if ((*sweeper)->worker().state() == WorkerState::failed) {
    return fail(with_context("sweep", opts.spec, *(*sweeper)->worker().error()));
  }
  const std::shared_ptr<const ActivityView> v = (*sweeper)->latest();
  if (!v) return fail("stopped before the first sweep finished");
  if (!write_stdout(report(*v, opts, now_ns()))) return kExitFailure;
  return 0;
}

void setup_activity(CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<ActivityCliOptions>();
  CLI::App* sub = app.add_subcommand(
      "activity",
      "Sweep a whole object (or a range, or every readable region of a process) in the "
      "background for a while and list the chunks that changed, by XXH3 hashes");
  sub->add_option("SPEC", opts->spec, spec_help())->required();
  sub->add_option("--seconds", opts->seconds, "How long to watch (default 5; Ctrl-C ends early)")
      ->type_name("S");
  sub->add_option("--budget", opts->budget,
                  "CPU share of one core the sweeper may use (default 0.25; 0: no limit)")
      ->type_name("F");
  sub->add_option("--chunk", opts->chunk, "Bytes per chunk, a power of two (default 8192)")
      ->type_name("N");
  sub->add_option("--range", opts->range, "Only ADDR+LEN or ADDR-END (decimal or 0x hex)")
      ->type_name("RANGE");
  sub->add_flag("--json", opts->json, "Print one JSON object instead of lines");
  sub->callback([opts, &exit_code] { exit_code = run_activity(*opts); });
}

}  // namespace
}  // namespace memview::cli

MEMVIEW_CLI_COMMAND(memview::cli::setup_activity)
