// Recording costs, as ratios against baselines measured in the same run (issue 13):
//   record_4k        one sample of a 4 KiB shm range with recording on (64 bytes change per
//                    sample): >= 50,000 samples/s, i.e. <= 20 us a sample
//   record_64k       the same for 64 KiB: >= 0.5 x the rate of memcpy+compare of 64 KiB
//   record_pid_4k    4 KiB of this process through pid:: >= 0.8 x a bare process_vm_readv loop;
//                    also against the floor of any sampler, process_vm_readv_diff_4k (the
//                    same read plus the compare with the previous sample and the copy of the
//                    64 changed bytes, no recording), to show what part of the gap is the
//                    diff every sampler must do and what part is the recording
//   state_at         state at a random time in a recording of a 64 KiB range: <= 1 ms. The
//                    issue asks for a 1 GB recording (MEMVIEW_BENCH_RECORDING_MB=1024: about
//                    17 s to write on a busy 2-core machine); by default 256 MiB, the
//                    largest written in a few seconds in CI. state_at reads one block
//                    whatever the size, so the figure barely moves with it.
// and, once after the benchmarks: jitter at 10 kHz (99th percentile gap <= 2 periods on an
// idle core; this machine is shared, so informational) and storage of 64 changed bytes per
// sample at 1 kHz for 60 s (uncompressed <= 1.5 x (changed bytes + 12 bytes a run); the zstd
// ratio is reported). Prints one "RATIO ..." line per target; not enforced in CI.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench_report.h"
#include "byte_compare.h"
#include "memview/clock.h"
#include "memview/recorder.h"
#include "memview/recording.h"
#include "memview/source_spec.h"
#include "recording/sampler.h"

namespace {

using memview::ByteRange;
using memview::recording::Sampler;

constexpr size_t k4K = 4096;
constexpr size_t k64K = 65536;

std::string temp_file(const std::string& stem) {
  return (std::filesystem::temp_directory_path() /
          ("memview-bench-" + stem + "-" + std::to_string(getpid()) + ".mvrec"))
      .string();
}

// A shm object: the sampler opens it by name, the benchmark writes through its own mapping.
struct Shm {
  std::string name;
  std::byte* peer = nullptr;
  size_t size = 0;
  static std::unique_ptr<Shm> create(const std::string& stem, size_t size) {
    auto o = std::make_unique<Shm>();
    o->name = "/memview-bench-rec-" + stem + "-" + std::to_string(getpid());
    o->size = size;
    const int fd = shm_open(o->name.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd < 0 || ftruncate(fd, static_cast<off_t>(size)) != 0) return nullptr;
    void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (p == MAP_FAILED) return nullptr;
    o->peer = static_cast<std::byte*>(p);
    for (size_t i = 0; i < size; ++i) o->peer[i] = static_cast<std::byte>((i * 131 + 7) & 0xff);
    return o;
  }
  ~Shm() {
    if (peer) munmap(peer, size);
    shm_unlink(name.c_str());
  }
  Shm() = default;
  Shm(const Shm&) = delete;
  Shm& operator=(const Shm&) = delete;
};

memview::RecordingHeader header_for(const std::string& spec, ByteRange range) {
  memview::RecordingHeader h;
  h.spec = spec;
  h.ranges = {range};
  return h;
}

// Sampling with recording on: the sampler's fused read+diff and the writer, 64 changed bytes
// a sample (written through the peer mapping before each sample).
void record_sample(benchmark::State& state, const std::string& spec, ByteRange range,
                   std::byte* change_at) {
  memview::Result<memview::SourcePtr> src = memview::open_source(spec, {.read_only = true});
  if (!src) {
    state.SkipWithError(src.error().message.c_str());
    return;
  }
  Sampler sampler(**src, {range}, Sampler::Mode::plain, std::nullopt, 0);
  const std::string path = temp_file("sample");
  auto writer = memview::RecordingWriter::create(path, header_for(spec, range), {});
  if (!writer || sampler.take() != Sampler::Outcome::sampled) {
    state.SkipWithError("cannot start");
    return;
  }
  (void)(*writer)->start(0, sampler.state());
  int64_t t = 0;
  uint64_t counter = 0;
  for (auto _ : state) {
    ++counter;
    for (size_t i = 0; i < 64; i += 8) std::memcpy(change_at + i, &counter, 8);
    if (sampler.take() != Sampler::Outcome::sampled) {
      state.SkipWithError("unreadable");
      break;
    }
    (void)(*writer)->add_sample(++t, sampler.runs());
  }
  (void)(*writer)->finish();
  std::filesystem::remove(path);
}

std::unique_ptr<Shm> g_4k, g_64k;
std::vector<std::byte> g_heap(k4K);

void BM_record_4k(benchmark::State& s) {
  record_sample(s, "shm:" + g_4k->name.substr(1), {0, k4K}, g_4k->peer + 1024);
}
void BM_record_64k(benchmark::State& s) {
  record_sample(s, "shm:" + g_64k->name.substr(1), {0, k64K}, g_64k->peer + 30000);
}
void BM_memcpy_compare_64k(benchmark::State& s) {
  std::vector<std::byte> a(k64K);
  std::vector<std::byte> b(k64K);
  for (auto _ : s) {
    std::memcpy(a.data(), g_64k->peer, k64K);
    benchmark::DoNotOptimize(std::memcmp(a.data(), b.data(), k64K));
    benchmark::ClobberMemory();
  }
}
void BM_record_pid_4k(benchmark::State& s) {
  const auto address = reinterpret_cast<uint64_t>(g_heap.data());
  record_sample(s, "pid:" + std::to_string(getpid()), {address, k4K}, g_heap.data() + 1024);
}
void BM_process_vm_readv_4k(benchmark::State& s) {
  std::vector<std::byte> out(k4K);
  const pid_t pid = getpid();
  for (auto _ : s) {
    iovec local{out.data(), k4K};
    iovec remote{g_heap.data(), k4K};
    benchmark::DoNotOptimize(process_vm_readv(pid, &local, 1, &remote, 1, 0));
    benchmark::ClobberMemory();
  }
}

// The floor: what any sampler of a changing 4 KiB range must do per sample, without the
// recording (the peer changes 64 bytes per sample, as in record_pid_4k).
void BM_process_vm_readv_diff_4k(benchmark::State& s) {
  std::vector<std::byte> scratch(k4K);
  std::vector<std::byte> previous(g_heap.begin(), g_heap.end());
  const pid_t pid = getpid();
  uint64_t counter = 0;
  size_t changed = 0;
  for (auto _ : s) {
    ++counter;
    for (size_t i = 0; i < 64; i += 8) std::memcpy(g_heap.data() + 1024 + i, &counter, 8);
    iovec local{scratch.data(), k4K};
    iovec remote{g_heap.data(), k4K};
    benchmark::DoNotOptimize(process_vm_readv(pid, &local, 1, &remote, 1, 0));
    size_t i = 0;
    while (i < k4K) {
      i += memview::detail::equal_prefix(scratch.data() + i, previous.data() + i, k4K - i);
      if (i >= k4K) break;
      size_t j = i + 1;
      while (j < k4K && scratch[j] != previous[j]) ++j;
      std::memcpy(previous.data() + i, scratch.data() + i, j - i);
      changed += j - i;
      i = j;
    }
    benchmark::ClobberMemory();
  }
  benchmark::DoNotOptimize(changed);
}

std::string g_big_path;
int64_t g_big_last = 0;

// A recording of a 64 KiB range with 4 KiB of random bytes changing per sample.
bool write_big_recording(uint64_t megabytes) {
  g_big_path = temp_file("big");
  const ByteRange range{0, k64K};
  auto writer = memview::RecordingWriter::create(g_big_path, header_for("shm:/big", range), {});
  if (!writer) return false;
  std::mt19937_64 rng(1);
  std::vector<std::vector<std::byte>> state = {std::vector<std::byte>(k64K)};
  (void)(*writer)->start(0, state);
  std::vector<uint64_t> chunk(k4K / 8);
  int64_t t = 0;
  while ((*writer)->file_bytes() < (megabytes << 20)) {
    for (uint64_t& v : chunk) v = rng();
    const size_t off = (rng() % (k64K / k4K)) * k4K;
    std::memcpy(state[0].data() + off, chunk.data(), k4K);
    const memview::RecordedRun run{0, off, std::span<const std::byte>(state[0].data() + off, k4K)};
    t += 1'000'000;
    (void)(*writer)->add_sample(t, std::span<const memview::RecordedRun>(&run, 1));
  }
  g_big_last = t;
  return (*writer)->finish().ok();
}

void BM_state_at(benchmark::State& s) {
  memview::Result<memview::Recording> rec = memview::Recording::open(g_big_path);
  if (!rec) {
    s.SkipWithError(rec.error().message.c_str());
    return;
  }
  std::mt19937_64 rng(2);
  for (auto _ : s) {
    const auto t = static_cast<int64_t>(rng() % static_cast<uint64_t>(g_big_last));
    benchmark::DoNotOptimize(rec->state_at(t));
  }
}

// 10 kHz for half a second: the sampler's own 99th percentile gap, in periods.
double jitter_p99_periods() {
  auto shm = Shm::create("jitter", k4K);
  if (!shm) return -1;
  memview::RecorderOptions o;
  o.spec = "shm:" + shm->name.substr(1);
  o.ranges = {{0, 64}};
  o.rate_hz = 10000;
  o.duration_ns = 500'000'000;
  o.out_path = temp_file("jitter");
  const std::string path = o.out_path;
  auto rec = memview::Recorder::start(std::move(o));
  if (!rec) {
    std::fprintf(stderr, "jitter: %s\n", rec.error().message.c_str());
    return -1;
  }
  (*rec)->wait_for(10'000);
  const memview::RecorderStats stats = (*rec)->stats();
  std::printf("jitter run: %llu samples, %llu late, worst gap %.3f ms, p99 gap %.3f ms\n",
              static_cast<unsigned long long>(stats.samples),
              static_cast<unsigned long long>(stats.late_samples),
              static_cast<double>(stats.worst_gap_ns) / 1e6,
              static_cast<double>(stats.gap_p99_ns) / 1e6);
  if (std::optional<memview::Error> e = (*rec)->error()) {
    std::fprintf(stderr, "jitter: %s\n", e->message.c_str());
    return -1;
  }
  rec->reset();
  std::filesystem::remove(path);
  return static_cast<double>(stats.gap_p99_ns) / 100'000.0;
}

struct Storage {
  double raw_ratio = 0;   // uncompressed / (changed bytes + 12 a run)
  double zstd_ratio = 0;  // uncompressed / stored
};

// 64 changed bytes (eight 64-bit counters) per sample at 1 kHz for 60 s, written directly.
Storage storage_60s() {
  const std::string path = temp_file("storage");
  auto writer = memview::RecordingWriter::create(path, header_for("shm:/s", {0, k4K}), {});
  Storage out;
  if (!writer) return out;
  std::vector<std::vector<std::byte>> state = {std::vector<std::byte>(k4K)};
  (void)(*writer)->start(0, state);
  for (int64_t i = 1; i <= 60'000; ++i) {
    for (uint64_t k = 0; k < 8; ++k) {
      const uint64_t v = static_cast<uint64_t>(i) * (k + 1);
      std::memcpy(state[0].data() + 256 + k * 8, &v, 8);
    }
    const memview::RecordedRun run{0, 256, std::span<const std::byte>(state[0].data() + 256, 64)};
    (void)(*writer)->add_sample(i * 1'000'000, std::span<const memview::RecordedRun>(&run, 1));
  }
  (void)(*writer)->finish();
  const double payload = 60'000.0 * (64 + 12);
  // The keyframes (one 4 KiB state a block) are part of the cost.
  out.raw_ratio = static_cast<double>((*writer)->raw_bytes()) / payload;
  out.zstd_ratio =
      static_cast<double>((*writer)->raw_bytes()) / static_cast<double>((*writer)->stored_bytes());
  std::filesystem::remove(path);
  return out;
}

void ratio_line(const char* name, double v, bool higher_is_better, double target,
                const char* text) {
  const bool ok = higher_is_better ? v >= target : v <= target;
  std::printf("RATIO %s = %.2f (info, target %s) %s\n", name, v, text, ok ? "OK" : "MISSED");
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  g_4k = Shm::create("4k", k4K);
  g_64k = Shm::create("64k", k64K);
  if (!g_4k || !g_64k) return 1;
  for (size_t i = 0; i < k4K; ++i) g_heap[i] = static_cast<std::byte>(i * 13);
  const char* mb = std::getenv("MEMVIEW_BENCH_RECORDING_MB");
  const int64_t written_from = memview::now_ns();
  if (!write_big_recording(mb ? std::strtoull(mb, nullptr, 10) : 256)) return 1;
  std::printf("state_at recording: %.0f MiB, %.0f s of samples, written in %.2f s\n",
              static_cast<double>(std::filesystem::file_size(g_big_path)) / 1048576.0,
              static_cast<double>(g_big_last) / 1e9,
              static_cast<double>(memview::now_ns() - written_from) / 1e9);

  constexpr int kReps = 3;
  benchmark::RegisterBenchmark("record_4k", BM_record_4k)->Repetitions(kReps);
  benchmark::RegisterBenchmark("record_64k", BM_record_64k)->Repetitions(kReps);
  benchmark::RegisterBenchmark("memcpy_compare_64k", BM_memcpy_compare_64k)->Repetitions(kReps);
  benchmark::RegisterBenchmark("record_pid_4k", BM_record_pid_4k)->Repetitions(kReps);
  benchmark::RegisterBenchmark("process_vm_readv_4k", BM_process_vm_readv_4k)->Repetitions(kReps);
  benchmark::RegisterBenchmark("process_vm_readv_diff_4k", BM_process_vm_readv_diff_4k)
      ->Repetitions(kReps);
  benchmark::RegisterBenchmark("state_at", BM_state_at)->Repetitions(kReps);
  // CPU time: on a shared machine the wall clock mostly measures the neighbours.
  memview::bench::BestTimeReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();

  auto best = [&](const char* n) {
    auto it = reporter.best.find(n);
    return it == reporter.best.end() ? -1.0 : it->second;  // ns
  };
  if (best("record_4k") > 0) {
    ratio_line("record4k_samples_per_s_vs_50000", 1e9 / best("record_4k") / 50000, true, 1.0,
               ">= 1.00");
  }
  if (best("record_64k") > 0 && best("memcpy_compare_64k") > 0) {
    ratio_line("record64k_vs_memcpy_compare", best("memcpy_compare_64k") / best("record_64k"), true,
               0.5, ">= 0.50");
  }
  if (best("record_pid_4k") > 0 && best("process_vm_readv_4k") > 0) {
    ratio_line("record_pid4k_vs_process_vm_readv",
               best("process_vm_readv_4k") / best("record_pid_4k"), true, 0.8, ">= 0.80");
  }
  if (best("record_pid_4k") > 0 && best("process_vm_readv_diff_4k") > 0) {
    std::printf("RATIO record_pid4k_vs_readv_diff_floor = %.2f (info: the recording's share)\n",
                best("process_vm_readv_diff_4k") / best("record_pid_4k"));
    std::printf(
        "RATIO readv_diff_floor_vs_process_vm_readv = %.2f (info: the best any sampler "
        "that diffs could reach against the 0.80 target)\n",
        best("process_vm_readv_4k") / best("process_vm_readv_diff_4k"));
  }
  if (best("state_at") > 0) {
    ratio_line("state_at_ms", best("state_at") / 1e6, false, 1.0, "<= 1.00 ms");
  }
  ratio_line("jitter_10khz_p99_gap_periods", jitter_p99_periods(), false, 2.0, "<= 2.00");
  const Storage st = storage_60s();
  ratio_line("storage_raw_vs_changed_plus_12", st.raw_ratio, false, 1.5, "<= 1.50");
  std::printf("RATIO storage_zstd_ratio = %.1f (info)\n", st.zstd_ratio);
  std::fflush(stdout);
  std::filesystem::remove(g_big_path);
  g_4k.reset();
  g_64k.reset();
  return 0;
}
