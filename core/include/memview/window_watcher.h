// Watching one window of a source for changes at about one byte of memory per watched byte:
// the last value of every byte (compared in place with Source::diff, as the poller does)
// plus one bit per byte that says whether it was ever read. Unlike the ChangeTracker it
// keeps no change times or flags, so a 64 MiB window costs about 72 MiB, not 640 MiB.
//
// The first poll of a byte is its baseline, not a change. Bytes that cannot be read keep
// their last value and are reported as unreadable. When the window grows, the new bytes
// get their baseline; when it shrinks, the tail is forgotten; when it moves (another start
// address), everything starts over.
//
// Thread-safety: none; one thread polls.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "memview/result.h"
#include "memview/source.h"

namespace memview {

class WindowWatcher {
 public:
  // Changes are reported in runs that never cross a kBlock-aligned boundary; callers that
  // want longer runs join adjacent ones.
  static constexpr uint64_t kBlock = uint64_t{64} * 1024;
  // The largest window a watcher holds by default (about 4.5 GiB of memory at this size).
  static constexpr uint64_t kDefaultMaxBytes = 4ull << 30;

  explicit WindowWatcher(uint64_t max_bytes = kDefaultMaxBytes);

  // A run of changed bytes. The spans are valid during the sink call only.
  struct Change {
    uint64_t address = 0;
    std::span<const std::byte> old_bytes;
    std::span<const std::byte> new_bytes;
  };
  using ChangeSink = std::function<void(const Change&)>;

  struct PollResult {
    uint64_t changed_bytes = 0;
    std::vector<ByteRange> unreadable;  // sorted, merged, inside the window
    std::string message;                // why (first reason), empty when all was read
  };

  // Diffs `window` of `source` against the last values, calling sink for each changed run
  // in ascending order. Errors (nothing polled): the window is larger than max_bytes, or the
  // memory to hold it cannot be had; the message says how big and what to do.
  Result<PollResult> poll(Source& source, ByteRange window, const ChangeSink& sink);

  uint64_t max_bytes() const { return max_bytes_; }
  // Bytes of memory held for the current window (values and known-bits).
  uint64_t memory_bytes() const;

 private:
  Status resize_to(ByteRange window);
  bool known(uint64_t index) const { return (known_[index >> 6] >> (index & 63)) & 1u; }
  void mark_known(uint64_t from, uint64_t to);

  uint64_t max_bytes_;
  uint64_t base_ = 0;
  bool started_ = false;
  std::vector<std::byte> values_;  // last value of byte base_ + i
  std::vector<uint64_t> known_;    // bit i: byte base_ + i was read at least once
  uint64_t unknown_ = 0;           // bytes of the window never read (0: skip the bits)
  std::vector<std::byte> old_;     // one block's previous values during a diff
};

}  // namespace memview
