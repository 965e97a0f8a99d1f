#include "timeline.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

#include <fmt/format.h>

#include "words.h"

namespace memview::gui {

namespace {

constexpr uint64_t kRingBytesCap = 1ull << 30;    // compressed bytes an in-memory ring may hold
constexpr uint64_t kMarksFileCap = 256ull << 20;  // files whose marks are read at open
constexpr int64_t kMinSpanNs = 1'000'000;         // the strip zooms in to 1 ms
constexpr size_t kMaxLiveMarks = 4096;            // marks of a running recording kept

std::string seconds_text(int64_t ns) {
  return fmt::format("{:.3f} s", static_cast<double>(ns) / 1e9);
}

void reset_position(TimelineState& t) {
  t.live = true;
  t.playing = false;
  t.t_ns = 0;
  t.view_follow = true;
  t.state_t.reset();
  t.past_source.reset();
  t.past_editor.reset();
  t.past_poller.reset();
  t.marks.clear();
  t.mark_texts.clear();
  t.pause_pending.reset();
}

// The recorder's new marks onto the strip; with pause at trigger, the first one seen while
// live becomes the position to pause at.
void take_recorder_marks(TimelineState& t) {
  if (!t.recorder) return;
  for (RecordingEvent& m : t.recorder->take_marks()) {
    t.marks.push_back(m.t_ns);
    if (t.trigger.pause_at_trigger && t.live && !t.pause_pending) {
      t.pause_pending = m.t_ns;
      t.playing = false;
    }
    t.mark_texts.push_back(std::move(m.text));
  }
  // A trigger may fire on every sample: the strip keeps the newest marks inside the ring.
  size_t drop = t.marks.size() > kMaxLiveMarks ? t.marks.size() - kMaxLiveMarks : 0;
  const int64_t first = t.has_recording() ? t.first_ns() : 0;
  while (drop < t.marks.size() && t.marks[drop] < first) ++drop;
  if (drop > 0) {
    t.marks.erase(t.marks.begin(), t.marks.begin() + static_cast<ptrdiff_t>(drop));
    t.mark_texts.erase(
        t.mark_texts.begin(),
        t.mark_texts.begin() + static_cast<ptrdiff_t>(std::min(drop, t.mark_texts.size())));
  }
}

// Pauses at the pending mark once the recording shown holds its sample.
void apply_pending_pause(TimelineState& t) {
  if (!t.pause_pending || !t.has_recording() || t.last_ns() < *t.pause_pending) return;
  const int64_t at = *t.pause_pending;
  t.pause_pending.reset();
  if (!t.live) return;  // the user left the present meanwhile: their position stays
  timeline_seek(t, at);
  t.playing = false;
  const auto it = std::find(t.marks.begin(), t.marks.end(), at);
  const size_t i = static_cast<size_t>(it - t.marks.begin());
  timeline_say(t,
               fmt::format("paused at the trigger, {}: {}", seconds_text(at),
                           i < t.mark_texts.size() ? t.mark_texts[i] : t.recording_trigger),
               false);
}

}  // namespace

void timeline_say(TimelineState& t, std::string text, bool error) {
  t.message = std::move(text);
  t.message_is_error = error;
  t.message_clock.restart();
}

RecordPlan plan_recording(const SourceInfo& info, const std::vector<ByteRange>& overlays,
                          std::optional<ByteRange> selection, bool whole_object) {
  RecordPlan p;
  std::vector<ByteRange> wanted;
  if (!whole_object) {
    wanted = overlays;
    if (selection && selection->length > 0) wanted.push_back(*selection);
  }
  if (wanted.empty()) {
    if (info.size == 0) {
      p.error = "the object is empty: there is nothing to record";
      return p;
    }
    if (info.size > kMaxRecordedBytes) {
      p.error = fmt::format(
          "the object is {}: one recording holds at most {}; select the bytes to record or "
          "place an overlay",
          bytes_text(info.size), bytes_text(kMaxRecordedBytes));
      return p;
    }
    wanted.push_back({info.base, info.size});
  }
  p.ranges = merge_ranges(wanted, info.base, info.base + info.size);
  for (const ByteRange& r : p.ranges) p.bytes += r.length;
  if (p.ranges.empty()) {
    p.error = "the overlays and the selection lie outside the object";
  } else if (p.bytes > kMaxRecordedBytes || p.ranges.size() > kMaxRecordedRanges) {
    p.error = fmt::format("{} in {} ranges: one recording holds at most {} in {} ranges",
                          bytes_text(p.bytes), p.ranges.size(), bytes_text(kMaxRecordedBytes),
                          kMaxRecordedRanges);
  } else if (p.bytes > kRecordWarnBytes) {
    p.warning = fmt::format(
        "{} per sample: every block of the recording starts with a copy of all of it, so "
        "memory and CPU use grow with it",
        bytes_text(p.bytes));
  }
  return p;
}

Status timeline_start_recording(TimelineState& t, const std::string& spec,
                                const std::vector<ByteRange>& ranges,
                                std::vector<Trigger> triggers) {
  std::string trigger_text;
  for (const Trigger& tr : triggers) trigger_text += (trigger_text.empty() ? "" : "; ") + tr.text();
  RecorderOptions o;
  o.triggers = std::move(triggers);
  o.spec = spec;
  o.ranges = ranges;
  o.rate_hz = t.settings.rate_hz;
  o.writer.in_memory = true;
  // Every block starts with a copy of all the ranges: a large recording closes its blocks
  // less often (up to 5 s) so that those copies stay a small part of the work.
  uint64_t total = 0;
  for (const ByteRange& br : ranges) total += br.length;
  o.writer.block_ns = std::clamp<int64_t>(static_cast<int64_t>(total >> 20) * kLiveBlockNs,
                                          kLiveBlockNs, 5'000'000'000);
  o.writer.ring_ns = static_cast<int64_t>(std::max(1, t.settings.ring_minutes)) * 60'000'000'000;
  o.writer.ring_bytes = kRingBytesCap;
  o.image = std::make_shared<Published<RecordingImage>>();
  auto image = o.image;
  Result<std::unique_ptr<Recorder>> r = Recorder::start(std::move(o));
  if (!r) {
    timeline_say(t, "cannot record: " + r.error().message, true);
    return r.error();
  }
  t.recorder = std::move(*r);
  t.image = std::move(image);
  t.image_version = 0;
  t.latest_image.reset();
  t.recording.reset();
  t.replay = false;
  t.file_path.clear();
  reset_position(t);
  t.recording_trigger = std::move(trigger_text);
  t.recording_ranges = ranges;
  uint64_t bytes = 0;
  for (const ByteRange& br : ranges) bytes += br.length;
  timeline_say(t,
               fmt::format("recording {} in {} range(s) at {}", bytes_text(bytes), ranges.size(),
                           t.settings.rate_hz > 0 ? fmt::format("{:g} Hz", t.settings.rate_hz)
                                                  : std::string("the source's pace")),
               false);
  return {};
}

void timeline_stop_recording(TimelineState& t) {
  if (t.recorder) t.recorder->stop();
}

bool is_recording_file(const std::string& path) {
  std::error_code ec;
  if (path.empty() || !std::filesystem::is_regular_file(path, ec)) return false;
  std::ifstream in(path, std::ios::binary);
  char magic[8] = {};
  in.read(magic, sizeof magic);
  return in.gcount() == 8 && std::string(magic, 8) == "MVRECORD";
}

Status timeline_open_file(TimelineState& t, const std::string& path) {
  Result<Recording> r = Recording::open(path);
  if (!r) return r.error();
  if (r->blocks().empty()) {
    return make_error(Errc::not_found, "'" + path + "' holds no samples");
  }
  t.recorder.reset();
  t.image.reset();
  t.latest_image.reset();
  reset_position(t);
  t.replay = true;
  t.live = false;
  t.recording_trigger.clear();
  t.file_path = path;
  t.recording = std::move(*r);
  t.t_ns = t.recording->first_ns();
  std::error_code ec;
  const uintmax_t size = std::filesystem::file_size(path, ec);
  if (!ec && size <= kMarksFileCap) {
    Result<std::vector<RecordingEvent>> events = t.recording->events();
    if (events) {
      for (const RecordingEvent& e : *events) {
        if (e.kind != RecordingEventKind::mark) continue;
        t.marks.push_back(e.t_ns);
        t.mark_texts.push_back(e.text);
      }
    }
  }
  if (t.recording->truncated()) timeline_say(t, t.recording->truncation(), true);
  return {};
}

Status timeline_save(TimelineState& t, const std::string& path) {
  if (path.empty()) return make_error(Errc::invalid_argument, "no file name");
  if (t.save_worker && !t.save_worker->done()) {
    return make_error(Errc::exists, "a save is still running");
  }
  std::shared_ptr<const RecordingImage> image = t.latest_image;
  if (!image || image->blocks.empty()) {
    return make_error(Errc::not_found,
                      t.replay ? "a replayed file is saved already" : "nothing recorded yet");
  }
  t.save_path = path;
  t.save_worker =
      Worker::start("save recording", [image, path](WorkerContext&) { return image->save(path); });
  timeline_say(t, fmt::format("saving {} to {}...", bytes_text(image->bytes()), path), false);
  return {};
}

void timeline_update(TimelineState& t, int64_t now_ns) {
  if (t.image && t.image->version() != t.image_version) {
    t.image_version = t.image->version();
    std::shared_ptr<const RecordingImage> img = t.image->latest();
    if (img && !img->blocks.empty()) {
      Result<Recording> r = Recording::from_image(*img);
      if (r) {
        t.recording = std::move(*r);
        t.latest_image = std::move(img);
      } else {
        timeline_say(t, "the recording cannot be read: " + r.error().message, true);
      }
    }
  }
  take_recorder_marks(t);
  apply_pending_pause(t);
  if (t.recorder && t.recorder->done()) {
    if (std::optional<Error> e = t.recorder->error()) {
      const std::string text = "recording ended: " + e->message;
      if (t.message != text) timeline_say(t, text, true);
    }
  }
  if (t.save_worker && t.save_worker->done()) {
    if (std::optional<Error> e = t.save_worker->error()) {
      timeline_say(t, "cannot save the recording: " + e->message, true);
    } else {
      ++t.saves;
      timeline_say(t, "saved the recording to " + t.save_path, false);
    }
    t.save_worker.reset();
  }
  const int64_t dt = t.last_frame_ns == 0 ? 0 : std::max<int64_t>(0, now_ns - t.last_frame_ns);
  t.last_frame_ns = now_ns;
  if (!t.has_recording()) return;
  const int64_t first = t.first_ns();
  const int64_t last = t.last_ns();
  if (t.playing && t.in_past()) {
    t.t_ns += static_cast<int64_t>(static_cast<double>(dt) * static_cast<double>(t.speed));
    if (t.t_ns >= last) {
      t.t_ns = last;
      t.playing = false;
    }
  }
  if (t.in_past()) t.t_ns = std::clamp(t.t_ns, first, last);
  if (t.view_follow || t.view_end_ns <= t.view_begin_ns) {
    t.view_begin_ns = first;
    t.view_end_ns = std::max(last, first + kMinSpanNs);
  }
}

void timeline_seek(TimelineState& t, int64_t t_ns) {
  if (!t.has_recording()) return;
  t.live = false;
  t.t_ns = std::clamp(t_ns, t.first_ns(), t.last_ns());
}

void timeline_go_live(TimelineState& t) {
  t.playing = false;
  if (t.replay) {
    timeline_seek(t, t.last_ns());
    timeline_say(t, "a recording file has no present: this is its end", false);
    return;
  }
  t.live = true;
}

void timeline_play(TimelineState& t, bool play) {
  if (!t.has_recording()) return;
  if (play && t.live) timeline_seek(t, t.first_ns());
  if (play && t.t_ns >= t.last_ns()) t.t_ns = t.first_ns();
  t.playing = play;
}

void timeline_step(TimelineState& t, int dir, std::optional<ByteRange> bytes) {
  if (!t.has_recording()) return;
  const Recording& r = *t.recording;
  // From the present, the newest recorded change is the first step back.
  const int64_t from = t.in_past() ? t.t_ns : r.last_ns() + (dir < 0 ? 1 : 0);
  std::vector<Recording::Filter> filters;
  if (bytes) {
    std::optional<Recording::Filter> f = r.filter_for(bytes->address, bytes->length);
    if (!f) {
      timeline_say(t,
                   fmt::format("0x{:x}+{} was not recorded: select bytes inside the recorded "
                               "ranges, or none to step through every change",
                               bytes->address, bytes->length),
                   true);
      return;
    }
    filters.push_back(*f);
  } else {
    for (uint32_t i = 0; i < r.header().ranges.size(); ++i) {
      filters.push_back({i, 0, r.header().ranges[i].length});
    }
  }
  std::optional<int64_t> found;
  for (const Recording::Filter& f : filters) {
    Result<std::optional<int64_t>> c =
        dir < 0 ? r.previous_change(f, from) : r.next_change(f, from);
    if (!c) {
      timeline_say(t, c.error().message, true);
      return;
    }
    if (*c && (!found || (dir < 0 ? **c > *found : **c < *found))) found = **c;
  }
  const char* what = bytes ? "of the selected bytes" : "";
  if (!found) {
    timeline_say(
        t, fmt::format("no {} change {} in the recording", dir < 0 ? "earlier" : "later", what),
        false);
    return;
  }
  t.playing = false;
  timeline_seek(t, *found);
  if (t.view_follow) return;
  // Keep the new position in the strip's span.
  const int64_t span = t.view_end_ns - t.view_begin_ns;
  if (*found < t.view_begin_ns || *found > t.view_end_ns) {
    t.view_begin_ns = *found - span / 2;
    t.view_end_ns = t.view_begin_ns + span;
  }
}

void timeline_zoom(TimelineState& t, float factor, int64_t around_ns) {
  if (!t.has_recording()) return;
  const int64_t first = t.first_ns();
  const int64_t last = std::max(t.last_ns(), first + kMinSpanNs);
  const double span = static_cast<double>(t.view_end_ns - t.view_begin_ns);
  const double full = static_cast<double>(last - first);
  const double new_span =
      std::clamp(span * static_cast<double>(factor), static_cast<double>(kMinSpanNs), full);
  const double left = static_cast<double>(around_ns - t.view_begin_ns) / std::max(1.0, span);
  auto begin = static_cast<int64_t>(static_cast<double>(around_ns) - left * new_span);
  begin = std::clamp(begin, first, last - static_cast<int64_t>(new_span));
  t.view_begin_ns = begin;
  t.view_end_ns = begin + static_cast<int64_t>(new_span);
  t.view_follow = new_span >= full;
}

SourceInfo recording_extent_info(const Recording& r, const std::string& path) {
  SourceInfo info;
  const std::vector<ByteRange>& ranges = r.header().ranges;
  uint64_t lo = std::numeric_limits<uint64_t>::max();
  uint64_t hi = 0;
  for (const ByteRange& br : ranges) {
    lo = std::min(lo, br.address);
    hi = std::max(hi, br.end());
  }
  if (ranges.empty()) lo = 0;
  info.spec = "recording:" + path;
  info.kind = "recording";
  info.name = std::filesystem::path(path).filename().string();
  info.base = lo;
  info.size = hi - lo;
  info.writable = false;
  return info;
}

namespace {

// Recorded ranges sorted by address, with their index in the header (the state's order).
bool sorted_disjoint(const std::vector<ByteRange>& ranges) {
  for (size_t i = 1; i < ranges.size(); ++i) {
    if (ranges[i].address < ranges[i - 1].end()) return false;
  }
  return true;
}

std::string past_reason(const TimelineState& t) {
  if (t.replay) {
    return "this tab replays a recording (" + t.file_path + "): recorded bytes cannot be edited";
  }
  return fmt::format(
      "the view shows the past ({} into the recording): the past cannot be edited; press Live "
      "to return to the present",
      seconds_text(t.t_ns));
}

}  // namespace

bool timeline_prepare_past(TimelineState& t, const SourceInfo& info) {
  if (!t.in_past()) return false;
  const Recording& r = *t.recording;
  if (!sorted_disjoint(r.header().ranges)) {
    timeline_say(t, "the recording's ranges overlap: it cannot be shown in the grid", true);
    return false;
  }
  if (!t.past_source) {
    t.past_source = std::make_unique<RecordedSource>(info, r.header().ranges, past_reason(t));
    t.past_poller = std::make_unique<Poller>(*t.past_source);
    t.past_editor = std::make_unique<Editor>(*t.past_source, &t.past_poller->tracker());
  }
  t.past_source->set_extent(info.base, info.size);
  t.past_source->set_read_only_reason(past_reason(t));
  if (!t.state_t || *t.state_t != t.t_ns || t.state_version != t.image_version) {
    Result<RecordedState> at = r.state_at(t.t_ns);
    if (!at) {
      timeline_say(t, "cannot read the recording: " + at.error().message, true);
      return false;
    }
    const bool continuous = t.playing && t.state_t && *t.state_t < t.t_ns &&
                            t.state_version == t.image_version && !t.at.ranges.empty();
    if (continuous) {
      // Playback: everything that changed since the instant the last frame showed.
      if (at->t_ns != t.at.t_ns) t.before = std::move(t.at);
    } else if (at->t_ns > r.first_ns()) {
      Result<RecordedState> b = r.state_at(at->t_ns - 1);
      if (!b) {
        timeline_say(t, "cannot read the recording: " + b.error().message, true);
        return false;
      }
      t.before = std::move(*b);
    } else {
      t.before = *at;  // the first sample: nothing changed at it
    }
    t.at = std::move(*at);
    t.state_t = t.t_ns;
    t.state_version = t.image_version;
  }
  return true;
}

void timeline_poll_past(TimelineState& t, int64_t now_ns,
                        const std::function<void(Poller&)>& request) {
  if (!t.past_poller) return;
  // Rebuilt every frame: the first poll is the baseline, the second stamps what differs
  // at now_ns, so the shown instant's changes glow fully for as long as it is shown.
  Poller& p = *t.past_poller;
  p.tracker().clear();
  t.past_source->set_state(&t.before.ranges);
  request(p);
  p.poll(now_ns);
  t.past_source->set_state(&t.at.ranges);
  request(p);
  p.poll(now_ns);
}

std::vector<float> timeline_density(const Recording& r, int64_t begin_ns, int64_t end_ns,
                                    int bins) {
  std::vector<float> out(static_cast<size_t>(std::max(0, bins)), 0.0f);
  if (bins <= 0 || end_ns <= begin_ns) return out;
  const double width = static_cast<double>(end_ns - begin_ns) / bins;
  // A block's records beyond its keyframe are its changes (and a few events).
  const uint64_t key_bytes = 9 + r.header().total_bytes();
  for (const RecordingBlockInfo& b : r.blocks()) {
    if (b.last_ns < begin_ns || b.first_ns >= end_ns) continue;
    const double changed =
        b.raw_bytes > key_bytes ? static_cast<double>(b.raw_bytes - key_bytes) : 0.0;
    if (changed <= 0) continue;
    const double lo = static_cast<double>(std::max(b.first_ns, begin_ns) - begin_ns) / width;
    const double hi = static_cast<double>(std::min(b.last_ns, end_ns - 1) - begin_ns) / width;
    const int i0 = std::clamp(static_cast<int>(lo), 0, bins - 1);
    const int i1 = std::clamp(static_cast<int>(hi), 0, bins - 1);
    const double share = changed / static_cast<double>(i1 - i0 + 1);
    for (int i = i0; i <= i1; ++i) out[static_cast<size_t>(i)] += static_cast<float>(share);
  }
  const float top = *std::max_element(out.begin(), out.end());
  if (top > 0) {
    for (float& v : out) v /= top;
  }
  return out;
}

}  // namespace memview::gui
