// Shared by the benchmark programs: keeps the fastest per-iteration time of each benchmark
// over its repetitions (the least disturbed measurement on a shared, noisy machine), so a
// program can print its targets as ratios against a baseline measured in the same run.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

namespace memview::bench {

class BestTimeReporter : public benchmark::ConsoleReporter {
 public:
  enum class Clock { cpu, real };
  // Colours only on a terminal, so the RATIO lines in a log are plain text.
  explicit BestTimeReporter(Clock clock = Clock::cpu)
      : ConsoleReporter(isatty(STDOUT_FILENO) ? OO_Defaults : OO_Tabular), clock_(clock) {}

  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs) {
      if (r.run_type != Run::RT_Iteration || r.error_occurred) continue;
      const std::string name = r.run_name.function_name;
      // In the benchmark's time unit.
      const double t = clock_ == Clock::cpu ? r.GetAdjustedCPUTime() : r.GetAdjustedRealTime();
      auto it = best.find(name);
      if (it == best.end() || t < it->second) best[name] = t;
    }
    ConsoleReporter::ReportRuns(runs);
  }

  std::map<std::string, double> best;

 private:
  Clock clock_;
};

// Prints "RATIO name = num/den (target <= or >= target) OK|MISSED" from the best times of
// two benchmarks of the same run, or "n/a" when either did not run.
inline void print_ratio(const BestTimeReporter& rep, const char* name, const char* num,
                        const char* den, double target, bool at_most) {
  auto n = rep.best.find(num);
  auto d = rep.best.find(den);
  if (n == rep.best.end() || d == rep.best.end() || d->second <= 0) {
    std::printf("RATIO %s = n/a (not run)\n", name);
    return;
  }
  const double v = n->second / d->second;
  const bool ok = at_most ? v <= target : v >= target;
  std::printf("RATIO %s = %.3f (target %s %.3f) %s\n", name, v, at_most ? "<=" : ">=", target,
              ok ? "OK" : "MISSED");
}

}  // namespace memview::bench
