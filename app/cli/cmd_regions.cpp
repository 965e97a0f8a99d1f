// memview-cli regions pid:PID [--json]: the process's mappings from /proc/PID/maps
// (address range, permissions, file offset, path; heap, stack and shared memory marked),
// each with the spec that opens it. With pid:PID@ADDR+LEN or pid:PID:REGION only the
// mappings overlapping that range are listed.
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli_util.h"
#include "command.h"
#include "memview/json_bytes.h"
#include "memview/process_maps.h"
#include "memview/source_spec.h"
#include "memview/text_bytes.h"

namespace memview::cli {
namespace {

struct RegionsOptions {
  std::string spec;
  bool json = false;
};

int run_regions(const RegionsOptions& opts) {
  Result<SourceSpec> spec = parse_source_spec(opts.spec);
  if (!spec) return failf("cannot list regions of '{}': {}", opts.spec, spec.error().message);
  if (spec->scheme != "pid") {
    return failf("regions needs a process: pid:PID (got '{}', a {} source)", opts.spec,
                 spec->scheme);
  }
  // Opening checks access (and explains a refusal) and resolves a range or region.
  Result<SourcePtr> source = open_spec(spec->text(), /*read_only=*/true);
  if (!source) return fail(source.error());
  const SourceInfo& info = source.value()->info();
  const pid_t pid = static_cast<pid_t>(std::stol(spec->target));
  Result<std::vector<MapRegion>> maps = read_process_maps(pid);
  if (!maps) return failf("cannot list regions of '{}': {}", opts.spec, maps.error().message);

  const bool whole = info.base == 0;
  std::vector<const MapRegion*> shown;
  for (const MapRegion& r : *maps) {
    if (whole || (r.end > info.base && r.start < info.base + info.size)) shown.push_back(&r);
  }

  std::string out;
  if (opts.json) {
    nlohmann::json array = nlohmann::json::array();
    for (const MapRegion* r : shown) {
      nlohmann::json j;
      j["start"] = fmt::format("0x{:x}", r->start);
      j["end"] = fmt::format("0x{:x}", r->end);
      j["start_value"] = r->start;
      j["size"] = r->size();
      j["perms"] = r->perms();
      j["read"] = r->read;
      j["write"] = r->write;
      j["exec"] = r->exec;
      j["shared"] = r->shared;
      j["offset"] = r->offset;
      j["device"] = r->device;
      j["inode"] = r->inode;
      j["path"] = json_from_bytes(r->path);
      j["kind"] = r->kind();
      j["spec"] = fmt::format("pid:{}@0x{:x}+0x{:x}", pid, r->start, r->size());
      const std::string object = r->object_spec();
      j["object_spec"] = object.empty() ? nlohmann::json(nullptr) : json_from_bytes(object);
      array.push_back(std::move(j));
    }
    out = json_dump(array, 2) + "\n";
  } else {
    out += fmt::format("{:<16}  {:<16}  {:<5} {:>10}  {:>12}  {:<8}  {}\n", "START", "END", "PERMS",
                       "OFFSET", "SIZE", "KIND", "PATH");
    for (const MapRegion* r : shown) {
      const std::string object = r->object_spec();
      out +=
          fmt::format("{:016x}  {:016x}  {:<5} {:>10x}  {:>12}  {:<8}  {}{}\n", r->start, r->end,
                      r->perms(), r->offset, r->size(), r->kind(), printable_text(r->path),
                      object.empty() || r->kind() != "shm" ? "" : "  -> " + printable_text(object));
    }
  }
  if (!write_stdout(out)) return kExitFailure;
  return 0;
}

void setup_regions(CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<RegionsOptions>();
  CLI::App* sub = app.add_subcommand(
      "regions",
      "List a process's memory regions (/proc/PID/maps): range, permissions, offset, path; "
      "heap, stack and shared memory marked");
  sub->add_option("SPEC", opts->spec, "pid:PID (or pid:PID@ADDR+LEN, pid:PID:REGION)")->required();
  sub->add_flag("--json", opts->json, "Print a JSON array instead of a table");
  sub->callback([opts, &exit_code] { exit_code = run_regions(*opts); });
}

}  // namespace
}  // namespace memview::cli

MEMVIEW_CLI_COMMAND(memview::cli::setup_regions)
