// memview-cli find SPEC (--hex "de ad ?? ef" | --string TEXT [--utf16] [--ignore-case] |
// --regex PATTERN [--ignore-case]) [--limit N] [--json]: every address where a byte
// pattern, a text or a regular expression over bytes matches.
#include <memory>
#include <optional>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli_util.h"
#include "command.h"
#include "memview/find_pattern.h"
#include "memview/find_regex.h"
#include "memview/json_bytes.h"
#include "memview/source_spec.h"
#include "scan_common.h"

namespace memview::cli {
namespace {

struct FindCliOptions {
  std::string spec;
  std::optional<std::string> hex;
  std::optional<std::string> text;
  std::optional<std::string> regex;
  bool utf16 = false;
  bool ignore_case = false;
  uint64_t limit = 100;
  bool json = false;
};

// What to look for: a byte pattern, or a compiled regular expression.
struct FindWhat {
  BytePattern pattern;
  std::shared_ptr<const ByteRegex> regex;
};

Result<BytePattern> find_cli_pattern(const FindCliOptions& o) {
  if (o.hex.has_value() == o.text.has_value()) {
    return make_error(Errc::invalid_argument,
                      "give one of --hex PATTERN, --string TEXT or --regex PATTERN");
  }
  if (o.hex) {
    if (o.utf16 || o.ignore_case) {
      return make_error(Errc::invalid_argument, "--utf16 and --ignore-case go with --string");
    }
    return parse_hex_pattern(*o.hex);
  }
  return text_pattern(*o.text, o.utf16 ? TextEncoding::utf16le : TextEncoding::utf8, o.ignore_case);
}

Result<FindWhat> find_cli_what(const FindCliOptions& o) {
  FindWhat w;
  if (o.regex) {
    if (o.hex || o.text || o.utf16) {
      return make_error(Errc::invalid_argument,
                        "give one of --hex PATTERN, --string TEXT or --regex PATTERN");
    }
    Result<std::shared_ptr<const ByteRegex>> re = compile_regex(*o.regex, o.ignore_case);
    if (!re) return re.error();
    w.regex = std::move(*re);
    return w;
  }
  Result<BytePattern> p = find_cli_pattern(o);
  if (!p) return p.error();
  w.pattern = std::move(*p);
  return w;
}

int run_find(const FindCliOptions& o) {
  Result<FindWhat> what = find_cli_what(o);
  if (!what) return fail(what.error());
  Result<SourcePtr> opened = open_spec(o.spec, /*read_only=*/true);
  if (!opened) return fail(opened.error());
  const std::string spec = (*opened)->info().spec;
  opened->reset();
  auto result = std::make_shared<Published<FindResult>>();
  std::unique_ptr<Worker> worker = Worker::start(
      "find", [spec, w = std::move(*what), limit = o.limit, result](WorkerContext& ctx) -> Status {
        OpenOptions oo;
        oo.read_only = true;
        Result<SourcePtr> source = open_source(spec, oo);
        if (!source) return source.error();
        const auto n = static_cast<size_t>(limit);
        Result<FindResult> r = w.regex ? find_regex(**source, *w.regex, n, &ctx)
                                       : find_pattern(**source, w.pattern, n, &ctx);
        if (!r) return r.error();
        result->publish(std::move(*r));
        return {};
      });
  if (Status s = wait_scan_worker(*worker); !s) return fail(s.error());
  std::shared_ptr<const FindResult> r = result->latest();
  if (!r) return fail("the search ended without a result");
  std::string out;
  if (o.json) {
    nlohmann::ordered_json j;
    j["spec"] = json_message<nlohmann::ordered_json>(spec);
    j["matches"] = r->count;
    j["bytes_scanned"] = r->stats.bytes_scanned;
    j["bytes_unreadable"] = r->stats.bytes_unreadable;
    j["seconds"] = static_cast<double>(r->stats.elapsed_ns) / 1e9;
    j["cancelled"] = r->stats.cancelled;
    j["truncated"] = r->count > r->addresses.size();
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (uint64_t a : r->addresses) list.push_back(fmt::format("0x{:x}", a));
    j["addresses"] = std::move(list);
    if (!r->lengths.empty()) j["lengths"] = r->lengths;
    out = j.dump(2) + "\n";
  } else {
    for (size_t i = 0; i < r->addresses.size(); ++i) {
      out += fmt::format("0x{:012x}", r->addresses[i]);
      if (i < r->lengths.size())
        out += fmt::format("  {} byte{}", r->lengths[i], r->lengths[i] == 1 ? "" : "s");
      out += "\n";
    }
    if (r->count > r->addresses.size())
      out += fmt::format("... {} more (--limit)\n", r->count - r->addresses.size());
    out += scan_summary(r->count, r->stats, "matches") + "\n";
  }
  return write_stdout(out) ? 0 : kExitFailure;
}

void setup_find(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<FindCliOptions>();
  CLI::App* sub = app.add_subcommand(
      "find",
      "Find a byte pattern (hex with ?? wildcards), a text or a regular expression in the memory");
  sub->add_option("SPEC", o->spec, spec_help())->required();
  sub->add_option("--hex", o->hex, "Bytes: \"de ad ?? ef\" (?? any byte, d? any low nibble)");
  sub->add_option("--string", o->text, "Text (UTF-8 as typed)");
  sub->add_flag("--utf16", o->utf16, "Search the text as UTF-16LE");
  sub->add_option("--regex", o->regex,
                  "A regular expression over the raw bytes (PCRE2 syntax: \\x00, [\\x80-\\xff]); "
                  "a match may cross a 16 MiB block boundary by at most 4096 bytes");
  sub->add_flag("--ignore-case", o->ignore_case, "ASCII letters in either case");
  sub->add_option("--limit", o->limit, "Print at most N addresses (default 100)");
  sub->add_flag("--json", o->json, "Print JSON");
  sub->callback([o, &exit_code] { exit_code = run_find(*o); });
}

}  // namespace
}  // namespace memview::cli

MEMVIEW_CLI_COMMAND(memview::cli::setup_find)
