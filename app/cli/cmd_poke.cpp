// memview-cli poke SPEC OFFSET HEX | poke SPEC OFFSET --u32 VALUE [--be] |
// poke SPEC --batch FILE: writes exactly the given bytes and nothing else. Every poke is
// parsed and range-checked before the first byte is written, so bad input never leaves a
// partial write behind.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "cli_util.h"
#include "command.h"
#include "memview/file_read.h"
#include "memview/numbers.h"
#include "memview/source.h"
#include "memview/value_codec.h"

namespace memview::cli {
namespace {

constexpr ScalarType kTypes[] = {ScalarType::u8,  ScalarType::i8,  ScalarType::u16, ScalarType::i16,
                                 ScalarType::u32, ScalarType::i32, ScalarType::u64, ScalarType::i64,
                                 ScalarType::f32, ScalarType::f64};
constexpr size_t kTypeCount = sizeof(kTypes) / sizeof(kTypes[0]);

struct PokeOptions {
  std::string spec;
  std::optional<std::string> offset;
  std::vector<std::string> hex;  // "deadbeef" or "de ad be ef" (one or several arguments)
  std::optional<std::string> typed[kTypeCount];
  bool big_endian = false;
  std::optional<std::string> batch;
};

struct Poke {
  uint64_t offset = 0;
  std::vector<std::byte> bytes;
  size_t line = 0;  // batch line number, 0 for a poke from the command line
};

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) {
    if (!out.empty()) out += ' ';
    out += p;
  }
  return out;
}

Result<std::vector<std::byte>> parse_hex(std::string_view text) {
  Result<std::vector<std::byte>> bytes = parse_hex_bytes(text);
  if (!bytes) {
    return make_error(bytes.error().code,
                      fmt::format("bad hex bytes '{}': {}", text, bytes.error().message));
  }
  return bytes;
}

// One poke from the command line: OFFSET plus either hex or exactly one typed value.
Result<Poke> poke_from_arguments(const PokeOptions& opts) {
  if (!opts.offset)
    return make_error(Errc::invalid_argument, "OFFSET is required (or use --batch)");
  Poke poke;
  Result<uint64_t> offset = parse_u64(*opts.offset, "offset");
  if (!offset) return offset.error();
  poke.offset = offset.value();

  std::optional<size_t> typed_index;
  for (size_t i = 0; i < kTypeCount; ++i) {
    if (!opts.typed[i]) continue;
    if (typed_index) {
      return make_error(Errc::invalid_argument,
                        fmt::format("give one typed value, not both --{} and --{}",
                                    scalar_name(kTypes[*typed_index]), scalar_name(kTypes[i])));
    }
    typed_index = i;
  }
  if (typed_index && !opts.hex.empty()) {
    return make_error(Errc::invalid_argument, fmt::format("give either HEX bytes or --{}, not both",
                                                          scalar_name(kTypes[*typed_index])));
  }
  if (typed_index) {
    const ScalarType type = kTypes[*typed_index];
    Result<std::vector<std::byte>> bytes = encode_scalar(
        type, *opts.typed[*typed_index], opts.big_endian ? Endian::big : Endian::little);
    if (!bytes) {
      return make_error(bytes.error().code,
                        fmt::format("bad {} value '{}': {}", scalar_name(type),
                                    *opts.typed[*typed_index], bytes.error().message));
    }
    poke.bytes = std::move(bytes.value());
    return poke;
  }
  if (opts.big_endian) {
    return make_error(Errc::invalid_argument,
                      "--be applies to typed values (--u16, --f32, ...) only");
  }
  if (opts.hex.empty()) {
    return make_error(Errc::invalid_argument,
                      "nothing to write: give HEX bytes (deadbeef or \"de ad be ef\") or a typed "
                      "value (--u8/--i8/--u16/--i16/--u32/--i32/--u64/--i64/--f32/--f64 VALUE)");
  }
  Result<std::vector<std::byte>> bytes = parse_hex(join(opts.hex));
  if (!bytes) return bytes.error();
  poke.bytes = std::move(bytes.value());
  return poke;
}

// Standard input, up to the batch file cap (`poke --batch - < /dev/zero` must end).
Result<std::string> read_stdin_capped() {
  std::string text;
  char buf[1 << 16];
  for (;;) {
    const size_t got = std::fread(buf, 1, sizeof buf, stdin);
    if (got == 0) break;
    if (text.size() + got > kMaxTextFileBytes) {
      return make_error(Errc::invalid_argument,
                        fmt::format("batch input on stdin is more than the {}-byte limit for a "
                                    "batch file",
                                    kMaxTextFileBytes));
    }
    text.append(buf, got);
  }
  if (std::ferror(stdin)) {
    return make_error(Errc::io, fmt::format("cannot read stdin: {}", std::strerror(errno)));
  }
  return text;
}

// --batch FILE ("-" = stdin): one "OFFSET HEX" per line; blank lines and '#' comments skip.
Result<std::vector<Poke>> pokes_from_batch(const std::string& path) {
  Result<std::string> text =
      path == "-" ? read_stdin_capped() : read_file_capped(path, kMaxTextFileBytes, "batch file");
  if (!text) return text.error();
  std::istringstream in(*text);
  std::vector<Poke> pokes;
  std::string line;
  size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    const size_t start = line.find_first_not_of(" \t\r");
    if (start == std::string::npos || line[start] == '#') continue;
    const size_t space = line.find_first_of(" \t", start);
    if (space == std::string::npos) {
      return make_error(
          Errc::invalid_argument,
          fmt::format("batch line {}: expected 'OFFSET HEX', got '{}'", line_no, line));
    }
    Poke poke;
    Result<uint64_t> offset =
        parse_u64(std::string_view(line).substr(start, space - start), "offset");
    if (!offset) {
      return make_error(offset.error().code,
                        fmt::format("batch line {}: {}", line_no, offset.error().message));
    }
    poke.offset = offset.value();
    Result<std::vector<std::byte>> bytes = parse_hex(std::string_view(line).substr(space + 1));
    if (!bytes) {
      return make_error(bytes.error().code,
                        fmt::format("batch line {}: {}", line_no, bytes.error().message));
    }
    poke.bytes = std::move(bytes.value());
    poke.line = line_no;
    pokes.push_back(std::move(poke));
  }
  return pokes;
}

int run_poke(const PokeOptions& opts) {
  std::vector<Poke> pokes;
  if (opts.batch) {
    bool any_typed = false;
    for (const auto& t : opts.typed) any_typed = any_typed || t.has_value();
    if (opts.offset || !opts.hex.empty() || any_typed || opts.big_endian) {
      return fail("--batch takes its pokes from the file only; drop OFFSET, HEX and typed values");
    }
    Result<std::vector<Poke>> batch = pokes_from_batch(*opts.batch);
    if (!batch) return fail(batch.error());
    pokes = std::move(batch.value());
  } else {
    Result<Poke> poke = poke_from_arguments(opts);
    if (!poke) return fail(poke.error());
    pokes.push_back(std::move(poke.value()));
  }

  Result<SourcePtr> opened = open_spec(opts.spec, /*read_only=*/false);
  if (!opened) return fail(opened.error());
  Source& source = *opened.value();
  const SourceInfo& info = source.info();
  if (!info.writable) {
    return failf("cannot write to '{}': permission denied, it is open read-only{}", info.spec,
                 info.read_only_reason.empty() ? "" : " (" + info.read_only_reason + ")");
  }
  // Check everything before writing anything.
  for (const Poke& p : pokes) {
    Status inside = check_inside(info, p.offset, p.bytes.size(), "write");
    if (!inside && p.line != 0) return failf("batch line {}: {}", p.line, inside.error().message);
    if (!inside) return fail(inside.error());
  }
  uint64_t total = 0;
  for (size_t i = 0; i < pokes.size(); ++i) {
    const Poke& p = pokes[i];
    Status written = source.write(p.offset, p.bytes);
    if (!written) {
      // Only possible when the object changed under us (shrunk, removed) after the checks.
      if (pokes.size() == 1)
        return failf("cannot write to '{}': {}", info.spec, written.error().message);
      return failf("cannot write to '{}' (poke {} of {}; the {} before it were written): {}",
                   info.spec, i + 1, pokes.size(), i, written.error().message);
    }
    total += p.bytes.size();
  }
  std::string out;
  if (pokes.size() == 1) {
    out = fmt::format("wrote {} byte(s) at offset {} (0x{:x}): {}\n", total, pokes[0].offset,
                      pokes[0].offset,
                      format_hex_bytes(pokes[0].bytes.data(), pokes[0].bytes.size()));
  } else {
    out = fmt::format("wrote {} poke(s), {} byte(s)\n", pokes.size(), total);
  }
  if (!write_stdout(out)) return kExitFailure;
  return 0;
}

void setup_poke(CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<PokeOptions>();
  CLI::App* sub = app.add_subcommand(
      "poke", "Write bytes: HEX (deadbeef or \"de ad be ef\") or one typed value at OFFSET");
  sub->add_option("SPEC", opts->spec, spec_help())->required();
  sub->add_option("OFFSET", opts->offset, "Where to write (decimal or 0x hex)");
  sub->add_option("HEX", opts->hex, "Bytes in hex: deadbeef, \"de ad be ef\" or de ad be ef");
  auto* types = sub->add_option_group("typed value", "Write one number instead of HEX bytes");
  for (size_t i = 0; i < kTypeCount; ++i) {
    const std::string name = scalar_name(kTypes[i]);
    types->add_option("--" + name, opts->typed[i], fmt::format("Write a {} value", name))
        ->type_name("VALUE")
        ->allow_extra_args(false);
  }
  sub->add_flag("--be", opts->big_endian, "Store the typed value big-endian (default little)");
  sub->add_option("--batch", opts->batch,
                  "Read many pokes from FILE ('-' = stdin), one 'OFFSET HEX' per line; all are "
                  "checked before any is written")
      ->type_name("FILE");
  sub->callback([opts, &exit_code] { exit_code = run_poke(*opts); });
}

}  // namespace
}  // namespace memview::cli

MEMVIEW_CLI_COMMAND(memview::cli::setup_poke)
