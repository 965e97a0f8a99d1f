// Scan types and conditions: names, and the condition's values parsed per concrete type.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include <fmt/format.h>

#include "memview/scan.h"
#include "scan/scan_kernels.h"

namespace memview {

namespace {

struct TypeName {
  ScanType type;
  const char* name;
};

constexpr TypeName kTypeNames[] = {
    {ScanType::i8, "i8"},   {ScanType::u8, "u8"},           {ScanType::i16, "i16"},
    {ScanType::u16, "u16"}, {ScanType::i32, "i32"},         {ScanType::u32, "u32"},
    {ScanType::i64, "i64"}, {ScanType::u64, "u64"},         {ScanType::f32, "f32"},
    {ScanType::f64, "f64"}, {ScanType::any_int, "any-int"}, {ScanType::any_number, "any-number"},
};

bool is_float(ScalarType t) {
  return t == ScalarType::f32 || t == ScalarType::f64;
}

bool is_signed(ScalarType t) {
  return t == ScalarType::i8 || t == ScalarType::i16 || t == ScalarType::i32 ||
         t == ScalarType::i64;
}

// Integer text -> sign-extended bits of `type`, refused when it does not fit.
Result<uint64_t> int_bits(ScalarType type, const std::string& text) {
  Result<std::vector<std::byte>> bytes = encode_scalar(type, text, Endian::little);
  if (!bytes) return bytes.error();
  uint64_t raw = load_uint(*bytes, Endian::little);
  const size_t bits = scalar_size(type) * 8;
  if (is_signed(type) && bits < 64 && ((raw >> (bits - 1)) & 1) != 0) raw |= ~uint64_t{0} << bits;
  return raw;
}

Result<double> float_value(ScalarType type, const std::string& text) {
  Result<std::vector<std::byte>> bytes = encode_scalar(type, text, Endian::little);
  if (!bytes) return bytes.error();
  const uint64_t raw = load_uint(*bytes, Endian::little);
  if (type == ScalarType::f32) {
    float f = 0;
    const auto r32 = static_cast<uint32_t>(raw);
    std::memcpy(&f, &r32, 4);
    return static_cast<double>(f);
  }
  double d = 0;
  std::memcpy(&d, &raw, 8);
  return d;
}

// Half a unit in the last digit typed: "3.14" -> 0.005, "7" -> 0.5. Exponent forms are
// taken as typed (no rounding slack).
double rounding_slack(const std::string& text) {
  if (text.find_first_of("eEnN") != std::string::npos) return 0;
  const size_t dot = text.find('.');
  const size_t decimals = dot == std::string::npos ? 0 : text.size() - dot - 1;
  return 0.5 * std::pow(10.0, -static_cast<double>(decimals));
}

double slack_for(const FloatTolerance& tol, const std::string& text) {
  switch (tol.mode) {
    case FloatTolerance::Mode::exact:
      return 0;
    case FloatTolerance::Mode::rounded:
      return rounding_slack(text);
    case FloatTolerance::Mode::epsilon:
      return std::fabs(tol.epsilon);
  }
  return 0;
}

bool needs_a(ScanOp op) {
  return op == ScanOp::eq || op == ScanOp::ne || op == ScanOp::lt || op == ScanOp::gt ||
         op == ScanOp::range || op == ScanOp::increased_by || op == ScanOp::decreased_by;
}

}  // namespace

const char* scan_type_name(ScanType t) {
  for (const TypeName& n : kTypeNames) {
    if (n.type == t) return n.name;
  }
  return "?";
}

std::optional<ScanType> scan_type_from_name(std::string_view name) {
  for (const TypeName& n : kTypeNames) {
    if (name == n.name) return n.type;
  }
  if (name == "int" || name == "any_int") return ScanType::any_int;
  if (name == "number" || name == "any_number") return ScanType::any_number;
  if (std::optional<ScalarType> s = scalar_from_name(name)) {
    for (const TypeName& n : kTypeNames) {
      if (std::string_view(n.name) == scalar_name(*s)) return n.type;
    }
  }
  return std::nullopt;
}

std::string scan_type_names() {
  std::string out;
  for (const TypeName& n : kTypeNames) {
    if (!out.empty()) out += ", ";
    out += n.name;
  }
  return out;
}

const char* scan_op_name(ScanOp op) {
  switch (op) {
    case ScanOp::eq:
      return "eq";
    case ScanOp::ne:
      return "ne";
    case ScanOp::lt:
      return "lt";
    case ScanOp::gt:
      return "gt";
    case ScanOp::range:
      return "range";
    case ScanOp::unknown:
      return "unknown";
    case ScanOp::changed:
      return "changed";
    case ScanOp::unchanged:
      return "unchanged";
    case ScanOp::increased:
      return "increased";
    case ScanOp::decreased:
      return "decreased";
    case ScanOp::increased_by:
      return "increased-by";
    case ScanOp::decreased_by:
      return "decreased-by";
  }
  return "?";
}

bool scan_op_needs_previous(ScanOp op) {
  return op == ScanOp::changed || op == ScanOp::unchanged || op == ScanOp::increased ||
         op == ScanOp::decreased || op == ScanOp::increased_by || op == ScanOp::decreased_by;
}

namespace scan_detail {

std::vector<ScalarType> concrete_types(ScanType t) {
  switch (t) {
    case ScanType::u8:
      return {ScalarType::u8};
    case ScanType::i8:
      return {ScalarType::i8};
    case ScanType::u16:
      return {ScalarType::u16};
    case ScanType::i16:
      return {ScalarType::i16};
    case ScanType::u32:
      return {ScalarType::u32};
    case ScanType::i32:
      return {ScalarType::i32};
    case ScanType::u64:
      return {ScalarType::u64};
    case ScanType::i64:
      return {ScalarType::i64};
    case ScanType::f32:
      return {ScalarType::f32};
    case ScanType::f64:
      return {ScalarType::f64};
    case ScanType::any_int:
      return {ScalarType::i8, ScalarType::i16, ScalarType::i32, ScalarType::i64};
    case ScanType::any_number:
      return {ScalarType::i8,  ScalarType::i16, ScalarType::i32,
              ScalarType::i64, ScalarType::f32, ScalarType::f64};
  }
  return {};
}

Result<Operand> make_operand(ScalarType type, const ScanCondition& c, const FloatTolerance& tol) {
  Operand o;
  o.type = type;
  o.op = c.op;
  if (needs_a(c.op) && c.a.empty()) {
    return make_error(Errc::invalid_argument,
                      fmt::format("the '{}' condition needs a value", scan_op_name(c.op)));
  }
  if (c.op == ScanOp::range && c.b.empty()) {
    return make_error(Errc::invalid_argument, "a range needs two values (low and high)");
  }
  if (!needs_a(c.op)) return o;
  if (is_float(type)) {
    Result<double> a = float_value(type, c.a);
    if (!a) return a.error();
    const double slack = slack_for(tol, c.a);
    if (c.op == ScanOp::increased_by || c.op == ScanOp::decreased_by) {
      o.delta = *a;
      o.slack = slack;
    } else if (c.op == ScanOp::range) {
      Result<double> b = float_value(type, c.b);
      if (!b) return b.error();
      o.lo = std::min(*a, *b);
      o.hi = std::max(*a, *b);
    } else if (c.op == ScanOp::eq || c.op == ScanOp::ne) {
      o.lo = *a - slack;
      o.hi = *a + slack;
    } else {
      o.lo = *a;
    }
    if (std::isnan(o.lo) || std::isnan(o.hi) || std::isnan(o.delta)) {
      return make_error(Errc::invalid_argument, "nan never compares equal: scan for a number");
    }
    return o;
  }
  // An integer scan is never satisfied by a rounded float (scanmem #156): "3.5" is refused.
  Result<uint64_t> a = int_bits(type, c.a);
  if (!a) return a.error();
  o.a = *a;
  if (c.op == ScanOp::range) {
    Result<uint64_t> b = int_bits(type, c.b);
    if (!b) return b.error();
    o.b = *b;
  }
  return o;
}

Result<std::vector<Operand>> make_operands(const ScanOptions& options, const ScanCondition& c) {
  std::vector<Operand> out;
  std::optional<Error> first_error;
  const bool many = options.type == ScanType::any_int || options.type == ScanType::any_number;
  for (ScalarType t : concrete_types(options.type)) {
    Result<Operand> o = make_operand(t, c, options.tolerance);
    if (o) {
      out.push_back(*o);
      continue;
    }
    // any-int: a value that only fits unsigned (200 for one byte) is scanned as unsigned.
    if (many && is_signed(t)) {
      const auto u = static_cast<ScalarType>(static_cast<int>(t) - 1);  // u8 precedes i8
      if (Result<Operand> uo = make_operand(u, c, options.tolerance)) {
        out.push_back(*uo);
        continue;
      }
    }
    if (!first_error) first_error = o.error();
    if (!many) return o.error();
  }
  if (out.empty()) {
    return first_error ? *first_error
                       : make_error(Errc::invalid_argument, "no type can hold this value");
  }
  return out;
}

}  // namespace scan_detail
}  // namespace memview
