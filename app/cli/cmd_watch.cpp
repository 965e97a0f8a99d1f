// memview-cli watch SPEC [--offset N] [--length N] [--interval-ms N] [--count N]: polls a
// window and prints every change (offset, old bytes, new bytes) and every resize/removal.
// Ends after --count polls, on SIGINT/SIGTERM, or once the object is removed (exit 0).
#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli_util.h"
#include "command.h"
#include "memview/change_tracker.h"
#include "memview/clock.h"
#include "memview/numbers.h"
#include "memview/poller.h"
#include "memview/source.h"
#include "memview/text_bytes.h"

namespace memview::cli {
namespace {

struct WatchOptions {
  std::string spec;
  std::optional<std::string> offset;
  std::optional<std::string> length;
  std::string interval_ms = "100";
  std::string count = "0";
};

std::string describe_event(const SourceEvent& e) {
  switch (e.kind) {
    case SourceEvent::Kind::resized:
      return fmt::format("resized {} -> {} bytes", e.old_size, e.new_size);
    default:
      return fmt::format("{}{}", event_kind_name(e.kind),
                         e.message.empty() ? "" : ": " + e.message);
  }
}

std::string describe_ranges(const std::vector<ByteRange>& ranges) {
  std::string out;
  for (const ByteRange& r : ranges) {
    if (!out.empty()) out += ", ";
    out += fmt::format("0x{:x}..0x{:x}", r.address, r.end());
  }
  return out;
}

int run_watch(const WatchOptions& opts) {
  Result<uint64_t> interval = parse_u64(opts.interval_ms, "interval");
  if (!interval) return fail(interval.error());
  if (interval.value() > 24ull * 3600 * 1000) return fail("interval must be at most one day");
  Result<uint64_t> count = parse_u64(opts.count, "count");
  if (!count) return fail(count.error());

  // Watching only reads: open read-only so objects we may not write can be watched too.
  Result<SourcePtr> opened = open_spec(opts.spec, /*read_only=*/true);
  if (!opened) return fail(opened.error());
  Source& source = *opened.value();
  Result<Window> window = resolve_window(source.info(), opts.offset, opts.length);
  if (!window) return fail(window.error());
  // Without --length the window follows the object as it grows or shrinks.
  const bool follow_size = !opts.length.has_value();

  install_stop_signals();
  Poller poller(source);
  poller.tracker().set_record_changes(true);

  const int64_t start_ns = now_ns();
  std::string out = fmt::format("watching {}: 0x{:x}..0x{:x} ({} bytes) every {} ms\n",
                                printable_text(source.info().spec), window->offset,
                                window->offset + window->length, window->length, interval.value());
  if (!write_stdout(out) || std::fflush(stdout) != 0) return kExitFailure;

  std::vector<ByteRange> last_unreadable;
  uint64_t polls = 0;
  bool removed = false;
  while (!stop_requested()) {
    ByteRange range{window->offset, window->length};
    if (follow_size) {
      const SourceInfo& info = source.info();
      const uint64_t end = info.base + info.size;
      range.length = end > window->offset ? end - window->offset : 0;
    }
    poller.request(range);
    const int64_t t = now_ns();
    Poller::Result result = poller.poll(t);
    const double since = static_cast<double>(t - start_ns) / 1e9;

    out.clear();
    for (const SourceEvent& e : result.events) {
      out += fmt::format("+{:.3f}s {}\n", since, describe_event(e));
      if (e.kind != SourceEvent::Kind::resized) removed = true;
    }
    for (const ChangeRun& run : poller.tracker().take_changes()) {
      out += fmt::format("+{:.3f}s change 0x{:08x} {} byte(s): {} -> {}\n", since, run.address,
                         run.new_bytes.size(),
                         format_hex_bytes(run.old_bytes.data(), run.old_bytes.size()),
                         format_hex_bytes(run.new_bytes.data(), run.new_bytes.size()));
    }
    // The poller clamps requests to the object, so a fixed window that now lies past the
    // end is not in result.unreadable; report that part too.
    std::vector<ByteRange> unreadable = std::move(result.unreadable);
    if (!follow_size) {
      const SourceInfo& info = source.info();
      const uint64_t end = info.base + info.size;
      const uint64_t from = std::max(end, window->offset);
      if (from < window->offset + window->length) {
        unreadable.push_back({from, window->offset + window->length - from});
      }
      unreadable = merge_ranges(unreadable, 0, UINT64_MAX);
    }
    if (unreadable != last_unreadable) {
      if (!unreadable.empty()) {
        out += fmt::format("+{:.3f}s unreadable {}\n", since, describe_ranges(unreadable));
      } else if (!last_unreadable.empty()) {
        out += fmt::format("+{:.3f}s readable again\n", since);
      }
      last_unreadable = std::move(unreadable);
    }
    if (!write_stdout(out) || std::fflush(stdout) != 0) return kExitFailure;

    ++polls;
    if (removed || poller.removed()) break;
    if (count.value() != 0 && polls >= count.value()) break;
    sleep_ms(interval.value());
  }
  return 0;
}

void setup_watch(CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<WatchOptions>();
  CLI::App* sub = app.add_subcommand(
      "watch", "Poll a window and print every change, resize and removal until stopped");
  sub->add_option("SPEC", opts->spec, "Source: NAME, shm:NAME, file:PATH, sysv:ID, sysvkey:KEY")
      ->required();
  sub->add_option("--offset", opts->offset, "First byte of the window (default 0)")->type_name("N");
  sub->add_option("--length", opts->length,
                  "Bytes in the window (default: to the end, following resizes)")
      ->type_name("N");
  sub->add_option("--interval-ms", opts->interval_ms, "Time between polls (default 100)")
      ->type_name("MS");
  sub->add_option("--count", opts->count,
                  "Stop after N polls (default 0: until stopped or removed)")
      ->type_name("N");
  sub->callback([opts, &exit_code] { exit_code = run_watch(*opts); });
}

}  // namespace
}  // namespace memview::cli

MEMVIEW_CLI_COMMAND(memview::cli::setup_watch)
