// memview-cli who SPEC [--json]: the processes that map a shared memory object, a mapped
// file or a System V segment (for pid:PID@ADDR+LEN: that process, and every other process
// mapping the same shared object), where it is mapped in each, and whether this user can
// open those bytes as pid:PID@ADDR+LEN. Processes whose maps this user may not read are
// summarised with the reason (the JSON lists them).
#include <memory>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli_util.h"
#include "command.h"
#include "memview/json_bytes.h"
#include "memview/text_bytes.h"
#include "memview/who_maps.h"

namespace memview::cli {
namespace {

struct WhoOptions {
  std::string spec;
  bool json = false;
  bool all = false;
};

std::string who_size_text(uint64_t n) {
  if (n >= (uint64_t{1} << 30) && n % (uint64_t{1} << 30) == 0)
    return fmt::format("{} GiB", n >> 30);
  if (n >= (uint64_t{1} << 20) && n % (uint64_t{1} << 20) == 0)
    return fmt::format("{} MiB", n >> 20);
  if (n >= 1024 && n % 1024 == 0) return fmt::format("{} KiB", n >> 10);
  return fmt::format("{} B", n);
}

nlohmann::json who_to_json(const WhoMaps& w) {
  nlohmann::json j;
  j["spec"] = json_from_bytes(w.object.spec);
  nlohmann::json o;
  o["path"] = json_from_bytes(w.object.path);
  o["device"] = fmt::format("{:02x}:{:02x}", w.object.dev_major, w.object.dev_minor);
  o["inode"] = w.object.inode;
  o["sysv"] = w.object.sysv;
  o["private"] = w.object.anonymous;
  o["attach_count"] =
      w.object.attach_count ? nlohmann::json(*w.object.attach_count) : nlohmann::json();
  j["object"] = o;
  j["pid_offset"] = w.pid_offset ? nlohmann::json(*w.pid_offset) : nlohmann::json();
  nlohmann::json procs = nlohmann::json::array();
  for (const MappingProcess& p : w.processes) {
    nlohmann::json pj;
    pj["pid"] = p.pid;
    pj["command"] = json_from_bytes(p.command);
    pj["uid"] = p.uid;
    pj["user"] = json_from_bytes(p.user);
    pj["self"] = p.self;
    pj["can_open"] = p.can_open;
    pj["cannot_open"] = p.can_open ? nlohmann::json() : json_message(p.cannot_open);
    nlohmann::json maps = nlohmann::json::array();
    for (const ObjectMapping& m : p.mappings) {
      nlohmann::json mj;
      mj["start"] = fmt::format("0x{:x}", m.start);
      mj["end"] = fmt::format("0x{:x}", m.end);
      mj["start_value"] = m.start;
      mj["size"] = m.size();
      mj["perms"] = m.perms;
      mj["object_offset"] = m.object_offset;
      mj["spec"] = m.spec(p.pid);
      maps.push_back(std::move(mj));
    }
    pj["mappings"] = std::move(maps);
    procs.push_back(std::move(pj));
  }
  j["processes"] = std::move(procs);
  nlohmann::json un = nlohmann::json::array();
  for (const UninspectedProcess& u : w.uninspected) {
    nlohmann::json uj;
    uj["pid"] = u.pid;
    uj["command"] = json_from_bytes(u.command);
    uj["uid"] = u.uid;
    uj["user"] = json_from_bytes(u.user);
    uj["reason"] = json_message(u.reason);
    un.push_back(std::move(uj));
  }
  j["uninspected"] = std::move(un);
  const std::string summary = w.uninspected_summary();
  j["uninspected_summary"] = summary.empty() ? nlohmann::json() : json_message(summary);
  return j;
}

std::string who_to_text(const WhoMaps& w, bool all) {
  std::string out;
  const MappedObject& o = w.object;
  const size_t n = w.processes.size();
  if (o.anonymous) {
    out += fmt::format("{}: private memory of process {}{}\n", printable_text(o.spec),
                       n ? w.processes.front().pid : 0,
                       o.path.empty() ? "" : " (" + printable_text(o.path) + ")");
  } else {
    out += fmt::format(
        "{} ({}, {} {}): {} process{} map{} it\n", printable_text(o.spec), printable_text(o.path),
        o.sysv ? "segment id"
               : fmt::format("device {:02x}:{:02x}, inode", o.dev_major, o.dev_minor),
        o.inode, n, n == 1 ? "" : "es", n == 1 ? "s" : "");
  }
  if (o.attach_count && *o.attach_count > 0) {
    size_t found = 0;
    for (const MappingProcess& p : w.processes) found += p.mappings.size();
    if (*o.attach_count > found) {
      out += fmt::format("the kernel counts {} attaches; {} were found\n", *o.attach_count, found);
    }
  }
  if (n > 0) {
    out += fmt::format("{:<8} {:<10} {:<5} {:<35} {:>12}  {:<4}  {}\n", "PID", "USER", "PERMS",
                       "ADDRESS RANGE", "OFFSET", "OPEN", "COMMAND");
  }
  for (const MappingProcess& p : w.processes) {
    for (const ObjectMapping& m : p.mappings) {
      const std::string range =
          fmt::format("0x{:x}-0x{:x} ({})", m.start, m.end, who_size_text(m.size()));
      out += fmt::format("{:<8} {:<10} {:<5} {:<35} {:>12}  {:<4}  {}{}\n", p.pid,
                         printable_text(p.user), m.perms, range,
                         fmt::format("0x{:x}", m.object_offset), p.can_open ? "yes" : "no",
                         printable_text(p.command), p.self ? "  (this memview)" : "");
    }
  }
  for (const MappingProcess& p : w.processes) {
    if (p.mappings.empty()) continue;
    if (p.can_open) {
      out += fmt::format("open in process {}: {}\n", p.pid, p.mappings.front().spec(p.pid));
    } else {
      out += fmt::format("cannot open in process {}: {}\n", p.pid, printable_text(p.cannot_open));
    }
  }
  if (!w.uninspected.empty()) {
    out += printable_text(w.uninspected_summary()) + "\n";
    if (all) {
      for (const UninspectedProcess& u : w.uninspected) {
        out += fmt::format("  {:<8} {:<10} {}\n", u.pid, printable_text(u.user),
                           printable_text(u.command));
      }
    } else {
      out += "(--all lists them)\n";
    }
  }
  return out;
}

int run_who(const WhoOptions& opts) {
#if defined(_WIN32)
  if (!opts.spec.empty()) return fail("who is not available on Windows (it reads Linux's /proc)");
#endif
  Result<WhoMaps> who = who_maps(opts.spec);
  if (!who) return fail(with_context("look up who maps", opts.spec, who.error()));
  const std::string out =
      opts.json ? json_dump(who_to_json(*who), 2) + "\n" : who_to_text(*who, opts.all);
  if (!write_stdout(out)) return kExitFailure;
  return 0;
}

void setup_who(CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<WhoOptions>();
  CLI::App* sub = app.add_subcommand(
      "who",
      "Which processes map this object: pid, user, command line, where it is mapped, whether "
      "you can open it there (pid:PID@ADDR+LEN)");
  sub->add_option("SPEC", opts->spec,
                  spec_help("Object:", who_maps_supports) +
                      " (pid: that process and the others sharing its mapping)")
      ->required();
  sub->add_flag("--json", opts->json, "Print JSON instead of a table");
  sub->add_flag("--all", opts->all, "List every process that could not be inspected");
  sub->callback([opts, &exit_code] { exit_code = run_who(*opts); });
}

}  // namespace
}  // namespace memview::cli

MEMVIEW_CLI_COMMAND(memview::cli::setup_who)
