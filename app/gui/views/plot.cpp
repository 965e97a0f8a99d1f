#include "views/plot.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <fmt/format.h>

namespace memview::gui {

namespace {

struct Window {
  int64_t t0 = 0, t1 = 0;
  double lo = 0, hi = 1;
  ImVec2 min, max;
  float x(int64_t t) const {
    const double f =
        static_cast<double>(t - t0) / static_cast<double>(std::max<int64_t>(1, t1 - t0));
    return min.x + static_cast<float>(f) * (max.x - min.x);
  }
  float y(double v) const {
    const double f = hi > lo ? (v - lo) / (hi - lo) : 0.5;
    return max.y - static_cast<float>(f) * (max.y - min.y);
  }
};

// Index of the first sample that matters for [t0, ...): the last one at or before t0 (its
// value holds until the next), or 0.
size_t first_index(const std::deque<WatchSample>& s, int64_t t0) {
  auto it = std::lower_bound(s.begin(), s.end(), t0,
                             [](const WatchSample& a, int64_t t) { return a.t_ns < t; });
  size_t i = static_cast<size_t>(it - s.begin());
  return i > 0 ? i - 1 : 0;
}

// The readable value range over the window (a flat range is widened so it draws mid-height).
void value_range(const std::deque<WatchSample>& s, size_t from, Window& w) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (size_t i = from; i < s.size() && s[i].t_ns <= w.t1; ++i) {
    if (!s[i].readable || !std::isfinite(s[i].value)) continue;
    lo = std::min(lo, s[i].value);
    hi = std::max(hi, s[i].value);
  }
  if (lo > hi) {  // nothing readable in the window
    lo = 0;
    hi = 1;
  }
  if (lo == hi) {
    lo -= 1;
    hi += 1;
  }
  w.lo = lo;
  w.hi = hi;
}

// The line, at most two points per bucket of `bucket_px` pixels: a bucket holding many
// samples is drawn as the vertical span of its values (in time order), so the vertices
// drawn depend on the width, not on the history. Unreadable samples break the line and get
// a band at the bottom.
void draw_series(ImDrawList* dl, const std::deque<WatchSample>& s, bool steps, const Window& w,
                 const PlotStyle& st, float thickness, float bucket_px) {
  std::vector<ImVec2> pts;
  auto flush = [&] {
    if (pts.size() >= 2) {
      dl->AddPolyline(pts.data(), static_cast<int>(pts.size()), st.line, 0, thickness);
    }
    pts.clear();
  };
  struct Bucket {
    float x = 0, first = 0, lo = 0, hi = 0, last = 0;
    int n = 0;
    int64_t index = 0;
  } c;
  auto emit = [&] {
    if (c.n == 0) return;
    // A step only where the previous point is more than a bucket away (else it is a pixel).
    if (steps && !pts.empty() && c.x - pts.back().x > bucket_px && pts.back().y != c.first) {
      pts.push_back({c.x, pts.back().y});
    }
    if (c.n == 1 || c.lo == c.hi) {
      pts.push_back({c.x, c.first});
    } else {
      // The span, ending at the extreme nearer to where the bucket ends.
      const bool rising = c.last >= c.first;
      pts.push_back({c.x, rising ? c.lo : c.hi});
      pts.push_back({c.x, rising ? c.hi : c.lo});
    }
    c.n = 0;
  };
  for (size_t i = first_index(s, w.t0); i < s.size(); ++i) {
    const WatchSample& a = s[i];
    if (a.t_ns > w.t1) break;
    const float xa = std::max(w.min.x, w.x(a.t_ns));
    if (!a.readable || !std::isfinite(a.value)) {
      emit();
      if (!pts.empty()) pts.push_back({xa, pts.back().y});  // known up to this sample
      flush();
      if (!a.readable) {
        const int64_t t_next = i + 1 < s.size() ? std::min(s[i + 1].t_ns, w.t1) : w.t1;
        const float xb = std::min(w.max.x, w.x(t_next));
        dl->AddRectFilled({xa, w.max.y - 3}, {std::max(xb, xa + 1), w.max.y}, st.gap);
      }
      continue;
    }
    const float y = w.y(a.value);
    const auto bucket = static_cast<int64_t>(std::floor((xa - w.min.x) / bucket_px));
    if (c.n > 0 && bucket == c.index) {
      c.lo = std::min(c.lo, y);
      c.hi = std::max(c.hi, y);
      c.last = y;
      ++c.n;
    } else {
      emit();
      c = {xa, y, y, y, y, 1, bucket};
    }
  }
  emit();
  // The newest value holds up to the window's end: nothing else was seen since.
  if (!pts.empty() && s.back().readable && s.back().t_ns <= w.t1) {
    pts.push_back({std::min(w.max.x, w.x(w.t1)), w.y(s.back().value)});
  }
  flush();
}

}  // namespace

void draw_sparkline(SparkBuckets& cache, const std::deque<WatchSample>& samples, bool steps,
                    int64_t end_ns, double span_s, ImVec2 size, const PlotStyle& style) {
  const ImVec2 pos = ImGui::GetCursorScreenPos();
  ImGui::Dummy(size);
  if (samples.empty() || !ImGui::IsItemVisible()) return;
  constexpr float kBucketPx = 2.0f;
  const auto count = static_cast<size_t>(std::max(1.0f, size.x / kBucketPx));
  update_spark_buckets(cache, samples, end_ns, static_cast<int64_t>(span_s * 1e9), count);
  const bool held = cache.has_before && cache.before.readable && std::isfinite(cache.before.value);
  Window w;
  w.min = {pos.x, pos.y + 1};
  w.max = {pos.x + size.x, pos.y + size.y - 1};
  w.lo = held ? cache.before.value : std::numeric_limits<double>::infinity();
  w.hi = held ? cache.before.value : -std::numeric_limits<double>::infinity();
  for (const SparkBucket& b : cache.buckets) {
    if (!b.any) continue;
    w.lo = std::min(w.lo, b.lo);
    w.hi = std::max(w.hi, b.hi);
  }
  if (w.lo > w.hi) return;  // nothing readable in the window
  if (w.lo == w.hi) {
    w.lo -= 1;
    w.hi += 1;
  }
  ImDrawList* dl = ImGui::GetWindowDrawList();
  // Thin lines without anti-aliasing: fifty sparklines cost no more than a few text lines.
  const ImDrawListFlags flags = dl->Flags;
  dl->Flags &= ~ImDrawListFlags_AntiAliasedLines;
  thread_local std::vector<ImVec2> pts;
  pts.clear();
  auto flush = [&] {
    if (pts.size() >= 2) {
      dl->AddPolyline(pts.data(), static_cast<int>(pts.size()), style.line, 0, 1.0f);
    }
    pts.clear();
  };
  if (held) pts.push_back({pos.x, w.y(cache.before.value)});  // the value entering the window
  for (size_t k = 0; k < cache.buckets.size(); ++k) {
    const SparkBucket& b = cache.buckets[k];
    const float x = pos.x + static_cast<float>(k) * kBucketPx;
    if (b.gap) {
      flush();
      dl->AddRectFilled({x, w.max.y - 2}, {x + kBucketPx, w.max.y}, style.gap);
    }
    if (!b.any) continue;
    const float yf = w.y(b.first);
    if (steps && !pts.empty() && pts.back().y != yf) pts.push_back({x, pts.back().y});
    pts.push_back({x, yf});
    if (b.lo != b.hi) {
      const bool rising = b.last >= b.first;
      pts.push_back({x + 1, w.y(rising ? b.lo : b.hi)});
      pts.push_back({x + 1, w.y(rising ? b.hi : b.lo)});
    }
    if (b.last != b.first) pts.push_back({x + 1, w.y(b.last)});
  }
  // The newest value holds up to the end: nothing else was seen since.
  if (!pts.empty() && samples.back().readable) pts.push_back({w.max.x, pts.back().y});
  flush();
  dl->Flags = flags;
}

PlotFrame draw_plot(const char* id, const Watch& watch, int64_t now_ns, int64_t cursor_ns,
                    double span_s, ImVec2 size, const PlotStyle& style) {
  PlotFrame out;
  out.span_s = span_s;
  const ImVec2 pos = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton(id, size);
  out.rect = WidgetRect::last_item();
  const bool hovered = ImGui::IsItemHovered();
  if (hovered) {
    const float wheel = ImGui::GetIO().MouseWheel;
    if (wheel != 0) {
      out.span_s = std::clamp(span_s * std::pow(0.8, static_cast<double>(wheel)), 0.1, 3600.0);
    }
  }
  Window w;
  w.t1 = now_ns;
  w.t0 = now_ns - static_cast<int64_t>(out.span_s * 1e9);
  const float lh = ImGui::GetTextLineHeight();
  w.min = {pos.x + 2, pos.y + lh + 2};
  w.max = {pos.x + size.x - 2, pos.y + size.y - lh - 2};
  const std::deque<WatchSample>& s = watch.history;
  value_range(s, first_index(s, w.t0), w);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRect(pos, {pos.x + size.x, pos.y + size.y}, style.frame);
  const bool steps = !scalar_is_float(watch.target.type);
  draw_series(dl, s, steps, w, style, 1.5f, 1.0f);
  // Labels: the value range on the left, the time span at the bottom.
  dl->AddText({pos.x + 4, pos.y + 1}, style.text, fmt::format("{:g}", w.hi).c_str());
  dl->AddText({pos.x + 4, w.max.y + 1}, style.text,
              fmt::format("{:g}   ({:g} s)", w.lo, out.span_s).c_str());
  const int64_t cur = cursor_ns == 0 ? now_ns : cursor_ns;
  if (cur >= w.t0 && cur <= w.t1) {
    const float cx = std::min(w.x(cur), w.max.x - 1);
    dl->AddLine({cx, w.min.y}, {cx, w.max.y}, style.cursor, 1.0f);
  }
  if (hovered && !s.empty()) {
    const float mx = ImGui::GetIO().MousePos.x;
    const double f = std::clamp((mx - w.min.x) / std::max(1.0f, w.max.x - w.min.x), 0.0f, 1.0f);
    const int64_t t = w.t0 + static_cast<int64_t>(f * static_cast<double>(w.t1 - w.t0));
    auto it = std::upper_bound(s.begin(), s.end(), t,
                               [](int64_t x, const WatchSample& a) { return x < a.t_ns; });
    const double rel = static_cast<double>(t - now_ns) / 1e9;
    if (it == s.begin()) {
      out.hover = fmt::format("t = {:.3f} s  (no sample yet)", rel);
    } else {
      const WatchSample& a = *(it - 1);
      out.hover = a.readable ? fmt::format("t = {:.3f} s  value = {:g}", rel, a.value)
                             : fmt::format("t = {:.3f} s  unreadable", rel);
    }
    dl->AddLine({mx, w.min.y}, {mx, w.max.y}, style.frame);
    ImGui::SetTooltip("%s", out.hover.c_str());
  }
  return out;
}

}  // namespace memview::gui
