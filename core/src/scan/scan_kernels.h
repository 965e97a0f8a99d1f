// The compare loops of the value scan: one kernel per (type, condition, byte order), picked
// once per lane and run over a block's bytes. Internal to the scan engine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "memview/result.h"
#include "memview/scan.h"

namespace memview::scan_detail {

// A condition's values parsed for one concrete type. Integers are kept as their raw bits
// (two's complement, sign-extended); floats as doubles with the tolerance applied.
struct Operand {
  ScalarType type = ScalarType::i32;
  ScanOp op = ScanOp::eq;
  uint64_t a = 0;  // integer operand bits
  uint64_t b = 0;
  double lo = 0;  // float: `= v` matches lo <= x <= hi; range: [lo, hi]; lt/gt: lo
  double hi = 0;
  double delta = 0;  // float: the n of increased_by/decreased_by
  double slack = 0;  // float: how far from previous +- n still counts (tolerance)
};

// The concrete types a ScanType tries (one per width for any-int).
std::vector<ScalarType> concrete_types(ScanType t);

// Parses the condition's values for `type`. Errors: a missing value, a value not
// representable in the type, a condition the scan stage does not take.
Result<Operand> make_operand(ScalarType type, const ScanCondition& c, const FloatTolerance& tol);

// The operands of every concrete type of options.type that can hold the condition's values
// (any-int skips widths the value does not fit); an error when none can.
Result<std::vector<Operand>> make_operands(const ScanOptions& options, const ScanCondition& c);

// One lane's compare over contiguous bytes. Positions are i * step from `cur` (and `old`,
// the previous bytes at the same positions, for the conditions that need them).
struct LaneJob {
  const std::byte* cur = nullptr;
  const std::byte* old = nullptr;  // may equal cur for conditions without a previous value
  size_t npos = 0;
  unsigned step = 1;
  const uint64_t* in_bits = nullptr;  // candidates to test (nullptr: every position)
  uint64_t* out_bits = nullptr;       // (npos + 63) / 64 words, written whole
};

using LaneKernel = void (*)(const Operand& operand, const LaneJob& job);

LaneKernel select_kernel(ScalarType type, ScanOp op, Endian endian);

inline size_t words_for(size_t npos) {
  return (npos + 63) / 64;
}

}  // namespace memview::scan_detail
