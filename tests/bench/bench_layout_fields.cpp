// Layout time against the number of fields: a header declaring one struct of N int fields
// (N = MEMVIEW_BENCH_FIELDS, default 100,000; ctest runs 20,000 to stay quick), parsed and
// laid out by the core (parse_header_file + layout), against `clang-14 -fsyntax-only` on the
// same header in the same run, and against the same work at N/4 fields.
// Targets: memview <= 5 x clang's own parse; N fields <= 5 x the time of N/4 (linear: 4,
// quadratic: 16).
// Output: "RATIO name = X (target <= Y) OK|MISSED"; MEMVIEW_BENCH_ENFORCE=1 makes a missed
// target fail the program. Wall-clock times: libclang parses on a thread of its own.
#include <benchmark/benchmark.h>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "bench_report.h"
#include "memview/layout.h"

namespace {

size_t g_fields = 100000;
std::string g_big, g_quarter;

std::string write_header(size_t fields, const char* tag) {
  std::string path = "/tmp/memview-bench-fields-" + std::to_string(getpid()) + "-" + tag + ".h";
  std::ofstream out(path);
  out << "struct big {\n";
  for (size_t i = 0; i < fields; ++i) out << "  int f" << i << ";\n";
  out << "};\n";
  return path;
}

void memview_layout(benchmark::State& state, const std::string& header) {
  for (auto _ : state) {
    memview::Result<memview::Layout> l = memview::layout_from_header(header, "struct big");
    if (!l) {
      state.SkipWithError(l.error().message.c_str());
      return;
    }
    benchmark::DoNotOptimize(l->fields.size());
  }
}

void clang_syntax_only(benchmark::State& state, const std::string& header) {
  char* argv[] = {const_cast<char*>("clang-14"),     const_cast<char*>("-fsyntax-only"),
                  const_cast<char*>("-x"),           const_cast<char*>("c"),
                  const_cast<char*>(header.c_str()), nullptr};
  for (auto _ : state) {
    pid_t pid = 0;
    if (posix_spawnp(&pid, "clang-14", nullptr, nullptr, argv, environ) != 0) {
      state.SkipWithError("cannot run clang-14");
      return;
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      state.SkipWithError("clang-14 -fsyntax-only failed");
      return;
    }
  }
}

bool report(const memview::bench::BestTimeReporter& r, const char* name, const char* num,
            const char* den, double target) {
  const auto n = r.best.find(num), d = r.best.find(den);
  if (n == r.best.end() || d == r.best.end() || d->second <= 0) {
    std::printf("RATIO %s = n/a (not run)\n", name);
    return true;
  }
  const double ratio = n->second / d->second;
  const bool ok = ratio <= target;
  std::printf("RATIO %s = %.2f (target <= %.1f) %s\n", name, ratio, target, ok ? "OK" : "MISSED");
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  if (const char* n = std::getenv("MEMVIEW_BENCH_FIELDS"); n && std::atol(n) >= 64) {
    g_fields = static_cast<size_t>(std::atol(n));
  }
  g_big = write_header(g_fields, "all");
  g_quarter = write_header(g_fields / 4, "quarter");
  // The first parse loads libclang: not part of any measurement.
  (void)memview::layout_from_header(g_quarter, "struct big");

  constexpr int kReps = 3;
  benchmark::RegisterBenchmark("memview_layout_n_fields",
                               [](benchmark::State& s) { memview_layout(s, g_big); })
      ->Repetitions(kReps)
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("memview_layout_quarter_fields",
                               [](benchmark::State& s) { memview_layout(s, g_quarter); })
      ->Repetitions(kReps)
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("clang_syntax_only_n_fields",
                               [](benchmark::State& s) { clang_syntax_only(s, g_big); })
      ->Repetitions(kReps)
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);

  memview::bench::BestTimeReporter reporter(memview::bench::BestTimeReporter::Clock::real);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  std::remove(g_big.c_str());
  std::remove(g_quarter.c_str());

  std::printf("INFO fields = %zu\n", g_fields);
  bool ok = report(reporter, "layout_vs_clang_syntax_only", "memview_layout_n_fields",
                   "clang_syntax_only_n_fields", 5.0);
  ok = report(reporter, "layout_n_vs_quarter_fields", "memview_layout_n_fields",
              "memview_layout_quarter_fields", 5.0) &&
       ok;
  std::fflush(stdout);
  const char* enforce = std::getenv("MEMVIEW_BENCH_ENFORCE");
  if (!ok && enforce && std::string(enforce) == "1") return 1;
  return 0;
}
