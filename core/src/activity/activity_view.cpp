// ActivityView: queries over a published copy of the activity map. Level 0 holds the chunks,
// level k+1 the max (times, counts) and sum (unreadable) of pairs of level k, so a span of
// any length is summarised from O(log n) nodes.
#include <algorithm>

#include "activity/activity_time.h"
#include "memview/activity.h"

namespace memview {

size_t ActivityView::region_index(size_t chunk) const {
  auto it = std::upper_bound(chunk_first_.begin(), chunk_first_.end(), chunk);
  return static_cast<size_t>(it - chunk_first_.begin()) - 1;
}

size_t ActivityView::chunk_at(uint64_t address) const {
  auto it = std::upper_bound(regions_.begin(), regions_.end(), address,
                             [](uint64_t a, const SweepRegion& r) { return a < r.address; });
  if (it == regions_.begin()) return npos;
  --it;
  if (address >= it->end()) return npos;
  const size_t ri = static_cast<size_t>(it - regions_.begin());
  return chunk_first_[ri] + static_cast<size_t>((address - it->address) / chunk_size_);
}

ByteRange ActivityView::chunk_range(size_t i) const {
  const size_t ri = region_index(i);
  const SweepRegion& r = regions_[ri];
  const uint64_t off = static_cast<uint64_t>(i - chunk_first_[ri]) * chunk_size_;
  return ByteRange{r.address + off, std::min(chunk_size_, r.length - off)};
}

const SweepRegion& ActivityView::region_of_chunk(size_t i) const {
  return regions_[region_index(i)];
}

int64_t ActivityView::last_change_ns(size_t i) const {
  return activity_time::to_ns(levels_[0][i].last, epoch_ns_);
}

double ActivityView::changes(size_t i, int64_t now_ns) const {
  const Node& n = levels_[0][i];
  return activity_time::decay(n.count, n.last, activity_time::stamp(now_ns, epoch_ns_),
                              half_life_s_);
}

bool ActivityView::unreadable(size_t i) const {
  return levels_[0][i].unreadable != 0;
}

ActivityCell ActivityView::summarize(size_t first, size_t last) const {
  ActivityCell cell;
  if (levels_.empty()) return cell;
  last = std::min(last, chunk_count());
  if (first >= last) return cell;
  cell.chunks = static_cast<uint32_t>(last - first);
  uint32_t stamp = 0;
  auto take = [&](const Node& n) {
    stamp = std::max(stamp, n.last);
    cell.changes = std::max(cell.changes, n.count);
    cell.unreadable += n.unreadable;
  };
  size_t l = first;
  size_t r = last;
  for (size_t lvl = 0; l < r; ++lvl) {
    if ((l & 1U) != 0) take(levels_[lvl][l++]);
    if ((r & 1U) != 0) take(levels_[lvl][--r]);
    l >>= 1U;
    r >>= 1U;
  }
  cell.last_change_ns = activity_time::to_ns(stamp, epoch_ns_);
  return cell;
}

std::vector<ActivityCell> ActivityView::rows(size_t first, size_t last, size_t rows) const {
  std::vector<ActivityCell> out(rows);
  last = std::min(last, chunk_count());
  if (first >= last || rows == 0) return out;
  const size_t span = last - first;
  for (size_t k = 0; k < rows; ++k) {
    // Rows split the span evenly; when there are more rows than chunks a chunk spans rows.
    const size_t lo = first + span * k / rows;
    const size_t hi = std::max(lo + 1, first + span * (k + 1) / rows);
    out[k] = summarize(lo, hi);
  }
  return out;
}

size_t ActivityView::next_changed(size_t from, int64_t since_ns) const {
  if (levels_.empty() || from >= chunk_count()) return npos;
  const uint32_t t = std::max<uint32_t>(1, activity_time::stamp(since_ns, epoch_ns_));
  size_t lvl = 0;
  size_t idx = from;
  while (true) {
    if (idx >= levels_[lvl].size()) return npos;
    if (levels_[lvl][idx].last >= t) break;
    ++idx;
    // A left child's parent covers only positions at or after it: climb while we can.
    while ((idx & 1U) == 0 && lvl + 1 < levels_.size()) {
      idx >>= 1U;
      ++lvl;
    }
  }
  while (lvl > 0) {
    --lvl;
    idx <<= 1U;
    if (levels_[lvl][idx].last < t) ++idx;
  }
  return idx;
}

size_t ActivityView::previous_changed(size_t from, int64_t since_ns) const {
  if (levels_.empty() || chunk_count() == 0) return npos;
  const uint32_t t = std::max<uint32_t>(1, activity_time::stamp(since_ns, epoch_ns_));
  size_t lvl = 0;
  size_t idx = std::min(from, chunk_count() - 1);
  while (true) {
    if (levels_[lvl][idx].last >= t) break;
    if (idx == 0) return npos;
    --idx;
    // A right child's parent covers only positions at or before it.
    while ((idx & 1U) != 0 && lvl + 1 < levels_.size()) {
      idx >>= 1U;
      ++lvl;
    }
  }
  while (lvl > 0) {
    --lvl;
    idx = idx * 2 + 1;
    if (idx >= levels_[lvl].size() || levels_[lvl][idx].last < t) --idx;
  }
  return idx;
}

size_t ActivityView::memory_bytes() const {
  size_t n = chunk_first_.capacity() * sizeof(size_t);
  for (const std::vector<Node>& level : levels_) n += level.capacity() * sizeof(Node);
  return n;
}

}  // namespace memview
