// Per-byte change tracking in 4 KiB chunks: the last value, the time of the last foreign
// change and a few flags for every byte a front end polled.
#include "memview/change_tracker.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <utility>

namespace memview {

struct ChangeTracker::Chunk {
  uint64_t address = 0;
  std::byte* values = nullptr;  // kChunkSize bytes in a Storage slab
  uint64_t last_used = 0;       // poll_serial_ at the last use (LRU)
  // Counters let a steady-state poll skip the per-byte flag pass entirely.
  uint32_t unknown = kChunkSize;  // bytes without kKnown
  uint32_t unreadable = 0;        // bytes with kUnreadable
  std::array<uint8_t, kChunkSize> flags{};
  std::array<int64_t, kChunkSize> changed_ns{};
};

// The values of all chunks live in slabs of kSlabChunks consecutive slots, handed out in
// ascending order. Neighbouring chunks of a window polled for the first time therefore
// get neighbouring values, and poll() diffs such a run of chunks in one Source::diff call:
// one long compare instead of many short ones scattered between the (large, cold)
// changed_ns arrays, which measured about 30 % faster.
struct ChangeTracker::Storage {
  static constexpr size_t kSlabChunks = 16;
  struct alignas(64) Slab {
    std::byte bytes[kSlabChunks * kChunkSize];
  };
  std::vector<std::unique_ptr<Slab>> slabs;
  std::vector<std::byte*> free_slots;  // popped from the back
  std::vector<std::byte> old_values;   // poll(): previous values while recording changes

  std::byte* take() {
    if (free_slots.empty()) {
      slabs.push_back(std::make_unique<Slab>());
      std::byte* base = slabs.back()->bytes;
      for (size_t i = kSlabChunks; i-- > 0;) free_slots.push_back(base + i * kChunkSize);
    }
    std::byte* slot = free_slots.back();
    free_slots.pop_back();
    std::memset(slot, 0, kChunkSize);
    return slot;
  }
  void give(std::byte* slot) { free_slots.push_back(slot); }
};

namespace {

constexpr uint64_t kChunkMask = ChangeTracker::kChunkSize - 1;
constexpr unsigned kChunkShift = 12;
static_assert((uint64_t{1} << kChunkShift) == ChangeTracker::kChunkSize);

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

ChangeTracker::ChangeTracker(size_t max_chunks)
    : storage_(std::make_unique<Storage>()), max_chunks_(std::max<size_t>(max_chunks, 1)) {}
ChangeTracker::~ChangeTracker() = default;
ChangeTracker::ChangeTracker(ChangeTracker&&) noexcept = default;
ChangeTracker& ChangeTracker::operator=(ChangeTracker&&) noexcept = default;

ChangeTracker::Chunk* ChangeTracker::find(uint64_t chunk_address) const {
  auto it = chunks_.find(chunk_address);
  return it == chunks_.end() ? nullptr : it->second.get();
}

// Never evicts: callers hold chunk pointers until they call evict_if_needed().
ChangeTracker::Chunk& ChangeTracker::get_or_create(uint64_t chunk_address) {
  auto it = chunks_.find(chunk_address);
  if (it == chunks_.end()) {
    if (!storage_) storage_ = std::make_unique<Storage>();  // a moved-from tracker reused
    auto chunk = std::make_unique<Chunk>();
    chunk->address = chunk_address;
    chunk->values = storage_->take();
    it = chunks_.emplace(chunk_address, std::move(chunk)).first;
  }
  it->second->last_used = ++poll_serial_;
  return *it->second;
}

void ChangeTracker::evict_if_needed() {
  if (chunks_.size() <= max_chunks_) return;
  // Evict in a batch (down to 7/8 of the limit) so that the O(n) selection is paid once
  // per max_chunks/8 new chunks, not for every one.
  const size_t keep = max_chunks_ - max_chunks_ / 8;
  std::vector<std::pair<uint64_t, uint64_t>> by_age;  // (last_used, address)
  by_age.reserve(chunks_.size());
  for (const auto& [address, chunk] : chunks_) by_age.emplace_back(chunk->last_used, address);
  const size_t drop = by_age.size() - keep;
  std::nth_element(by_age.begin(), by_age.begin() + static_cast<std::ptrdiff_t>(drop),
                   by_age.end());
  for (size_t i = 0; i < drop; ++i) erase_chunk(by_age[i].second);
}

void ChangeTracker::erase_chunk(uint64_t chunk_address) {
  auto it = chunks_.find(chunk_address);
  if (it == chunks_.end()) return;
  storage_->give(it->second->values);
  chunks_.erase(it);
}

ChangeTracker::PollStats ChangeTracker::poll(Source& source, ByteRange range, int64_t now_ns) {
  PollStats stats;
  if (range.length == 0) return stats;
  const uint64_t end =
      range.address + std::min(range.length, std::numeric_limits<uint64_t>::max() - range.address);
  constexpr size_t kMaxGroup = Storage::kSlabChunks;

  // A group: consecutive chunks whose values are consecutive too, diffed in one call.
  // Index g in the diffed span is byte (first_offset + g) of the group; chunk g >> 12.
  struct Group {
    std::array<Chunk*, kMaxGroup> chunks{};
    std::array<bool, kMaxGroup> needs_flag_pass{};
    size_t count = 0;
    size_t first_offset = 0;  // of the diffed span inside chunks[0]
  };
  // State shared with the sink. The sink captures one pointer so std::function keeps it
  // inline: no allocation per poll.
  struct Context {
    ChangeTracker* self;
    PollStats* stats;
    Group group;
    int64_t now = 0;
    size_t first_change = 0;
    const std::byte* old = nullptr;  // previous values of the diffed span (when recording)
  } ctx{this, &stats, {}};
  ctx.now = now_ns;
  ctx.first_change = changes_.size();

  const DiffSink sink = [&ctx](size_t index, size_t length) {
    const Group& g = ctx.group;
    const size_t from = g.first_offset + index;  // group-relative
    const size_t to = from + length;
    const bool record = ctx.old != nullptr;
    size_t run_start = to;  // start of the current run of (known) changed bytes
    auto flush_run = [&](size_t run_end) {
      if (run_start >= run_end) return;
      const uint64_t address = g.chunks[0]->address + run_start;
      const std::byte* old = ctx.old + (run_start - g.first_offset);
      const std::byte* now = g.chunks[0]->values + run_start;  // values are contiguous
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
    for (size_t x = from; x < to; ++x) {
      Chunk& c = *g.chunks[x >> kChunkShift];
      const size_t i = x & kChunkMask;
      const uint8_t f = c.flags[i];
      if (f & kKnown) {
        c.changed_ns[i] = ctx.now;
        c.flags[i] = static_cast<uint8_t>(f & ~kOwnEdit);
        ++ctx.stats->changed_bytes;
        if (record && run_start == to) run_start = x;
      } else {
        // First sight of this byte: its baseline, not a change.
        c.flags[i] = static_cast<uint8_t>(f | kKnown);
        --c.unknown;
        ++ctx.stats->new_bytes;
        if (record) flush_run(x);
      }
    }
    if (record) flush_run(to);
  };

  uint64_t address = range.address;
  while (address < end) {
    Group& g = ctx.group;
    const uint64_t first_chunk = chunk_of(address);
    g.first_offset = static_cast<size_t>(address - first_chunk);
    g.count = 0;
    uint64_t span_end = address;  // the group covers [address, span_end)
    while (g.count < kMaxGroup && span_end < end) {
      Chunk& c = get_or_create(first_chunk + g.count * kChunkSize);
      if (g.count > 0 && c.values != g.chunks[g.count - 1]->values + kChunkSize) break;
      g.chunks[g.count] = &c;
      g.needs_flag_pass[g.count] = c.unknown != 0 || c.unreadable != 0;
      ++g.count;
      // The last chunk of the address space ends at 2^64, which wraps to 0.
      const uint64_t chunk_end = c.address > std::numeric_limits<uint64_t>::max() - kChunkSize
                                     ? std::numeric_limits<uint64_t>::max()
                                     : c.address + kChunkSize;
      span_end = std::min(end, chunk_end);
    }
    const size_t n = static_cast<size_t>(span_end - address);
    std::byte* const values = g.chunks[0]->values + g.first_offset;
    ctx.old = nullptr;
    if (record_changes_) {
      storage_->old_values.assign(values, values + n);
      ctx.old = storage_->old_values.data();
    }

    ReadOutcome r = source.diff(address, std::span<std::byte>(values, n), sink);

    for (size_t k = 0; k < g.count; ++k) {
      Chunk& c = *g.chunks[k];
      const bool flag_pass = g.needs_flag_pass[k];
      if (!flag_pass && r.complete()) continue;
      // This chunk's part of the span, as chunk offsets [lo, hi).
      const size_t lo = k == 0 ? g.first_offset : 0;
      const size_t hi = static_cast<size_t>(std::min<uint64_t>(span_end - c.address, kChunkSize));
      // Walk readable and unreadable parts: readable bytes become known and readable,
      // unreadable ones keep their last value and get kUnreadable.
      size_t pos = lo;
      auto readable = [&](size_t to) {
        if (!flag_pass) {
          pos = std::max(pos, to);
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
        const uint64_t bad_lo = std::max(bad.address, c.address + lo);
        const uint64_t bad_hi = std::min(bad.end(), c.address + hi);
        if (bad_lo >= bad_hi) continue;
        readable(static_cast<size_t>(bad_lo - c.address));
        const size_t bad_to = static_cast<size_t>(bad_hi - c.address);
        for (; pos < bad_to; ++pos) {
          uint8_t& f = c.flags[pos];
          if (!(f & kUnreadable)) {
            f |= kUnreadable;
            ++c.unreadable;
          }
        }
      }
      readable(hi);
    }
    if (!r.complete()) {
      for (const ByteRange& bad : r.unreadable) append_range(stats.read.unreadable, bad);
      if (stats.read.message.empty()) stats.read.message = std::move(r.message);
    }
    address = span_end;
  }
  evict_if_needed();
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
    std::memcpy(c.values + offset, bytes.data() + done, n);
    for (size_t i = offset; i < offset + n; ++i) {
      uint8_t& f = c.flags[i];
      if (!(f & kKnown)) --c.unknown;
      if (f & kUnreadable) --c.unreadable;
      f = static_cast<uint8_t>((f & ~kUnreadable) | kKnown | kOwnEdit);
    }
    done += n;
  }
  evict_if_needed();
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
  out.values = c->values + offset;
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
      c.changed_ns[i] = 0;
      c.values[i] = std::byte{0};
    }
  }
  for (uint64_t a : drop) erase_chunk(a);
}

void ChangeTracker::clear() {
  chunks_.clear();
  storage_ = std::make_unique<Storage>();
  changes_.clear();
}

size_t ChangeTracker::chunk_count() const {
  return chunks_.size();
}

}  // namespace memview
