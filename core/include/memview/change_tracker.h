// Per-byte change tracking for the ranges a front end looks at.
//
// The tracker keeps the last polled value of every byte it was asked about, in 4 KiB
// chunks keyed by address. Each poll of a range compares the source with those values
// (one pass, fused with the read where the backend can) and stamps every byte that
// differs with the poll's time. The first poll of a byte is its baseline, not a change.
// Cost is proportional to the polled range, never to the size of the source; chunks not
// polled for a while are evicted (least recently used first, in batches) once more than
// max_chunks are held. One poll of a range larger than max_chunks holds all of its chunks
// until it returns, then keeps the most recently polled ones.
//
// Thread-safety: none; use from the thread that polls. Pointers returned by row() stay
// valid until the next poll(), note_own_write(), forget*() or clear().
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <unordered_map>
#include <vector>

#include "memview/source.h"

namespace memview {

// Flags kept per byte.
enum ByteFlag : uint8_t {
  kKnown = 1u << 0,       // value was read at least once
  kOwnEdit = 1u << 1,     // last written by us (until another process overwrites it)
  kUnreadable = 1u << 2,  // the latest poll could not read it (value is the last known one)
};

// A change seen by a poll: a run of consecutive bytes, with their old and new values.
struct ChangeRun {
  uint64_t address = 0;
  std::vector<std::byte> old_bytes;
  std::vector<std::byte> new_bytes;
};

// Read-only view of consecutive tracked bytes (never crosses a chunk boundary).
struct TrackedBytes {
  uint64_t address = 0;
  size_t length = 0;                    // 0 when the address is not tracked
  const std::byte* values = nullptr;    // last polled (or own-written) values
  const int64_t* changed_ns = nullptr;  // poll time of the last foreign change; 0 = never
  const uint8_t* flags = nullptr;       // ByteFlag bits
};

class ChangeTracker {
 public:
  static constexpr size_t kChunkSize = 4096;

  explicit ChangeTracker(size_t max_chunks = 4096);
  ~ChangeTracker();
  ChangeTracker(ChangeTracker&&) noexcept;
  ChangeTracker& operator=(ChangeTracker&&) noexcept;

  struct PollStats {
    uint64_t changed_bytes = 0;  // bytes that differed from the previous poll
    uint64_t new_bytes = 0;      // bytes seen for the first time (baseline)
    ReadOutcome read;            // unreadable parts of the polled range
  };

  // Polls `range` of `source` at time now_ns. Bytes that cannot be read keep their last
  // value and get kUnreadable.
  PollStats poll(Source& source, ByteRange range, int64_t now_ns);

  // Records bytes we just wrote: they become the tracked values (so the next poll does
  // not report them as a foreign change) and are marked kOwnEdit.
  void note_own_write(uint64_t address, std::span<const std::byte> bytes);

  // When enabled, poll() records ChangeRuns (old and new bytes) for take_changes().
  void set_record_changes(bool on) { record_changes_ = on; }
  std::vector<ChangeRun> take_changes();

  // Up to `max_length` consecutive tracked bytes starting at address (stops at a chunk
  // boundary). length == 0 when the address was never polled.
  TrackedBytes row(uint64_t address, size_t max_length) const;

  bool known(uint64_t address) const;
  // Last known value; only meaningful when known().
  std::byte value(uint64_t address) const;
  int64_t changed_ns(uint64_t address) const;
  uint8_t flags(uint64_t address) const;

  // Flags every tracked byte at or beyond `end` kUnreadable, keeping its last value (the
  // source shrank: the bytes are gone for now but the user may still want to see them).
  void mark_unreadable_from(uint64_t end);
  // Drops everything at or beyond `end` (after the source shrank).
  void forget_from(uint64_t end);
  void clear();
  size_t chunk_count() const;

 private:
  struct Chunk;
  struct Storage;  // value slabs and scratch space, see change_tracker.cpp
  Chunk* find(uint64_t chunk_address) const;
  Chunk& get_or_create(uint64_t chunk_address);
  void evict_if_needed();
  void erase_chunk(uint64_t chunk_address);

  std::unordered_map<uint64_t, std::unique_ptr<Chunk>> chunks_;
  std::unique_ptr<Storage> storage_;
  size_t max_chunks_;
  uint64_t poll_serial_ = 0;  // bumped on every chunk use: the LRU clock
  bool record_changes_ = false;
  std::vector<ChangeRun> changes_;
};

}  // namespace memview
