// Triggers: conditions on sampled bytes, evaluated on every sample of a recording.
//
// Grammar (keywords and type names are lower case):
//   expr     := and_expr { ("or" | "||") and_expr }
//   and_expr := unary { ("and" | "&&") unary }
//   unary    := ("not" | "!") unary | "(" expr ")" | condition
//   condition:= operand "changed"
//             | operand ("==" | "!=" | "<" | ">" | "<=" | ">=") NUMBER
//             | operand "crosses" ["above" | "below"] NUMBER   (rising, falling, or either)
//             | operand "bit" N ("set" | "cleared")
//   operand  := TYPE "@" ADDRESS          typed value: u8 i8 u16 i16 u32 i32 u64 i64 f32 f64,
//                                         little-endian, ADDRESS decimal or 0x hex
//             | "bytes@" ADDRESS "+" LEN  raw bytes (only "changed")
//             | PATH                      a field of the layout ("telemetry.speed_kmh",
//                                         "arr[3].x"), through the resolver
// NUMBER is an integer (decimal, 0x hex, leading '-') or a decimal fraction (1.5, 2e3).
//
// A trigger fires on the sample where its expression turns true (a rising edge), not on
// every sample while it stays true, and also on every sample where it is true because a
// "changed" or "crosses" condition in it holds (each change is an event). "changed" and
// "crosses" compare with the previous sample, so they are false on the first one. Errors name the
// column (1-based) of the token that is wrong. Nothing is evaluated but these comparisons.
//
// Thread-safety: a Trigger is used by one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "memview/result.h"
#include "memview/source.h"
#include "memview/value_codec.h"

namespace memview {

// What an operand names: bytes of the source and, for values, their type.
struct TriggerOperand {
  uint64_t address = 0;
  uint64_t length = 0;
  std::optional<ScalarType> type;  // nullopt: raw bytes (only "changed" applies)
};

// Resolves a field path to an operand (from a layout); an Error's message is shown with the
// path's column. May be empty: then paths are refused.
using TriggerResolver = std::function<Result<TriggerOperand>(std::string_view path)>;

// The 1-based column a parse error of Trigger::parse names ("... at column 12: ..."), to
// point at it in an editor; nullopt when the message names none.
std::optional<size_t> trigger_error_column(std::string_view message);

class Trigger {
 public:
  static Result<Trigger> parse(std::string_view text, const TriggerResolver& resolver = {});
  ~Trigger();
  Trigger(Trigger&&) noexcept;
  Trigger& operator=(Trigger&&) noexcept;
  Trigger(const Trigger&) = delete;
  Trigger& operator=(const Trigger&) = delete;

  const std::string& text() const;
  // The bytes the trigger reads (each must lie inside one sampled range).
  std::vector<ByteRange> operands() const;
  // Ties the operands to the sampled ranges; errors when one lies outside them.
  Status bind(const std::vector<ByteRange>& ranges);
  // Evaluates on the bytes of the ranges (after bind()); true on a rising edge.
  bool evaluate(const std::vector<std::vector<std::byte>>& state);
  // "u32@0x40 = 101, ..." : the operands' current values, for marks.
  std::string describe(const std::vector<std::vector<std::byte>>& state) const;

  struct Node;

 private:
  Trigger();
  std::string text_;
  std::unique_ptr<Node> root_;
  bool was_true_ = false;
  bool first_ = true;
};

}  // namespace memview
