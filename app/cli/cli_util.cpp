// Helpers shared by memview-cli's subcommands.
#include "cli_util.h"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <ctime>
#if defined(_WIN32)
#include <fcntl.h>
#include <io.h>
#endif

#include "memview/numbers.h"
#include "memview/source_spec.h"
#include "memview/text_bytes.h"

namespace memview::cli {

namespace {
volatile std::sig_atomic_t g_stop = 0;

void on_stop_signal(int) {
  g_stop = g_stop + 1;  // counted: a second Ctrl+C may cut a wait short
}
}  // namespace

int fail(std::string_view message) {
  std::fflush(stdout);  // keep whatever was printed before the error in order
  // One line, whatever bytes a quoted name holds (a newline, invalid UTF-8).
  fmt::print(stderr, "error: {}\n", printable_text(message));
  std::fflush(stderr);
  return kExitFailure;
}

int fail(const Error& error) {
  return fail(error.message);
}

Error with_context(std::string_view verb, std::string_view spec, const Error& error) {
  if (error.message.starts_with("cannot ")) return error;
  return make_error(error.code, fmt::format("cannot {} '{}': {}", verb, spec, error.message));
}

std::string spec_help(SpecUse use) {
  return (use == SpecUse::open ? "Source: " : "Object: ") + source_spec_syntax(use);
}

std::string spec_help(std::string_view label, bool (*accept)(std::string_view scheme)) {
  const std::string kinds = source_spec_syntax(accept);
  return fmt::format("{} {}", label, kinds.empty() ? "none on this platform" : kinds);
}

Result<SourcePtr> open_spec(std::string_view spec, bool read_only) {
  OpenOptions options;
  options.read_only = read_only;
  Result<SourcePtr> source = open_source(spec, options);
  if (!source) return with_context("open", spec, source.error());
  return source;
}

Status check_inside(const SourceInfo& info, uint64_t address, uint64_t length,
                    std::string_view what) {
  const uint64_t lo = info.base;
  const uint64_t hi = info.base + info.size;
  if (address < lo || address > hi || length > hi - address) {
    return make_error(Errc::out_of_range,
                      fmt::format("{} 0x{:x}..0x{:x} ({} byte(s) at offset {}) is outside the "
                                  "object '{}' (0x{:x}..0x{:x}, {} bytes)",
                                  what, address, address + length, length, address, info.spec, lo,
                                  hi, info.size));
  }
  return {};
}

Result<Window> resolve_window(const SourceInfo& info, const std::optional<std::string>& offset,
                              const std::optional<std::string>& length) {
  Window w;
  w.offset = info.base;
  if (offset) {
    Result<uint64_t> v = parse_u64(*offset, "offset");
    if (!v) return v.error();
    w.offset = v.value();
  }
  const uint64_t end = info.base + info.size;
  if (w.offset < info.base || w.offset > end) {
    return make_error(Errc::out_of_range,
                      fmt::format("offset {} (0x{:x}) is outside the object '{}' "
                                  "(0x{:x}..0x{:x}, {} bytes)",
                                  w.offset, w.offset, info.spec, info.base, end, info.size));
  }
  if (length) {
    Result<uint64_t> v = parse_u64(*length, "length");
    if (!v) return v.error();
    w.length = v.value();
    if (w.length > end - w.offset) {
      return make_error(
          Errc::out_of_range,
          fmt::format("length {} at offset {} (0x{:x}) runs past the end of the "
                      "object '{}' ({} bytes; {} available)",
                      w.length, w.offset, w.offset, info.spec, info.size, end - w.offset));
    }
  } else {
    w.length = end - w.offset;
  }
  return w;
}

void install_stop_signals() {
#if defined(_WIN32)
  // Windows has no sigaction; the CRT runs this handler for Ctrl+C/Ctrl+Break.
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
#else
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: a sleeping loop wakes up at once
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
#endif
}

bool stop_requested() {
  return g_stop != 0;
}

int stop_signal_count() {
  return static_cast<int>(g_stop);
}

void sleep_ms(uint64_t ms) {
  // Sleep in short slices: a signal that lands between the check and nanosleep would
  // otherwise be noticed only after the full interval.
  constexpr uint64_t kSliceMs = 20;
  while (ms > 0 && !stop_requested()) {
    const uint64_t slice = ms < kSliceMs ? ms : kSliceMs;
    timespec ts{static_cast<time_t>(slice / 1000), static_cast<long>((slice % 1000) * 1000000)};
    nanosleep(&ts, nullptr);
    ms -= slice;
  }
}

bool write_stdout(std::string_view data) {
#if defined(_WIN32)
  // Raw bytes must reach stdout unchanged: no "\n" -> "\r\n" text-mode translation.
  static const bool binary_stdout = [] {
    std::fflush(stdout);
    return _setmode(_fileno(stdout), _O_BINARY) != -1;
  }();
  (void)binary_stdout;
#endif
  if (data.empty()) return true;
  return std::fwrite(data.data(), 1, data.size(), stdout) == data.size();
}

}  // namespace memview::cli
