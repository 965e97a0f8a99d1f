// Value scans with narrowing ("where does this value live?"), over any Source.
//
//   first_scan(source, options, condition)   every position of every scanned range whose
//                                            value meets the condition (or, for an unknown
//                                            initial value, every position: a snapshot).
//   narrow(source, previous, condition)      the previous candidates whose current value
//                                            meets the condition (changed, increased, = v..).
//
// Storage (ScanBlock): the scanned ranges are cut into blocks of at most kScanBlockBytes.
// Each block keeps its candidates in whichever form is smaller: a sparse sorted list of
// offsets with each candidate's value, or a dense bitmap over a raw snapshot of the block
// (an unknown-value scan is a snapshot with an "every position" flag: about one byte per
// scanned byte, never a copy per candidate). Either way a state needs at most 1 + 1/8 bytes
// per scanned byte for one type (1 + 1/(8 * width) with natural alignment; a full bitmap is
// kept as "every position"), and any-int/any-number add one bitmap per width.
// Memory cap (ScanOptions::memory_cap): once the storage kept in memory reaches the cap,
// further blocks go to a temporary file that has no name (deleted however the program
// ends); a spilled block keeps only its place and count in memory (ScanBlock::spilled()),
// and count(), visit(), value_at(), narrow() and save_scan_state() read it back as needed.
//
// Thread-safety: the functions are reentrant; a ScanState is a plain value (copy it to
// share it, or publish it through Published<ScanState>). The Source passed in is used by
// the calling thread only (a worker opens its own, see scan_worker.h).
// A mapping that shrinks or a process that exits mid-scan is not an error: the bytes that
// could not be read are counted in ScanStats and hold no candidates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "memview/result.h"
#include "memview/source.h"
#include "memview/value_codec.h"

namespace memview {

class WorkerContext;
class ScanSpill;  // the temporary file of blocks above the memory cap (internal)

// What a scan looks for: one scalar type, or several widths at once.
enum class ScanType { u8, i8, u16, i16, u32, i32, u64, i64, f32, f64, any_int, any_number };

const char* scan_type_name(ScanType t);
// "i32", "u8", ..., "float"/"double", "int"/"any-int", "number"/"any-number".
std::optional<ScanType> scan_type_from_name(std::string_view name);
// The names scan_type_from_name accepts, for help texts: "i8, u8, ..., any-int, any-number".
std::string scan_type_names();

enum class ScanOp {
  // First scan and narrowing: against the value(s) in ScanCondition.
  eq,
  ne,
  lt,
  gt,
  range,  // a <= v <= b
  // First scan only: every position is a candidate (a snapshot of the bytes).
  unknown,
  // Narrowing only: against each candidate's previous value (or its first-scan value).
  changed,
  unchanged,
  increased,
  decreased,
  increased_by,  // v == previous + a
  decreased_by,  // v == previous - a
};

const char* scan_op_name(ScanOp op);
bool scan_op_needs_previous(ScanOp op);  // changed ... decreased_by

// How float values meet `= v` (and the by-n conditions): exact bits of the parsed value,
// rounded to the digits typed ("3.14" matches [3.135, 3.145]), or within +-epsilon.
// Integers are never matched as rounded floats and floats never as integers.
struct FloatTolerance {
  enum class Mode { exact, rounded, epsilon } mode = Mode::rounded;
  double epsilon = 0;
};

struct ScanOptions {
  ScanType type = ScanType::i32;
  Endian endian = Endian::little;
  bool every_byte = false;  // false: natural alignment (an address multiple of the width)
  FloatTolerance tolerance;
  // Reader threads of the first scan, each with its own Source opened from the spec: 0 =
  // one per core (at most 8). A source whose I/O is remote (gdb:) is always read by one.
  unsigned threads = 0;
  // Bytes of candidate storage kept in memory; blocks above it go to a temporary file
  // (0: no cap). Not saved in state files; a narrowing uses its previous state's.
  uint64_t memory_cap = 0;
};

struct ScanCondition {
  ScanOp op = ScanOp::eq;
  std::string a;  // value text (decimal, 0x hex, or a float for float types)
  std::string b;  // the upper end of a range
};

// Candidates of one concrete type inside one block.
struct ScanLane {
  ScalarType type = ScalarType::i32;
  uint32_t step = 4;    // distance between possible positions: 1 or the width
  uint32_t origin = 0;  // offset of position 0 from the block's address (alignment)
  // Dense (block.snapshot not empty): bit i of `bits` = candidate at address + i*step;
  // `all` with empty bits = every position whose value lies inside the snapshot.
  bool all = false;
  std::vector<uint64_t> bits;
  // Sparse (block.snapshot empty): sorted offsets from the block's address and each
  // candidate's value as it was in memory (width bytes per candidate).
  std::vector<uint32_t> offsets;
  std::vector<std::byte> values;
};

inline constexpr uint64_t kScanBlockBytes = uint64_t{16} << 20;

struct ScanBlock {
  uint64_t address = 0;             // first position
  uint64_t length = 0;              // positions lie in [address, address + length)
  uint64_t extent = 0;              // bytes read: [address, address + extent), extent >= length
  std::vector<std::byte> snapshot;  // dense: `extent` bytes; sparse: empty
  std::vector<ScanLane> lanes;
  // Spilled above the memory cap: snapshot and lanes are empty here, the storage lies in
  // the state's temporary file at spill_offset (spill_bytes long); spill_count candidates.
  uint64_t spill_offset = 0;
  uint64_t spill_bytes = 0;
  uint64_t spill_count = 0;
  bool dense() const { return !snapshot.empty(); }
  bool spilled() const { return spill_bytes != 0; }
};

struct ScanStats {
  uint64_t bytes_scanned = 0;      // bytes read successfully
  uint64_t bytes_unreadable = 0;   // bytes asked for that could not be read
  std::string unreadable_message;  // the first reason
  int64_t elapsed_ns = 0;
  bool cancelled = false;      // stopped early: the candidates found so far are kept
  uint64_t bytes_spilled = 0;  // candidate storage this scan wrote to the temporary file
};

struct Candidate {
  uint64_t address = 0;
  ScalarType type = ScalarType::i32;
  std::vector<std::byte> value;  // as in memory at the last scan (width bytes)
};

struct ScanState {
  std::string spec;  // the source's canonical spec: a state narrows only the same source
  uint64_t source_base = 0;
  uint64_t source_size = 0;
  ScanOptions options;
  std::vector<ScanBlock> blocks;  // ascending, non-overlapping
  ScanStats stats;
  uint32_t narrowings = 0;  // how many narrowings led here (0: a first scan)
  // Where spilled blocks live (null: nothing spilled). Shared by copies of the state.
  std::shared_ptr<ScanSpill> spill;

  uint64_t count() const;          // candidates
  uint64_t memory_bytes() const;   // bytes the candidate storage holds in memory
  uint64_t spilled_bytes() const;  // bytes of its storage in the temporary file
  // Calls fn for each candidate in ascending address order until it returns false. A
  // spilled block that cannot be read back (an I/O error) is skipped.
  void visit(const std::function<bool(const Candidate&)>& fn) const;
  // The value this state holds for a candidate of `type` at `address` (nullopt: none).
  std::optional<std::vector<std::byte>> value_at(uint64_t address, ScalarType type) const;
};

// The address ranges a scan of `source` covers: for a pid: source its readable mappings
// (from the process's memory map) inside the source's range, otherwise the whole range.
Result<std::vector<ByteRange>> scan_ranges(Source& source);

// The first scan. `ranges` empty: scan_ranges(source). ctx (may be null) receives progress
// in bytes and is checked for cancellation between reads; a cancelled scan returns what it
// found so far with stats.cancelled set. Errors: bad type/value/condition only.
Result<ScanState> first_scan(Source& source, const ScanOptions& options,
                             const ScanCondition& condition, WorkerContext* ctx = nullptr,
                             std::vector<ByteRange> ranges = {});

// Narrows `previous` (consumed: each block's storage is released as soon as its successor is
// built, so a narrowing needs no second copy; its memory cap applies, spilled blocks are
// read back one at a time and go back to the same temporary file unless they now fit). `first`
// (optional) is the first scan's state: the conditions then compare against each candidate's
// first-scan value. Refuses a state of another source or size (Errc::invalid_argument). Cancelled:
// the blocks not yet visited are kept as they were.
Result<ScanState> narrow(Source& source, ScanState previous, const ScanCondition& condition,
                         WorkerContext* ctx = nullptr, const ScanState* first = nullptr);

// Checks that `state` was made on this source (spec, base and size); the error says what
// differs.
Status check_state_matches(const ScanState& state, const SourceInfo& info);

}  // namespace memview
