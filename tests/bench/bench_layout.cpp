// Layout engine timings: parsing a small header that includes <stdint.h> (target:
// median <= 50 ms) and <linux/perf_event.h> (target: median <= 300 ms), each including the
// layout of its struct. Wall-clock time: libclang parses on a thread of its own.
// Baseline in the same run: `gcc -fsyntax-only` on the same text (a compiler front end
// reading the same headers), printed as a ratio for information.
// Also for information: the layout of an already parsed type, and decoding every field of
// the demo's struct telemetry (what a GUI frame does per overlay).
// Output: "TARGET name median = X ms (target <= Y ms) OK|MISSED" and "RATIO ..." lines;
// MEMVIEW_BENCH_ENFORCE=1 makes a missed target fail the program.
#include <benchmark/benchmark.h>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "memview/layout.h"

namespace {

const char* const kSmallHeader =
    "#include <stdint.h>\n"
    "struct sample {\n"
    "  uint32_t seq;\n"
    "  int16_t temperature;\n"
    "  uint8_t flags : 3;\n"
    "  uint8_t level : 5;\n"
    "  double value;\n"
    "  char name[16];\n"
    "  uint64_t history[8];\n"
    "};\n";
const char* const kPerfHeader = "#include <linux/perf_event.h>\n";

std::string g_small_file, g_perf_file;

// The repository, from this file's path (CMake compiles it by absolute path).
std::string source_dir() {
  std::string f = __FILE__;
  const size_t p = f.rfind("tests/bench/");
  return p == std::string::npos ? "." : f.substr(0, p);
}

std::string write_temp(const char* name, const char* text) {
  std::string path = std::string("/tmp/memview-bench-") + std::to_string(getpid()) + "-" + name;
  std::ofstream(path) << text;
  return path;
}

void parse_and_layout(benchmark::State& state, const char* text, const char* type) {
  for (auto _ : state) {
    memview::Result<memview::Declarations> d = memview::parse_declarations(text);
    if (!d) {
      state.SkipWithError(d.error().message.c_str());
      return;
    }
    memview::Result<memview::Layout> l = d->layout(type);
    if (!l) {
      state.SkipWithError(l.error().message.c_str());
      return;
    }
    benchmark::DoNotOptimize(l->fields.size());
  }
}

void gcc_syntax_only(benchmark::State& state, const std::string& file) {
  char* argv[] = {const_cast<char*>("gcc"),        const_cast<char*>("-fsyntax-only"),
                  const_cast<char*>("-x"),         const_cast<char*>("c"),
                  const_cast<char*>(file.c_str()), nullptr};
  for (auto _ : state) {
    pid_t pid = 0;
    if (posix_spawnp(&pid, "gcc", nullptr, nullptr, argv, environ) != 0) {
      state.SkipWithError("cannot run gcc");
      return;
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      state.SkipWithError("gcc -fsyntax-only failed");
      return;
    }
  }
}

void BM_layout_only_perf_event_attr(benchmark::State& state) {
  memview::Result<memview::Declarations> d = memview::parse_declarations(kPerfHeader);
  if (!d) {
    state.SkipWithError(d.error().message.c_str());
    return;
  }
  for (auto _ : state) {
    memview::Result<memview::Layout> l = d->layout("struct perf_event_attr");
    benchmark::DoNotOptimize(l.ok());
  }
}

void BM_decode_all_telemetry_fields(benchmark::State& state) {
  memview::Result<memview::Layout> l =
      memview::layout_from_header(source_dir() + "assets/demo/telemetry.h", "struct telemetry");
  if (!l) {
    state.SkipWithError(l.error().message.c_str());
    return;
  }
  std::vector<std::byte> bytes(l->size);
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = std::byte(i * 7);
  for (auto _ : state) {
    size_t n = 0;
    for (const memview::Field& f : l->fields) {
      memview::Result<memview::FieldValue> v = memview::decode_field(f, bytes);
      n += v ? v->text.size() : 0;
    }
    benchmark::DoNotOptimize(n);
  }
  state.counters["fields"] = static_cast<double>(l->fields.size());
}

// Only the scalar fields (what most rows of an overlay tree are).
void BM_decode_telemetry_scalars(benchmark::State& state) {
  memview::Result<memview::Layout> l =
      memview::layout_from_header(source_dir() + "assets/demo/telemetry.h", "struct telemetry");
  if (!l) {
    state.SkipWithError(l.error().message.c_str());
    return;
  }
  std::vector<memview::Field> scalars;
  for (const memview::Field& f : l->fields) {
    if (f.kind != memview::FieldKind::array && f.kind != memview::FieldKind::record &&
        f.kind != memview::FieldKind::text)
      scalars.push_back(f);
  }
  std::vector<std::byte> bytes(l->size);
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = std::byte(i * 7);
  for (auto _ : state) {
    size_t n = 0;
    for (const memview::Field& f : scalars) {
      memview::Result<memview::FieldValue> v = memview::decode_field(f, bytes);
      n += v ? v->text.size() : 0;
    }
    benchmark::DoNotOptimize(n);
  }
  state.counters["fields"] = static_cast<double>(scalars.size());
  state.counters["ns_per_field"] = benchmark::Counter(
      static_cast<double>(scalars.size()),
      benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

// Median (over repetitions) of the wall time per iteration of each benchmark.
class MedianReporter : public benchmark::ConsoleReporter {
 public:
  MedianReporter() : ConsoleReporter(isatty(STDOUT_FILENO) ? OO_Defaults : OO_Tabular) {}
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs) {
      if (r.run_type != Run::RT_Iteration || r.error_occurred) continue;
      times[r.run_name.function_name].push_back(r.GetAdjustedRealTime() * to_ms(r.time_unit));
    }
    ConsoleReporter::ReportRuns(runs);
  }
  double median(const std::string& name) const {
    auto it = times.find(name);
    if (it == times.end() || it->second.empty()) return -1;
    std::vector<double> v = it->second;
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }

 private:
  static double to_ms(benchmark::TimeUnit u) {
    switch (u) {
      case benchmark::kNanosecond:
        return 1e-6;
      case benchmark::kMicrosecond:
        return 1e-3;
      case benchmark::kMillisecond:
        return 1;
      default:
        return 1e3;
    }
  }
  std::map<std::string, std::vector<double>> times;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  g_small_file = write_temp("small.h", kSmallHeader);
  g_perf_file = write_temp("perf.h", kPerfHeader);

  constexpr int kReps = 9;
  benchmark::RegisterBenchmark(
      "parse_small_stdint_header",
      [](benchmark::State& s) { parse_and_layout(s, kSmallHeader, "struct sample"); })
      ->Repetitions(kReps)
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark(
      "parse_perf_event_header",
      [](benchmark::State& s) { parse_and_layout(s, kPerfHeader, "struct perf_event_attr"); })
      ->Repetitions(kReps)
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("gcc_syntax_only_small_header",
                               [](benchmark::State& s) { gcc_syntax_only(s, g_small_file); })
      ->Repetitions(kReps)
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("gcc_syntax_only_perf_event_header",
                               [](benchmark::State& s) { gcc_syntax_only(s, g_perf_file); })
      ->Repetitions(kReps)
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("layout_only_perf_event_attr", BM_layout_only_perf_event_attr)
      ->Repetitions(kReps)
      ->UseRealTime()
      ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("decode_telemetry_scalars", BM_decode_telemetry_scalars)
      ->Repetitions(kReps)
      ->UseRealTime()
      ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("decode_all_telemetry_fields", BM_decode_all_telemetry_fields)
      ->Repetitions(kReps)
      ->UseRealTime()
      ->Unit(benchmark::kMicrosecond);

  MedianReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  std::remove(g_small_file.c_str());
  std::remove(g_perf_file.c_str());

  struct Target {
    const char* name;
    double limit_ms;
  } targets[] = {{"parse_small_stdint_header", 50}, {"parse_perf_event_header", 300}};
  bool all_ok = true;
  for (const Target& t : targets) {
    const double m = reporter.median(t.name);
    if (m < 0) {
      std::printf("TARGET %s = n/a (not run; filtered out?)\n", t.name);
      continue;
    }
    const bool ok = m <= t.limit_ms;
    all_ok = all_ok && ok;
    std::printf("TARGET %s median = %.1f ms (target <= %.0f ms, %.2f of the budget) %s\n", t.name,
                m, t.limit_ms, m / t.limit_ms, ok ? "OK" : "MISSED");
  }
  struct Ratio {
    const char* name;
    const char* numerator;
    const char* denominator;
  } ratios[] = {
      {"parse_small_vs_gcc_syntax_only", "parse_small_stdint_header",
       "gcc_syntax_only_small_header"},
      {"parse_perf_event_vs_gcc_syntax_only", "parse_perf_event_header",
       "gcc_syntax_only_perf_event_header"},
  };
  for (const Ratio& r : ratios) {
    const double num = reporter.median(r.numerator), den = reporter.median(r.denominator);
    if (num < 0 || den <= 0) {
      std::printf("RATIO %s = n/a (not run; filtered out?)\n", r.name);
      continue;
    }
    std::printf("RATIO %s = %.2f (info: memview parse+layout time / gcc -fsyntax-only time)\n",
                r.name, num / den);
  }
  const double layout_us = reporter.median("layout_only_perf_event_attr");
  const double decode_us = reporter.median("decode_all_telemetry_fields");
  if (layout_us >= 0)
    std::printf("INFO layout_only_perf_event_attr median = %.1f us\n", layout_us * 1000);
  if (decode_us >= 0)
    std::printf("INFO decode_all_telemetry_fields median = %.1f us\n", decode_us * 1000);
  std::fflush(stdout);
  const char* enforce = std::getenv("MEMVIEW_BENCH_ENFORCE");
  if (!all_ok && enforce && std::string(enforce) == "1") return 1;
  return 0;
}
