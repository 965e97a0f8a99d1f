// memview-cli replay FILE [--at T] [--dump] | --changes [--range OFF+LEN | --field F]
// [--from T1] [--to T2] [--json] | --field FIELD --csv | --next-change/--previous-change
// (--range R | --field F) --at T
// | --info: reads a recording back (memview/recording.h). Times are seconds since the start
// of the recording.
#include <limits>
#include <memory>
#include <optional>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli_util.h"
#include "command.h"
#include "hexdump_format.h"
#include "memview/json_bytes.h"
#include "memview/numbers.h"
#include "memview/recording.h"
#include "memview/text_bytes.h"
#include "recording_util.h"

namespace memview::cli {
namespace {

struct ReplayOptions {
  std::string file;
  std::optional<std::string> at;
  bool dump = false;
  bool changes = false;
  std::optional<std::string> range;
  std::optional<std::string> from;
  std::optional<std::string> to;
  std::optional<std::string> field;
  bool csv = false;
  bool next = false;
  bool previous = false;
  bool info = false;
  bool json = false;
};

constexpr int64_t kEnd = std::numeric_limits<int64_t>::max();

Result<int64_t> time_arg(const std::optional<std::string>& text, int64_t missing,
                         const char* what) {
  if (!text) return missing;
  if (*text == "end") return kEnd;
  return parse_seconds(*text, what);
}

std::string seconds(int64_t ns) {
  return fmt::format("{:.9f}", static_cast<double>(ns) / 1e9);
}

// Writes what collected once it is large, so long outputs stream.
class Output {
 public:
  std::string text;
  bool add_and_drain() {
    if (text.size() < (256u << 10)) return true;
    const bool ok = write_stdout(text);
    text.clear();
    return ok;
  }
  bool finish() { return write_stdout(text); }
};

// The layout stored in the recording, when there is one.
std::optional<Layout> recorded_layout(const Recording& rec) {
  if (rec.header().layout_json.empty()) return std::nullopt;
  Result<Layout> l = layout_from_json(rec.header().layout_json);
  if (!l) return std::nullopt;
  return std::move(*l);
}

// The bytes --field names for --changes and --next/--previous-change: TYPE@ADDRESS, or
// any field of the recorded layout (a scalar, an array, a nested struct).
Result<ByteRange> field_filter_range(const Recording& rec, const std::string& field) {
  if (field.find('@') != std::string::npos) {
    Result<TriggerOperand> op = typed_operand(field, nullptr, 0);
    if (!op) return op.error();
    return ByteRange{op->address, op->length};
  }
  std::optional<Layout> layout = recorded_layout(rec);
  if (!layout) {
    return make_error(Errc::invalid_argument,
                      fmt::format("'{}' is not TYPE@ADDRESS (u32@0x40) and the recording holds "
                                  "no layout to find the field in",
                                  printable_text(field)));
  }
  return field_range(*layout, rec.header().layout_at, field);
}

// The filter of --range OFF+LEN or (with --changes or a change search) --field.
Result<std::optional<Recording::Filter>> filter_arg(const Recording& rec, const ReplayOptions& o) {
  if (o.range && o.field) return make_error(Errc::invalid_argument, "give --range or --field");
  if (!o.range && !o.field) return std::optional<Recording::Filter>();
  Result<ByteRange> r =
      o.range ? parse_range_arg(*o.range, "--range") : field_filter_range(rec, *o.field);
  if (!r) return r.error();
  std::optional<Recording::Filter> f = rec.filter_for(r->address, r->length);
  if (!f) {
    return make_error(Errc::out_of_range,
                      fmt::format("{} 0x{:x}+{} is not inside one recorded range",
                                  o.range ? "--range" : "--field", r->address, r->length));
  }
  return f;
}

int dump_state(const Recording& rec, int64_t t) {
  Result<RecordedState> st = rec.state_at(t);
  if (!st) return fail(st.error());
  std::string out;
  for (size_t i = 0; i < st->ranges.size(); ++i) {
    const ByteRange& r = rec.header().ranges[i];
    if (rec.header().ranges.size() > 1) {
      out += fmt::format("range 0x{:x}+{} at {} s\n", r.address, r.length, seconds(st->t_ns));
    }
    HexdumpFormatter f(r.address);
    f.feed(st->ranges[i], out);
    f.finish(out);
  }
  return write_stdout(out) ? 0 : kExitFailure;
}

int list_changes(const Recording& rec, const ReplayOptions& o, int64_t from, int64_t to) {
  Result<std::optional<Recording::Filter>> filter = filter_arg(rec, o);
  if (!filter) return fail(filter.error());
  Output out;
  bool ok = true;
  Status s = rec.for_each_change(from, to, *filter, false, [&](const RecordedChange& c) {
    const uint64_t address = rec.header().ranges[c.range].address + c.offset;
    if (o.json) {
      nlohmann::json j = {
          {"t_s", static_cast<double>(c.t_ns) / 1e9},
          {"address", address},
          {"bytes", hex_encode(std::string_view(reinterpret_cast<const char*>(c.bytes.data()),
                                                c.bytes.size()))}};
      out.text += json_dump(j) + "\n";
    } else {
      out.text += fmt::format("{} 0x{:08x} {}\n", seconds(c.t_ns), address,
                              format_hex_bytes(c.bytes.data(), c.bytes.size()));
    }
    ok = out.add_and_drain();
    return ok;
  });
  if (!s) return fail(s.error());
  return ok && out.finish() ? 0 : kExitFailure;
}

int field_series(const Recording& rec, const ReplayOptions& o, int64_t from, int64_t to) {
  std::optional<Layout> layout = recorded_layout(rec);
  Result<TriggerOperand> op =
      typed_operand(*o.field, layout ? &*layout : nullptr, rec.header().layout_at);
  if (!op) return fail(op.error());
  std::optional<Recording::Filter> f = rec.filter_for(op->address, op->length);
  if (!f) {
    return failf("the field at 0x{:x} ({} bytes) is not inside the recorded ranges", op->address,
                 op->length);
  }
  Result<std::vector<SeriesPoint>> series =
      rec.series(f->range, f->offset, *op->type, Endian::little, from, to);
  if (!series) return fail(series.error());
  Output out;
  if (o.csv) out.text = "time_s,value\n";
  for (const SeriesPoint& p : *series) {
    out.text += o.csv ? fmt::format("{},{}\n", seconds(p.t_ns), p.value)
                      : fmt::format("{} {}\n", seconds(p.t_ns), p.value);
    if (!out.add_and_drain()) return kExitFailure;
  }
  return out.finish() ? 0 : kExitFailure;
}

int find_change(const Recording& rec, const ReplayOptions& o, int64_t t) {
  Result<std::optional<Recording::Filter>> filter = filter_arg(rec, o);
  if (!filter) return fail(filter.error());
  if (!*filter) return fail("--next-change and --previous-change need --range OFF+LEN or --field");
  Result<std::optional<int64_t>> found =
      o.next ? rec.next_change(**filter, t) : rec.previous_change(**filter, t);
  if (!found) return fail(found.error());
  if (!*found) return write_stdout("none\n") ? 0 : kExitFailure;
  return write_stdout(seconds(**found) + "\n") ? 0 : kExitFailure;
}

int run_replay(const ReplayOptions& o) {
  // --field is a mode of its own (the series), or the filter of --changes and the searches.
  const bool field_filters = o.changes || o.next || o.previous;
  const int modes = (o.dump ? 1 : 0) + (o.changes ? 1 : 0) + (o.field && !field_filters ? 1 : 0) +
                    (o.next || o.previous ? 1 : 0) + (o.info ? 1 : 0);
  if (modes > 1)
    return fail("give one of --dump, --changes, --field, --next-change/--previous-change, --info");
  if (o.csv && (!o.field || field_filters)) return fail("--csv needs --field (a series)");
  if (o.info) return print_recording_info(o.file, o.json);
  Result<Recording> rec = Recording::open(o.file);
  if (!rec) return fail(with_context("read", o.file, rec.error()));
  if (rec->truncated()) {
    std::fprintf(stderr, "warning: %s: reading up to the last complete block\n",
                 rec->truncation().c_str());
  }
  Result<int64_t> from = time_arg(o.from, 0, "--from");
  if (!from) return fail(from.error());
  Result<int64_t> to = time_arg(o.to, kEnd, "--to");
  if (!to) return fail(to.error());
  if (o.changes) return list_changes(*rec, o, *from, *to);
  if (o.field && !field_filters) return field_series(*rec, o, *from, *to);
  Result<int64_t> at = time_arg(o.at, kEnd, "--at");
  if (!at) return fail(at.error());
  if (o.next || o.previous) return find_change(*rec, o, *at);
  return dump_state(*rec, *at);
}

void setup_replay(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<ReplayOptions>();
  CLI::App* sub = app.add_subcommand(
      "replay", "Read a recording back: state at a time, changes, a field's series");
  sub->add_option("FILE", o->file, "Recording written by 'record'")->required();
  sub->add_option("--at", o->at, "Time in seconds since the start (default: the end)");
  sub->add_flag("--dump", o->dump, "The state at --at as hexdump -C (the default)");
  sub->add_flag("--changes", o->changes, "One line per changed run: time, address, new bytes");
  sub->add_option("--range", o->range, "Only changes of OFF+LEN (addresses as recorded)");
  sub->add_option("--from", o->from, "Changes and series from this time (seconds)");
  sub->add_option("--to", o->to, "... up to this time (seconds)");
  sub->add_option("--field", o->field,
                  "A field's values: TYPE@ADDRESS (u32@0x40) or a layout path; with --changes "
                  "or --next-change/--previous-change: only that field's bytes (any field)");
  sub->add_flag("--csv", o->csv, "With --field: CSV with the header time_s,value");
  sub->add_flag("--next-change", o->next,
                "Time of the next change of --range or --field after --at");
  sub->add_flag("--previous-change", o->previous,
                "Time of the last change of --range or --field before --at");
  sub->add_flag("--info", o->info, "The recording's header, blocks, events and summary");
  sub->add_flag("--json", o->json, "With --changes: one JSON object per line; with --info: JSON");
  sub->callback([o, &exit_code] { exit_code = run_replay(*o); });
}

}  // namespace
}  // namespace memview::cli

MEMVIEW_CLI_COMMAND(memview::cli::setup_replay)
