// AsyncSource: the frame's side (serves reads from what the worker published, hands over
// the ranges asked and the edits) and the worker's job (opens the real source, runs the
// edits, fetches, publishes).
#include "memview/async_source.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <limits>
#include <mutex>
#include <optional>

#include <fmt/format.h>

#include "memview/clock.h"
#include "memview/poller.h"

namespace memview {

struct AsyncSource::Snapshot {
  struct Range {
    ByteRange range;
    std::vector<std::byte> bytes;
    std::vector<ByteRange> unreadable;  // sorted, inside range
    std::string message;                // why (the first reason)
  };
  SourceInfo info;
  std::shared_ptr<const std::vector<Range>> ranges;  // sorted by address, non-overlapping
};

struct AsyncSource::Shared {
  SourceSpec spec;
  OpenOptions options;
  Published<Snapshot> published;  // nothing until the real source is open
  // now_ns() when the worker's current call into the source started; 0 when it is in none.
  std::atomic<int64_t> busy_since_ns{0};

  std::mutex mutex;                   // guards what follows; never held across I/O
  std::vector<ByteRange> wanted;      // frame -> worker: what to fetch
  uint64_t asks = 0;                  // frame -> worker: one per refresh()
  std::vector<EditRequest> edits;     // frame -> worker, in order
  std::vector<SourceEvent> events;    // worker -> frame
  std::vector<EditOutcome> outcomes;  // worker -> frame, in order
  bool ended = false;                 // the worker takes no more edits
  std::string end_reason;
};

namespace {

using Snapshot = AsyncSource::Snapshot;
using Range = AsyncSource::Snapshot::Range;
using Shared = AsyncSource::Shared;

// A wait on the source longer than this shows in info().status.
constexpr int64_t kSlowNs = 250'000'000;
// With nothing asked the worker still refreshes the real source this often.
constexpr int64_t kIdleNs = 250'000'000;
// One fetch round reads at most this much, in chunks so that a cancel is seen in between.
constexpr uint64_t kMaxRoundBytes = uint64_t{4} << 20;
constexpr uint64_t kChunk = uint64_t{64} * 1024;
constexpr size_t kMaxQueuedEvents = 64;
constexpr size_t kMaxAsked = 256;

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

uint64_t end_of(const SourceInfo& info) {
  return info.size > kMax - info.base ? kMax : info.base + info.size;
}

void add_unreadable(ReadOutcome& outcome, uint64_t from, uint64_t to, const std::string& why) {
  if (from >= to) return;
  if (!outcome.unreadable.empty() && outcome.unreadable.back().end() == from) {
    outcome.unreadable.back().length += to - from;
  } else {
    outcome.unreadable.push_back({from, to - from});
  }
  if (outcome.message.empty()) outcome.message = why;
}

// Marks the worker busy on the source for as long as it lives.
class Busy {
 public:
  explicit Busy(Shared& s) : s_(s) { s_.busy_since_ns.store(now_ns()); }
  ~Busy() { s_.busy_since_ns.store(0); }
  Busy(const Busy&) = delete;
  Busy& operator=(const Busy&) = delete;

 private:
  Shared& s_;
};

EditOutcome refused(EditRequest request, const std::string& why) {
  EditOutcome o;
  o.request = std::move(request);
  o.status = make_error(Errc::removed, why);
  return o;
}

// The worker takes no more edits: the queued ones fail with `why`.
void end_worker(Shared& s, const std::string& why, std::optional<SourceEvent> event) {
  std::lock_guard<std::mutex> lock(s.mutex);
  if (s.ended) return;
  s.ended = true;
  s.end_reason = why;
  if (event) s.events.push_back(std::move(*event));
  for (EditRequest& r : s.edits) s.outcomes.push_back(refused(std::move(r), why));
  s.edits.clear();
}

Range fetch_range(WorkerContext& ctx, Source& src, ByteRange want) {
  Range r;
  r.range = want;
  r.bytes.resize(static_cast<size_t>(want.length));
  for (uint64_t off = 0; off < want.length; off += kChunk) {
    if (ctx.cancelled()) break;
    const uint64_t n = std::min(kChunk, want.length - off);
    const ReadOutcome o =
        src.read(want.address + off, std::span(r.bytes).subspan(static_cast<size_t>(off), n));
    for (const ByteRange& u : o.unreadable) {
      if (!r.unreadable.empty() && r.unreadable.back().end() == u.address) {
        r.unreadable.back().length += u.length;
      } else {
        r.unreadable.push_back(u);
      }
    }
    if (r.message.empty()) r.message = o.message;
  }
  return r;
}

// Reads what the frame wants, up to kMaxRoundBytes; empty when cancelled meanwhile.
std::vector<Range> fetch(WorkerContext& ctx, Shared& s, Source& src,
                         const std::vector<ByteRange>& wanted) {
  std::vector<Range> out;
  uint64_t budget = kMaxRoundBytes;
  const std::vector<ByteRange> ranges = merge_ranges(wanted, src.info().base, end_of(src.info()));
  Busy busy(s);
  for (const ByteRange& w : ranges) {
    if (budget == 0) break;
    const ByteRange want{w.address, std::min(w.length, budget)};
    budget -= want.length;
    out.push_back(fetch_range(ctx, src, want));
    if (ctx.cancelled()) return {};
  }
  return out;
}

Status run_worker(WorkerContext& ctx, const std::shared_ptr<Shared>& shared) {
  Shared& s = *shared;
  ctx.set_stage("connecting");
  Result<SourcePtr> opened = [&] {
    Busy busy(s);
    return open_source(s.spec, s.options);
  }();
  if (!opened) {
    SourceEvent e;
    e.kind = SourceEvent::Kind::disconnected;
    e.message = opened.error().message;
    end_worker(s, opened.error().message, e);
    return opened.error();
  }
  Source& src = **opened;
  Editor editor(src);
  auto ranges = std::make_shared<const std::vector<Range>>();
  auto publish = [&] {
    Snapshot snap;
    snap.info = src.info();
    snap.ranges = ranges;
    s.published.publish(std::move(snap));
  };
  publish();
  ctx.set_stage("reading");
  uint64_t served = 0;     // the last ask a fetch answered
  int64_t rest_until = 0;  // no fetch before this: the link rests as long as it worked
  while (!ctx.cancelled()) {
    std::vector<EditRequest> edits;
    std::vector<ByteRange> wanted;
    uint64_t asks = 0;
    {
      std::lock_guard<std::mutex> lock(s.mutex);
      edits.swap(s.edits);
      wanted = s.wanted;
      asks = s.asks;
    }
    std::vector<EditOutcome> outcomes;
    for (const EditRequest& r : edits) {
      Busy busy(s);
      outcomes.push_back(editor.run(r));
    }
    std::vector<SourceEvent> events;
    {
      Busy busy(s);
      events = src.refresh();
    }
    bool changed = !events.empty() || !outcomes.empty();
    // After edits at once, so the bytes published with their outcomes include them.
    if ((asks != served && now_ns() >= rest_until) || !outcomes.empty()) {
      served = asks;
      if (!wanted.empty()) {
        const int64_t t0 = now_ns();
        std::vector<Range> fetched = fetch(ctx, s, src, wanted);
        if (ctx.cancelled()) break;
        ranges = std::make_shared<const std::vector<Range>>(std::move(fetched));
        const int64_t t1 = now_ns();
        rest_until = t1 + (t1 - t0);
        changed = true;
      }
    }
    if (changed) publish();
    if (!events.empty() || !outcomes.empty()) {
      std::lock_guard<std::mutex> lock(s.mutex);
      for (SourceEvent& e : events) s.events.push_back(std::move(e));
      if (s.events.size() > kMaxQueuedEvents) {
        s.events.erase(s.events.begin(),
                       s.events.end() - static_cast<std::ptrdiff_t>(kMaxQueuedEvents));
      }
      for (EditOutcome& o : outcomes) s.outcomes.push_back(std::move(o));
    }
    // Until the next ask (or edit); while resting, until the rest is over.
    const int64_t now = now_ns();
    ctx.wait_for_wake(asks != served ? std::max(rest_until, now) : now + kIdleNs);
  }
  end_worker(s, fmt::format("{} was closed", s.spec.text()), std::nullopt);
  return {};
}

SourceInfo provisional_info(const SourceSpec& spec, const OpenOptions& options) {
  const SourceBackend* backend = find_source_backend(spec.scheme);
  SourceInfo info;
  if (backend && backend->describe) {
    info = backend->describe(spec, options);
  } else {
    info.spec = spec.text();
    info.kind = spec.scheme;
    info.name = spec.target;
  }
  return info;
}

}  // namespace

std::unique_ptr<AsyncSource> AsyncSource::open(const SourceSpec& spec, const OpenOptions& options) {
  return std::unique_ptr<AsyncSource>(new AsyncSource(spec, options));
}

AsyncSource::AsyncSource(const SourceSpec& spec, const OpenOptions& options)
    : shared_(std::make_shared<Shared>()) {
  shared_->spec = spec;
  shared_->options = options;
  spec_text_ = spec.text();
  waiting_reason_ = fmt::format("waiting for {} (not read yet)", spec_text_);
  info_ = provisional_info(spec, options);
  info_.name += " (connecting...)";
  info_.writable = false;
  info_.read_only_reason = "not connected yet";
  info_.status = fmt::format("connecting to {}...", spec.text());
}

AsyncSource::~AsyncSource() = default;  // the worker is detached: it ends on its own

void AsyncSource::start() {
  worker_ = Worker::start("remote " + spec_text_, [shared = shared_](WorkerContext& ctx) {
    return run_worker(ctx, shared);
  });
  worker_->detach_on_destroy();
}

ReadOutcome AsyncSource::read(uint64_t address, std::span<std::byte> out) {
  ReadOutcome outcome;
  if (out.empty()) return outcome;
  const uint64_t length = out.size();
  if (length > kMax - address) {
    add_unreadable(
        outcome, address, kMax,
        fmt::format("{} bytes at 0x{:x} run past the end of the address space", length, address));
    return outcome;
  }
  asked_.push_back({address, length});
  if (asked_.size() > kMaxAsked) asked_ = merge_ranges(asked_, 0, kMax);
  // Until the source is open (or once its worker is gone) nothing can be read.
  if (ended_ || !opened_ || !snapshot_ || !snapshot_->ranges) {
    add_unreadable(outcome, address, address + length,
                   ended_ ? end_reason_ : "connecting to " + spec_text_);
    return outcome;
  }
  outcome = outside_range(info_, address, length);
  const uint64_t lo = std::max(address, info_.base);
  const uint64_t hi = std::min(address + length, end_of(info_));
  if (lo < hi) serve(address, out, lo, hi, outcome);
  std::sort(outcome.unreadable.begin(), outcome.unreadable.end(),
            [](const ByteRange& a, const ByteRange& b) { return a.address < b.address; });
  return outcome;
}

void AsyncSource::serve(uint64_t address, std::span<std::byte> out, uint64_t lo, uint64_t hi,
                        ReadOutcome& outcome) const {
  const std::string& waiting = waiting_reason_;
  auto copy = [&](const Range& f, uint64_t from, uint64_t to) {
    std::memcpy(out.data() + (from - address), f.bytes.data() + (from - f.range.address),
                static_cast<size_t>(to - from));
  };
  uint64_t pos = lo;
  for (const Range& f : *snapshot_->ranges) {
    if (f.range.end() <= pos) continue;
    if (f.range.address >= hi) break;
    add_unreadable(outcome, pos, std::max(pos, f.range.address), waiting);
    pos = std::max(pos, f.range.address);
    const uint64_t stop = std::min(hi, f.range.end());
    for (const ByteRange& u : f.unreadable) {
      if (u.end() <= pos) continue;
      if (u.address >= stop) break;
      if (u.address > pos) copy(f, pos, u.address);
      const uint64_t u_end = std::min(u.end(), stop);
      add_unreadable(outcome, std::max(u.address, pos), u_end, f.message);
      pos = u_end;
    }
    if (pos < stop) copy(f, pos, stop);
    pos = stop;
    if (pos >= hi) break;
  }
  add_unreadable(outcome, pos, hi, waiting);
}

Status AsyncSource::write(uint64_t, std::span<const std::byte>) {
  return make_error(Errc::unsupported,
                    fmt::format("{} is written on its worker: write through an Editor, which "
                                "queues the edit and reports its outcome",
                                spec_text_));
}

std::vector<SourceEvent> AsyncSource::refresh() {
  if (!worker_) start();
  std::vector<SourceEvent> events;
  {
    std::lock_guard<std::mutex> lock(shared_->mutex);
    shared_->wanted = merge_ranges(asked_, info_.base, end_of(info_));
    ++shared_->asks;
    events.swap(shared_->events);
    if (shared_->ended && !ended_) {
      ended_ = true;
      end_reason_ = shared_->end_reason;
    }
  }
  asked_.clear();
  worker_->wake();
  if (!ended_ && worker_->done()) {
    // The job ended without saying why (it threw): the same as a dropped link.
    const std::optional<Error> error = worker_->error();
    SourceEvent e;
    e.kind = SourceEvent::Kind::disconnected;
    e.message = error ? error->message : spec_text_ + " stopped";
    end_worker(*shared_, e.message, std::nullopt);
    ended_ = true;
    end_reason_ = e.message;
    events.push_back(std::move(e));
  }
  // Events first, then the snapshot: the worker publishes before it queues events, so the
  // info taken here already shows what the events say.
  take_snapshot(events);
  update_status(now_ns());
  return events;
}

void AsyncSource::take_snapshot(std::vector<SourceEvent>& events) {
  const uint64_t version = shared_->published.version();
  if (version == snapshot_version_) return;
  snapshot_version_ = version;
  snapshot_ = shared_->published.latest();
  if (!snapshot_) return;
  const uint64_t old_base = info_.base;
  const uint64_t old_size = info_.size;
  info_ = snapshot_->info;
  if (!opened_) {
    opened_ = true;
    // The spec alone could not tell everything (a 32-bit target's address space).
    if (info_.base != old_base || info_.size != old_size) {
      SourceEvent e;
      e.kind = SourceEvent::Kind::resized;
      e.old_size = old_size;
      e.new_size = info_.size;
      e.message = fmt::format("{} spans 0x{:x}..0x{:x} once connected", info_.name, info_.base,
                              end_of(info_));
      events.insert(events.begin(), std::move(e));
    }
  }
}

void AsyncSource::update_status(int64_t now) {
  if (ended_) {
    info_.writable = false;
    info_.read_only_reason = end_reason_;
    info_.status.clear();
    return;
  }
  const std::string& spec = spec_text_;
  const int64_t busy = shared_->busy_since_ns.load();
  const bool slow = busy != 0 && now - busy > kSlowNs;
  const double seconds = slow ? static_cast<double>(now - busy) / 1e9 : 0.0;
  if (!opened_) {
    info_.status =
        slow ? fmt::format("connecting to {}: waiting for an answer ({:.0f} s)", spec, seconds)
             : fmt::format("connecting to {}...", spec);
  } else {
    info_.status = slow ? fmt::format("waiting for {} to answer ({:.0f} s)", spec, seconds) : "";
  }
}

void AsyncSource::submit(EditRequest request) {
  {
    std::lock_guard<std::mutex> lock(shared_->mutex);
    if (shared_->ended) {
      shared_->outcomes.push_back(refused(std::move(request), shared_->end_reason));
    } else {
      shared_->edits.push_back(std::move(request));
    }
  }
  if (worker_) worker_->wake();
}

std::vector<EditOutcome> AsyncSource::take_outcomes() {
  std::vector<EditOutcome> out;
  std::lock_guard<std::mutex> lock(shared_->mutex);
  out.swap(shared_->outcomes);
  return out;
}

Result<SourcePtr> open_source_nonblocking(std::string_view spec, const OpenOptions& options) {
  Result<SourceSpec> parsed = parse_source_spec(spec);
  if (!parsed) return parsed.error();
  const SourceBackend* backend = find_source_backend(parsed->scheme);
  if (backend && backend->blocking_io) return SourcePtr(AsyncSource::open(*parsed, options));
  return open_source(*parsed, options);
}

}  // namespace memview
