// Typed values <-> bytes: what the data inspector shows and the CLI's typed poke writes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "memview/result.h"

namespace memview {

enum class ScalarType { u8, i8, u16, i16, u32, i32, u64, i64, f32, f64 };
enum class Endian { little, big };

size_t scalar_size(ScalarType t);
const char* scalar_name(ScalarType t);  // "u8", "i32", "f64", ...
std::optional<ScalarType> scalar_from_name(
    std::string_view name);  // also "uint32", "int8", "float", "double"

// Text -> bytes in the given byte order. Integers accept decimal and 0x hex (and a leading
// '-' for signed types); a value that does not fit its type is an error, never truncated.
// Floats accept what strtod accepts, plus "inf"/"nan".
Result<std::vector<std::byte>> encode_scalar(ScalarType t, std::string_view text, Endian e);

// Bytes -> text. `bytes.size()` must be at least scalar_size(t); floats print with the
// shortest representation that round-trips.
std::string decode_scalar(ScalarType t, std::span<const std::byte> bytes, Endian e);

// Raw integer load/store (for overlays and bitfields), width 1..8 bytes.
uint64_t load_uint(std::span<const std::byte> bytes, Endian e);
void store_uint(std::span<std::byte> out, uint64_t value, Endian e);

}  // namespace memview
