// gdb: source benchmark: against Debian's real gdbserver on 127.0.0.1 attached to a child
// process, a 4 KiB window is refreshed (read through m packets) at least 20 times a second.
// Wall-clock time: the work happens in gdbserver and on the socket.
// Then the viewer's path (a Poller over the AsyncSource that open_source_nonblocking gives
// for gdb:): what one poll of the window costs the frame, against a blocking 4 KiB read in
// the same run, and how long a change in the target takes to reach the frame.
// Prints "FIGURE ..." and "RATIO ..." lines; a miss fails the program only when
// MEMVIEW_BENCH_ENFORCE=1. Without gdbserver it says so and exits 0.
#include <benchmark/benchmark.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "bench_report.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "memview/async_source.h"
#include "memview/change_tracker.h"
#include "memview/clock.h"
#include "memview/poller.h"
#include "memview/source_spec.h"

namespace {

constexpr size_t k4K = 4096;
constexpr size_t k64K = size_t{64} * 1024;
std::vector<std::byte> g_buffer(k64K);  // the child's copy is what gdbserver reads
pid_t g_child = -1;
pid_t g_server = -1;
memview::SourcePtr g_source;
int g_port = 0;
// The viewer's path, opened once the blocking benchmarks are done (gdbserver serves one
// connection at a time and takes the next when it closes).
memview::SourcePtr g_async;
std::unique_ptr<memview::Poller> g_poller;

uint64_t window() {
  return reinterpret_cast<uint64_t>(g_buffer.data());
}

void read_bench(benchmark::State& state, size_t n) {
  std::vector<std::byte> out(n);
  for (auto _ : state) {
    memview::ReadOutcome r = g_source->read(window(), out);
    if (!r.complete()) {
      state.SkipWithError(r.message.c_str());
      break;
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * n));
}

bool open_async() {
  if (g_poller) return true;
  g_source.reset();
  memview::Result<memview::SourcePtr> src =
      memview::open_source_nonblocking(fmt::format("gdb:127.0.0.1:{}", g_port));
  if (!src) return false;
  g_async = std::move(src.value());
  g_poller = std::make_unique<memview::Poller>(*g_async);
  const int64_t deadline = memview::now_ns() + 20'000'000'000LL;
  while (memview::now_ns() < deadline) {
    g_poller->request({window(), k4K});
    (void)g_poller->poll(memview::now_ns());
    if (g_poller->tracker().known(window() + k4K - 1) &&
        !(g_poller->tracker().flags(window()) & memview::kUnreadable)) {
      return true;
    }
    usleep(1000);
  }
  return false;
}

// One frame's poll of the window through the worker's last fetch.
void async_poll_bench(benchmark::State& state) {
  if (!open_async()) {
    state.SkipWithError("the gdb: source through its worker read nothing in 20 s");
    return;
  }
  for (auto _ : state) {
    g_poller->request({window(), k4K});
    benchmark::DoNotOptimize(g_poller->poll(memview::now_ns()));
  }
}

// Median milliseconds from a write into the child (through /proc, beside gdbserver) until
// a frame polling every 0.5 ms sees it.
double change_to_frame_ms() {
  memview::Result<memview::SourcePtr> local =
      memview::open_source(fmt::format("pid:{}@0x{:x}+{}", g_child, window(), k4K));
  if (!local || !g_poller) return -1;
  std::vector<double> samples;
  for (int i = 1; i <= 20; ++i) {
    const std::byte v{static_cast<unsigned char>(0x80 + i)};
    const uint64_t at = window() + static_cast<uint64_t>(i) * 97;
    if (!(*local)->write(at, std::span<const std::byte>(&v, 1)).ok()) return -1;
    const int64_t t0 = memview::now_ns();
    while (memview::now_ns() - t0 < 5'000'000'000LL) {
      g_poller->request({window(), k4K});
      (void)g_poller->poll(memview::now_ns());
      if (g_poller->tracker().value(at) == v) break;
      usleep(500);
    }
    samples.push_back(static_cast<double>(memview::now_ns() - t0) / 1e6);
  }
  std::sort(samples.begin(), samples.end());
  return samples[samples.size() / 2];
}

// Starts gdbserver --attach 127.0.0.1:0 on the child and returns the port it chose.
int start_gdbserver() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return -1;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
  const std::string pid = std::to_string(g_child);
  const char* argv[] = {"gdbserver", "--attach", "127.0.0.1:0", pid.c_str(), nullptr};
  const int rc =
      posix_spawnp(&g_server, "gdbserver", &actions, nullptr, const_cast<char**>(argv), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    return -1;
  }
  std::string text;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    const size_t at = text.find("Listening on port ");
    if (at != std::string::npos && text.find('\n', at) != std::string::npos) {
      close(fds[0]);
      return std::atoi(text.c_str() + at + 18);
    }
    pollfd p{fds[0], POLLIN, 0};
    if (poll(&p, 1, 200) <= 0) continue;
    char buf[512];
    const ssize_t n = read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  return -1;
}

void stop_children() {
  g_poller.reset();
  g_async.reset();
  g_source.reset();
  if (g_server > 0) {
    kill(g_server, SIGKILL);
    waitpid(g_server, nullptr, 0);
  }
  if (g_child > 0) {
    kill(g_child, SIGKILL);
    waitpid(g_child, nullptr, 0);
  }
}

}  // namespace

int main(int argc, char** argv) {
  for (size_t i = 0; i < g_buffer.size(); ++i) g_buffer[i] = static_cast<std::byte>(i * 7);
  g_child = fork();
  if (g_child == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    for (;;) pause();
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  if (std::system("command -v gdbserver >/dev/null 2>&1") != 0) {
    std::printf(
        "FIGURE gdb_4k_refreshes_per_second = n/a (gdbserver is not installed; "
        "scripts/install-deps installs it)\n");
    stop_children();
    return 0;
  }
  const int port = start_gdbserver();
  g_port = port;
  if (port <= 0) {
    std::fprintf(stderr, "error: gdbserver did not start\n");
    stop_children();
    return 1;
  }
  memview::Result<memview::SourcePtr> src =
      memview::open_source(fmt::format("gdb:127.0.0.1:{}", port));
  if (!src) {
    std::fprintf(stderr, "error: %s\n", src.error().message.c_str());
    stop_children();
    return 1;
  }
  g_source = std::move(src.value());

  constexpr int kReps = 5;
  benchmark::RegisterBenchmark("gdb_read_4k", [](benchmark::State& s) { read_bench(s, k4K); })
      ->Repetitions(kReps)
      ->UseRealTime();
  benchmark::RegisterBenchmark("gdb_read_64k", [](benchmark::State& s) { read_bench(s, k64K); })
      ->Repetitions(kReps)
      ->UseRealTime();
  // Last: it closes the blocking source's connection.
  benchmark::RegisterBenchmark("gdb_async_poll_4k", async_poll_bench)
      ->Repetitions(kReps)
      ->UseRealTime();
  memview::bench::BestTimeReporter reporter(memview::bench::BestTimeReporter::Clock::real);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();

  bool ok = true;
  auto it = reporter.best.find("gdb_read_4k");
  if (it == reporter.best.end() || it->second <= 0) {
    std::printf("FIGURE gdb_4k_refreshes_per_second = n/a (not run; filtered out?)\n");
  } else {
    const double per_second = 1e9 / it->second;
    ok = per_second >= 20;
    std::printf("FIGURE gdb_4k_refreshes_per_second = %.0f (target >= 20) %s\n", per_second,
                ok ? "OK" : "MISSED");
    std::printf("RATIO gdb4k_refresh_rate_vs_20hz = %.1f (target >= 1.0) %s\n", per_second / 20,
                ok ? "OK" : "MISSED");
  }
  if (auto big = reporter.best.find("gdb_read_64k"); big != reporter.best.end() && big->second > 0)
    std::printf("FIGURE gdb_64k_refreshes_per_second = %.0f (info)\n", 1e9 / big->second);
  auto async = reporter.best.find("gdb_async_poll_4k");
  if (async != reporter.best.end() && async->second > 0 && it != reporter.best.end()) {
    // The frame's cost of a gdb: tab: a copy out of the worker's last fetch, never a wait.
    const double ratio = async->second / it->second;
    const bool fast = ratio <= 0.5;
    ok = ok && fast;
    std::printf("FIGURE gdb_async_frame_poll_4k_us = %.2f (info)\n", async->second / 1e3);
    std::printf("RATIO gdb_async_poll_vs_blocking_read_4k = %.3f (target <= 0.5) %s\n", ratio,
                fast ? "OK" : "MISSED");
    std::printf("FIGURE gdb_async_change_to_frame_ms = %.2f (median of 20, info)\n",
                change_to_frame_ms());
  } else {
    std::printf("FIGURE gdb_async_frame_poll_4k_us = n/a (not run; filtered out?)\n");
  }
  std::fflush(stdout);
  stop_children();
  const char* enforce = std::getenv("MEMVIEW_BENCH_ENFORCE");
  if (!ok && enforce && std::string(enforce) == "1") return 1;
  return 0;
}
