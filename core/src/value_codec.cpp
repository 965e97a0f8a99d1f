// Typed values <-> bytes for the data inspector and the CLI's typed poke.
#include "memview/value_codec.h"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

#include <fmt/format.h>

#include "memview/numbers.h"

namespace memview {

namespace {

struct TypeInfo {
  ScalarType type;
  const char* name;
  size_t size;
  bool is_signed;
  bool is_float;
};

constexpr TypeInfo kTypes[] = {
    {ScalarType::u8, "u8", 1, false, false},   {ScalarType::i8, "i8", 1, true, false},
    {ScalarType::u16, "u16", 2, false, false}, {ScalarType::i16, "i16", 2, true, false},
    {ScalarType::u32, "u32", 4, false, false}, {ScalarType::i32, "i32", 4, true, false},
    {ScalarType::u64, "u64", 8, false, false}, {ScalarType::i64, "i64", 8, true, false},
    {ScalarType::f32, "f32", 4, true, true},   {ScalarType::f64, "f64", 8, true, true},
};

const TypeInfo& info_of(ScalarType t) {
  for (const TypeInfo& i : kTypes) {
    if (i.type == t) return i;
  }
  return kTypes[0];
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::vector<std::byte> to_bytes(uint64_t raw, size_t size, Endian e) {
  std::vector<std::byte> out(size);
  store_uint(out, raw, e);
  return out;
}

Result<double> parse_double(std::string_view text, const char* type_name) {
  const std::string t(trim(text));
  if (t.empty())
    return make_error(Errc::invalid_argument, fmt::format("{} value is empty", type_name));
  // strtod stops at the first character it does not understand; the whole text must go.
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(t.c_str(), &end);
  if (end != t.c_str() + t.size() || end == t.c_str()) {
    return make_error(Errc::invalid_argument,
                      fmt::format("'{}' is not a floating-point number", t));
  }
  if (errno == ERANGE && std::isinf(v)) {
    return make_error(Errc::invalid_argument, fmt::format("'{}' does not fit {}", t, type_name));
  }
  if (errno == ERANGE && v == 0.0) {
    return make_error(Errc::invalid_argument,
                      fmt::format("'{}' is too small for {} (it would become 0)", t, type_name));
  }
  return v;
}

}  // namespace

size_t scalar_size(ScalarType t) {
  return info_of(t).size;
}

const char* scalar_name(ScalarType t) {
  return info_of(t).name;
}

std::optional<ScalarType> scalar_from_name(std::string_view name) {
  std::string n(trim(name));
  std::transform(n.begin(), n.end(), n.begin(), [](char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  });
  if (n.size() > 2 && n.ends_with("_t")) n.resize(n.size() - 2);
  struct Alias {
    const char* name;
    ScalarType type;
  };
  static constexpr Alias kAliases[] = {
      {"uint8", ScalarType::u8},   {"int8", ScalarType::i8},     {"uint16", ScalarType::u16},
      {"int16", ScalarType::i16},  {"uint32", ScalarType::u32},  {"int32", ScalarType::i32},
      {"uint64", ScalarType::u64}, {"int64", ScalarType::i64},   {"float", ScalarType::f32},
      {"double", ScalarType::f64}, {"float32", ScalarType::f32}, {"float64", ScalarType::f64},
  };
  for (const TypeInfo& i : kTypes) {
    if (n == i.name) return i.type;
  }
  for (const Alias& a : kAliases) {
    if (n == a.name) return a.type;
  }
  return std::nullopt;
}

Result<std::vector<std::byte>> encode_scalar(ScalarType t, std::string_view text, Endian e) {
  const TypeInfo& ti = info_of(t);
  if (ti.is_float) {
    Result<double> d = parse_double(text, ti.name);
    if (!d) return d.error();
    const double v = d.value();
    if (t == ScalarType::f64) return to_bytes(std::bit_cast<uint64_t>(v), 8, e);
    // A finite double that would round to inf as a float is refused rather than changed.
    // The limit is half an ulp above FLT_MAX: below it, rounding gives FLT_MAX itself.
    const double limit =
        static_cast<double>(std::numeric_limits<float>::max()) + std::ldexp(1.0, 103);
    if (std::isfinite(v) && std::fabs(v) >= limit) {
      return make_error(Errc::invalid_argument,
                        fmt::format("'{}' does not fit f32 (max {})", trim(text),
                                    std::numeric_limits<float>::max()));
    }
    const float f = static_cast<float>(v);
    if (v != 0.0 && f == 0.0f) {
      return make_error(Errc::invalid_argument,
                        fmt::format("'{}' is too small for f32 (it would become 0)", trim(text)));
    }
    return to_bytes(std::bit_cast<uint32_t>(f), 4, e);
  }
  const unsigned bits = static_cast<unsigned>(ti.size * 8);
  const std::string what = fmt::format("{} value", ti.name);
  if (!ti.is_signed) {
    Result<uint64_t> v = parse_u64(text, what);
    if (!v) return v.error();
    const uint64_t max =
        bits == 64 ? std::numeric_limits<uint64_t>::max() : (uint64_t{1} << bits) - 1;
    if (v.value() > max) {
      return make_error(Errc::invalid_argument,
                        fmt::format("{} does not fit {} (0..{})", v.value(), ti.name, max));
    }
    return to_bytes(v.value(), ti.size, e);
  }
  Result<int64_t> v = parse_i64(text, what);
  if (!v) return v.error();
  const int64_t max = bits == 64 ? std::numeric_limits<int64_t>::max()
                                 : static_cast<int64_t>((uint64_t{1} << (bits - 1)) - 1);
  const int64_t min = -max - 1;
  if (v.value() < min || v.value() > max) {
    return make_error(Errc::invalid_argument,
                      fmt::format("{} does not fit {} ({}..{})", v.value(), ti.name, min, max));
  }
  return to_bytes(static_cast<uint64_t>(v.value()), ti.size, e);
}

std::string decode_scalar(ScalarType t, std::span<const std::byte> bytes, Endian e) {
  const TypeInfo& ti = info_of(t);
  if (bytes.size() < ti.size) return "?";
  const uint64_t raw = load_uint(bytes.first(ti.size), e);
  switch (t) {
    case ScalarType::u8:
    case ScalarType::u16:
    case ScalarType::u32:
    case ScalarType::u64:
      return fmt::format("{}", raw);
    case ScalarType::i8:
      return fmt::format("{}", static_cast<int8_t>(raw));
    case ScalarType::i16:
      return fmt::format("{}", static_cast<int16_t>(raw));
    case ScalarType::i32:
      return fmt::format("{}", static_cast<int32_t>(raw));
    case ScalarType::i64:
      return fmt::format("{}", static_cast<int64_t>(raw));
    // fmt's default float format is the shortest text that parses back to the same value.
    case ScalarType::f32:
      return fmt::format("{}", std::bit_cast<float>(static_cast<uint32_t>(raw)));
    case ScalarType::f64:
      return fmt::format("{}", std::bit_cast<double>(raw));
  }
  return "?";
}

uint64_t load_uint(std::span<const std::byte> bytes, Endian e) {
  const size_t n = std::min<size_t>(bytes.size(), 8);
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    const auto b = static_cast<uint64_t>(bytes[e == Endian::little ? i : n - 1 - i]);
    v |= b << (8 * i);
  }
  return v;
}

void store_uint(std::span<std::byte> out, uint64_t value, Endian e) {
  const size_t n = std::min<size_t>(out.size(), 8);
  for (size_t i = 0; i < n; ++i) {
    out[e == Endian::little ? i : n - 1 - i] = static_cast<std::byte>((value >> (8 * i)) & 0xff);
  }
}

}  // namespace memview
