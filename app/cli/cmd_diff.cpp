// memview-cli diff A B [--json] [--context N] [--merge N] [--max-ranges N]: A and B are
// snapshot files or specs (read live); one line per differing range with the old and new
// bytes, regions that appeared or vanished (processes), and a summary. Exit status like cmp
// and diff: 0 same, 1 different, 2 error.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli_util.h"
#include "command.h"
#include "memview/file_read.h"
#include "memview/json_bytes.h"
#include "memview/numbers.h"
#include "memview/snapshot.h"
#include "memview/text_bytes.h"

namespace memview::cli {
namespace {

constexpr int kExitDifferent = 1;
constexpr int kExitError = 2;
constexpr uint64_t kPreviewBytes = 16;

// Errors exit with 2 (1 means "different").
int error_exit(const Error& e) {
  fail(e);
  return kExitError;
}

struct DiffCliOptions {
  std::string a;
  std::string b;
  bool json = false;
  uint64_t context = 0;
  uint64_t merge = 0;
  size_t max_ranges = 100000;
};

struct Side {
  Snapshot snap;
  bool from_file = false;
};

enum class ArgKind { snapshot, other_file, other };

// A snapshot file when `arg` names a regular file that starts with the snapshot magic.
ArgKind classify(const std::string& arg) {
  if (!check_regular_file(arg, 0, "snapshot").ok()) return ArgKind::other;
  std::FILE* f = std::fopen(arg.c_str(), "rb");
  if (f == nullptr) return ArgKind::other_file;
  char magic[sizeof(kSnapshotMagic)] = {};
  const size_t n = std::fread(magic, 1, sizeof(magic), f);
  std::fclose(f);
  return looks_like_snapshot(std::string_view(magic, n)) ? ArgKind::snapshot : ArgKind::other_file;
}

Result<Side> load_file(const std::string& arg) {
  Result<Snapshot> s = read_snapshot_file(arg);
  if (!s) return s.error();
  return Side{std::move(*s), true};
}

// A live side is read over the extent of the other side when that is a snapshot of an
// object (the same range); a process is read whole (its regions are compared).
Result<Side> load_live(const std::string& arg, const Snapshot* other) {
  Result<SourcePtr> source = open_spec(arg, /*read_only=*/true);
  if (!source) return source.error();
  std::optional<ByteRange> range;
  if (other != nullptr && other->kind != "pid" && !other->regions.empty() &&
      (*source)->info().kind != "pid") {
    const uint64_t lo = other->regions.front().address;
    range = ByteRange{lo, other->regions.back().end() - lo};
  }
  Result<Snapshot> s = take_snapshot(**source, range);
  if (!s) return with_context("read", arg, s.error());
  return Side{std::move(*s), false};
}

// A file that is neither a snapshot nor something open_source takes: say the first.
Error not_a_snapshot(const std::string& arg, ArgKind kind, const Error& open_error) {
  if (kind != ArgKind::other_file) return open_error;
  return make_error(Errc::invalid_argument,
                    fmt::format("'{}' is not a memview snapshot (no snapshot signature) and "
                                "cannot be opened as a source either",
                                arg));
}

std::string preview_hex(const std::byte* p, uint64_t n) {
  return format_hex_bytes(p, static_cast<size_t>(n));
}

std::string preview_ascii(const std::byte* p, uint64_t n) {
  std::string s;
  for (uint64_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(p[i]);
    s.push_back(c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '.');
  }
  return s;
}

// The bytes around a run in both snapshots: [from, to) clipped to the region holding it.
struct Preview {
  const std::byte* old_bytes = nullptr;
  const std::byte* new_bytes = nullptr;
  uint64_t from = 0;
  uint64_t length = 0;
  bool cut = false;  // the run is longer than the preview
};

const SnapshotRegion* region_at(const Snapshot& s, uint64_t address) {
  auto it = std::upper_bound(s.regions.begin(), s.regions.end(), address,
                             [](uint64_t a, const SnapshotRegion& r) { return a < r.address; });
  if (it == s.regions.begin()) return nullptr;
  --it;
  return address < it->end() ? &*it : nullptr;
}

Preview preview_of(const Snapshot& a, const Snapshot& b, const DiffRun& run, uint64_t context) {
  const SnapshotRegion* ra = region_at(a, run.address);
  const SnapshotRegion* rb = region_at(b, run.address);
  Preview p;
  if (ra == nullptr || rb == nullptr) return p;
  const uint64_t lo_bound = std::max(ra->address, rb->address);
  const uint64_t hi_bound = std::min(ra->end(), rb->end());
  const uint64_t shown = std::min(run.length, kPreviewBytes);
  p.cut = shown < run.length;
  p.from = run.address - std::min(context, run.address - lo_bound);
  const uint64_t to = std::min(hi_bound, run.address + shown + context);
  p.length = to - p.from;
  p.old_bytes = ra->bytes.data() + (p.from - ra->address);
  p.new_bytes = rb->bytes.data() + (p.from - rb->address);
  return p;
}

std::string describe(const Side& s, const std::string& arg) {
  return s.from_file
             ? fmt::format("{} (snapshot of {})", printable_text(arg), printable_text(s.snap.spec))
             : printable_text(s.snap.spec);
}

std::string text_report(const Side& a, const Side& b, const SnapshotDiff& d,
                        const DiffCliOptions& opts) {
  std::string out;
  for (const RegionChange& c : d.regions) {
    out += fmt::format("0x{:016x} {:>10}  region {}{}{}\n", c.address, c.length,
                       c.kind == RegionChange::Kind::appeared ? "appeared" : "vanished",
                       c.name.empty() ? "" : " ", printable_text(c.name));
  }
  for (const DiffRun& r : d.runs) {
    const Preview p = preview_of(a.snap, b.snap, r, opts.context);
    out += fmt::format("0x{:016x} {:>10}  {}{} |{}| -> {}{} |{}|\n", r.address, r.length,
                       preview_hex(p.old_bytes, p.length), p.cut ? " ..." : "",
                       preview_ascii(p.old_bytes, p.length), preview_hex(p.new_bytes, p.length),
                       p.cut ? " ..." : "", preview_ascii(p.new_bytes, p.length));
  }
  size_t appeared = 0;
  for (const RegionChange& c : d.regions) appeared += c.kind == RegionChange::Kind::appeared;
  uint64_t unreadable = 0;
  for (const ByteRange& u : d.unreadable) unreadable += u.length;
  out += fmt::format(
      "{}: {} differing range{}, {} byte{} differ of {} compared; {} region{} appeared, {} "
      "vanished; {} bytes unreadable{} ({} vs {})\n",
      d.same() ? "same" : "different", d.runs.size(), d.runs.size() == 1 ? "" : "s",
      d.differing_bytes, d.differing_bytes == 1 ? "" : "s", d.compared_bytes, appeared,
      appeared == 1 ? "" : "s", d.regions.size() - appeared, unreadable,
      d.truncated ? "; more ranges not listed (--max-ranges)" : "", describe(a, opts.a),
      describe(b, opts.b));
  return out;
}

nlohmann::json side_json(const Side& s, const std::string& arg) {
  nlohmann::json j;
  j["arg"] = json_from_bytes(arg);
  j["source"] = s.from_file ? "snapshot" : "live";
  j["spec"] = json_from_bytes(s.snap.spec);
  j["name"] = json_from_bytes(s.snap.name);
  j["kind"] = json_from_bytes(s.snap.kind);
  j["taken_unix_ms"] = s.snap.taken_unix_ms;
  return j;
}

std::string json_report(const Side& a, const Side& b, const SnapshotDiff& d,
                        const DiffCliOptions& opts) {
  nlohmann::json j;
  j["a"] = side_json(a, opts.a);
  j["b"] = side_json(b, opts.b);
  j["same"] = d.same();
  j["differing_bytes"] = d.differing_bytes;
  j["compared_bytes"] = d.compared_bytes;
  j["truncated"] = d.truncated;
  nlohmann::json ranges = nlohmann::json::array();
  for (const DiffRun& r : d.runs) {
    const Preview p = preview_of(a.snap, b.snap, r, opts.context);
    ranges.push_back({{"address", r.address},
                      {"length", r.length},
                      {"preview_address", p.from},
                      {"old", preview_hex(p.old_bytes, p.length)},
                      {"new", preview_hex(p.new_bytes, p.length)},
                      {"preview_cut", p.cut}});
  }
  j["ranges"] = std::move(ranges);
  nlohmann::json regions = nlohmann::json::array();
  for (const RegionChange& c : d.regions) {
    regions.push_back({{"change", c.kind == RegionChange::Kind::appeared ? "appeared" : "vanished"},
                       {"address", c.address},
                       {"length", c.length},
                       {"name", json_from_bytes(c.name)}});
  }
  j["regions"] = std::move(regions);
  nlohmann::json unreadable = nlohmann::json::array();
  for (const ByteRange& u : d.unreadable) unreadable.push_back({u.address, u.length});
  j["unreadable"] = std::move(unreadable);
  return json_dump(j, 2) + "\n";
}

int run_diff(const DiffCliOptions& opts) {
  const ArgKind a_kind = classify(opts.a);
  const ArgKind b_kind = classify(opts.b);
  const bool a_file = a_kind == ArgKind::snapshot;
  const bool b_file = b_kind == ArgKind::snapshot;
  // Files first, so a live side can be read over the same extent.
  std::optional<Side> a;
  std::optional<Side> b;
  if (a_file) {
    Result<Side> s = load_file(opts.a);
    if (!s) return error_exit(s.error());
    a = std::move(*s);
  }
  if (b_file) {
    Result<Side> s = load_file(opts.b);
    if (!s) return error_exit(s.error());
    b = std::move(*s);
  }
  if (!a) {
    Result<Side> s = load_live(opts.a, b ? &b->snap : nullptr);
    if (!s) return error_exit(not_a_snapshot(opts.a, a_kind, s.error()));
    a = std::move(*s);
  }
  if (!b) {
    Result<Side> s = load_live(opts.b, &a->snap);
    if (!s) return error_exit(not_a_snapshot(opts.b, b_kind, s.error()));
    b = std::move(*s);
  }
  Result<SnapshotDiff> d =
      diff_snapshots(a->snap, b->snap, DiffOptions{opts.merge, opts.max_ranges});
  if (!d) return error_exit(d.error());
  const std::string out = opts.json ? json_report(*a, *b, *d, opts) : text_report(*a, *b, *d, opts);
  if (!write_stdout(out)) return kExitError;
  return d->same() ? 0 : kExitDifferent;
}

void setup_diff(CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<DiffCliOptions>();
  CLI::App* sub = app.add_subcommand(
      "diff",
      "Compare two snapshots, or a snapshot and a live object, or two live objects: differing "
      "ranges, regions that appeared or vanished; exit 0 same, 1 different, 2 error");
  sub->add_option("A", opts->a, "Snapshot file (from `snapshot`) or source spec")->required();
  sub->add_option("B", opts->b, "Snapshot file or source spec")->required();
  sub->add_flag("--json", opts->json, "Print one JSON object instead of lines");
  sub->add_option("--context", opts->context, "Equal bytes shown around each range (default 0)")
      ->type_name("N");
  sub->add_option("--merge", opts->merge,
                  "Report ranges separated by at most N equal bytes as one (default 0)")
      ->type_name("N");
  sub->add_option("--max-ranges", opts->max_ranges, "List at most N ranges (default 100000)")
      ->type_name("N");
  sub->callback([opts, &exit_code] { exit_code = run_diff(*opts); });
}

}  // namespace
}  // namespace memview::cli

MEMVIEW_CLI_COMMAND(memview::cli::setup_diff)
