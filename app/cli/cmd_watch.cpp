// memview-cli watch SPEC [--offset N] [--length N] [--interval-ms N] [--count N]: polls a
// window and prints every change (offset, old bytes, new bytes) and every resize/removal.
// Ends after --count polls, on SIGINT/SIGTERM, or once the object is removed (exit 0).
// Memory: about one byte per watched byte (memview/window_watcher.h); a whole process
// (pid:PID without a range) needs --offset/--length or a ranged spec.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli_util.h"
#include "command.h"
#include "memview/clock.h"
#include "memview/numbers.h"
#include "memview/poller.h"
#include "memview/source.h"
#include "memview/text_bytes.h"
#include "memview/window_watcher.h"

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

// Prints change runs as lines, joining runs that continue each other (the watcher splits
// them at its 64 KiB blocks) up to kMaxRun bytes a line, and writes out as it goes: a
// writer that changes the whole window every poll costs bounded memory, not a copy of it.
class ChangePrinter {
 public:
  static constexpr size_t kMaxRun = size_t{1} << 20;
  static constexpr size_t kFlushBytes = size_t{256} << 10;

  explicit ChangePrinter(std::string& out) : out_(out) {}

  void add(const WindowWatcher::Change& c, double since) {
    if (!old_.empty() && (address_ + old_.size() != c.address || old_.size() >= kMaxRun)) {
      line(since);
    }
    if (old_.empty()) address_ = c.address;
    old_.insert(old_.end(), c.old_bytes.begin(), c.old_bytes.end());
    new_.insert(new_.end(), c.new_bytes.begin(), c.new_bytes.end());
  }
  void finish(double since) {
    if (!old_.empty()) line(since);
  }
  bool ok() const { return ok_; }
  // Writes what has collected when it is large.
  void drain(bool all) {
    if (!ok_ || (!all && out_.size() < kFlushBytes)) return;
    ok_ = write_stdout(out_);
    out_.clear();
  }

 private:
  void line(double since) {
    out_ += fmt::format("+{:.3f}s change 0x{:08x} {} byte(s): {} -> {}\n", since, address_,
                        new_.size(), format_hex_bytes(old_.data(), old_.size()),
                        format_hex_bytes(new_.data(), new_.size()));
    old_.clear();
    new_.clear();
    drain(false);
  }

  std::string& out_;
  uint64_t address_ = 0;
  std::vector<std::byte> old_;
  std::vector<std::byte> new_;
  bool ok_ = true;
};

// "pid:PID" without a range is a whole address space (terabytes, mostly unmapped): watch
// refuses it without --length and says how to name a range.
std::optional<std::string> whole_process_hint(const SourceInfo& info) {
  if (info.kind != "pid" || info.base != 0) return std::nullopt;
  const std::string pid = info.spec.substr(info.spec.find(':') + 1);
  return fmt::format(
      "'{}' is a whole address space ({} bytes, mostly unmapped): watch one range of it: "
      "pid:{}@ADDR+LEN, pid:{}:[heap] (or [stack], a path), or --offset and --length "
      "(`memview-cli regions pid:{}` lists the mappings)",
      printable_text(info.spec), info.size, pid, pid, pid);
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
  if (!opts.length) {
    if (std::optional<std::string> hint = whole_process_hint(source.info())) return fail(*hint);
  }
  Result<Window> window = resolve_window(source.info(), opts.offset, opts.length);
  if (!window) return fail(window.error());
  // Without --length the window follows the object as it grows or shrinks.
  const bool follow_size = !opts.length.has_value();
  WindowWatcher watcher;
  if (window->length > watcher.max_bytes()) {
    return failf(
        "a window of {} bytes is more than one watch holds ({} bytes; it keeps about "
        "one byte of memory per byte watched): give --offset and --length",
        window->length, watcher.max_bytes());
  }

  install_stop_signals();
  const int64_t start_ns = now_ns();
  std::string out = fmt::format("watching {}: 0x{:x}..0x{:x} ({} bytes) every {} ms\n",
                                printable_text(source.info().spec), window->offset,
                                window->offset + window->length, window->length, interval.value());
  if (!write_stdout(out) || std::fflush(stdout) != 0) return kExitFailure;

  std::vector<ByteRange> last_unreadable;
  uint64_t polls = 0;
  bool removed = false;
  bool said_capped = false;
  ChangePrinter printer(out);
  while (!stop_requested()) {
    out.clear();
    const std::vector<SourceEvent> events = source.refresh();
    const int64_t t = now_ns();
    const double since = static_cast<double>(t - start_ns) / 1e9;
    for (const SourceEvent& e : events) {
      out += fmt::format("+{:.3f}s {}\n", since, printable_text(describe_event(e)));
      if (e.kind != SourceEvent::Kind::resized) removed = true;
    }
    ByteRange range{window->offset, window->length};
    const SourceInfo& info = source.info();
    const uint64_t end = info.base + info.size;
    if (follow_size) {
      range.length = end > window->offset ? end - window->offset : 0;
      if (range.length > watcher.max_bytes()) {
        range.length = watcher.max_bytes();
        if (!said_capped) {
          out += fmt::format(
              "+{:.3f}s the object grew past what one watch holds: watching its "
              "first {} bytes from 0x{:x}\n",
              since, range.length, range.address);
          said_capped = true;
        }
      }
    }
    Result<WindowWatcher::PollResult> result =
        watcher.poll(source, range, [&](const WindowWatcher::Change& c) { printer.add(c, since); });
    if (!result) {
      printer.drain(true);
      return fail(result.error());
    }
    printer.finish(since);
    // A fixed window that now lies past the end of the object: that part is unreadable.
    std::vector<ByteRange> unreadable = std::move(result->unreadable);
    if (!follow_size) {
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
    printer.drain(true);
    if (!printer.ok() || std::fflush(stdout) != 0) return kExitFailure;

    ++polls;
    if (removed) break;
    if (count.value() != 0 && polls >= count.value()) break;
    sleep_ms(interval.value());
  }
  return 0;
}

void setup_watch(CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<WatchOptions>();
  CLI::App* sub = app.add_subcommand(
      "watch", "Poll a window and print every change, resize and removal until stopped");
  sub->add_option("SPEC", opts->spec, spec_help())->required();
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
