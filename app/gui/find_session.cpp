// The Find panel's work for one tab: checking a value before a scan starts, starting and
// collecting the scan and pattern workers, undo, and what the frame reads of the results
// (the visible rows' bytes, the grid's candidate marks).
#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "find_job.h"
#include "find_state.h"
#include "memview/source_spec.h"
#include "words.h"

namespace memview::gui {

namespace {

// Pattern searches keep at most this many addresses (the count covers every match).
constexpr size_t kPatternLimit = 1'000'000;
// Result rows polled per frame at most (a tall panel shows far fewer).
constexpr uint64_t kMaxPolledRows = 256;
// Bytes polled per row at most (a regular expression's match may be long; the table shows
// its first 16).
constexpr uint64_t kMaxPolledWidth = 64;

void say(FindState& s, std::string text, bool error) {
  s.message = std::move(text);
  s.message_is_error = error;
  s.message_clock.restart();
}

// The jobs own what they touch (their request and output through shared_ptr), so
// dropping a Worker never waits for its thread to free a scan's buffers (milliseconds for
// hundreds of MiB) on the frame: the thread ends on its own.
void detach(FindState& s) {
  if (s.worker) s.worker->detach_on_destroy();
}

bool needs_value(ScanOp op) {
  return op == ScanOp::eq || op == ScanOp::ne || op == ScanOp::lt || op == ScanOp::gt ||
         op == ScanOp::range || op == ScanOp::increased_by || op == ScanOp::decreased_by;
}

ScanOptions options_of(const FindForm& f) {
  ScanOptions o;
  o.type = f.type;
  o.endian = f.big_endian ? Endian::big : Endian::little;
  o.every_byte = f.every_byte;
  o.tolerance = f.tolerance;
  return o;
}

Result<BytePattern> pattern_of(const FindForm& f) {
  switch (f.pattern_kind) {
    case PatternKind::hex:
      return parse_hex_pattern(f.pattern);
    case PatternKind::text:
      return text_pattern(f.pattern, TextEncoding::utf8, f.ignore_case);
    case PatternKind::utf16:
      return text_pattern(f.pattern, TextEncoding::utf16le, f.ignore_case);
    case PatternKind::regex:
      break;  // start_pattern compiles it
  }
  return make_error(Errc::invalid_argument, "unknown pattern kind");
}

// Lets go of every value scan result (off the frame: see release_off_frame).
void drop_states(FindState& s) {
  std::vector<std::shared_ptr<const void>> dropped(s.indexes.begin(), s.indexes.end());
  s.indexes.clear();
  for (size_t i = s.history.depth(); i > 0; --i) {
    dropped.push_back(s.history.current());
    if (s.history.can_undo()) {
      s.history.undo();
    } else {
      s.history.reset(nullptr);
    }
  }
  release_off_frame(std::move(dropped));
}

void start_first_scan(FindState& s, Source& source) {
  const FindForm& f = s.form;
  if (Status st = find_check_value(f, f.first_op, source.info(), source); !st) {
    say(s, st.error().message, true);
    return;
  }
  ScanRequest req;
  req.spec = source.info().spec;
  req.options = options_of(f);
  req.condition = {f.first_op, f.a, f.b};
  s.scan_out = std::make_shared<Published<IndexedScan>>();
  s.worker = start_indexed_scan(std::move(req), s.scan_out);
  detach(s);
  s.narrowing = false;
  s.message.clear();
}

void start_next_scan(FindState& s, Source& source) {
  const FindForm& f = s.form;
  const std::shared_ptr<const ScanState> current = s.history.current();
  if (!current) {
    say(s, "no scan to narrow yet: start with a first scan", true);
    return;
  }
  if (Status st = check_state_matches(*current, source.info()); !st) {
    say(s, st.error().message, true);
    return;
  }
  if (Status st = find_check_value(f, f.next_op, source.info(), source); !st) {
    say(s, st.error().message, true);
    return;
  }
  ScanRequest req;
  req.spec = source.info().spec;
  req.condition = {f.next_op, f.a, f.b};
  req.previous_shared = current;  // the job copies it: the current state stays for undo
  if (f.vs_first) req.first = s.history.first();
  s.scan_out = std::make_shared<Published<IndexedScan>>();
  s.worker = start_indexed_scan(std::move(req), s.scan_out);
  detach(s);
  s.narrowing = true;
  s.message.clear();
}

void start_regex(FindState& s, Source& source) {
  Result<std::shared_ptr<const ByteRegex>> re = compile_regex(s.form.pattern, s.form.ignore_case);
  if (!re) {
    say(s, re.error().message, true);
    return;
  }
  s.pattern_len = 1;
  s.pattern_desc = s.form.pattern;
  s.find_out = std::make_shared<Published<FindResult>>();
  s.worker = start_find_regex(source.info().spec, std::move(*re), kPatternLimit, s.find_out);
  detach(s);
  s.message.clear();
}

void start_pattern(FindState& s, Source& source) {
  if (s.form.pattern_kind == PatternKind::regex) {
    start_regex(s, source);
    return;
  }
  Result<BytePattern> p = pattern_of(s.form);
  if (!p) {
    say(s, p.error().message, true);
    return;
  }
  s.pattern_len = p->size();
  s.pattern_desc = s.form.pattern;
  s.find_out = std::make_shared<Published<FindResult>>();
  s.worker = start_find(source.info().spec, std::move(*p), kPatternLimit, s.find_out);
  detach(s);
  s.message.clear();
}

std::string scan_summary(const ScanState& st, uint64_t count, bool narrowed) {
  std::string text = fmt::format(
      "{} candidate{} after {} ({} scanned in {:.2f} s)", count, count == 1 ? "" : "s",
      narrowed ? fmt::format("narrowing {}", st.narrowings) : "the first scan",
      bytes_text(st.stats.bytes_scanned), static_cast<double>(st.stats.elapsed_ns) / 1e9);
  if (st.stats.cancelled) text += "; cancelled: the candidates found so far";
  if (st.stats.bytes_unreadable != 0) {
    text += fmt::format("; {} unreadable ({})", bytes_text(st.stats.bytes_unreadable),
                        st.stats.unreadable_message);
  }
  return text;
}

// Takes in what a job that ended published.
void collect(FindState& s) {
  if (!s.worker || !s.worker->done()) return;
  const WorkerState ws = s.worker->state();
  if (ws == WorkerState::failed) {
    const std::optional<Error> e = s.worker->error();
    say(s, e ? e->message : "the scan failed", true);
  } else if (s.scan_out) {
    if (std::shared_ptr<const IndexedScan> r = s.scan_out->latest()) {
      // Only pointers change hands here: the worker built the index, and what this
      // replaces is freed off the frame.
      if (!s.narrowing) drop_states(s);
      s.history.push(r->state());
      s.indexes.push_back(r->index);
      s.results_mode = FindMode::value;
      release_off_frame({std::exchange(s.found, nullptr)});
      say(s, scan_summary(*r->state(), s.index().size(), s.narrowing), false);
    } else {
      say(s, "cancelled before any result", false);
    }
  } else if (s.find_out) {
    if (std::shared_ptr<const FindResult> r = s.find_out->latest()) {
      s.results_mode = FindMode::pattern;
      release_off_frame({std::exchange(s.found, r)});
      drop_states(s);
      std::string text =
          fmt::format("{} match{} of '{}'", r->count, r->count == 1 ? "" : "es", s.pattern_desc);
      if (r->count > r->addresses.size())
        text += fmt::format(" (first {} listed)", r->addresses.size());
      if (r->stats.cancelled) text += "; cancelled: the matches found so far";
      say(s, std::move(text), false);
    }
  }
  s.worker.reset();
  s.scan_out.reset();
  s.find_out.reset();
  s.visible_first = s.visible_last = 0;
  s.editing_row = -1;
}

}  // namespace

const std::vector<uint64_t>& FindState::hits() const {
  static const std::vector<uint64_t> kNone;
  return found ? found->addresses : kNone;
}

const CandidateIndex& FindState::index() const {
  static const CandidateIndex kEmpty;
  return indexes.empty() ? kEmpty : *indexes.back();
}

const char* find_op_label(ScanOp op) {
  switch (op) {
    case ScanOp::eq:
      return "= value";
    case ScanOp::ne:
      return "!= value";
    case ScanOp::lt:
      return "< value";
    case ScanOp::gt:
      return "> value";
    case ScanOp::range:
      return "between a and b";
    case ScanOp::unknown:
      return "unknown initial value";
    case ScanOp::changed:
      return "changed";
    case ScanOp::unchanged:
      return "unchanged";
    case ScanOp::increased:
      return "increased";
    case ScanOp::decreased:
      return "decreased";
    case ScanOp::increased_by:
      return "increased by";
    case ScanOp::decreased_by:
      return "decreased by";
  }
  return "?";
}

Status find_check_value(const FindForm& form, ScanOp op, const SourceInfo& info, Source& source) {
  if (!needs_value(op)) return {};
  if (form.a.empty()) {
    return make_error(Errc::invalid_argument,
                      fmt::format("type a value for '{}'", find_op_label(op)));
  }
  // The engine parses the value before it reads anything: a first scan over no bytes
  // checks the text exactly as the real scan will (by-n conditions parse like "= n").
  ScanCondition c{op, form.a, form.b};
  if (op == ScanOp::increased_by || op == ScanOp::decreased_by) c.op = ScanOp::eq;
  Result<ScanState> r = first_scan(source, options_of(form), c, nullptr, {ByteRange{info.base, 0}});
  if (!r) return r.error();
  return {};
}

std::optional<FindResultRow> find_result_row(const FindState& s, uint64_t i) {
  if (s.results_mode == FindMode::pattern) {
    if (i >= s.hits().size()) return std::nullopt;
    // A regular expression's matches have lengths of their own.
    const std::vector<uint32_t>& lengths = s.found->lengths;
    const size_t width = i < lengths.size() ? lengths[i] : s.pattern_len;
    return FindResultRow{s.hits()[i], width, ScalarType::u8, nullptr};
  }
  std::optional<CandidateRow> r = s.index().row(i);
  if (!r) return std::nullopt;
  return FindResultRow{r->address, scalar_size(r->type), r->type, r->value};
}

void find_request(const FindState& s, Poller& poller) {
  if (!s.was_shown) return;
  const uint64_t last = std::min(s.visible_last, s.visible_first + kMaxPolledRows);
  for (uint64_t i = s.visible_first; i < last; ++i) {
    std::optional<FindResultRow> r = find_result_row(s, i);
    if (!r) break;
    poller.request({r->address, std::min<uint64_t>(r->width, kMaxPolledWidth)});
  }
}

void find_mark_grid(FindState& s, const HexViewState& hex, const Palette& pal,
                    HexViewContext& ctx) {
  s.grid_marked_bytes = 0;
  if (!s.was_shown || s.result_count() == 0) return;
  const uint64_t b = hex.visible_begin;
  const uint64_t e = hex.visible_end;
  if (e <= b) return;
  s.tint.assign(static_cast<size_t>(e - b), 0);
  if (ctx.tint) {  // the overlays' fields keep their colour; candidates fill the rest
    for (uint64_t a = std::max(b, ctx.tint_begin); a < std::min(e, ctx.tint_end); ++a) {
      s.tint[a - b] = ctx.tint[a - ctx.tint_begin];
    }
  }
  const ImU32 colour = (pal.cursor & ~IM_COL32_A_MASK) | (ImU32{0x38} << IM_COL32_A_SHIFT);
  int marked = 0;
  auto mark = [&](uint64_t address, size_t width) {
    for (uint64_t a = std::max(address, b); a < std::min(address + width, e); ++a) {
      ImU32& t = s.tint[a - b];
      if (t == 0) {
        t = colour;
        ++marked;
      }
    }
  };
  if (s.results_mode == FindMode::pattern) {
    const uint64_t longest = std::max<uint64_t>(s.pattern_len, s.found ? s.found->longest : 0);
    const uint64_t from = b >= longest ? b - longest + 1 : 0;
    const std::vector<uint64_t>& hits = s.hits();
    for (auto it = std::lower_bound(hits.begin(), hits.end(), from); it != hits.end() && *it < e;
         ++it) {
      const auto k = static_cast<size_t>(it - hits.begin());
      const std::vector<uint32_t>& lengths = s.found->lengths;  // a regex's matches
      mark(*it, k < lengths.size() ? lengths[k] : s.pattern_len);
    }
  } else {
    s.index().for_each_in(b, e, mark);
  }
  s.grid_marked_bytes = marked;
  if (marked == 0 && !ctx.tint) return;
  ctx.tint = s.tint.data();
  ctx.tint_begin = b;
  ctx.tint_end = e;
}

void find_end_frame(FindState& s, Source& source) {
  s.was_shown = s.shown;
  s.shown = false;
  collect(s);
  const FindAction a = s.request;
  s.request = FindAction::none;
  if (a == FindAction::cancel) {
    if (s.worker) s.worker->cancel();
    return;
  }
  if (a == FindAction::none || s.worker) return;  // one job at a time
  switch (a) {
    case FindAction::first_scan:
      start_first_scan(s, source);
      break;
    case FindAction::next_scan:
      start_next_scan(s, source);
      break;
    case FindAction::find_pattern:
      start_pattern(s, source);
      break;
    case FindAction::undo:
      if (s.history.can_undo() && s.indexes.size() == s.history.depth()) {
        std::vector<std::shared_ptr<const void>> dropped{s.history.current(), s.indexes.back()};
        s.history.undo();
        s.indexes.pop_back();
        release_off_frame(std::move(dropped));
        s.visible_first = s.visible_last = 0;
        say(s, fmt::format("undone: {} candidates", s.index().size()), false);
      }
      break;
    case FindAction::clear:
      drop_states(s);
      release_off_frame({std::exchange(s.found, nullptr)});
      s.results_mode = FindMode::value;
      s.message.clear();
      break;
    case FindAction::none:
    case FindAction::cancel:
      break;
  }
}

}  // namespace memview::gui
