// memview-cli dump SPEC [--offset N] [--length N] [--format hex|raw]: the bytes of a
// window, as `hexdump -C` would show them or raw on stdout.
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli_util.h"
#include "command.h"
#include "hexdump_format.h"
#include "memview/source.h"

namespace memview::cli {
namespace {

struct DumpOptions {
  std::string spec;
  std::optional<std::string> offset;
  std::optional<std::string> length;
  std::string format = "hex";
};

int output_failed() {
  // A reader that went away (`| head`) is not worth an error line.
  if (errno == EPIPE) return kExitFailure;
  return failf("cannot write to stdout: {}", std::strerror(errno));
}

int run_dump(const DumpOptions& opts) {
  const bool hex = opts.format == "hex";
  Result<SourcePtr> opened = open_spec(opts.spec, /*read_only=*/true);
  if (!opened) return fail(opened.error());
  Source& source = *opened.value();
  Result<Window> window = resolve_window(source.info(), opts.offset, opts.length);
  if (!window) return fail(window.error());

  // `hexdump -C -n 0` prints nothing at all, while `hexdump -C -s END` prints the final
  // offset line; mirror both so the output stays byte-identical.
  if (opts.length && window->length == 0) return 0;

  // Streams in chunks: the cost is the window, not the object, and memory stays bounded.
  constexpr size_t kChunk = size_t{64} * 1024;
  std::vector<std::byte> buffer(static_cast<size_t>(std::min<uint64_t>(kChunk, window->length)));
  HexdumpFormatter formatter(window->offset);
  std::string text;
  uint64_t done = 0;
  while (done < window->length) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(kChunk, window->length - done));
    const uint64_t address = window->offset + done;
    ReadOutcome outcome = source.read(address, std::span<std::byte>(buffer.data(), n));
    if (!outcome.complete()) {
      const ByteRange& bad = outcome.unreadable.front();
      // Print the readable bytes before the hole, then say where reading stopped.
      const size_t good = static_cast<size_t>(bad.address - address);
      if (hex) {
        text.clear();
        formatter.feed(std::span<const std::byte>(buffer.data(), good), text);
        if (!write_stdout(text)) return output_failed();
      } else if (!write_stdout(
                     std::string_view(reinterpret_cast<const char*>(buffer.data()), good))) {
        return output_failed();
      }
      return failf("cannot read '{}' at offset {} (0x{:x}): {}", source.info().spec, bad.address,
                   bad.address, outcome.message.empty() ? "unreadable" : outcome.message);
    }
    if (hex) {
      text.clear();
      formatter.feed(std::span<const std::byte>(buffer.data(), n), text);
      if (!write_stdout(text)) return output_failed();
    } else if (!write_stdout(std::string_view(reinterpret_cast<const char*>(buffer.data()), n))) {
      return output_failed();
    }
    done += n;
  }
  if (hex) {
    text.clear();
    formatter.finish(text);
    if (!write_stdout(text)) return output_failed();
  }
  if (std::fflush(stdout) != 0) return output_failed();
  return 0;
}

void setup_dump(CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<DumpOptions>();
  CLI::App* sub = app.add_subcommand("dump", "Print bytes of an object (hexdump -C layout or raw)");
  sub->add_option("SPEC", opts->spec, spec_help())->required();
  sub->add_option("--offset", opts->offset, "First byte (decimal or 0x hex; default 0)")
      ->type_name("N");
  sub->add_option("--length", opts->length, "Number of bytes (default: to the end)")
      ->type_name("N");
  sub->add_option("--format", opts->format, "hex (hexdump -C layout, default) or raw")
      ->type_name("hex|raw")
      ->check(CLI::IsMember({"hex", "raw"}));
  sub->callback([opts, &exit_code] { exit_code = run_dump(*opts); });
}

}  // namespace
}  // namespace memview::cli

MEMVIEW_CLI_COMMAND(memview::cli::setup_dump)
