// Running scan jobs for the CLI, and their summary line.
#include "scan_common.h"

#include <fmt/format.h>

#include "cli_util.h"
#include "memview/text_bytes.h"

namespace memview::cli {

Status wait_scan_worker(Worker& worker) {
  install_stop_signals();
  while (!worker.wait_for(50)) {
    if (stop_requested()) worker.cancel();
  }
  if (worker.state() == WorkerState::failed) {
    if (std::optional<Error> e = worker.error()) return *e;
    return make_error(Errc::io, "the scan failed");
  }
  return {};
}

namespace {

std::string human_bytes(double n) {
  if (n >= double(uint64_t{1} << 30))
    return fmt::format("{:.1f} GiB", n / double(uint64_t{1} << 30));
  if (n >= double(uint64_t{1} << 20))
    return fmt::format("{:.1f} MiB", n / double(uint64_t{1} << 20));
  if (n >= 1024.0) return fmt::format("{:.1f} KiB", n / 1024.0);
  return fmt::format("{} bytes", static_cast<uint64_t>(n));
}

}  // namespace

std::string scan_summary(uint64_t count, const ScanStats& stats, std::string_view noun) {
  const double seconds = static_cast<double>(stats.elapsed_ns) / 1e9;
  const double rate = seconds > 0 ? static_cast<double>(stats.bytes_scanned) / seconds : 0;
  std::string s = fmt::format("{} {}, {} scanned in {:.3f} s ({}/s)", count, noun,
                              human_bytes(static_cast<double>(stats.bytes_scanned)), seconds,
                              human_bytes(rate));
  if (stats.bytes_unreadable != 0) {
    s += fmt::format("; {} unreadable ({})",
                     human_bytes(static_cast<double>(stats.bytes_unreadable)),
                     printable_text(stats.unreadable_message));
  }
  if (stats.bytes_spilled != 0) {
    s += fmt::format("; over the memory cap: {} of candidates went to a temporary file",
                     human_bytes(static_cast<double>(stats.bytes_spilled)));
  }
  if (stats.cancelled) s += "; cancelled: the candidates found so far";
  return s;
}

}  // namespace memview::cli
