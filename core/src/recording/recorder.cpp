// The recorder's worker: the sampling loop, its timing, faults, triggers and statistics.
#include "memview/recorder.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <deque>
#include <mutex>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#if defined(__linux__)
#include <sys/prctl.h>
#endif

#include "memview/clock.h"
#include "memview/json_bytes.h"
#include "memview/source_spec.h"
#include "sampler.h"

namespace memview {

// Marks on their way from the sampling thread to whoever acts on them. The lock is held
// only to move events, never across I/O.
struct Recorder::MarkQueue {
  std::mutex mutex;
  std::deque<RecordingEvent> pending;
  uint64_t dropped = 0;

  void push(const RecordingEvent& e) {
    const std::lock_guard<std::mutex> lock(mutex);
    if (pending.size() >= kMaxPendingMarks) {
      pending.pop_front();
      ++dropped;
    }
    pending.push_back(e);
  }
};

namespace {

constexpr int64_t kRefreshNs = 100'000'000;  // source.refresh() and stats this often
constexpr int64_t kSpinNs = 50'000;          // the last part of a wait is spun, not slept

// A spin-wait hint (not a yield: giving the CPU away on a busy machine costs a whole time
// slice, far more than the microseconds left).
inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// Sleeps until the deadline and spins the last few microseconds: the kernel's wake-up is
// late by tens of microseconds, which at 10 kHz is half a period.
void wait_until(WorkerContext& ctx, int64_t deadline) {
  if (deadline - now_ns() > kSpinNs) ctx.sleep_until(deadline - kSpinNs);
  while (now_ns() < deadline && !ctx.cancelled()) cpu_relax();
}

Status check_options(const RecorderOptions& o) {
  if (o.ranges.empty()) return make_error(Errc::invalid_argument, "no range to record");
  uint64_t total = 0;
  for (const ByteRange& r : o.ranges) {
    if (r.length == 0) return make_error(Errc::invalid_argument, "a range to record is empty");
    if (r.address + r.length < r.address) {
      return make_error(Errc::out_of_range, "a range to record wraps around");
    }
    total += r.length;
  }
  if (o.ranges.size() > kMaxRecordedRanges || total > kMaxRecordedBytes) {
    return make_error(Errc::invalid_argument,
                      fmt::format("the ranges hold {} bytes: one recording samples at most {} "
                                  "bytes in at most {} ranges",
                                  total, kMaxRecordedBytes, kMaxRecordedRanges));
  }
  if (!(o.rate_hz >= 0) || o.rate_hz > 1e9) {
    return make_error(Errc::invalid_argument, "the rate must be between 1 Hz and 1 GHz, or max");
  }
  if (o.seqlock) {
    const uint64_t n = o.seqlock->length;
    if (n != 1 && n != 2 && n != 4 && n != 8) {
      return make_error(Errc::invalid_argument, "the sequence counter must be 1, 2, 4 or 8 bytes");
    }
    if (o.stable_read) {
      return make_error(Errc::invalid_argument, "give either a seqlock or a stable read, not both");
    }
  }
  if (o.out_path.empty() && !o.writer.in_memory) {
    return make_error(Errc::invalid_argument, "no output file");
  }
  return {};
}

Status check_inside(const SourceInfo& info, const std::vector<ByteRange>& ranges) {
  for (const ByteRange& r : ranges) {
    if (r.address < info.base || r.end() > info.base + info.size) {
      return make_error(
          Errc::out_of_range,
          fmt::format("the range 0x{:x}+{} is not inside '{}' (0x{:x}..0x{:x})", r.address,
                      r.length, info.spec, info.base, info.base + info.size));
    }
  }
  return {};
}

int64_t wall_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Gaps between samples in logarithmic buckets (8 a power of two): percentiles within 12.5%
// at a fixed cost per sample.
class GapHistogram {
 public:
  void add(int64_t gap) {
    const auto g = static_cast<uint64_t>(std::max<int64_t>(gap, 0));
    ++counts_[index(g)];
    ++total_;
  }
  int64_t percentile(double p) const {
    if (total_ == 0) return 0;
    const auto rank = static_cast<uint64_t>(std::ceil(p * static_cast<double>(total_)));
    uint64_t seen = 0;
    for (size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen >= rank) return static_cast<int64_t>(upper(i));
    }
    return static_cast<int64_t>(upper(counts_.size() - 1));
  }

 private:
  static size_t index(uint64_t g) {
    if (g < 8) return static_cast<size_t>(g);
    const int e = 63 - __builtin_clzll(g);
    return 8 + (static_cast<size_t>(e) - 3) * 8 + static_cast<size_t>((g >> (e - 3)) & 7);
  }
  // The largest gap that falls in bucket i.
  static uint64_t upper(size_t i) {
    if (i < 8) return i;
    const size_t e = (i - 8) / 8 + 3;
    const uint64_t m = (i - 8) % 8;
    return ((8 + m + 1) << (e - 3)) - 1;
  }
  std::array<uint64_t, 8 + 61 * 8> counts_{};
  uint64_t total_ = 0;
};

// Everything one recording's loop keeps between samples.
class Session {
 public:
  Session(RecorderOptions& options, WorkerContext& ctx, Published<RecorderStats>& published,
          Recorder::MarkQueue& marks)
      : o_(options), ctx_(ctx), published_(published), marks_(marks) {}

  Status run();

 private:
  Status open();
  std::optional<std::string> check_source();
  Status after_sample(int64_t t);
  Status fault(int64_t t, const std::string& why);
  void publish();

  RecorderOptions& o_;
  WorkerContext& ctx_;
  Published<RecorderStats>& published_;
  Recorder::MarkQueue& marks_;
  SourcePtr source_;
  std::unique_ptr<recording::Sampler> sampler_;
  std::unique_ptr<RecordingWriter> writer_;
  RecorderStats stats_;
  GapHistogram gaps_;
  int64_t start_ = 0;
  int64_t last_t_ = 0;
  uint64_t triggered_at_sample_ = 0;
  uint64_t image_stored_ = 0;  // writer_->stored_bytes() when the image was last published
  bool stop_ = false;
};

Status Session::open() {
  Result<SourcePtr> source = open_source(o_.spec, OpenOptions{.read_only = true});
  if (!source) return source.error();
  source_ = std::move(*source);
  Status inside = check_inside(source_->info(), o_.ranges);
  if (!inside) return inside;
  for (Trigger& t : o_.triggers) {
    Status bound = t.bind(o_.ranges);
    if (!bound) return bound;
  }
  if (o_.seqlock) {
    bool inside_one = false;
    for (const ByteRange& r : o_.ranges) {
      inside_one = inside_one || (o_.seqlock->address >= r.address && o_.seqlock->end() <= r.end());
    }
    if (!inside_one) {
      return make_error(Errc::out_of_range, "the sequence counter is not inside a recorded range");
    }
  }
  const auto mode = o_.seqlock       ? recording::Sampler::Mode::seqlock
                    : o_.stable_read ? recording::Sampler::Mode::stable
                                     : recording::Sampler::Mode::plain;
  sampler_ =
      std::make_unique<recording::Sampler>(*source_, o_.ranges, mode, o_.seqlock, o_.max_retries);
  RecordingHeader header;
  header.spec = source_->info().spec;
  header.ranges = o_.ranges;
  header.rate_hz = o_.rate_hz;
  header.seqlock = o_.seqlock;
  header.stable_read = o_.stable_read;
  header.layout_json = o_.layout_json;
  header.layout_at = o_.layout_at;
  for (const Trigger& t : o_.triggers)
    header.triggers += (header.triggers.empty() ? "" : "\n") + t.text();
  start_ = now_ns();
  header.start_mono_ns = start_;
  header.start_wall_ns = wall_now_ns();
  RecordingWriterOptions wo = o_.writer;
  if (!o_.triggers.empty() && o_.stops_after_trigger()) {
    // Held in a ring until the trigger: P seconds before it are kept.
    wo.ring_ns = std::max<int64_t>({wo.ring_ns, o_.pre_ns, 1});
    wo.block_ns = std::clamp<int64_t>(o_.pre_ns / 4, 10'000'000, wo.block_ns);
  }
  Result<std::unique_ptr<RecordingWriter>> writer =
      RecordingWriter::create(o_.out_path, header, wo);
  if (!writer) return writer.error();
  writer_ = std::move(*writer);
  return {};
}

// A fault found by refresh(): the object shrank below the ranges or went away.
std::optional<std::string> Session::check_source() {
  for (const SourceEvent& e : source_->refresh()) {
    if (e.kind != SourceEvent::Kind::resized) {
      return fmt::format("{}{}", event_kind_name(e.kind),
                         e.message.empty() ? "" : ": " + e.message);
    }
  }
  const SourceInfo& info = source_->info();
  for (const ByteRange& r : o_.ranges) {
    if (r.end() > info.base + info.size) {
      return fmt::format("the object shrank to {} bytes, below the recorded ranges", info.size);
    }
  }
  return std::nullopt;
}

Status Session::fault(int64_t t, const std::string& why) {
  stats_.ended_by = "fault: " + why;
  stop_ = true;
  return writer_->add_event({t, RecordingEventKind::fault, why});
}

Status Session::after_sample(int64_t t) {
  for (Trigger& trigger : o_.triggers) {
    if (!trigger.evaluate(sampler_->state())) continue;
    ++stats_.marks;
    stats_.last_mark = trigger.text() + ": " + trigger.describe(sampler_->state());
    const RecordingEvent mark{t, RecordingEventKind::mark, stats_.last_mark};
    Status marked = writer_->add_event(mark);
    if (!marked) return marked;
    marks_.push(mark);
    if (!stats_.triggered_ns) {
      stats_.triggered_ns = t;
      triggered_at_sample_ = stats_.samples;
      if (o_.stops_after_trigger()) writer_->keep_from(t - o_.pre_ns);
    }
  }
  const bool post_done = o_.post_samples > 0
                             ? stats_.samples - triggered_at_sample_ >= o_.post_samples
                             : t - stats_.triggered_ns.value_or(0) >= o_.post_ns;
  if (stats_.triggered_ns && o_.stops_after_trigger() && post_done) {
    stats_.ended_by = "trigger";
    stop_ = true;
  }
  if (o_.max_samples > 0 && stats_.samples >= o_.max_samples) {
    stats_.ended_by = "samples";
    stop_ = true;
  }
  if (o_.duration_ns > 0 && t >= o_.duration_ns) {
    stats_.ended_by = "duration";
    stop_ = true;
  }
  return {};
}

void Session::publish() {
  stats_.elapsed_ns = last_t_;
  stats_.achieved_hz =
      last_t_ > 0 ? static_cast<double>(stats_.samples - 1) * 1e9 / static_cast<double>(last_t_)
                  : 0;
  stats_.file_bytes = writer_->file_bytes();
  stats_.raw_bytes = writer_->raw_bytes();
  stats_.stored_bytes = writer_->stored_bytes();
  stats_.torn_retries = sampler_->retries();
  stats_.gap_p99_ns = gaps_.percentile(0.99);
  published_.publish(stats_);
  // A block closed since the last publish: the in-memory recording grew.
  if (o_.image && writer_->stored_bytes() != image_stored_) {
    image_stored_ = writer_->stored_bytes();
    o_.image->publish(writer_->image());
  }
  ctx_.set_progress(stats_.samples, 0);
}

Status Session::run() {
  Status opened = open();
  if (!opened) return opened;
#if defined(__linux__)
  // Wake-ups as close to the deadline as the kernel can (the default slack is 50 us).
  prctl(PR_SET_TIMERSLACK, 1000UL, 0UL, 0UL, 0UL);
#endif
  ctx_.set_stage("sampling");
  const int64_t period = o_.rate_hz > 0 ? std::max<int64_t>(1, std::llround(1e9 / o_.rate_hz)) : 0;
  int64_t next_refresh = start_ + kRefreshNs;
  bool started = false;
  for (int64_t k = 0; !stop_ && !ctx_.cancelled(); ++k) {
    if (period > 0) {
      int64_t deadline = start_ + k * period;
      wait_until(ctx_, deadline);
      const int64_t late = now_ns() - deadline;
      if (late >= period) {
        stats_.late_samples += static_cast<uint64_t>(late / period);
        k += late / period;
      }
    }
    const int64_t now = now_ns();
    const int64_t t = now - start_;
    if (now >= next_refresh) {
      next_refresh = now + kRefreshNs;
      if (std::optional<std::string> why = check_source()) {
        if (!started) return make_error(Errc::removed, *why);
        Status s = fault(last_t_, *why);
        if (!s) return s;
        break;
      }
      publish();
    }
    const recording::Sampler::Outcome outcome = sampler_->take();
    if (outcome == recording::Sampler::Outcome::unreadable) {
      if (!started) return make_error(Errc::io, sampler_->message());
      Status s = fault(last_t_, sampler_->message());
      if (!s) return s;
      break;
    }
    if (outcome == recording::Sampler::Outcome::torn) {
      ++stats_.torn_dropped;
      continue;
    }
    Status written =
        started ? writer_->add_sample(t, sampler_->runs()) : writer_->start(t, sampler_->state());
    if (!written) return written;
    if (started && !sampler_->runs().empty()) {
      ++stats_.changed_samples;
      stats_.changed_runs += sampler_->runs().size();
      for (const RecordedRun& r : sampler_->runs()) stats_.changed_bytes += r.bytes.size();
    }
    if (started) {
      stats_.worst_gap_ns = std::max(stats_.worst_gap_ns, t - last_t_);
      gaps_.add(t - last_t_);
    }
    started = true;
    last_t_ = t;
    ++stats_.samples;
    Status checked = after_sample(t);
    if (!checked) return checked;
  }
  if (stats_.ended_by.empty()) stats_.ended_by = "stopped";
  if (!started) {
    publish();
    return make_error(Errc::changed, "no consistent sample could be taken");
  }
  publish();
  Status summary = writer_->add_event({last_t_, RecordingEventKind::summary, stats_.to_json()});
  if (!summary) return summary;
  Status finished = writer_->finish();
  publish();
  return finished;
}

}  // namespace

std::string RecorderStats::to_json() const {
  nlohmann::json j;
  j["samples"] = samples;
  j["changed_samples"] = changed_samples;
  j["changed_runs"] = changed_runs;
  j["changed_bytes"] = changed_bytes;
  j["late_samples"] = late_samples;
  j["torn_retries"] = torn_retries;
  j["torn_dropped"] = torn_dropped;
  j["elapsed_s"] = static_cast<double>(elapsed_ns) / 1e9;
  j["worst_gap_s"] = static_cast<double>(worst_gap_ns) / 1e9;
  j["gap_p99_s"] = static_cast<double>(gap_p99_ns) / 1e9;
  j["achieved_hz"] = achieved_hz;
  j["marks"] = marks;
  if (triggered_ns) j["triggered_s"] = static_cast<double>(*triggered_ns) / 1e9;
  j["ended_by"] = json_from_bytes(ended_by);
  return json_dump(j);
}

Result<std::unique_ptr<Recorder>> Recorder::start(RecorderOptions options) {
  Status ok = check_options(options);
  if (!ok) return ok.error();
  std::unique_ptr<Recorder> r(new Recorder());
  r->stats_ = std::make_shared<Published<RecorderStats>>();
  r->marks_ = std::make_shared<MarkQueue>();
  auto shared_options = std::make_shared<RecorderOptions>(std::move(options));
  r->worker_ = Worker::start(
      "record", [opts = shared_options, stats = r->stats_, marks = r->marks_](WorkerContext& ctx) {
        Session session(*opts, ctx, *stats, *marks);
        return session.run();
      });
  return r;
}

Recorder::~Recorder() = default;

void Recorder::stop() {
  worker_->cancel();
}
bool Recorder::wait_for(int64_t timeout_ms) {
  return worker_->wait_for(timeout_ms);
}
bool Recorder::done() const {
  return worker_->done();
}
std::optional<Error> Recorder::error() const {
  return worker_->error();
}

std::vector<RecordingEvent> Recorder::take_marks() {
  const std::lock_guard<std::mutex> lock(marks_->mutex);
  std::vector<RecordingEvent> out(std::make_move_iterator(marks_->pending.begin()),
                                  std::make_move_iterator(marks_->pending.end()));
  marks_->pending.clear();
  return out;
}

uint64_t Recorder::dropped_marks() const {
  const std::lock_guard<std::mutex> lock(marks_->mutex);
  return marks_->dropped;
}

RecorderStats Recorder::stats() const {
  std::shared_ptr<const RecorderStats> s = stats_->latest();
  return s ? *s : RecorderStats{};
}

}  // namespace memview
