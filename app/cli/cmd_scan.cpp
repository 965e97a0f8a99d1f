// memview-cli scan SPEC --type TYPE (--eq V | --ne V | --lt V | --gt V | --range A B |
// --unknown) [--align 1|natural] [--be] [--tolerance exact|rounded|EPS] [--limit N]
// [--json] [--save FILE]: a first value scan.
// memview-cli scan SPEC --from FILE (--changed | --unchanged | --increased | --decreased |
// --increased-by N | --decreased-by N | --eq V | ...) [--first FILE] [--save FILE]: narrows a
// saved scan state against the current values.
// --memory-cap SIZE (both): candidate storage above SIZE goes to a temporary file.
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli_util.h"
#include "command.h"
#include "memview/json_bytes.h"
#include "memview/numbers.h"
#include "memview/scan.h"
#include "memview/scan_file.h"
#include "memview/scan_worker.h"
#include "memview/text_bytes.h"
#include "scan_common.h"

namespace memview::cli {
namespace {

struct ScanCliOptions {
  std::string spec;
  std::optional<std::string> type;
  std::optional<std::string> eq, ne, lt, gt, increased_by, decreased_by;
  std::vector<std::string> range;
  bool unknown = false, changed = false, unchanged = false, increased = false, decreased = false;
  std::string align = "natural";
  bool big_endian = false;
  std::optional<std::string> tolerance;
  std::optional<std::string> from, first, save;
  std::optional<std::string> memory_cap;
  uint64_t limit = 100;
  bool json = false;
};

// The one condition given on the command line; an error when none or several.
Result<ScanCondition> scan_condition(const ScanCliOptions& o) {
  std::vector<ScanCondition> given;
  auto with = [&](ScanOp op, const std::optional<std::string>& v) {
    if (v) given.push_back({op, *v, ""});
  };
  auto flag = [&](ScanOp op, bool on) {
    if (on) given.push_back({op, "", ""});
  };
  with(ScanOp::eq, o.eq);
  with(ScanOp::ne, o.ne);
  with(ScanOp::lt, o.lt);
  with(ScanOp::gt, o.gt);
  with(ScanOp::increased_by, o.increased_by);
  with(ScanOp::decreased_by, o.decreased_by);
  if (o.range.size() == 2) given.push_back({ScanOp::range, o.range[0], o.range[1]});
  flag(ScanOp::unknown, o.unknown);
  flag(ScanOp::changed, o.changed);
  flag(ScanOp::unchanged, o.unchanged);
  flag(ScanOp::increased, o.increased);
  flag(ScanOp::decreased, o.decreased);
  if (given.size() != 1) {
    return make_error(Errc::invalid_argument,
                      given.empty() ? "give one condition: --eq V, --ne V, --lt V, --gt V, "
                                      "--range A B or --unknown (narrowing with --from: "
                                      "--changed, --unchanged, --increased, --decreased, "
                                      "--increased-by N, --decreased-by N)"
                                    : "give only one condition");
  }
  return given.front();
}

// "4096", "0x1000", "64K", "256M", "2G" (K, M, G: powers of 1024; "KiB", "MB" alike).
Result<uint64_t> parse_memory_cap(const std::string& text) {
  std::string digits = text;
  uint64_t unit = 1;
  const size_t letter = text.find_first_of("kKmMgG");
  if (letter != std::string::npos && !text.starts_with("0x") && !text.starts_with("0X")) {
    const std::string suffix = text.substr(letter);
    static const char* const kSuffixes[] = {"", "B", "iB"};
    bool known = false;
    for (const char* s : kSuffixes) known = known || suffix.substr(1) == s;
    if (!known) {
      return make_error(Errc::invalid_argument,
                        fmt::format("--memory-cap '{}': a size is a number with an optional K, M "
                                    "or G (256M)",
                                    text));
    }
    const char c = static_cast<char>(suffix[0] | 0x20);
    unit = c == 'k' ? uint64_t{1} << 10 : c == 'm' ? uint64_t{1} << 20 : uint64_t{1} << 30;
    digits = text.substr(0, letter);
  }
  Result<uint64_t> n = parse_u64(digits, "--memory-cap");
  if (!n) return n.error();
  if (*n == 0 || *n > ~uint64_t{0} / unit) {
    return make_error(Errc::invalid_argument,
                      fmt::format("--memory-cap '{}' is not a size above 0", text));
  }
  return *n * unit;
}

Result<ScanOptions> scan_options(const ScanCliOptions& o) {
  ScanOptions opts;
  if (!o.type) return make_error(Errc::invalid_argument, "--type is required for a first scan");
  std::optional<ScanType> t = scan_type_from_name(*o.type);
  if (!t) {
    return make_error(Errc::invalid_argument,
                      fmt::format("unknown type '{}' (types: {})", *o.type, scan_type_names()));
  }
  opts.type = *t;
  opts.endian = o.big_endian ? Endian::big : Endian::little;
  if (o.align == "1") {
    opts.every_byte = true;
  } else if (o.align != "natural") {
    return make_error(Errc::invalid_argument, "--align is 1 (every byte) or natural");
  }
  if (o.tolerance) {
    if (*o.tolerance == "exact") {
      opts.tolerance.mode = FloatTolerance::Mode::exact;
    } else if (*o.tolerance == "rounded") {
      opts.tolerance.mode = FloatTolerance::Mode::rounded;
    } else {
      Result<std::vector<std::byte>> eps =
          encode_scalar(ScalarType::f64, *o.tolerance, Endian::little);
      if (!eps)
        return make_error(Errc::invalid_argument,
                          "--tolerance is exact, rounded or an epsilon (0.01)");
      opts.tolerance.mode = FloatTolerance::Mode::epsilon;
      double e = 0;
      std::memcpy(&e, eps->data(), sizeof e);
      opts.tolerance.epsilon = e;
    }
  }
  return opts;
}

int print_state(const ScanState& s, const ScanCliOptions& o) {
  std::string out;
  nlohmann::ordered_json matches = nlohmann::ordered_json::array();
  uint64_t shown = 0;
  s.visit([&](const Candidate& c) {
    if (shown >= o.limit) return false;
    ++shown;
    const std::string value = decode_scalar(c.type, c.value, s.options.endian);
    if (o.json) {
      matches.push_back({{"address", fmt::format("0x{:x}", c.address)},
                         {"type", scalar_name(c.type)},
                         {"value", value}});
    } else {
      out += fmt::format("0x{:012x}  {:<4} {}\n", c.address, scalar_name(c.type), value);
    }
    return true;
  });
  const uint64_t count = s.count();
  if (o.json) {
    nlohmann::ordered_json j;
    j["spec"] = json_message<nlohmann::ordered_json>(s.spec);
    j["type"] = scan_type_name(s.options.type);
    j["narrowings"] = s.narrowings;
    j["candidates"] = count;
    j["bytes_scanned"] = s.stats.bytes_scanned;
    j["bytes_unreadable"] = s.stats.bytes_unreadable;
    if (!s.stats.unreadable_message.empty())
      j["unreadable"] = json_message<nlohmann::ordered_json>(s.stats.unreadable_message);
    j["seconds"] = static_cast<double>(s.stats.elapsed_ns) / 1e9;
    j["memory_bytes"] = s.memory_bytes();
    j["spilled_bytes"] = s.spilled_bytes();
    j["cancelled"] = s.stats.cancelled;
    j["truncated"] = count > shown;
    j["matches"] = std::move(matches);
    out = j.dump(2) + "\n";
  } else {
    if (count > shown) out += fmt::format("... {} more (--limit)\n", count - shown);
    out += scan_summary(count, s.stats, "candidates") + "\n";
  }
  return write_stdout(out) ? 0 : kExitFailure;
}

int run_scan(const ScanCliOptions& o) {
  Result<ScanCondition> cond = scan_condition(o);
  if (!cond) return fail(cond.error());
  ScanRequest req;
  req.condition = *cond;
  uint64_t cap = 0;
  if (o.memory_cap) {
    Result<uint64_t> c = parse_memory_cap(*o.memory_cap);
    if (!c) return fail(c.error());
    cap = *c;
  }
  if (o.from) {
    Result<ScanState> prev = load_scan_state(*o.from, cap);
    if (!prev) return fail(prev.error());
    if (o.type) {
      std::optional<ScanType> t = scan_type_from_name(*o.type);
      if (!t || *t != prev->options.type) {
        return failf("--type {} differs from the saved scan's type {}", *o.type,
                     scan_type_name(prev->options.type));
      }
    }
    req.previous = std::move(*prev);
    if (o.first) {
      Result<ScanState> first = load_scan_state(*o.first);
      if (!first) return fail(first.error());
      req.first = std::make_shared<const ScanState>(std::move(*first));
    }
  } else {
    if (o.first) return fail("--first needs --from (it compares a narrowing with a first scan)");
    Result<ScanOptions> opts = scan_options(o);
    if (!opts) return fail(opts.error());
    req.options = *opts;
  }
  req.options.memory_cap = cap;
  // Open here first: a bad spec is reported with its context, and a state of another
  // source or size is refused before any work.
  Result<SourcePtr> opened = open_spec(o.spec, /*read_only=*/true);
  if (!opened) return fail(opened.error());
  req.spec = (*opened)->info().spec;
  if (req.previous) {
    if (Status s = check_state_matches(*req.previous, (*opened)->info()); !s)
      return fail(s.error());
  }
  opened->reset();
  auto result = std::make_shared<Published<ScanState>>();
  std::unique_ptr<Worker> worker = start_scan(std::move(req), result);
  if (Status s = wait_scan_worker(*worker); !s) return fail(s.error());
  std::shared_ptr<const ScanState> state = result->latest();
  if (!state) return fail("the scan ended without a result");
  if (o.save) {
    if (Status s = save_scan_state(*state, *o.save); !s) return fail(s.error());
  }
  return print_state(*state, o);
}

void setup_scan(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<ScanCliOptions>();
  CLI::App* sub = app.add_subcommand(
      "scan",
      "Find where a value lives: a first value scan (--eq, --range, --unknown, ...) or, with "
      "--from FILE, a narrowing of a saved scan (--changed, --increased, ...)");
  sub->add_option("SPEC", o->spec, spec_help())->required();
  sub->add_option("--type", o->type, "Value type: " + scan_type_names());
  sub->add_option("--eq", o->eq, "Value equal to V (decimal, 0x hex, float)");
  sub->add_option("--ne", o->ne, "Value other than V");
  sub->add_option("--lt", o->lt, "Value less than V");
  sub->add_option("--gt", o->gt, "Value greater than V");
  sub->add_option("--range", o->range, "Value in [A, B]")->expected(2);
  sub->add_flag("--unknown", o->unknown,
                "Unknown initial value: a snapshot to narrow later (--save it)");
  sub->add_flag("--changed", o->changed, "Narrowing: the value changed since the last scan");
  sub->add_flag("--unchanged", o->unchanged, "Narrowing: the value did not change");
  sub->add_flag("--increased", o->increased, "Narrowing: the value grew");
  sub->add_flag("--decreased", o->decreased, "Narrowing: the value shrank");
  sub->add_option("--increased-by", o->increased_by, "Narrowing: the value grew by exactly N");
  sub->add_option("--decreased-by", o->decreased_by, "Narrowing: the value shrank by exactly N");
  sub->add_option("--from", o->from, "Narrow the scan state saved in FILE");
  sub->add_option("--first", o->first,
                  "With --from: compare with the values of the first scan saved in FILE");
  sub->add_option("--save", o->save, "Write the resulting scan state to FILE");
  sub->add_option("--align", o->align, "1 (every byte) or natural (default)");
  sub->add_flag("--be", o->big_endian, "Values are big-endian");
  sub->add_option("--tolerance", o->tolerance,
                  "Floats: exact, rounded (default: to the digits typed) or an epsilon");
  sub->add_option("--memory-cap", o->memory_cap,
                  "Keep at most SIZE bytes of candidates in memory (256M, 2G); the rest goes "
                  "to a temporary file that is deleted when the command ends")
      ->type_name("SIZE");
  sub->add_option("--limit", o->limit, "Print at most N candidates (default 100)");
  sub->add_flag("--json", o->json, "Print JSON");
  sub->callback([o, &exit_code] { exit_code = run_scan(*o); });
}

}  // namespace
}  // namespace memview::cli

MEMVIEW_CLI_COMMAND(memview::cli::setup_scan)
