// ActivityMap: per-chunk XXH3-64 hashes (chunk_hash.h), last change times and decaying change
// counts, updated by one sweep over the regions.
#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include <fmt/format.h>

#include "activity/activity_time.h"
#include "activity/chunk_hash.h"
#include "memview/activity.h"
#include "memview/clock.h"

namespace memview {
namespace {

constexpr uint64_t kMinChunk = 256;
constexpr uint64_t kMaxChunk = uint64_t{64} << 20;
// Bytes read per Source::read: large enough that the call overhead vanishes, small enough to
// stay in the L2 cache between the copy and the hash.
constexpr uint64_t kBlock = uint64_t{256} << 10;

uint64_t chunks_in(uint64_t length, uint64_t chunk) {
  return (length + chunk - 1) / chunk;
}

}  // namespace

Result<ActivityMap> ActivityMap::create(std::vector<SweepRegion> regions, ActivityOptions options) {
  const uint64_t c = options.chunk_size;
  if (c < kMinChunk || c > kMaxChunk || (c & (c - 1)) != 0) {
    return make_error(
        Errc::invalid_argument,
        fmt::format("chunk size {} must be a power of two from {} to {}", c, kMinChunk, kMaxChunk));
  }
  if (!(options.half_life_s > 0) || !std::isfinite(options.half_life_s)) {
    return make_error(Errc::invalid_argument, "the half life of change counts must be positive");
  }
  return ActivityMap(std::move(regions), options);
}

ActivityMap::ActivityMap(std::vector<SweepRegion> regions, ActivityOptions options)
    : regions_(std::move(regions)), options_(options), epoch_ns_(now_ns()) {
  layout_chunks();
}

void ActivityMap::layout_chunks() {
  chunk_first_.clear();
  size_t total = 0;
  for (const SweepRegion& r : regions_) {
    chunk_first_.push_back(total);
    total += static_cast<size_t>(chunks_in(r.length, options_.chunk_size));
  }
  hash_.assign(total, 0);
  last_.assign(total, 0);
  count_.assign(total, 0.0F);
  state_.assign(total, ChunkState::unknown);
}

void ActivityMap::set_regions(std::vector<SweepRegion> regions) {
  if (regions == regions_) return;
  ActivityMap old(std::move(*this));
  regions_ = std::move(regions);
  options_ = old.options_;
  epoch_ns_ = old.epoch_ns_;
  sweeps_ = old.sweeps_;
  buffer_ = std::move(old.buffer_);
  layout_chunks();
  // Both lists are sorted: a region that kept its start keeps the state of its whole chunks
  // (a grown object's old part, a process mapping that was extended or cut).
  size_t j = 0;
  for (size_t i = 0; i < regions_.size(); ++i) {
    const SweepRegion& r = regions_[i];
    while (j < old.regions_.size() && old.regions_[j].address < r.address) ++j;
    if (j == old.regions_.size()) break;
    const SweepRegion& o = old.regions_[j];
    if (o.address != r.address) continue;
    const uint64_t common = std::min(o.length, r.length);
    // A short last chunk changes its hash when it grows: keep it only when the length is kept.
    const size_t n =
        static_cast<size_t>(o.length == r.length ? chunks_in(common, options_.chunk_size)
                                                 : common / options_.chunk_size);
    const auto from = static_cast<ptrdiff_t>(old.chunk_first_[j]);
    const auto to = static_cast<ptrdiff_t>(chunk_first_[i]);
    std::copy_n(old.hash_.begin() + from, n, hash_.begin() + to);
    std::copy_n(old.last_.begin() + from, n, last_.begin() + to);
    std::copy_n(old.count_.begin() + from, n, count_.begin() + to);
    std::copy_n(old.state_.begin() + from, n, state_.begin() + to);
  }
}

void ActivityMap::hash_block(size_t first_chunk, uint64_t block_address, const std::byte* data,
                             uint64_t length, const ReadOutcome& outcome, uint32_t stamp,
                             SweepResult& result) {
  const uint64_t chunk = options_.chunk_size;
  auto bad = outcome.unreadable.begin();
  for (uint64_t off = 0, i = first_chunk; off < length; off += chunk, ++i) {
    const uint64_t n = std::min(chunk, length - off);
    const uint64_t lo = block_address + off;
    while (bad != outcome.unreadable.end() && bad->end() <= lo) ++bad;
    if (bad != outcome.unreadable.end() && bad->address < lo + n) {
      state_[i] = ChunkState::unreadable;
      ++result.unreadable_chunks;
      continue;
    }
    const uint64_t h = detail::chunk_hash(data + off, static_cast<size_t>(n));
    if (state_[i] == ChunkState::readable && h != hash_[i]) {
      const double decayed = activity_time::decay(count_[i], last_[i], stamp, options_.half_life_s);
      count_[i] = static_cast<float>(decayed + 1.0);
      last_[i] = stamp;
      ++result.changed_chunks;
    }
    hash_[i] = h;
    state_[i] = ChunkState::readable;
  }
}

SweepResult ActivityMap::sweep(Source& source, const SweepProgress& progress) {
  SweepResult result;
  const uint64_t block = std::max(kBlock, options_.chunk_size);
  if (buffer_.size() != block) buffer_.assign(static_cast<size_t>(block), std::byte{0});
  for (size_t ri = 0; ri < regions_.size(); ++ri) {
    const SweepRegion& r = regions_[ri];
    for (uint64_t off = 0; off < r.length; off += block) {
      const uint64_t n = std::min(block, r.length - off);
      const ReadOutcome outcome =
          source.read(r.address + off, std::span<std::byte>(buffer_.data(), n));
      const uint32_t stamp = activity_time::stamp(now_ns(), epoch_ns_);
      hash_block(chunk_first_[ri] + static_cast<size_t>(off / options_.chunk_size), r.address + off,
                 buffer_.data(), n, outcome, stamp, result);
      result.bytes_read += n;
      if (progress && !progress(result.bytes_read)) {
        result.cancelled = true;
        return result;
      }
    }
  }
  ++sweeps_;
  return result;
}

std::shared_ptr<const ActivityView> ActivityMap::view(int64_t sweep_period_ns,
                                                      double cpu_share) const {
  auto v = std::make_shared<ActivityView>();
  v->regions_ = regions_;
  v->chunk_first_ = chunk_first_;
  v->chunk_size_ = options_.chunk_size;
  v->epoch_ns_ = epoch_ns_;
  v->half_life_s_ = options_.half_life_s;
  v->sweeps_ = sweeps_;
  v->taken_ns_ = now_ns();
  v->sweep_period_ns_ = sweep_period_ns;
  v->cpu_share_ = cpu_share;
  std::vector<ActivityView::Node> level(hash_.size());
  for (size_t i = 0; i < level.size(); ++i) {
    level[i] =
        ActivityView::Node{last_[i], count_[i], state_[i] == ChunkState::unreadable ? 1U : 0U};
  }
  v->levels_.push_back(std::move(level));
  while (v->levels_.back().size() > 1) {
    const std::vector<ActivityView::Node>& below = v->levels_.back();
    std::vector<ActivityView::Node> up((below.size() + 1) / 2);
    for (size_t j = 0; j < up.size(); ++j) {
      ActivityView::Node n = below[2 * j];
      if (2 * j + 1 < below.size()) {
        const ActivityView::Node& b = below[2 * j + 1];
        n.last = std::max(n.last, b.last);
        n.count = std::max(n.count, b.count);
        n.unreadable += b.unreadable;
      }
      up[j] = n;
    }
    v->levels_.push_back(std::move(up));
  }
  return v;
}

size_t ActivityMap::memory_bytes() const {
  return hash_.capacity() * sizeof(uint64_t) + last_.capacity() * sizeof(uint32_t) +
         count_.capacity() * sizeof(float) + state_.capacity() * sizeof(ChunkState) +
         chunk_first_.capacity() * sizeof(size_t) + buffer_.capacity();
}

}  // namespace memview
