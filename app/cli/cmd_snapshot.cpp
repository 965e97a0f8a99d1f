// memview-cli snapshot SPEC [--range ADDR+LEN] --out FILE [--name TEXT] [--force] [--json]:
// copies the object (a range of it, or every readable region of a pid: process) into a
// zstd-compressed snapshot file (docs/snapshot.md) for `memview-cli diff`.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <system_error>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli_util.h"
#include "command.h"
#include "memview/json_bytes.h"
#include "memview/snapshot.h"
#include "memview/text_bytes.h"
#include "range_option.h"

namespace memview::cli {
namespace {

struct SnapshotOptions {
  std::string spec;
  std::optional<std::string> range;
  std::string out;
  std::string name;
  bool force = false;
  bool json = false;
};

uint64_t unreadable_bytes(const Snapshot& s) {
  uint64_t n = 0;
  for (const SnapshotRegion& r : s.regions) {
    for (const ByteRange& u : r.unreadable) n += u.length;
  }
  return n;
}

int run_snapshot(const SnapshotOptions& opts) {
  std::optional<ByteRange> range;
  if (opts.range) {
    Result<ByteRange> r = parse_range_option(*opts.range);
    if (!r) return fail(r.error());
    range = *r;
  }
  std::error_code ec;
  if (!opts.force && std::filesystem::exists(opts.out, ec)) {
    return failf("'{}' exists: not overwritten (use --force to replace it)", opts.out);
  }
  Result<SourcePtr> source = open_spec(opts.spec, /*read_only=*/true);
  if (!source) return fail(source.error());
  Result<Snapshot> snap = take_snapshot(**source, range, opts.name);
  if (!snap) return fail(with_context("snapshot", opts.spec, snap.error()));
  Status written = write_snapshot_file(*snap, opts.out);
  if (!written) return fail(written.error());
  const uint64_t file_size = std::filesystem::file_size(opts.out, ec);
  std::string out;
  if (opts.json) {
    nlohmann::json j;
    j["file"] = json_from_bytes(opts.out);
    j["spec"] = json_from_bytes(snap->spec);
    j["name"] = json_from_bytes(snap->name);
    j["regions"] = snap->regions.size();
    j["bytes"] = snap->total_bytes();
    j["unreadable_bytes"] = unreadable_bytes(*snap);
    j["file_bytes"] = file_size;
    out = json_dump(j, 2) + "\n";
  } else {
    out = fmt::format("{}: {} bytes in {} region{} of '{}' ({} unreadable), {} bytes on disk\n",
                      printable_text(opts.out), snap->total_bytes(), snap->regions.size(),
                      snap->regions.size() == 1 ? "" : "s", printable_text(snap->spec),
                      unreadable_bytes(*snap), file_size);
  }
  if (!write_stdout(out)) return kExitFailure;
  return 0;
}

void setup_snapshot(CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<SnapshotOptions>();
  CLI::App* sub = app.add_subcommand(
      "snapshot",
      "Save the bytes of an object (a range, or every readable region of a process) to a "
      "compressed snapshot file for `diff`");
  sub->add_option("SPEC", opts->spec, spec_help())->required();
  sub->add_option("--range", opts->range, "Only ADDR+LEN or ADDR-END (decimal or 0x hex)")
      ->type_name("RANGE");
  sub->add_option("--out", opts->out, "Snapshot file to write")->required()->type_name("FILE");
  sub->add_option("--name", opts->name, "A label stored in the snapshot")->type_name("TEXT");
  sub->add_flag("--force", opts->force, "Replace FILE if it exists");
  sub->add_flag("--json", opts->json, "Print a JSON summary instead of a line");
  sub->callback([opts, &exit_code] { exit_code = run_snapshot(*opts); });
}

}  // namespace
}  // namespace memview::cli

MEMVIEW_CLI_COMMAND(memview::cli::setup_snapshot)
