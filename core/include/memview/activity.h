// Where else: which chunks of a whole object (or of every readable region of a process)
// changed, found by hashing instead of copying.
//
//   sweep_regions(source)      what a sweep covers: [base, base + size) of an object or a
//                              range, or every readable mapping of a pid: process inside it.
//   ActivityMap                per-chunk XXH3-64 hashes, time of the last change and a decaying
//                              change count; sweep() reads the regions once and updates them.
//   ActivityView               an immutable copy of a map's times and counts with a max-pyramid:
//                              summaries of N pixel rows in O(N log chunks), next/previous changed
//                              chunk in O(log chunks). The sweeper publishes one per sweep.
//   ActivitySweeper            the background worker (worker.h): opens its OWN Source from the
//                              spec, sweeps under a CPU budget and publishes ActivityViews.
//
// Memory: 8 bytes of hash + 4 of time + 4 of count + 1 of state per chunk in the map, and about
// 2 x 12 bytes per chunk in a published view (level 0 and the pyramid above it): 41 bytes per
// chunk, about 5 MiB per GiB with the default 8 KiB chunks. No copy of the bytes is kept.
//
// Times: now_ns() (clock.h), stored as milliseconds since the map's epoch (saturating after
// 49 days). A chunk's first successful read sets its baseline and is not a change; a chunk that
// turns unreadable (the object shrank, a mapping vanished) is marked unreadable, and gets a new
// baseline when it can be read again.
//
// Thread-safety: ActivityMap is for one thread (the sweeper's). ActivityView is immutable and
// may be read from any thread. ActivitySweeper's member functions may be called from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "memview/result.h"
#include "memview/source.h"
#include "memview/worker.h"

namespace memview {

// One contiguous span a sweep or a snapshot covers.
struct SweepRegion {
  uint64_t address = 0;
  uint64_t length = 0;
  std::string name;  // a process mapping's path or "[heap]"; empty for an object
  uint64_t end() const { return address + length; }
  bool operator==(const SweepRegion&) const = default;
};

// The spans of `source` a sweep or snapshot covers, sorted and disjoint. For a pid: source:
// its readable mappings (except [vvar] and [vsyscall], which the kernel does not let another
// process read) clipped to [base, base + size); for everything else one span, the whole
// object. `range`, when given, clips further (it must overlap the source: otherwise
// Errc::out_of_range).
Result<std::vector<SweepRegion>> sweep_regions(const Source& source,
                                               std::optional<ByteRange> range = std::nullopt);

enum class ChunkState : uint8_t {
  unknown,     // not read yet
  readable,    // hashed on the last sweep
  unreadable,  // the last sweep could not read it
};

struct ActivityOptions {
  uint64_t chunk_size = 8192;  // bytes per chunk (a power of two from 256 up to 64 MiB)
  double half_life_s = 10.0;   // the change count halves every half_life_s seconds
};

// A change summary of a span of chunks (one pixel row of the map).
struct ActivityCell {
  int64_t last_change_ns = 0;  // newest change in the span (now_ns() time base); 0: never
  float changes = 0;           // the largest decayed change count of a chunk in the span
  uint32_t chunks = 0;         // chunks in the span
  uint32_t unreadable = 0;     // of them unreadable on the last sweep
};

class ActivityView {
 public:
  static constexpr size_t npos = static_cast<size_t>(-1);

  const std::vector<SweepRegion>& regions() const { return regions_; }
  uint64_t chunk_size() const { return chunk_size_; }
  size_t chunk_count() const { return chunk_first_.empty() ? 0 : levels_.front().size(); }
  uint64_t sweeps() const { return sweeps_; }
  int64_t taken_ns() const { return taken_ns_; }  // when the sweep this view shows ended
  // The achieved sweep period: start to start of the last complete cycle (sweep and wait),
  // so a change anywhere shows within two periods; and the share of one core the cycle kept
  // busy (busy / period). After the first sweep: that sweep's own time and share.
  int64_t sweep_period_ns() const { return sweep_period_ns_; }
  double cpu_share() const { return cpu_share_; }

  // The chunk containing `address`, or npos when no region holds it.
  size_t chunk_at(uint64_t address) const;
  // The address range of chunk i (the last chunk of a region may be short).
  ByteRange chunk_range(size_t i) const;
  const SweepRegion& region_of_chunk(size_t i) const;
  int64_t last_change_ns(size_t i) const;
  // The change count of chunk i decayed to time now_ns.
  double changes(size_t i, int64_t now_ns) const;
  bool unreadable(size_t i) const;

  // Summary of chunks [first, last): O(log chunks).
  ActivityCell summarize(size_t first, size_t last) const;
  // `rows` cells splitting chunks [first, last) evenly (what a map of `rows` pixels shows):
  // O(rows log chunks), independent of how many chunks each row covers.
  std::vector<ActivityCell> rows(size_t first, size_t last, size_t rows) const;

  // The first chunk at or after `from` (the last at or before it) that changed at or after
  // since_ns; npos when none. O(log chunks).
  size_t next_changed(size_t from, int64_t since_ns) const;
  size_t previous_changed(size_t from, int64_t since_ns) const;

  // Bytes this view holds (for the memory figures).
  size_t memory_bytes() const;

 private:
  friend class ActivityMap;
  struct Node {
    uint32_t last = 0;  // milliseconds since epoch + 1; 0: never changed
    float count = 0;    // change count as of `last`
    uint32_t unreadable = 0;
  };
  std::vector<SweepRegion> regions_;
  std::vector<size_t> chunk_first_;        // first chunk of each region
  std::vector<std::vector<Node>> levels_;  // levels_[0]: chunks; levels_[k]: max over 2^k
  uint64_t chunk_size_ = 0;
  int64_t epoch_ns_ = 0;
  double half_life_s_ = 10.0;
  uint64_t sweeps_ = 0;
  int64_t taken_ns_ = 0;
  int64_t sweep_period_ns_ = 0;
  double cpu_share_ = 0;
  size_t region_index(size_t chunk) const;
};

// What one sweep found.
struct SweepResult {
  uint64_t bytes_read = 0;
  size_t changed_chunks = 0;
  size_t unreadable_chunks = 0;
  bool cancelled = false;
};

// Called by sweep() after each block it read: bytes done so far. Return false to stop the
// sweep early (cancel); the chunks not reached keep their previous state.
using SweepProgress = std::function<bool(uint64_t done)>;

class ActivityMap {
 public:
  // Validates the options (Errc::invalid_argument for a bad chunk size or half life).
  static Result<ActivityMap> create(std::vector<SweepRegion> regions, ActivityOptions options = {});

  const std::vector<SweepRegion>& regions() const { return regions_; }
  const ActivityOptions& options() const { return options_; }
  size_t chunk_count() const { return hash_.size(); }
  uint64_t sweeps() const { return sweeps_; }

  // Replaces the regions (a process mapped or unmapped memory, an object grew): a region that
  // starts where an old one started keeps the state of the whole chunks they share; the
  // other chunks start unknown (their first read is a baseline, not a change).
  void set_regions(std::vector<SweepRegion> regions);

  // Reads every region once through `source` and updates hashes, times and counts.
  // Never fails: what cannot be read is marked unreadable.
  SweepResult sweep(Source& source, const SweepProgress& progress = nullptr);

  // An immutable copy for readers, with the sweep's timing figures.
  std::shared_ptr<const ActivityView> view(int64_t sweep_period_ns = 0, double cpu_share = 0) const;

  // Bytes this map holds.
  size_t memory_bytes() const;

 private:
  ActivityMap(std::vector<SweepRegion> regions, ActivityOptions options);
  void layout_chunks();
  void hash_block(size_t first_chunk, uint64_t block_address, const std::byte* data,
                  uint64_t length, const ReadOutcome& outcome, uint32_t stamp, SweepResult& result);

  std::vector<SweepRegion> regions_;
  ActivityOptions options_;
  std::vector<size_t> chunk_first_;  // first chunk of each region
  std::vector<uint64_t> hash_;
  std::vector<uint32_t> last_;  // ms since epoch + 1; 0: never changed
  std::vector<float> count_;
  std::vector<ChunkState> state_;
  std::vector<std::byte> buffer_;
  int64_t epoch_ns_ = 0;
  uint64_t sweeps_ = 0;
};

struct SweeperOptions {
  ActivityOptions activity;
  std::optional<ByteRange> range;  // sweep only this range (clipped to the source)
  // Fraction of one core the sweeper may use (busy time / wall time); <= 0 or >= 1: no
  // limit (sweeps back to back, still at most one per min_period_ms).
  double cpu_budget = 0.25;
  int64_t min_period_ms = 50;  // never sweep more often (a small object would spin)
};

// Sweeps `spec` on a Worker until destroyed. Publishes a view after every sweep (the first
// one is the baseline: nothing changed yet). A process's mappings are re-read before every
// sweep; an object that grows is swept to its new end, one that shrinks keeps its old extent
// so the lost tail shows as unreadable.
class ActivitySweeper {
 public:
  // Opens its own read-only Source from spec (errors from open_source are returned here, so
  // a bad spec fails at once).
  static Result<std::unique_ptr<ActivitySweeper>> start(const std::string& spec,
                                                        SweeperOptions options = {});
  ~ActivitySweeper();
  ActivitySweeper(const ActivitySweeper&) = delete;
  ActivitySweeper& operator=(const ActivitySweeper&) = delete;

  // The newest view (nullptr until the baseline sweep finished); O(1), never waits on I/O.
  std::shared_ptr<const ActivityView> latest() const { return published_->latest(); }
  uint64_t version() const { return published_->version(); }
  Worker& worker() { return *worker_; }
  // Changes the budget of the running sweeper (takes effect within one block).
  void set_cpu_budget(double budget);

 private:
  ActivitySweeper() = default;
  std::shared_ptr<Published<ActivityView>> published_;
  std::shared_ptr<std::atomic<double>> budget_;
  std::unique_ptr<Worker> worker_;
};

}  // namespace memview
