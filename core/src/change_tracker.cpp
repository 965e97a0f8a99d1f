// Per-byte change tracking in 4 KiB chunks: the last value, the time of the last foreign
// change and a few flags for every byte a front end polled.
#include "memview/change_tracker.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>

namespace memview {

struct ChangeTracker::Chunk {
  uint64_t address = 0;
  std::array<std::byte, kChunkSize> values{};
  std::array<int64_t, kChunkSize> changed_ns{};
  std::array<uint8_t, kChunkSize> flags{};
  // Counters let a steady-state poll skip the per-byte flag pass entirely.
  uint32_t unknown = kChunkSize;  // bytes without kKnown
  uint32_t unreadable = 0;        // bytes with kUnreadable
  std::list<uint64_t>::iterator lru;
};

namespace {

constexpr uint64_t kChunkMask = ChangeTracker::kChunkSize - 1;

uint64_t chunk_of(uint64_t address) {
  return address & ~kChunkMask;
}

// Appends r to out, merging it with the last range when they touch.
void append_range(std::vector<ByteRange>& out, ByteRange r) {
  if (r.length == 0) return;
  if (!out.empty() && out.back().end() == r.address) {
    out.back().length += r.length;
  } else {
    out.push_back(r);
  }
}

}  // namespace

ChangeTracker::ChangeTracker(size_t max_chunks) : max_chunks_(std::max<size_t>(max_chunks, 1)) {}
ChangeTracker::~ChangeTracker() = default;
ChangeTracker::ChangeTracker(ChangeTracker&&) noexcept = default;
ChangeTracker& ChangeTracker::operator=(ChangeTracker&&) noexcept = default;

ChangeTracker::Chunk* ChangeTracker::find(uint64_t chunk_address) const {
  auto it = chunks_.find(chunk_address);
  return it == chunks_.end() ? nullptr : it->second.get();
}

ChangeTracker::Chunk& ChangeTracker::get_or_create(uint64_t chunk_address) {
  auto it = chunks_.find(chunk_address);
  if (it != chunks_.end()) {
    Chunk& c = *it->second;
    lru_.splice(lru_.begin(), lru_, c.lru);
    return c;
  }
  auto chunk = std::make_unique<Chunk>();
  chunk->address = chunk_address;
  lru_.push_front(chunk_address);
  chunk->lru = lru_.begin();
  Chunk& c = *chunk;
  chunks_.emplace(chunk_address, std::move(chunk));
  evict_if_needed();
  return c;
}

void ChangeTracker::evict_if_needed() {
  // The newest chunk is at the front and is never the one evicted.
  while (chunks_.size() > max_chunks_ && lru_.size() > 1) erase_chunk(lru_.back());
}

void ChangeTracker::erase_chunk(uint64_t chunk_address) {
  auto it = chunks_.find(chunk_address);
  if (it == chunks_.end()) return;
  lru_.erase(it->second->lru);
  chunks_.erase(it);
}

ChangeTracker::PollStats ChangeTracker::poll(Source& source, ByteRange range, int64_t now_ns) {
  PollStats stats;
  ++poll_serial_;
  if (range.length == 0) return stats;
  const uint64_t end =
      range.address + std::min(range.length, std::numeric_limits<uint64_t>::max() - range.address);
  const size_t first_change = changes_.size();

  // State shared with the sink for the chunk being diffed. The sink captures one pointer so
  // std::function keeps it inline: no allocation per poll.
  struct Context {
    ChangeTracker* self;
    PollStats* stats;
    Chunk* chunk = nullptr;
    size_t offset = 0;  // of the diffed range inside the chunk
    int64_t now = 0;
    size_t first_change = 0;
    const std::byte* old = nullptr;  // previous values of the diffed range (when recording)
  } ctx{this, &stats};
  ctx.now = now_ns;
  ctx.first_change = first_change;
  std::array<std::byte, kChunkSize> old_values;

  const DiffSink sink = [&ctx](size_t index, size_t length) {
    Chunk& c = *ctx.chunk;
    const size_t from = ctx.offset + index;
    const size_t to = from + length;
    size_t run_start = to;  // start of the current run of (known) changed bytes
    auto flush_run = [&](size_t run_end) {
      if (run_start >= run_end) return;
      const uint64_t address = c.address + run_start;
      const std::byte* old = ctx.old + (run_start - ctx.offset);
      const std::byte* now = c.values.data() + run_start;
      const size_t n = run_end - run_start;
      std::vector<ChangeRun>& changes = ctx.self->changes_;
      if (changes.size() > ctx.first_change &&
          changes.back().address + changes.back().new_bytes.size() == address) {
        ChangeRun& last = changes.back();
        last.old_bytes.insert(last.old_bytes.end(), old, old + n);
        last.new_bytes.insert(last.new_bytes.end(), now, now + n);
      } else {
        changes.push_back(ChangeRun{address, {old, old + n}, {now, now + n}});
      }
      run_start = to;
    };
    const bool record = ctx.old != nullptr;
    for (size_t i = from; i < to; ++i) {
      const uint8_t f = c.flags[i];
      if (f & kKnown) {
        c.changed_ns[i] = ctx.now;
        c.flags[i] = static_cast<uint8_t>(f & ~kOwnEdit);
        ++ctx.stats->changed_bytes;
        if (record && run_start == to) run_start = i;
      } else {
        // First sight of this byte: its baseline, not a change.
        c.flags[i] = static_cast<uint8_t>(f | kKnown);
        --c.unknown;
        ++ctx.stats->new_bytes;
        if (record) flush_run(i);
      }
    }
    if (record) flush_run(to);
  };

  uint64_t address = range.address;
  while (address < end) {
    const uint64_t chunk_address = chunk_of(address);
    const size_t offset = static_cast<size_t>(address - chunk_address);
    const size_t n = static_cast<size_t>(std::min<uint64_t>(kChunkSize - offset, end - address));
    Chunk& c = get_or_create(chunk_address);
    const bool needs_flag_pass = c.unknown != 0 || c.unreadable != 0;
    ctx.chunk = &c;
    ctx.offset = offset;
    ctx.old = nullptr;
    if (record_changes_) {
      std::memcpy(old_values.data(), c.values.data() + offset, n);
      ctx.old = old_values.data();
    }

    ReadOutcome r = source.diff(address, std::span<std::byte>(c.values.data() + offset, n), sink);

    if (needs_flag_pass || !r.complete()) {
      // Walk readable and unreadable parts: readable bytes become known and readable,
      // unreadable ones keep their last value and get kUnreadable.
      size_t pos = offset;
      auto readable = [&](size_t to) {
        if (!needs_flag_pass) {
          pos = to;
          return;
        }
        for (; pos < to; ++pos) {
          uint8_t& f = c.flags[pos];
          if (!(f & kKnown)) {
            f |= kKnown;
            --c.unknown;
            ++stats.new_bytes;
          }
          if (f & kUnreadable) {
            f &= static_cast<uint8_t>(~kUnreadable);
            --c.unreadable;
          }
        }
      };
      for (const ByteRange& bad : r.unreadable) {
        const uint64_t lo = std::max(bad.address, address);
        const uint64_t hi = std::min(bad.end(), address + n);
        if (lo >= hi) continue;
        readable(offset + static_cast<size_t>(lo - address));
        const size_t bad_to = offset + static_cast<size_t>(hi - address);
        for (; pos < bad_to; ++pos) {
          uint8_t& f = c.flags[pos];
          if (!(f & kUnreadable)) {
            f |= kUnreadable;
            ++c.unreadable;
          }
        }
      }
      readable(offset + n);
      for (const ByteRange& bad : r.unreadable) append_range(stats.read.unreadable, bad);
      if (stats.read.message.empty()) stats.read.message = std::move(r.message);
    }
    address += n;
  }
  return stats;
}

void ChangeTracker::note_own_write(uint64_t address, std::span<const std::byte> bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const uint64_t a = address + done;
    const uint64_t chunk_address = chunk_of(a);
    const size_t offset = static_cast<size_t>(a - chunk_address);
    const size_t n = std::min(kChunkSize - offset, bytes.size() - done);
    Chunk& c = get_or_create(chunk_address);
    std::memcpy(c.values.data() + offset, bytes.data() + done, n);
    for (size_t i = offset; i < offset + n; ++i) {
      uint8_t& f = c.flags[i];
      if (!(f & kKnown)) --c.unknown;
      if (f & kUnreadable) --c.unreadable;
      f = static_cast<uint8_t>((f & ~kUnreadable) | kKnown | kOwnEdit);
    }
    done += n;
  }
}

std::vector<ChangeRun> ChangeTracker::take_changes() {
  std::vector<ChangeRun> out;
  out.swap(changes_);
  return out;
}

TrackedBytes ChangeTracker::row(uint64_t address, size_t max_length) const {
  TrackedBytes out;
  out.address = address;
  const Chunk* c = find(chunk_of(address));
  if (!c) return out;
  const size_t offset = static_cast<size_t>(address - c->address);
  out.length = std::min(max_length, kChunkSize - offset);
  out.values = c->values.data() + offset;
  out.changed_ns = c->changed_ns.data() + offset;
  out.flags = c->flags.data() + offset;
  return out;
}

bool ChangeTracker::known(uint64_t address) const {
  return flags(address) & kKnown;
}

std::byte ChangeTracker::value(uint64_t address) const {
  const Chunk* c = find(chunk_of(address));
  return c ? c->values[address & kChunkMask] : std::byte{0};
}

int64_t ChangeTracker::changed_ns(uint64_t address) const {
  const Chunk* c = find(chunk_of(address));
  return c ? c->changed_ns[address & kChunkMask] : 0;
}

uint8_t ChangeTracker::flags(uint64_t address) const {
  const Chunk* c = find(chunk_of(address));
  return c ? c->flags[address & kChunkMask] : 0;
}

void ChangeTracker::mark_unreadable_from(uint64_t end) {
  for (auto& [chunk_address, chunk] : chunks_) {
    if (chunk_address + kChunkSize <= end) continue;
    Chunk& c = *chunk;
    const size_t from = end > chunk_address ? static_cast<size_t>(end - chunk_address) : 0;
    for (size_t i = from; i < kChunkSize; ++i) {
      uint8_t& f = c.flags[i];
      if (!(f & kUnreadable)) {
        f |= kUnreadable;
        ++c.unreadable;
      }
    }
  }
}

void ChangeTracker::forget_from(uint64_t end) {
  std::vector<uint64_t> drop;
  for (auto& [chunk_address, chunk] : chunks_) {
    if (chunk_address >= end) {
      drop.push_back(chunk_address);
      continue;
    }
    if (chunk_address + kChunkSize <= end) continue;
    Chunk& c = *chunk;
    for (size_t i = static_cast<size_t>(end - chunk_address); i < kChunkSize; ++i) {
      if (c.flags[i] & kKnown) ++c.unknown;
      if (c.flags[i] & kUnreadable) --c.unreadable;
      c.flags[i] = 0;
      c.values[i] = std::byte{0};
      c.changed_ns[i] = 0;
    }
  }
  for (uint64_t a : drop) erase_chunk(a);
}

void ChangeTracker::clear() {
  chunks_.clear();
  lru_.clear();
  changes_.clear();
}

size_t ChangeTracker::chunk_count() const {
  return chunks_.size();
}

}  // namespace memview
