// memview-cli who-writes SPEC ADDR [--len N] [--duration S] [--json]: hardware write
// breakpoints on the bytes at ADDR in every thread of every process that maps them (pid:
// that process), without stopping anyone; prints which code wrote them (process, thread,
// function, file:line, exact counts, last value). Live on a terminal; the table (or JSON)
// at the end. Stops after --duration seconds or on Ctrl-C / SIGTERM, detaching everything.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#if defined(_WIN32)
#include <io.h>
#else
#include <unistd.h>
#endif

#include "cli_util.h"
#include "command.h"
#include "memview/clock.h"
#include "memview/json_bytes.h"
#include "memview/numbers.h"
#include "memview/source_spec.h"
#include "memview/text_bytes.h"
#include "memview/who_maps.h"
#include "memview/who_writes.h"

namespace memview::cli {
namespace {

struct WhoWritesCliOptions {
  std::string spec;
  std::string address;
  std::optional<uint64_t> length;
  std::optional<double> duration;
  bool json = false;
};

// The watched bytes as a little-endian integer in hex (what a counter or a flag holds).
std::string ww_value_text(const std::vector<std::byte>& v) {
  if (v.empty()) return "?";
  uint64_t x = 0;
  for (size_t i = v.size(); i-- > 0;) x = (x << 8) | static_cast<uint64_t>(v[i]);
  return fmt::format("0x{:0{}x}", x, static_cast<int>(v.size() * 2));
}

std::string ww_location(const CodeLocation& c) {
  if (c.function.empty() && c.module.empty()) return "?";
  std::string module = c.module;
  if (const size_t slash = module.rfind('/'); slash != std::string::npos)
    module = module.substr(slash + 1);
  if (c.function.empty()) return printable_text(module);
  return printable_text(fmt::format("{}+0x{:x}", c.function, c.function_offset));
}

std::string ww_source(const CodeLocation& c) {
  if (c.file.empty()) return "";
  std::string file = c.file;
  if (const size_t slash = file.rfind('/'); slash != std::string::npos)
    file = file.substr(slash + 1);
  return printable_text(fmt::format("{}:{}", file, c.line));
}

std::string ww_table_text(const WhoWritesTable& t, int64_t now) {
  std::string out;
  const double secs = static_cast<double>(t.updated_ns - t.started_ns) / 1e9;
  std::string watched;
  for (const WriteWatch& w : t.watches) {
    watched += fmt::format("{}0x{:x} ({} byte{})", watched.empty() ? "" : ", ", w.address, w.length,
                           w.length == 1 ? "" : "s");
  }
  out += fmt::format("who writes {} at {}: {} write{} in {:.1f} s, {} process{} attached\n",
                     printable_text(t.spec), watched, t.hits, t.hits == 1 ? "" : "s", secs,
                     t.attached_count(), t.attached_count() == 1 ? "" : "es");
  const bool many = t.watches.size() > 1;
  if (!t.rows.empty()) {
    out +=
        fmt::format("{}{:<24} {:<24} {:>10}  {:>9}  {:<18}  {:<32} {}\n", many ? "WATCH     " : "",
                    "PROCESS", "THREAD", "WRITES", "LAST", "VALUE", "FUNCTION", "SOURCE");
  }
  for (const WriterRow& r : t.rows) {
    const double ago = static_cast<double>(now - r.last_ns) / 1e9;
    out += fmt::format("{}{:<24} {:<24} {:>10}  {:>7.1f} s  {:<18}  {:<32} {}\n",
                       many ? fmt::format("0x{:<7x} ", t.watches[r.watch].address) : "",
                       fmt::format("{} {}", r.pid, printable_text(r.process)),
                       fmt::format("{} {}", r.tid, printable_text(r.thread)), r.count, ago,
                       ww_value_text(r.value), ww_location(r.where), ww_source(r.where));
  }
  for (const AttachedProcess& p : t.processes) {
    std::string where;
    for (const WatchAddress& a : p.addresses)
      where += fmt::format("{}0x{:x}", where.empty() ? "" : ", ", a.address);
    const char* state = p.exited ? "exited" : p.detached ? "detached" : "attached";
    out += fmt::format("{} {} ({}): {} thread{}, {} write{} at {}{}\n", state, p.pid,
                       printable_text(p.command), p.threads, p.threads == 1 ? "" : "s", p.hits,
                       p.hits == 1 ? "" : "s", where,
                       p.error.empty() ? "" : " — " + printable_text(p.error));
  }
  if (t.lost > 0) {
    out += fmt::format(
        "{} write{} counted but not sampled (the ring buffer was full): the rows add "
        "up to {} of {}\n",
        t.lost, t.lost == 1 ? " was" : "s were", t.samples, t.hits);
  }
  for (const std::string& n : t.notes) out += "note: " + printable_text(n) + "\n";
  if (!t.values_note.empty()) out += "note: " + printable_text(t.values_note) + "\n";
  return out;
}

nlohmann::json ww_table_json(const WhoWritesTable& t) {
  nlohmann::json j;
  j["spec"] = json_from_bytes(t.spec);
  nlohmann::json watches = nlohmann::json::array();
  for (const WriteWatch& w : t.watches)
    watches.push_back({{"address", w.address}, {"length", w.length}});
  j["watches"] = std::move(watches);
  j["seconds"] = static_cast<double>(t.updated_ns - t.started_ns) / 1e9;
  j["hits"] = t.hits;
  j["samples"] = t.samples;
  j["lost"] = t.lost;
  nlohmann::json procs = nlohmann::json::array();
  for (const AttachedProcess& p : t.processes) {
    nlohmann::json pj;
    pj["pid"] = p.pid;
    pj["command"] = json_from_bytes(p.command);
    nlohmann::json addrs = nlohmann::json::array();
    for (const WatchAddress& a : p.addresses)
      addrs.push_back({{"watch", a.watch}, {"address", a.address}});
    pj["addresses"] = std::move(addrs);
    pj["threads"] = p.threads;
    pj["hits"] = p.hits;
    pj["exited"] = p.exited;
    pj["detached"] = p.detached;
    pj["error"] = p.error.empty() ? nlohmann::json() : json_message(p.error);
    procs.push_back(std::move(pj));
  }
  j["processes"] = std::move(procs);
  nlohmann::json rows = nlohmann::json::array();
  for (const WriterRow& r : t.rows) {
    nlohmann::json rj;
    rj["watch"] = r.watch;
    rj["pid"] = r.pid;
    rj["tid"] = r.tid;
    rj["process"] = json_from_bytes(r.process);
    rj["thread"] = json_from_bytes(r.thread);
    rj["ip"] = r.ip;
    rj["module"] = json_from_bytes(r.where.module);
    rj["function"] = json_from_bytes(r.where.function);
    rj["function_offset"] = r.where.function_offset;
    rj["file"] = json_from_bytes(r.where.file);
    rj["line"] = r.where.line;
    rj["column"] = r.where.column;
    rj["count"] = r.count;
    rj["first_ns"] = r.first_ns;
    rj["last_ns"] = r.last_ns;
    rj["value"] = r.value.empty() ? nlohmann::json() : nlohmann::json(ww_value_text(r.value));
    rows.push_back(std::move(rj));
  }
  j["writers"] = std::move(rows);
  nlohmann::json notes = nlohmann::json::array();
  for (const std::string& n : t.notes) notes.push_back(json_message(n));
  j["notes"] = std::move(notes);
  j["values_note"] = t.values_note.empty() ? nlohmann::json() : json_message(t.values_note);
  return j;
}

// The range must lie inside the source when it can be opened; a pid: source this user may
// not read is still watched (perf's own permission check decides, and explains).
Status ww_check_range(const std::string& spec, uint64_t address, uint64_t length) {
  Result<SourcePtr> source = open_spec(spec, /*read_only=*/true);
  if (!source) {
    Result<SourceSpec> parsed = parse_source_spec(spec);
    if (parsed && parsed->scheme == "pid" && source.error().code == Errc::permission) return {};
    return source.error();
  }
  return check_inside(source.value()->info(), address, length, "watched range");
}

bool ww_stdout_is_terminal() {
#if defined(_WIN32)
  return _isatty(1) != 0;
#else
  return isatty(STDOUT_FILENO) != 0;
#endif
}

int ww_wait_attached(const WhoWritesJob& job) {
  for (;;) {
    const std::shared_ptr<const WhoWritesTable> t = job.table->latest();
    if (t && t->phase == WhoWritesPhase::watching) return 0;
    if (job.worker->done()) {
      if (const std::optional<Error> e = job.worker->error()) return fail(*e);
      return 0;
    }
    if (stop_requested()) return 0;
    sleep_ms(5);
  }
}

int run_who_writes(const WhoWritesCliOptions& opts) {
#if defined(_WIN32)
  if (!opts.spec.empty())
    return fail("who-writes is not available on Windows (it needs Linux perf events)");
#endif
  Result<uint64_t> address = parse_u64(opts.address, "address");
  if (!address) return fail(address.error());
  uint64_t length = opts.length.value_or(0);
  if (!opts.length) {  // the widest watch ADDR is aligned for
    length = 8;
    while (length > 1 && *address % length != 0) length /= 2;
  }
  if (opts.duration && !(*opts.duration >= 0 && *opts.duration < 1e7)) {
    return fail("--duration must be a number of seconds (0 or more)");
  }
  Result<std::vector<WriteWatch> > watches = plan_write_watches(*address, length);
  if (!watches) return fail(watches.error());
  if (Status s = ww_check_range(opts.spec, *address, length); !s) return fail(s.error());

  install_stop_signals();
  WhoWritesOptions o;
  o.spec = opts.spec;
  o.watches = *watches;
  WhoWritesJob job = start_who_writes(std::move(o));
  if (const int rc = ww_wait_attached(job); rc != 0) return rc;
  if (const std::shared_ptr<const WhoWritesTable> t = job.table->latest()) {
    size_t threads = 0;
    for (const AttachedProcess& p : t->processes) threads += p.threads;
    fmt::print(
        stderr, "watching {}: {} process{}, {} thread{}; {}\n", printable_text(t->spec),
        t->attached_count(), t->attached_count() == 1 ? "" : "es", threads, threads == 1 ? "" : "s",
        opts.duration ? fmt::format("for {} s", *opts.duration) : std::string("Ctrl-C stops"));
    std::fflush(stderr);
  }

  const bool live = !opts.json && ww_stdout_is_terminal();
  const int64_t end =
      opts.duration ? now_ns() + static_cast<int64_t>(*opts.duration * 1e9) : INT64_MAX;
  int64_t next_draw = 0;
  while (!stop_requested() && !job.worker->done() && now_ns() < end) {
    if (live && now_ns() >= next_draw) {
      if (const std::shared_ptr<const WhoWritesTable> t = job.table->latest()) {
        write_stdout("\x1b[H\x1b[2J" + ww_table_text(*t, now_ns()));
      }
      next_draw = now_ns() + 500'000'000;
    }
    sleep_ms(std::min<int64_t>(20, std::max<int64_t>(1, (end - now_ns()) / 1'000'000)));
  }
  job.worker->cancel();
  job.worker->join();
  if (const std::optional<Error> e = job.worker->error()) return fail(*e);
  const std::shared_ptr<const WhoWritesTable> t = job.table->latest();
  if (!t) return fail("the watch ended without a result");
  const std::string out = opts.json
                              ? json_dump(ww_table_json(*t), 2) + "\n"
                              : (live ? "\x1b[H\x1b[2J" : "") + ww_table_text(*t, t->updated_ns);
  if (!write_stdout(out)) return kExitFailure;
  return 0;
}

void setup_who_writes(CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<WhoWritesCliOptions>();
  CLI::App* sub = app.add_subcommand(
      "who-writes",
      "Which code writes these bytes: hardware write breakpoints in every thread of every "
      "process that maps them (pid: that process), without stopping anyone; exact counts, "
      "function and file:line of each writer");
  sub->add_option("SPEC", opts->spec, spec_help("What to watch:", who_maps_supports))->required();
  sub->add_option("ADDR", opts->address,
                  "offset of the bytes in the object (pid: sources: the virtual address)")
      ->required();
  sub->add_option(
      "--len", opts->length,
      "bytes to watch: 1, 2, 4 or 8, aligned (default: the widest ADDR is aligned for); a "
      "wider range is split into up to 4 aligned watches");
  sub->add_option("--duration", opts->duration,
                  "stop after this many seconds (default: at Ctrl-C)");
  sub->add_flag("--json", opts->json, "Print the final table as JSON");
  sub->callback([opts, &exit_code] { exit_code = run_who_writes(*opts); });
}

}  // namespace
}  // namespace memview::cli

MEMVIEW_CLI_COMMAND(memview::cli::setup_who_writes)
