// The poller: refreshes a source once per frame and diffs the ranges the views asked for.
#include "memview/poller.h"

#include <algorithm>
#include <limits>

namespace memview {

namespace {
constexpr size_t kEventLogCap = 64;
constexpr int64_t kRateWindowNs = 1'000'000'000;
}  // namespace

std::vector<ByteRange> merge_ranges(const std::vector<ByteRange>& ranges, uint64_t lo,
                                    uint64_t hi) {
  std::vector<ByteRange> out;
  if (hi <= lo) return out;
  // Clamp first (an end past 2^64 saturates) so that merging sees only valid ranges.
  std::vector<ByteRange> clamped;
  clamped.reserve(ranges.size());
  for (const ByteRange& r : ranges) {
    const uint64_t end =
        r.address + std::min(r.length, std::numeric_limits<uint64_t>::max() - r.address);
    const uint64_t a = std::max(r.address, lo);
    const uint64_t b = std::min(end, hi);
    if (a < b) clamped.push_back({a, b - a});
  }
  std::sort(clamped.begin(), clamped.end(),
            [](const ByteRange& x, const ByteRange& y) { return x.address < y.address; });
  for (const ByteRange& r : clamped) {
    if (!out.empty() && r.address <= out.back().end()) {
      const uint64_t end = std::max(out.back().end(), r.end());
      out.back().length = end - out.back().address;
    } else {
      out.push_back(r);
    }
  }
  return out;
}

Poller::Poller(Source& source) : source_(source) {}

void Poller::request(ByteRange range) {
  if (range.length != 0) requests_.push_back(range);
}

Poller::PollResult Poller::poll(int64_t now_ns) {
  PollResult result;
  ++poll_count_;
  const uint64_t old_end = source_.info().base + source_.info().size;
  result.events = source_.refresh();
  for (const SourceEvent& e : result.events) {
    if (e.kind == SourceEvent::Kind::removed || e.kind == SourceEvent::Kind::exited ||
        e.kind == SourceEvent::Kind::disconnected) {
      source_gone_ = true;
    }
    event_log_.push_back(e);
    if (event_log_.size() > kEventLogCap) event_log_.pop_front();
  }
  const SourceInfo& info = source_.info();
  const uint64_t lo = info.base;
  const uint64_t hi = info.base + info.size;
  // Bytes past a new, smaller end are gone for now: keep the last values, flag them.
  if (hi < old_end) tracker_.mark_unreadable_from(hi);

  const std::vector<ByteRange> ranges = merge_ranges(requests_, lo, hi);
  requests_.clear();
  for (const ByteRange& r : ranges) {
    ChangeTracker::PollStats stats = tracker_.poll(source_, r, now_ns);
    result.changed_bytes += stats.changed_bytes;
    result.unreadable.insert(result.unreadable.end(), stats.read.unreadable.begin(),
                             stats.read.unreadable.end());
  }

  if (result.changed_bytes != 0) recent_changes_.emplace_back(now_ns, result.changed_bytes);
  while (!recent_changes_.empty() && recent_changes_.front().first <= now_ns - kRateWindowNs) {
    recent_changes_.pop_front();
  }
  return result;
}

double Poller::changes_per_second(int64_t now_ns) const {
  uint64_t total = 0;
  for (const auto& [t, n] : recent_changes_) {
    if (t > now_ns - kRateWindowNs && t <= now_ns) total += n;
  }
  // The window is one second, so the count in it is the rate.
  return static_cast<double>(total);
}

}  // namespace memview
