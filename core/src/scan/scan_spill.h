// Candidate storage above the memory cap (ScanOptions::memory_cap): whole blocks written to
// a temporary file that has no name (unlinked as soon as it is created, deleted on close
// on Windows), so nothing is left behind however the program ends. Internal to the engine.
//
// Thread-safety: ScanSpill is shared by the states that reference it (copies of a state,
// a narrowing and its predecessor); append() and load() may be called from any thread.
// The file is append-only: a block once written never changes, so every state that
// references an offset keeps reading what it wrote.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "memview/result.h"
#include "memview/scan.h"

namespace memview {

class ScanSpill {
 public:
  // A new temporary file in std::filesystem::temp_directory_path() (TMPDIR).
  static Result<std::shared_ptr<ScanSpill>> create();
  ~ScanSpill();
  ScanSpill(const ScanSpill&) = delete;
  ScanSpill& operator=(const ScanSpill&) = delete;

  // Moves `block`'s storage into the file: afterwards the block has no lanes and records
  // where its storage went (spill_offset, spill_bytes, spill_count).
  Status store(ScanBlock& block);
  // The storage of a spilled block, read back (the last one read is cached: a results
  // table asking for values in address order reads each block once).
  Result<std::shared_ptr<const ScanBlock>> load(const ScanBlock& spilled) const;
  // The same, uncached, as a block of its own (a narrowing narrows it in place).
  Result<ScanBlock> read_back(const ScanBlock& spilled) const;

  uint64_t bytes() const { return end_.load(); }
  const std::string& directory() const { return dir_; }

 private:
  ScanSpill() = default;
  Status write_at(uint64_t offset, const void* p, size_t n);
  Status read_at(uint64_t offset, void* p, size_t n) const;

#if defined(_WIN32)
  void* handle_ = nullptr;
  mutable std::mutex io_;
#else
  int fd_ = -1;
#endif
  std::string dir_;
  std::atomic<uint64_t> end_{0};
  mutable std::mutex cache_mutex_;
  mutable uint64_t cached_offset_ = ~uint64_t{0};
  mutable std::shared_ptr<const ScanBlock> cached_;
};

namespace scan_detail {

// Bytes one block's candidate storage holds in memory.
uint64_t block_memory(const ScanBlock& b);

// The memory cap of one scan or narrowing, shared by its reader threads: keep() leaves a
// block in memory while the total stays under the cap, and spills it otherwise (creating
// the state's temporary file on the first spill).
class SpillBudget {
 public:
  // `in_memory`: what the state being narrowed already holds in memory.
  SpillBudget(uint64_t cap, std::shared_ptr<ScanSpill> spill, uint64_t in_memory = 0)
      : cap_(cap), used_(in_memory), spill_(std::move(spill)) {}
  Status keep(ScanBlock& b);
  // A block's old storage, released (narrowed in place, then kept again).
  void release(uint64_t bytes) {
    if (cap_ != 0) used_.fetch_sub(bytes);
  }
  std::shared_ptr<ScanSpill> spill() const;
  uint64_t spilled() const { return spilled_.load(); }

 private:
  uint64_t cap_;
  std::atomic<uint64_t> used_{0};
  std::atomic<uint64_t> spilled_{0};
  mutable std::mutex mutex_;
  std::shared_ptr<ScanSpill> spill_;
};

// The block with its storage in memory: `b` itself, or its spilled storage read back.
Result<std::shared_ptr<const ScanBlock>> resident(const ScanState& s, const ScanBlock& b);

}  // namespace scan_detail
}  // namespace memview
