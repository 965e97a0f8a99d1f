// memview-cli record SPEC --out FILE [--range OFF+LEN]... [--header F --type T --at OFF]
// [--field PATH]... [--rate HZ|max] [--seqlock FIELD|OFF+LEN] [--stable-read] [--duration S]
// [--ring S|SIZE]
// [--trigger EXPR]... [--pre S] [--post S] [--exec CMD]: samples ranges of an object on a
// background sampler (memview/recorder.h) into a recording file, with a status line on a
// terminal and a summary at the end. Ctrl+C finishes the file cleanly.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#if defined(_WIN32)
#include <io.h>
#else
#include <unistd.h>
#endif

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli_util.h"
#include "command.h"
#include "layout_args.h"
#include "mark_exec.h"
#include "memview/json_bytes.h"
#include "memview/numbers.h"
#include "memview/recorder.h"
#include "memview/text_bytes.h"
#include "recording_util.h"

namespace memview::cli {
namespace {

struct RecordOptions {
  std::string spec;
  std::string out;
  std::vector<std::string> ranges;
  std::vector<std::string> fields;
  LayoutArgs layout;
  std::optional<std::string> at;
  std::string rate = "1000";
  std::optional<std::string> seqlock;
  bool stable_read = false;
  std::optional<std::string> duration;
  std::optional<std::string> samples;
  std::optional<std::string> ring;
  std::vector<std::string> triggers;
  std::string pre = "0";
  std::optional<std::string> post;
  std::optional<std::string> post_samples;
  std::optional<std::string> exec;
  bool force = false;
  bool json = false;
};

bool stderr_is_terminal() {
#if defined(_WIN32)
  return _isatty(2) != 0;
#else
  return isatty(STDERR_FILENO) != 0;
#endif
}

// The ranges to record: --range and --field, else the layout's struct at --at, else the
// whole object.
Result<std::vector<ByteRange>> choose_ranges(const RecordOptions& o, const Layout* layout,
                                             uint64_t at) {
  std::vector<ByteRange> ranges;
  for (const std::string& text : o.ranges) {
    Result<ByteRange> r = parse_range_arg(text, "--range");
    if (!r) return r.error();
    ranges.push_back(*r);
  }
  if (!o.fields.empty() && !layout) {
    return make_error(Errc::invalid_argument, "--field needs --header/--type or --layout-json");
  }
  for (const std::string& path : o.fields) {
    Result<ByteRange> r = field_range(*layout, at, path);
    if (!r) return make_error(r.error().code, "--field: " + r.error().message);
    ranges.push_back(*r);
  }
  // Fields next to each other are one range: one read and one keyframe span for them all.
  if (!o.fields.empty()) return merge_ranges(std::move(ranges));
  if (!ranges.empty()) return ranges;
  if (layout) return std::vector<ByteRange>{{at, layout->size}};
  Result<SourcePtr> source = open_spec(o.spec, /*read_only=*/true);
  if (!source) return source.error();
  const SourceInfo& info = (*source)->info();
  if (info.size == 0 || info.size > kMaxRecordedBytes) {
    return make_error(Errc::invalid_argument,
                      fmt::format("'{}' holds {} bytes: name what to record with --range OFF+LEN "
                                  "(or --header/--type/--at)",
                                  printable_text(info.spec), info.size));
  }
  return std::vector<ByteRange>{{info.base, info.size}};
}

Result<RecorderOptions> build_options(const RecordOptions& o) {
  RecorderOptions r;
  r.spec = o.spec;
  r.out_path = o.out;
  std::optional<Layout> layout;
  uint64_t at = 0;
  if (o.layout.header || o.layout.type || o.layout.layout_json) {
    Result<Layout> l = load_layout(o.layout);
    if (!l) return make_error(l.error().code, first_line(l.error()));
    layout = std::move(*l);
    if (o.at) {
      Result<uint64_t> a = parse_u64(*o.at, "--at");
      if (!a) return a.error();
      at = *a;
    }
    r.layout_json = layout_to_json(*layout);
    r.layout_at = at;
  }
  const Layout* lp = layout ? &*layout : nullptr;
  Result<std::vector<ByteRange>> ranges = choose_ranges(o, lp, at);
  if (!ranges) return ranges.error();
  r.ranges = std::move(*ranges);
  if (o.rate == "max") {
    r.rate_hz = 0;
  } else {
    Result<uint64_t> hz = parse_u64(o.rate, "--rate");
    if (!hz || *hz == 0)
      return make_error(Errc::invalid_argument, "--rate must be HZ (1 or more) or max");
    r.rate_hz = static_cast<double>(*hz);
  }
  if (o.seqlock) {
    if (o.seqlock->find('+') != std::string::npos) {
      Result<ByteRange> s = parse_range_arg(*o.seqlock, "--seqlock");
      if (!s) return s.error();
      r.seqlock = *s;
    } else {
      if (!lp)
        return make_error(Errc::invalid_argument,
                          "--seqlock FIELD needs a layout (or give OFF+LEN)");
      Result<TriggerOperand> f = field_operand(*lp, at, *o.seqlock);
      if (!f) return f.error();
      r.seqlock = ByteRange{f->address, f->length};
    }
  }
  r.stable_read = o.stable_read;
  if (o.duration) {
    Result<int64_t> d = parse_seconds(*o.duration, "--duration");
    if (!d) return d.error();
    r.duration_ns = *d;
  }
  if (o.samples) {
    Result<uint64_t> n = parse_u64(*o.samples, "--samples");
    if (!n) return n.error();
    r.max_samples = *n;
  }
  if (o.ring && has_byte_unit(*o.ring)) {
    Result<uint64_t> bytes = parse_byte_size(*o.ring, "--ring");
    if (!bytes) return bytes.error();
    // A ring of compressed blocks: about eight blocks in it, each at least a keyframe.
    r.writer.ring_bytes = *bytes;
    uint64_t total = 0;
    for (const ByteRange& range : r.ranges) total += range.length;
    r.writer.block_bytes = std::max<uint64_t>({*bytes / 8, total + 4096, 64u << 10});
  } else if (o.ring) {
    Result<int64_t> ring = parse_seconds(*o.ring, "--ring");
    if (!ring || *ring == 0) {
      return make_error(Errc::invalid_argument,
                        "--ring must be seconds above 0 (60) or a size (64MiB)");
    }
    r.writer.ring_ns = *ring;
    r.writer.block_ns = std::max<int64_t>(*ring / 8, 10'000'000);
  }
  const TriggerResolver resolver = [&](std::string_view path) -> Result<TriggerOperand> {
    if (!lp)
      return make_error(Errc::invalid_argument,
                        "field names need --header/--type or --layout-json");
    return field_operand(*lp, at, path);
  };
  for (const std::string& text : o.triggers) {
    Result<Trigger> t = Trigger::parse(text, resolver);
    if (!t) return t.error();
    r.triggers.push_back(std::move(*t));
  }
  Result<int64_t> pre = parse_seconds(o.pre, "--pre");
  if (!pre) return pre.error();
  r.pre_ns = *pre;
  if (o.post && o.post_samples) {
    return make_error(Errc::invalid_argument, "give --post or --post-samples, not both");
  }
  if (o.post_samples) {
    if (o.triggers.empty()) {
      return make_error(Errc::invalid_argument, "--post-samples needs a --trigger");
    }
    Result<uint64_t> n = parse_u64(*o.post_samples, "--post-samples");
    if (!n || *n == 0)
      return make_error(Errc::invalid_argument, "--post-samples must be 1 or more");
    r.post_samples = *n;
  }
  if (o.post) {
    if (o.triggers.empty()) return make_error(Errc::invalid_argument, "--post needs a --trigger");
    Result<int64_t> post = parse_seconds(*o.post, "--post");
    if (!post) return post.error();
    r.post_ns = *post;
  }
  return r;
}

std::string human_bytes(uint64_t n) {
  if (n >= (10ull << 20)) return fmt::format("{} MiB", n >> 20);
  if (n >= (10ull << 10)) return fmt::format("{} KiB", n >> 10);
  return fmt::format("{} B", n);
}

std::string summary_text(const RecorderStats& s, const std::string& out) {
  std::string t =
      fmt::format("recorded {} samples in {:.3f} s ({:.0f} samples/s) into {}\n", s.samples,
                  static_cast<double>(s.elapsed_ns) / 1e9, s.achieved_hz, printable_text(out));
  t += fmt::format("changes: {} samples with changes, {} runs, {} bytes\n", s.changed_samples,
                   s.changed_runs, s.changed_bytes);
  t += fmt::format("timing: worst gap {:.6f} s, 99% of gaps <= {:.6f} s, {} late samples",
                   static_cast<double>(s.worst_gap_ns) / 1e9,
                   static_cast<double>(s.gap_p99_ns) / 1e9, s.late_samples);
  t += "\n";
  t += fmt::format("consistency: {} retries, {} torn samples dropped\n", s.torn_retries,
                   s.torn_dropped);
  t += fmt::format("file: {} ({} uncompressed)\n", human_bytes(s.file_bytes),
                   human_bytes(s.raw_bytes));
  if (s.marks > 0) t += fmt::format("triggers: {} marks\n", s.marks);
  t += fmt::format("ended: {}\n", printable_text(s.ended_by));
  return t;
}

int run_record(const RecordOptions& o) {
  if (!o.force && std::filesystem::exists(std::filesystem::path(o.out))) {
    return failf("'{}' exists: give --force to replace it", printable_text(o.out));
  }
  Result<RecorderOptions> options = build_options(o);
  if (!options) return fail(options.error());
  install_stop_signals();
  Result<std::unique_ptr<Recorder>> started = Recorder::start(std::move(*options));
  if (!started) return fail(started.error());
  Recorder& recorder = **started;
  const bool status_line = !o.json && stderr_is_terminal();
  std::unique_ptr<MarkExec> exec;
  if (o.exec) exec = std::make_unique<MarkExec>(*o.exec, o.out);
  uint64_t marks_posted = 0;
  auto post_marks = [&] {
    if (!exec) return;
    for (const RecordingEvent& mark : recorder.take_marks()) exec->post(mark, ++marks_posted);
  };
  int64_t last_samples = 0;
  uint64_t last_changes = 0;
  while (!recorder.wait_for(200)) {
    if (stop_requested()) recorder.stop();
    const RecorderStats s = recorder.stats();
    post_marks();
    if (status_line) {
      const double rate = static_cast<double>(static_cast<int64_t>(s.samples) - last_samples) * 5;
      const double changes = static_cast<double>(s.changed_samples - last_changes) * 5;
      std::fprintf(stderr, "\r%.1f s: %.0f samples/s, %.0f changes/s, %s, %llu marks   ",
                   static_cast<double>(s.elapsed_ns) / 1e9, rate, changes,
                   human_bytes(s.file_bytes).c_str(), static_cast<unsigned long long>(s.marks));
      std::fflush(stderr);
      last_samples = static_cast<int64_t>(s.samples);
      last_changes = s.changed_samples;
    }
  }
  if (status_line) std::fputs("\n", stderr);
  post_marks();
  if (exec) {
    // The commands of the last marks still run; another Ctrl+C stops waiting for them.
    const int signals = stop_signal_count();
    exec->drain([signals] { return stop_signal_count() > signals; });
  }
  if (std::optional<Error> e = recorder.error()) return fail(with_context("record", o.spec, *e));
  const RecorderStats s = recorder.stats();
  if (o.json) {
    nlohmann::json j = nlohmann::json::parse(s.to_json());
    j["file"] = json_from_bytes(o.out);
    j["file_bytes"] = s.file_bytes;
    j["raw_bytes"] = s.raw_bytes;
    j["stored_bytes"] = s.stored_bytes;
    return write_stdout(json_dump(j) + "\n") ? 0 : kExitFailure;
  }
  return write_stdout(summary_text(s, o.out)) ? 0 : kExitFailure;
}

void setup_record(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<RecordOptions>();
  CLI::App* sub = app.add_subcommand(
      "record", "Sample ranges of an object on a background thread into a recording file");
  sub->add_option("SPEC", o->spec, spec_help())->required();
  sub->add_option("--out,-o", o->out, "The recording file to write")->required();
  sub->add_option("--range", o->ranges,
                  "OFF+LEN to sample (repeatable; default: the layout's struct, else the whole "
                  "object up to 32 MiB)")
      ->allow_extra_args(false);
  sub->add_option("--field", o->fields,
                  "Sample only these fields of the layout (PATH, repeatable or comma-separated: "
                  "a scalar, an array or a nested struct)")
      ->allow_extra_args(false)
      ->delimiter(',');
  add_layout_options(sub, o->layout, /*allow_json_file=*/true);
  sub->add_option("--at", o->at, "Offset of the struct for --header/--type (default 0)");
  sub->add_option("--rate", o->rate, "Samples per second, or max (default 1000)");
  sub->add_option("--seqlock", o->seqlock,
                  "Sequence counter (a field, or OFF+LEN): keep only consistent samples");
  sub->add_flag("--stable-read", o->stable_read, "Keep a sample only when two reads agree");
  sub->add_option("--duration", o->duration, "Stop after S seconds (default: Ctrl+C)");
  sub->add_option("--samples", o->samples, "Stop after N samples");
  sub->add_option("--ring", o->ring,
                  "Keep only the last S seconds, or the last SIZE (64MiB) of compressed blocks "
                  "(flight recorder)");
  sub->add_option("--trigger", o->triggers,
                  "Mark the recording when EXPR turns true: u32@0x40 > 100, FIELD changed, "
                  "... crosses above N, ... bit N set, and/or/not (repeatable)")
      ->allow_extra_args(false);
  sub->add_option("--pre", o->pre, "With --post: seconds kept before the trigger (default 0)");
  sub->add_option("--post", o->post, "Stop S seconds after the first trigger");
  sub->add_option("--post-samples", o->post_samples, "Stop N samples after the first trigger");
  sub->add_option("--exec", o->exec,
                  "Run CMD for each mark, with the event as JSON on stdin and MEMVIEW_MARK_T_S, "
                  "MEMVIEW_MARK_TEXT, MEMVIEW_MARK_INDEX, MEMVIEW_RECORDING set");
  sub->add_flag("--force", o->force, "Replace an existing output file");
  sub->add_flag("--json", o->json, "Print the summary as one JSON object");
  sub->callback([o, &exit_code] { exit_code = run_record(*o); });
}

}  // namespace
}  // namespace memview::cli

MEMVIEW_CLI_COMMAND(memview::cli::setup_record)
