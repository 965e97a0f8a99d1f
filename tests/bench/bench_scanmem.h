// Debian's scanmem as the peer of the scan benchmarks (bench_scan, bench_scan_regions):
// where it is installed (scripts/install-deps), and one run of it on a target process.
#pragma once

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

namespace memview::bench {

// The scanmem binary, empty when it is not installed.
inline std::string find_scanmem() {
  for (const char* p : {"/usr/bin/scanmem", "/usr/local/bin/scanmem"}) {
    if (access(p, X_OK) == 0) return p;
  }
  return {};
}

// Runs `scanmem -p PID -c COMMANDS` with its output discarded; returns its peak RSS in
// bytes. A scanmem that fails marks the benchmark with how it ended (exit status, signal).
inline double run_scanmem(benchmark::State& state, const std::string& scanmem, pid_t target,
                          const std::string& commands) {
  const pid_t p = fork();
  if (p == 0) {
    const int devnull = open("/dev/null", O_RDWR);
    dup2(devnull, 0);
    dup2(devnull, 1);
    dup2(devnull, 2);
    const std::string pid = std::to_string(target);
    execl(scanmem.c_str(), "scanmem", "-p", pid.c_str(), "-c", commands.c_str(), nullptr);
    _exit(127);
  }
  int status = 0;
  rusage ru{};
  wait4(p, &status, 0, &ru);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    const std::string why = WIFEXITED(status)
                                ? fmt::format("scanmem exited with {}", WEXITSTATUS(status))
                                : fmt::format("scanmem ended by signal {}", WTERMSIG(status));
    state.SkipWithError(why.c_str());
  }
  return static_cast<double>(ru.ru_maxrss) * 1024.0;
}

}  // namespace memview::bench
