// One window watched at about one byte of memory per byte (see window_watcher.h).
#include "memview/window_watcher.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <new>
#include <stdexcept>

#include <fmt/format.h>

namespace memview {

WindowWatcher::WindowWatcher(uint64_t max_bytes) : max_bytes_(max_bytes) {}

uint64_t WindowWatcher::memory_bytes() const {
  return values_.capacity() + known_.capacity() * sizeof(uint64_t) + old_.capacity();
}

void WindowWatcher::mark_known(uint64_t from, uint64_t to) {
  while (from < to) {
    uint64_t& word = known_[from >> 6];
    const unsigned bit = static_cast<unsigned>(from & 63);
    const uint64_t n = std::min<uint64_t>(64 - bit, to - from);
    const uint64_t mask = (n == 64 ? ~uint64_t{0} : ((uint64_t{1} << n) - 1)) << bit;
    unknown_ -= static_cast<uint64_t>(std::popcount(mask & ~word));
    word |= mask;
    from += n;
  }
}

Status WindowWatcher::resize_to(ByteRange window) {
  if (window.length > max_bytes_ || window.length > std::numeric_limits<size_t>::max() / 2) {
    return make_error(Errc::invalid_argument,
                      fmt::format("a window of {} bytes is more than one watch holds ({} bytes; "
                                  "it keeps about one byte of memory per byte watched): give a "
                                  "smaller range",
                                  window.length, max_bytes_));
  }
  if (!started_ || window.address != base_) {
    values_.clear();
    known_.clear();
    unknown_ = 0;
    base_ = window.address;
    started_ = true;
  }
  const auto n = static_cast<size_t>(window.length);
  try {
    if (n < values_.size()) {
      // Forget the tail: its bytes are unknown again if the window grows back.
      for (size_t i = n; i < values_.size(); ++i) {
        if (known(i)) continue;
        --unknown_;
      }
      values_.resize(n);
      known_.resize((n + 63) / 64);
      if (n % 64 != 0) known_.back() &= (uint64_t{1} << (n % 64)) - 1;
    } else if (n > values_.size()) {
      unknown_ += n - values_.size();
      values_.resize(n);
      known_.resize((n + 63) / 64, 0);
    }
    old_.resize(static_cast<size_t>(std::min<uint64_t>(kBlock, n)));
  } catch (const std::bad_alloc&) {
    values_.clear();
    known_.clear();
    started_ = false;
    return make_error(Errc::io, fmt::format("not enough memory to watch {} bytes (about {} MiB "
                                            "needed): give a smaller range",
                                            window.length, (window.length * 9 / 8) >> 20));
  } catch (const std::length_error&) {
    values_.clear();
    known_.clear();
    started_ = false;
    return make_error(Errc::invalid_argument,
                      fmt::format("a window of {} bytes is too large to watch", window.length));
  }
  return {};
}

Result<WindowWatcher::PollResult> WindowWatcher::poll(Source& source, ByteRange window,
                                                      const ChangeSink& sink) {
  if (Status s = resize_to(window); !s) return s.error();
  PollResult result;
  // The sink's state: one DiffSink for all blocks (no allocation per block).
  struct Block {
    uint64_t pos = 0;      // index of the block's first byte in values_
    uint64_t address = 0;  // its address
  } block;
  const DiffSink on_diff = [this, &block, &result, &sink](size_t index, size_t length) {
    // Split the run into bytes that had a value (changes) and first sightings (baselines).
    const size_t end = index + length;
    for (size_t i = index; i < end;) {
      const bool was_known = known(block.pos + i);
      size_t j = i + 1;
      while (j < end && known(block.pos + j) == was_known) ++j;
      if (was_known) {
        result.changed_bytes += j - i;
        if (sink) {
          sink(Change{block.address + i, std::span<const std::byte>(old_.data() + i, j - i),
                      std::span<const std::byte>(values_.data() + block.pos + i, j - i)});
        }
      }
      i = j;
    }
  };
  const uint64_t n = window.length;
  while (block.pos < n) {
    block.address = base_ + block.pos;
    const uint64_t len = std::min(n - block.pos, kBlock - block.address % kBlock);
    std::byte* values = values_.data() + block.pos;
    std::memcpy(old_.data(), values, static_cast<size_t>(len));
    ReadOutcome r =
        source.diff(block.address, std::span<std::byte>(values, static_cast<size_t>(len)), on_diff);
    // What could be read is known from now on; what could not keeps its last value.
    uint64_t from = block.pos;
    for (const ByteRange& bad : r.unreadable) {
      const uint64_t lo = std::max(bad.address, block.address) - base_;
      const uint64_t hi = std::min(bad.end(), block.address + len) - base_;
      if (lo >= hi) continue;
      if (unknown_ != 0) mark_known(from, lo);
      from = hi;
      if (!result.unreadable.empty() && result.unreadable.back().end() == base_ + lo) {
        result.unreadable.back().length += hi - lo;
      } else {
        result.unreadable.push_back({base_ + lo, hi - lo});
      }
    }
    if (unknown_ != 0) mark_known(from, block.pos + len);
    if (result.message.empty() && !r.message.empty()) result.message = std::move(r.message);
    block.pos += len;
  }
  return result;
}

}  // namespace memview
