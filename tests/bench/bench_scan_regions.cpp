// Value scans over a process made of many small mappings (a program with thousands of small
// heaps, arenas and library pieces): memview, memview with its batched reads turned off,
// Debian's scanmem, and two floors measured in the same run, all over the same regions:
//  - sweep_per_region: one process_vm_readv per mapping (what an unbatched reader pays);
//  - sweep_batched: one process_vm_readv per 1024 mappings (IOV_MAX) or 2 MiB.
// Both floors are single-threaded; memview's scan reads on every core.
// The target is a child with MEMVIEW_BENCH_REGIONS (default 12000) mappings of
// MEMVIEW_BENCH_REGION_KIB (default 16) KiB of random bytes, kept apart by PROT_NONE pages.
// (Debian's scanmem 0.17 ends with SIGSEGV on 16384 such mappings; 12000 it scans.)
// Prints "RATIO name = value (target) OK|MISSED"; never fails on a miss.
#include <benchmark/benchmark.h>

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "bench_report.h"
#include "bench_scanmem.h"
#include "memview/find_pattern.h"
#include "memview/scan.h"
#include "memview/source_spec.h"

namespace {

constexpr int32_t kNeedle = 0x1d2c3b4a;
uint64_t g_regions = 12000;
uint64_t g_region_bytes = uint64_t{16} << 10;
pid_t g_child = -1;
memview::SourcePtr g_source;
std::vector<memview::ByteRange> g_ranges;
std::string g_scanmem;

// Forwards everything but read_pieces, so reads go one range at a time (Source's default).
class Unbatched final : public memview::Source {
 public:
  explicit Unbatched(memview::Source& inner) : inner_(inner) {}
  const memview::SourceInfo& info() const override { return inner_.info(); }
  memview::ReadOutcome read(uint64_t address, std::span<std::byte> out) override {
    return inner_.read(address, out);
  }
  memview::Status write(uint64_t address, std::span<const std::byte> data) override {
    return inner_.write(address, data);
  }
  std::vector<memview::SourceEvent> refresh() override { return inner_.refresh(); }

 private:
  memview::Source& inner_;
};

uint64_t count_needles(const int32_t* p, size_t words) {
  uint64_t hits = 0;
  for (size_t i = 0; i < words; ++i) hits += p[i] == kNeedle ? 1 : 0;
  return hits;
}

void BM_sweep_per_region(benchmark::State& state) {
  std::vector<int32_t> buf(g_region_bytes / 4);
  for (auto _ : state) {
    uint64_t hits = 0;
    for (const memview::ByteRange& r : g_ranges) {
      buf.resize(std::max<size_t>(buf.size(), r.length / 4));
      iovec local{buf.data(), r.length};
      iovec remote{reinterpret_cast<void*>(r.address), r.length};
      const ssize_t got = process_vm_readv(g_child, &local, 1, &remote, 1, 0);
      hits += count_needles(buf.data(), got > 0 ? static_cast<size_t>(got) / 4 : 0);
    }
    benchmark::DoNotOptimize(hits);
  }
}

void BM_sweep_batched(benchmark::State& state) {
  std::vector<int32_t> buf;
  std::vector<iovec> local;
  std::vector<iovec> remote;
  for (auto _ : state) {
    uint64_t hits = 0;
    size_t i = 0;
    while (i < g_ranges.size()) {
      // Up to IOV_MAX mappings and 2 MiB a call (as memview groups them: a buffer that stays
      // in the caches).
      local.clear();
      remote.clear();
      uint64_t bytes = 0;
      for (; i < g_ranges.size() && local.size() < IOV_MAX &&
             (bytes == 0 || bytes + g_ranges[i].length <= (uint64_t{2} << 20));
           ++i) {
        buf.resize(std::max<size_t>(buf.size(), (bytes + g_ranges[i].length) / 4));
        local.push_back({nullptr, g_ranges[i].length});
        remote.push_back({reinterpret_cast<void*>(g_ranges[i].address), g_ranges[i].length});
        bytes += g_ranges[i].length;
      }
      uint64_t at = 0;
      for (iovec& v : local) {
        v.iov_base = reinterpret_cast<std::byte*>(buf.data()) + at;
        at += v.iov_len;
      }
      const ssize_t got =
          process_vm_readv(g_child, local.data(), local.size(), remote.data(), remote.size(), 0);
      hits += count_needles(buf.data(), got > 0 ? static_cast<size_t>(got) / 4 : 0);
    }
    benchmark::DoNotOptimize(hits);
  }
}

void scan_with(benchmark::State& state, memview::Source& source) {
  memview::ScanOptions o;
  o.type = memview::ScanType::i32;
  for (auto _ : state) {
    auto r = memview::first_scan(source, o, {memview::ScanOp::eq, std::to_string(kNeedle), ""},
                                 nullptr, g_ranges);
    if (!r) {
      state.SkipWithError(r.error().message.c_str());
      return;
    }
    state.counters["candidates"] = static_cast<double>(r->count());
    state.counters["scanned_MiB"] = static_cast<double>(r->stats.bytes_scanned) / (1 << 20);
  }
}

void BM_memview_exact_i32(benchmark::State& state) {
  scan_with(state, *g_source);
}

void BM_memview_exact_i32_unbatched(benchmark::State& state) {
  Unbatched one_by_one(*g_source);
  scan_with(state, one_by_one);
}

void BM_memview_find_hex(benchmark::State& state) {
  auto pattern = memview::parse_hex_pattern("4a 3b 2c 1d");
  for (auto _ : state) {
    auto r = memview::find_pattern(*g_source, *pattern, 1000, nullptr, g_ranges);
    if (!r) {
      state.SkipWithError(r.error().message.c_str());
      return;
    }
    state.counters["matches"] = static_cast<double>(r->count);
  }
}

void BM_scanmem_exact_i32(benchmark::State& state) {
  for (auto _ : state) {
    memview::bench::run_scanmem(
        state, g_scanmem, g_child,
        fmt::format("option region_scan_level 3;option scan_data_type int32;= {};exit", kNeedle));
  }
}

uint64_t xorshift(uint64_t& s) {
  s ^= s << 13;
  s ^= s >> 7;
  s ^= s << 17;
  return s;
}

// The child: every region random, a guard page after each (so none merge), then waits.
bool setup() {
  if (const char* n = std::getenv("MEMVIEW_BENCH_REGIONS"))
    g_regions = std::strtoull(n, nullptr, 10);
  if (const char* k = std::getenv("MEMVIEW_BENCH_REGION_KIB"))
    g_region_bytes = std::strtoull(k, nullptr, 10) << 10;
  g_scanmem = memview::bench::find_scanmem();
  const uint64_t stride = g_region_bytes + 4096;
  void* mem = mmap(nullptr, g_regions * stride, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (mem == MAP_FAILED) return false;
  auto* base = static_cast<std::byte*>(mem);
  uint64_t s = 0x9e3779b97f4a7c15ULL;
  for (uint64_t r = 0; r < g_regions; ++r) {
    std::byte* p = base + r * stride;
    for (uint64_t i = 0; i + 8 <= g_region_bytes; i += 8) {
      const uint64_t v = xorshift(s);
      std::memcpy(p + i, &v, 8);
    }
    if (mprotect(p + g_region_bytes, 4096, PROT_NONE) != 0) return false;
  }
  int fds[2];
  if (pipe(fds) != 0) return false;
  g_child = fork();
  if (g_child == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    close(fds[0]);
    // Touch every page as the child's own (copy-on-write would otherwise share the parent's).
    for (uint64_t r = 0; r < g_regions; ++r) {
      for (uint64_t i = 0; i < g_region_bytes; i += 4096) base[r * stride + i] ^= std::byte{1};
    }
    (void)!write(fds[1], "r", 1);
    for (;;) pause();
  }
  close(fds[1]);
  char c = 0;
  const bool child_ready = read(fds[0], &c, 1) == 1;
  close(fds[0]);
  munmap(mem, g_regions * stride);
  if (!child_ready) return false;
  auto src = memview::open_source(fmt::format("pid:{}", g_child));
  if (!src) {
    std::fprintf(stderr, "error: %s\n", src.error().message.c_str());
    return false;
  }
  g_source = std::move(*src);
  const auto lo = reinterpret_cast<uint64_t>(mem);
  for (uint64_t r = 0; r < g_regions; ++r) g_ranges.push_back({lo + r * stride, g_region_bytes});
  return true;
}

void register_all() {
  auto once = [](const char* name, void (*fn)(benchmark::State&), int reps) {
    benchmark::RegisterBenchmark(name, fn)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime()
        ->Iterations(1)
        ->Repetitions(reps);
  };
  once("sweep_per_region", BM_sweep_per_region, 3);
  once("sweep_batched", BM_sweep_batched, 3);
  once("memview_exact_i32", BM_memview_exact_i32, 3);
  once("memview_exact_i32_unbatched", BM_memview_exact_i32_unbatched, 3);
  once("memview_find_hex", BM_memview_find_hex, 3);
  if (!g_scanmem.empty()) once("scanmem_exact_i32", BM_scanmem_exact_i32, 1);
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  const bool ready = setup();
  if (!ready) {
    std::fprintf(stderr, "error: cannot set up the scan target\n");
  } else {
    register_all();
    memview::bench::BestTimeReporter rep(memview::bench::BestTimeReporter::Clock::real);
    benchmark::RunSpecifiedBenchmarks(&rep);
    std::printf("NOTE target: %llu mappings of %llu KiB in process %d\n",
                static_cast<unsigned long long>(g_regions),
                static_cast<unsigned long long>(g_region_bytes >> 10), static_cast<int>(g_child));
    using memview::bench::print_ratio;
    print_ratio(rep, "small_regions_memview_vs_batched_sweep", "memview_exact_i32", "sweep_batched",
                1.3, true);
    print_ratio(rep, "small_regions_memview_vs_per_region_sweep", "memview_exact_i32",
                "sweep_per_region", 1.0, true);
    print_ratio(rep, "small_regions_batched_vs_unbatched_memview", "memview_exact_i32",
                "memview_exact_i32_unbatched", 1.0, true);
    print_ratio(rep, "small_regions_find_vs_batched_sweep", "memview_find_hex", "sweep_batched",
                1.3, true);
    print_ratio(rep, "small_regions_memview_vs_scanmem", "memview_exact_i32", "scanmem_exact_i32",
                0.125, true);
  }
  benchmark::Shutdown();
  g_source.reset();
  if (g_child > 0) {
    kill(g_child, SIGKILL);
    waitpid(g_child, nullptr, 0);
  }
  return ready ? 0 : 1;
}
