// Taking samples: see sampler.h.
#include "sampler.h"

#include <atomic>
#include <cstring>

#include "byte_compare.h"
#include "memview/value_codec.h"

namespace memview::recording {

namespace {
// Runs closer than this are joined: a run costs 12 bytes of header in the file.
constexpr size_t kJoinGap = 12;
}  // namespace

Sampler::Sampler(Source& source, std::vector<ByteRange> ranges, Mode mode,
                 std::optional<ByteRange> seqlock, unsigned max_retries)
    : source_(source),
      ranges_(std::move(ranges)),
      mode_(mode),
      seqlock_(seqlock),
      max_retries_(max_retries) {
  for (const ByteRange& r : ranges_) {
    cache_.emplace_back(r.length);
    if (mode_ != Mode::plain) copy_.emplace_back(r.length);
    if (mode_ == Mode::stable) second_.emplace_back(r.length);
  }
}

Sampler::Outcome Sampler::take() {
  runs_.clear();
  return mode_ == Mode::plain ? take_plain() : take_checked();
}

Sampler::Outcome Sampler::take_plain() {
  for (size_t i = 0; i < ranges_.size(); ++i) {
    std::vector<std::byte>& cache = cache_[i];
    const auto range = static_cast<uint32_t>(i);
    const ReadOutcome out = source_.diff(ranges_[i].address, cache, [&](size_t at, size_t n) {
      if (!runs_.empty() && runs_.back().range == range &&
          runs_.back().offset + runs_.back().bytes.size() + kJoinGap >= at) {
        RecordedRun& last = runs_.back();
        last.bytes = std::span<const std::byte>(cache.data() + last.offset, at + n - last.offset);
        return;
      }
      runs_.push_back({range, at, std::span<const std::byte>(cache.data() + at, n)});
    });
    if (!out.complete()) {
      message_ = out.message.empty() ? "part of the ranges cannot be read" : out.message;
      return Outcome::unreadable;
    }
  }
  return Outcome::sampled;
}

bool Sampler::read_all(std::vector<std::vector<std::byte>>& into) {
  for (size_t i = 0; i < ranges_.size(); ++i) {
    const ReadOutcome out = source_.read(ranges_[i].address, into[i]);
    if (!out.complete()) {
      message_ = out.message.empty() ? "part of the ranges cannot be read" : out.message;
      return false;
    }
  }
  return true;
}

std::optional<uint64_t> Sampler::read_counter() {
  std::byte b[8] = {};
  const auto n = static_cast<size_t>(seqlock_->length);
  const ReadOutcome out = source_.read(seqlock_->address, std::span<std::byte>(b, n));
  if (!out.complete()) {
    message_ = out.message.empty() ? "the sequence counter cannot be read" : out.message;
    return std::nullopt;
  }
  return load_uint(std::span<const std::byte>(b, n), Endian::little);
}

Sampler::Outcome Sampler::take_checked() {
  for (unsigned attempt = 0; attempt <= max_retries_; ++attempt) {
    if (attempt > 0) ++retries_;
    if (mode_ == Mode::seqlock) {
      const std::optional<uint64_t> before = read_counter();
      if (!before) return Outcome::unreadable;
      if ((*before & 1U) != 0) continue;  // the writer is inside its critical section
      std::atomic_thread_fence(std::memory_order_acquire);
      if (!read_all(copy_)) return Outcome::unreadable;
      std::atomic_thread_fence(std::memory_order_acquire);
      const std::optional<uint64_t> after = read_counter();
      if (!after) return Outcome::unreadable;
      if (*after != *before) continue;
    } else {
      if (!read_all(copy_) || !read_all(second_)) return Outcome::unreadable;
      if (copy_ != second_) continue;
    }
    for (size_t i = 0; i < ranges_.size(); ++i) compare(i, copy_[i]);
    return Outcome::sampled;
  }
  return Outcome::torn;
}

// Copies the runs where `now` differs from the previous sample into the cache.
void Sampler::compare(size_t range, const std::vector<std::byte>& now) {
  std::vector<std::byte>& cache = cache_[range];
  const size_t n = now.size();
  size_t i = 0;
  while (i < n) {
    i += detail::equal_prefix(cache.data() + i, now.data() + i, n - i);
    if (i >= n) break;
    size_t j = i + 1;
    // The run goes on until kJoinGap bytes in a row are equal again.
    size_t equal = 0;
    while (j < n && equal < kJoinGap) {
      equal = cache[j] == now[j] ? equal + 1 : 0;
      ++j;
    }
    const size_t end = j - equal;
    std::memcpy(cache.data() + i, now.data() + i, end - i);
    runs_.push_back(
        {static_cast<uint32_t>(range), i, std::span<const std::byte>(cache.data() + i, end - i)});
    i = j;
  }
}

}  // namespace memview::recording
