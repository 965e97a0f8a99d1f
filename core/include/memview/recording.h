// Recordings: the append-only file a sampler writes (memview/recorder.h) and the reader
// that answers "what were these bytes at time T" and "when did they change". The format is
// documented in docs/recording.md (magic "MVRECORD", version 1): a JSON header, then
// zstd-compressed blocks that each start with a keyframe (the full ranges) followed by the
// changed runs of each sample, then an index of the blocks written when the file is closed.
//
// Times are nanoseconds since the start of the recording (RecordingHeader::start_mono_ns on
// the recorder's CLOCK_MONOTONIC; start_wall_ns is the same instant as wall-clock time).
//
// A truncated file (a killed recorder) reads up to its last complete block; a corrupt or
// foreign file is refused with one Error. Nothing here throws or aborts.
//
// Thread-safety: a RecordingWriter or Recording is used by one thread at a time; separate
// objects are independent.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "memview/result.h"
#include "memview/source.h"
#include "memview/value_codec.h"

namespace memview {

inline constexpr uint32_t kRecordingVersion = 1;
// What one recording may sample in all (the keyframe of every block holds all of it).
inline constexpr uint64_t kMaxRecordedBytes = 32ull << 20;
inline constexpr size_t kMaxRecordedRanges = 4096;

struct RecordingHeader {
  std::string spec;                  // canonical source spec ("shm:/x", "pid:42@0x1000+64")
  std::vector<ByteRange> ranges;     // sampled ranges, in the source's addresses
  double rate_hz = 0;                // requested rate; 0 = as fast as the source allows
  int64_t start_wall_ns = 0;         // wall-clock (Unix epoch) time of the start
  int64_t start_mono_ns = 0;         // the same instant on the monotonic clock
  std::optional<ByteRange> seqlock;  // sequence counter the samples were checked against
  bool stable_read = false;          // samples were kept only when two reads agreed
  std::string layout_json;           // layout of the struct at layout_at ("" when none)
  uint64_t layout_at = 0;
  std::string triggers;  // trigger expressions as given ("" when none)

  uint64_t total_bytes() const;
};

// Kinds of event a recording holds besides samples.
enum class RecordingEventKind : uint8_t {
  mark = 1,     // a trigger fired (text: the trigger and the values)
  fault = 2,    // the source shrank, went away or became unreadable; the recording ended
  note = 3,     // informational (e.g. "paused")
  summary = 4,  // the recorder's final statistics as JSON (text)
};
const char* recording_event_kind_name(RecordingEventKind k);

struct RecordingEvent {
  int64_t t_ns = 0;
  RecordingEventKind kind = RecordingEventKind::note;
  std::string text;
};

// One changed run of one sample: bytes [offset, offset + bytes.size()) of ranges[range].
struct RecordedRun {
  uint32_t range = 0;
  uint64_t offset = 0;
  std::span<const std::byte> bytes;
};

struct RecordingWriterOptions {
  uint64_t block_bytes = 1ull << 20;  // uncompressed bytes per block (a keyframe each)
  int64_t block_ns = 1'000'000'000;   // and at most this long
  int zstd_level = 1;
  // Bounded (flight recorder) mode: keep only the newest blocks covering ring_ns or
  // ring_bytes (compressed); 0 = unbounded. In ring mode nothing but the header reaches the
  // file before finish().
  int64_t ring_ns = 0;
  uint64_t ring_bytes = 0;
  // Keep the recording in memory only (the viewer's Record button): no file is created,
  // the blocks stay in the ring (bounded by ring_ns/ring_bytes when set) and image() gives
  // them; a block is also closed when block_ns passed without a change, so the image never
  // lags the present by more than about block_ns. The path given to create() is ignored.
  bool in_memory = false;
};

// A recording as bytes in memory: the file header and the complete blocks, in order. The
// blocks are shared with the writer that made them and never change (copies are cheap).
// Recording::from_image() reads it; save() writes it as a complete recording file.
struct RecordingImage {
  std::string head;                                        // magic, version, header JSON
  std::vector<std::shared_ptr<const std::string>> blocks;  // each a block header + its bytes
  uint64_t bytes() const;                                  // what save() writes, index excluded
  // Writes the file (header, blocks, index) to `path` + ".part" and renames it into place,
  // so that `path` is either the whole recording or untouched.
  Status save(const std::string& path) const;
};

// Writes a recording. Blocks reach the file as they complete (and are flushed), so a killed
// recorder leaves every complete block readable.
class RecordingWriter {
 public:
  // Creates `path` (truncating an existing file: callers check first) and writes the header.
  static Result<std::unique_ptr<RecordingWriter>> create(const std::string& path,
                                                         const RecordingHeader& header,
                                                         const RecordingWriterOptions& options);
  ~RecordingWriter();
  RecordingWriter(const RecordingWriter&) = delete;
  RecordingWriter& operator=(const RecordingWriter&) = delete;

  // The state of the ranges at the first sample (each span as long as its range).
  Status start(int64_t t_ns, const std::vector<std::vector<std::byte>>& state);
  // One sample: the runs that changed since the previous one (sorted per range). Samples
  // without runs cost nothing but a count.
  Status add_sample(int64_t t_ns, std::span<const RecordedRun> runs);
  Status add_event(const RecordingEvent& event);
  // Ring mode: from now on drop no block that ends at or after t_ns (a trigger's pre-time).
  void keep_from(int64_t t_ns);
  // Flushes the open block, writes the retained blocks (ring mode) and the index, closes.
  // In memory: closes the open block; image() then holds the whole recording.
  Status finish();
  // In memory: the header and the blocks closed so far (the open block is not in it).
  RecordingImage image() const;

  uint64_t file_bytes() const { return file_bytes_; }      // written to the file so far
  uint64_t raw_bytes() const { return raw_total_; }        // uncompressed record bytes so far
  uint64_t stored_bytes() const { return stored_total_; }  // compressed block bytes so far
  uint64_t samples() const { return samples_; }
  uint64_t changed_runs() const { return runs_; }
  uint64_t changed_bytes() const { return changed_bytes_; }

 private:
  struct Block;
  RecordingWriter() = default;
  Status write_raw(const void* data, size_t size);
  Status begin_block(int64_t t_ns);
  Status close_block();
  Status emit(std::string block, int64_t first_ns, int64_t last_ns);
  void trim_ring();

  std::FILE* file_ = nullptr;
  std::string head_;  // the file header's bytes (in memory)
  RecordingHeader header_;
  RecordingWriterOptions options_;
  std::vector<std::vector<std::byte>> state_;
  std::string raw_;  // the open block's records
  bool block_open_ = false;
  int64_t block_first_ns_ = 0;
  int64_t block_last_ns_ = 0;
  uint32_t block_samples_ = 0;
  struct Done {
    uint64_t offset;
    int64_t first_ns;
    int64_t last_ns;
  };
  std::vector<Done> index_;
  struct Held {
    std::shared_ptr<const std::string> bytes;
    int64_t first_ns;
    int64_t last_ns;
  };
  std::deque<Held> ring_;
  uint64_t ring_held_ = 0;
  std::optional<int64_t> keep_from_;
  uint64_t file_bytes_ = 0;
  uint64_t raw_total_ = 0;
  uint64_t stored_total_ = 0;
  uint64_t samples_ = 0;
  uint64_t runs_ = 0;
  uint64_t changed_bytes_ = 0;
  bool finished_ = false;
};

// The bytes of every range at one instant.
struct RecordedState {
  int64_t t_ns = 0;  // time of the last sample at or before the asked time
  std::vector<std::vector<std::byte>> ranges;
};

struct RecordingBlockInfo {
  uint64_t offset = 0;  // of the block header in the file
  int64_t first_ns = 0;
  int64_t last_ns = 0;
  uint32_t samples = 0;
  uint32_t stored_bytes = 0;
  uint32_t raw_bytes = 0;
};

// One change as the reader replays it.
struct RecordedChange {
  int64_t t_ns = 0;
  uint32_t range = 0;
  uint64_t offset = 0;  // within the range
  std::span<const std::byte> bytes;
};

// One point of a value series.
struct SeriesPoint {
  int64_t t_ns = 0;
  std::string value;  // as decode_scalar shows it
};

// Reads a recording. Blocks are decoded on demand; the block index comes from the file's
// index when it is intact, else from a scan of the block headers.
class Recording {
 public:
  static Result<Recording> open(const std::string& path);
  // The same from bytes in memory (the fuzzer, tests).
  static Result<Recording> from_bytes(std::string bytes);
  // A recording in memory (RecordingWriterOptions::in_memory); it has no index, and is not
  // reported as truncated for that.
  static Result<Recording> from_image(RecordingImage image);

  const RecordingHeader& header() const { return header_; }
  const std::vector<RecordingBlockInfo>& blocks() const { return blocks_; }
  // True when the file ended before its index (a recorder killed, or a partial block).
  bool truncated() const { return truncated_; }
  // Why the reading stopped early, for messages ("" when the file is complete).
  const std::string& truncation() const { return truncation_; }
  int64_t first_ns() const;  // time of the first sample (0 when there is none)
  int64_t last_ns() const;   // time of the last sample

  // State of the ranges at time t: the last sample at or before t (the first sample when t
  // is earlier). Reads one block. Errc::not_found when the recording holds no block.
  Result<RecordedState> state_at(int64_t t_ns) const;

  // Every change in [t1, t2] in order, restricted to bytes [offset, offset+length) of
  // `range` when `filter` is given (changes are clipped to it). Keyframes are not changes,
  // except `with_first` reports the state at the first sample of the span as a change of
  // every byte. The callback returns false to stop.
  struct Filter {
    uint32_t range = 0;
    uint64_t offset = 0;
    uint64_t length = 0;
  };
  Status for_each_change(int64_t t1, int64_t t2, std::optional<Filter> filter, bool with_first,
                         const std::function<bool(const RecordedChange&)>& callback) const;

  // Events (marks, faults, the summary) in time order.
  Result<std::vector<RecordingEvent>> events() const;

  // Values of a typed field at bytes [offset, offset + size) of `range`: the first sample,
  // then one point per sample in which the field changed.
  Result<std::vector<SeriesPoint>> series(uint32_t range, uint64_t offset, ScalarType type,
                                          Endian endian, int64_t t1, int64_t t2) const;

  // Time of the next change of the filtered bytes strictly after t (nullopt when none), and
  // of the last change strictly before t.
  Result<std::optional<int64_t>> next_change(const Filter& filter, int64_t t_ns) const;
  Result<std::optional<int64_t>> previous_change(const Filter& filter, int64_t t_ns) const;

  // Which range holds address [address, address+length) of the source; nullopt when none.
  std::optional<Filter> filter_for(uint64_t address, uint64_t length) const;

  struct Input;  // where the bytes come from (a file or memory)

 private:
  struct Decoded;
  Recording() = default;
  static Result<Recording> load(std::shared_ptr<Input> input);
  Result<Decoded> decode(size_t block) const;
  // decode() with the last block kept: scrubbing within one block decodes it once.
  Result<std::shared_ptr<const Decoded>> decode_cached(size_t block) const;
  size_t block_for(int64_t t_ns) const;

  std::shared_ptr<Input> input_;
  RecordingHeader header_;
  std::vector<RecordingBlockInfo> blocks_;
  bool truncated_ = false;
  std::string truncation_;
  mutable std::shared_ptr<const Decoded> cached_;
  mutable size_t cached_block_ = 0;
};

}  // namespace memview
