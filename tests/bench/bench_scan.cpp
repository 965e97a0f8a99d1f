// Value scan benchmark: memview against Debian's scanmem on the same target process in the
// same run, and against the physical floors (a bare process_vm_readv sweep with an aligned
// compare; a plain compare loop over a shm mapping).
//
// The target is a child holding MEMVIEW_BENCH_SCAN_MIB (default 256) MiB of random private
// memory (read through process_vm_readv, like a program's heap). Measured:
//  - exact aligned i32 first scan: memview, scanmem, the bare sweep;
//  - unknown initial value + one "unchanged" narrowing: memview (time, and the memory added
//    per scanned byte), scanmem (time, peak RSS);
//  - narrowing ~1,000,000 sparse candidates ("changed");
//  - shm: exact i32 scan of a shm object against a plain compare loop over its mapping.
// scanmem runs only where it is installed (scripts/install-deps), as
// `scanmem -p PID -c "...; exit"`, over every readable region (region_scan_level 3), like
// memview. Prints "RATIO name = value (target) OK|MISSED"; never fails on a miss unless
// MEMVIEW_BENCH_ENFORCE=1.
#include <benchmark/benchmark.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "bench_report.h"
#include "bench_scanmem.h"
#include "memview/clock.h"
#include "memview/scan.h"
#include "memview/source_spec.h"

namespace {

constexpr int32_t kNeedle = 0x1d2c3b4a;
uint64_t g_bytes = uint64_t{256} << 20;
pid_t g_child = -1;
memview::SourcePtr g_source;
std::vector<memview::ByteRange> g_ranges;
uint64_t g_region = 0;  // the target's random memory (same address in the child)
std::string g_scanmem;
std::string g_shm_name;
std::byte* g_shm_map = nullptr;
memview::SourcePtr g_shm_source;
// Figures the ratios need beyond times.
double g_memview_bytes_per_byte = 0;
double g_scanmem_unknown_rss = 0;

uint64_t xorshift(uint64_t& s) {
  s ^= s << 13;
  s ^= s >> 7;
  s ^= s << 17;
  return s;
}

void fill_random(std::byte* p, uint64_t n, uint64_t seed) {
  uint64_t s = seed;
  for (uint64_t i = 0; i + 8 <= n; i += 8) {
    const uint64_t v = xorshift(s);
    std::memcpy(p + i, &v, 8);
  }
}

uint64_t rss_kib(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0)
      return std::strtoull(line.c_str() + std::strlen(field), nullptr, 10);
  }
  return 0;
}

// The floor: process_vm_readv of every scanned range in 16 MiB reads, counting the aligned
// int32s equal to the needle.
void BM_sweep_process_vm_readv(benchmark::State& state) {
  std::vector<int32_t> buf(memview::kScanBlockBytes / 4);
  for (auto _ : state) {
    uint64_t hits = 0;
    for (const memview::ByteRange& r : g_ranges) {
      for (uint64_t at = r.address; at < r.end(); at += memview::kScanBlockBytes) {
        const uint64_t n = std::min(memview::kScanBlockBytes, r.end() - at);
        iovec local{buf.data(), n};
        iovec remote{reinterpret_cast<void*>(at), n};
        const ssize_t got = process_vm_readv(g_child, &local, 1, &remote, 1, 0);
        const size_t words = got > 0 ? static_cast<size_t>(got) / 4 : 0;
        for (size_t i = 0; i < words; ++i) hits += buf[i] == kNeedle ? 1 : 0;
      }
    }
    benchmark::DoNotOptimize(hits);
  }
}

void BM_memview_exact_i32(benchmark::State& state) {
  memview::ScanOptions o;
  o.type = memview::ScanType::i32;
  for (auto _ : state) {
    auto r = memview::first_scan(*g_source, o, {memview::ScanOp::eq, std::to_string(kNeedle), ""});
    if (!r) state.SkipWithError(r.error().message.c_str());
    state.counters["candidates"] = static_cast<double>(r->count());
    state.counters["scanned_MiB"] = static_cast<double>(r->stats.bytes_scanned) / (1 << 20);
  }
}

void BM_scanmem_exact_i32(benchmark::State& state) {
  for (auto _ : state) {
    memview::bench::run_scanmem(
        state, g_scanmem, g_child,
        fmt::format("option region_scan_level 3;option scan_data_type int32;"
                    "= {};exit",
                    kNeedle));
  }
}

void BM_memview_unknown_unchanged(benchmark::State& state) {
  memview::ScanOptions o;
  o.type = memview::ScanType::i32;
  for (auto _ : state) {
    // Peak RSS added by the scan: reset the high-water mark, then compare.
    { std::ofstream("/proc/self/clear_refs") << "5"; }
    const uint64_t before = rss_kib("VmRSS:");
    auto first = memview::first_scan(*g_source, o, {memview::ScanOp::unknown, "", ""});
    if (!first) {
      state.SkipWithError(first.error().message.c_str());
      break;
    }
    const double scanned = static_cast<double>(first->stats.bytes_scanned);
    auto narrowed =
        memview::narrow(*g_source, std::move(*first), {memview::ScanOp::unchanged, "", ""});
    if (!narrowed) {
      state.SkipWithError(narrowed.error().message.c_str());
      break;
    }
    const uint64_t peak = rss_kib("VmHWM:");
    g_memview_bytes_per_byte = static_cast<double>(peak - before) * 1024.0 / scanned;
    state.counters["added_bytes_per_scanned_byte"] = g_memview_bytes_per_byte;
    state.counters["candidates"] = static_cast<double>(narrowed->count());
  }
}

void BM_scanmem_unknown_unchanged(benchmark::State& state) {
  for (auto _ : state) {
    g_scanmem_unknown_rss = memview::bench::run_scanmem(
        state, g_scanmem, g_child,
        "option region_scan_level 3;option scan_data_type int32;snapshot;=;exit");
    state.counters["peak_rss_MiB"] = g_scanmem_unknown_rss / (1 << 20);
  }
}

// About 1,000,000 candidates spread over the whole target (one per 256 bytes: every page
// holds some, so the narrowing reads every page; information).
void BM_memview_narrow_1m_sparse_spread(benchmark::State& state) {
  memview::ScanOptions o;
  o.type = memview::ScanType::i32;
  const double share = 1e6 / (static_cast<double>(g_bytes) / 4);
  const auto below = static_cast<int64_t>(-2147483648.0 + share * 4294967296.0);
  for (auto _ : state) {
    state.PauseTiming();
    auto first =
        memview::first_scan(*g_source, o, {memview::ScanOp::lt, std::to_string(below), ""});
    state.ResumeTiming();
    if (!first) {
      state.SkipWithError(first.error().message.c_str());
      break;
    }
    state.counters["candidates"] = static_cast<double>(first->count());
    auto n = memview::narrow(*g_source, std::move(*first), {memview::ScanOp::changed, "", ""});
    benchmark::DoNotOptimize(n);
  }
}

// 1,048,576 candidates in one 16 MiB stretch (a quarter of its int32s: a busy heap), stored
// sparse: the narrowing reads the stretch once and compares the gathered values.
void BM_memview_narrow_1m_sparse_16mib(benchmark::State& state) {
  memview::ScanOptions o;
  o.type = memview::ScanType::i32;
  const std::vector<memview::ByteRange> slice{{g_region, memview::kScanBlockBytes}};
  for (auto _ : state) {
    state.PauseTiming();
    auto first =
        memview::first_scan(*g_source, o, {memview::ScanOp::lt, "-1073741824", ""}, nullptr, slice);
    state.ResumeTiming();
    if (!first) {
      state.SkipWithError(first.error().message.c_str());
      break;
    }
    state.counters["candidates"] = static_cast<double>(first->count());
    state.counters["dense"] = first->blocks.empty() || first->blocks[0].dense() ? 1 : 0;
    auto n = memview::narrow(*g_source, std::move(*first), {memview::ScanOp::changed, "", ""});
    benchmark::DoNotOptimize(n);
  }
}

void BM_shm_plain_compare(benchmark::State& state) {
  for (auto _ : state) {
    uint64_t hits = 0;
    const auto* p = reinterpret_cast<const int32_t*>(g_shm_map);
    for (uint64_t i = 0; i < g_bytes / 4; ++i) hits += p[i] == kNeedle ? 1 : 0;
    benchmark::DoNotOptimize(hits);
  }
}

void BM_shm_memview_exact_i32(benchmark::State& state) {
  memview::ScanOptions o;
  o.type = memview::ScanType::i32;
  for (auto _ : state) {
    auto r =
        memview::first_scan(*g_shm_source, o, {memview::ScanOp::eq, std::to_string(kNeedle), ""});
    benchmark::DoNotOptimize(r);
  }
}

bool setup() {
  if (const char* mib = std::getenv("MEMVIEW_BENCH_SCAN_MIB")) {
    g_bytes = std::strtoull(mib, nullptr, 10) << 20;
  }
  g_scanmem = memview::bench::find_scanmem();
  void* mem = mmap(nullptr, g_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) return false;
  g_child = fork();
  if (g_child == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    fill_random(static_cast<std::byte*>(mem), g_bytes, 0x9e3779b97f4a7c15ULL);
    (void)!write(STDOUT_FILENO, "", 0);
    for (;;) pause();
  }
  g_region = reinterpret_cast<uint64_t>(mem);
  munmap(mem, g_bytes);  // the parent's untouched copy
  // Wait until the child filled its memory (its RSS reaches the size).
  const int64_t deadline = memview::now_ns() + 120'000'000'000;
  for (;;) {
    std::ifstream st(fmt::format("/proc/{}/statm", g_child));
    uint64_t size = 0, resident = 0;
    st >> size >> resident;
    if (resident * 4096 >= g_bytes) break;
    if (memview::now_ns() > deadline) return false;
    usleep(20000);
  }
  auto src = memview::open_source(fmt::format("pid:{}", g_child));
  if (!src) {
    std::fprintf(stderr, "error: %s\n", src.error().message.c_str());
    return false;
  }
  g_source = std::move(*src);
  auto ranges = memview::scan_ranges(*g_source);
  if (!ranges) return false;
  g_ranges = *ranges;
  // The shm object.
  g_shm_name = fmt::format("/memview-bench-scan-{}", getpid());
  memview::CreateOptions co;
  co.size = g_bytes;
  auto shm = memview::create_source("shm:" + g_shm_name, co);
  if (!shm) return false;
  const int fd = shm_open(g_shm_name.c_str(), O_RDWR, 0);
  void* m = mmap(nullptr, g_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (m == MAP_FAILED) return false;
  g_shm_map = static_cast<std::byte*>(m);
  fill_random(g_shm_map, g_bytes, 12345);
  g_shm_source = std::move(*shm);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  const bool ready = setup();
  if (!ready) {
    std::fprintf(stderr, "error: cannot set up the scan target\n");
  } else {
    benchmark::RegisterBenchmark("sweep_process_vm_readv", BM_sweep_process_vm_readv)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime()
        ->Iterations(1)
        ->Repetitions(3);
    benchmark::RegisterBenchmark("memview_exact_i32", BM_memview_exact_i32)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime()
        ->Iterations(1)
        ->Repetitions(3);
    benchmark::RegisterBenchmark("memview_unknown_unchanged", BM_memview_unknown_unchanged)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime()
        ->Iterations(1)
        ->Repetitions(1);
    benchmark::RegisterBenchmark("memview_narrow_1m_sparse_spread",
                                 BM_memview_narrow_1m_sparse_spread)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime()
        ->Iterations(1)
        ->Repetitions(2);
    benchmark::RegisterBenchmark("memview_narrow_1m_sparse_16mib",
                                 BM_memview_narrow_1m_sparse_16mib)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime()
        ->Iterations(1)
        ->Repetitions(3);
    benchmark::RegisterBenchmark("shm_plain_compare", BM_shm_plain_compare)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime()
        ->Iterations(1)
        ->Repetitions(3);
    benchmark::RegisterBenchmark("shm_memview_exact_i32", BM_shm_memview_exact_i32)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime()
        ->Iterations(1)
        ->Repetitions(3);
    if (!g_scanmem.empty()) {
      benchmark::RegisterBenchmark("scanmem_exact_i32", BM_scanmem_exact_i32)
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime()
          ->Iterations(1)
          ->Repetitions(1);
      benchmark::RegisterBenchmark("scanmem_unknown_unchanged", BM_scanmem_unknown_unchanged)
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime()
          ->Iterations(1)
          ->Repetitions(1);
    }
    memview::bench::BestTimeReporter rep(memview::bench::BestTimeReporter::Clock::real);
    benchmark::RunSpecifiedBenchmarks(&rep);
    std::printf("NOTE target: %llu MiB of random private memory in process %d\n",
                static_cast<unsigned long long>(g_bytes >> 20), static_cast<int>(g_child));
    memview::bench::print_ratio(rep, "exact_i32_memview_vs_scanmem", "memview_exact_i32",
                                "scanmem_exact_i32", 0.125, true);
    memview::bench::print_ratio(rep, "exact_i32_memview_vs_sweep", "memview_exact_i32",
                                "sweep_process_vm_readv", 1.3, true);
    memview::bench::print_ratio(rep, "unknown_unchanged_memview_vs_scanmem",
                                "memview_unknown_unchanged", "scanmem_unknown_unchanged", 0.02,
                                true);
    memview::bench::print_ratio(rep, "shm_exact_i32_bandwidth_vs_plain_loop", "shm_plain_compare",
                                "shm_memview_exact_i32", 0.5, false);
    std::printf("RATIO unknown_unchanged_added_bytes_per_scanned_byte = %.3f (target <= 1.15) %s\n",
                g_memview_bytes_per_byte, g_memview_bytes_per_byte <= 1.15 ? "OK" : "MISSED");
    if (g_scanmem_unknown_rss > 0) {
      std::printf(
          "NOTE scanmem unknown+unchanged peak RSS: %.0f MiB (%.2f bytes per target byte)\n",
          g_scanmem_unknown_rss / (1 << 20), g_scanmem_unknown_rss / static_cast<double>(g_bytes));
    }
    auto it = rep.best.find("memview_narrow_1m_sparse_16mib");
    if (it != rep.best.end()) {
      std::printf("RATIO narrow_1m_sparse_changed_ms = %.1f (target <= 50) %s\n", it->second,
                  it->second <= 50 ? "OK" : "MISSED");
    }
    it = rep.best.find("memview_narrow_1m_sparse_spread");
    if (it != rep.best.end()) {
      std::printf(
          "NOTE narrowing 1M candidates spread over all %llu MiB (every page read): "
          "%.1f ms\n",
          static_cast<unsigned long long>(g_bytes >> 20), it->second);
    }
  }
  benchmark::Shutdown();
  g_source.reset();
  g_shm_source.reset();
  if (!g_shm_name.empty()) shm_unlink(g_shm_name.c_str());
  if (g_child > 0) {
    kill(g_child, SIGKILL);
    waitpid(g_child, nullptr, 0);
  }
  return ready ? 0 : 1;
}
