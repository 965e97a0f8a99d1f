// Field values <-> bytes, and writing a field into a live source (bitfields by
// compare-and-swap on their naturally aligned storage unit).
#include <cctype>
#include <cerrno>
#include <cfloat>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

#include <fmt/format.h>

#include "memview/layout.h"

namespace memview {

namespace {

constexpr size_t kMaxArrayText = 64;   // elements shown in an array's text
constexpr size_t kMaxOpaqueText = 64;  // bytes shown for an opaque value
constexpr size_t kMaxRecordText = 16;  // members shown in a record element's text
constexpr int kMaxCasAttempts = 1000000;

Error field_error(Errc code, const Field& f, std::string why) {
  return make_error(code, fmt::format("field '{}': {}", f.path, std::move(why)));
}

bool integer_like(FieldKind k) {
  return k == FieldKind::signed_int || k == FieldKind::unsigned_int || k == FieldKind::boolean ||
         k == FieldKind::enumeration || k == FieldKind::pointer;
}

// Bits [bit, bit + width) of `bytes` (little-endian bit numbering), width <= 64.
uint64_t extract_bits(std::span<const std::byte> bytes, uint64_t bit, unsigned width) {
  uint64_t v = 0;
  unsigned got = 0;
  while (got < width) {
    const uint64_t b = bit + got;
    const unsigned shift = static_cast<unsigned>(b % 8);
    const unsigned take = std::min(8 - shift, width - got);
    const uint64_t byte = static_cast<uint8_t>(bytes[b / 8]);
    v |= ((byte >> shift) & ((1u << take) - 1)) << got;
    got += take;
  }
  return v;
}

void insert_bits(std::span<std::byte> bytes, uint64_t bit, unsigned width, uint64_t value) {
  unsigned put = 0;
  while (put < width) {
    const uint64_t b = bit + put;
    const unsigned shift = static_cast<unsigned>(b % 8);
    const unsigned take = std::min(8 - shift, width - put);
    const unsigned mask = ((1u << take) - 1) << shift;
    const unsigned piece = static_cast<unsigned>((value >> put) << shift) & mask;
    uint8_t byte = static_cast<uint8_t>(bytes[b / 8]);
    byte = static_cast<uint8_t>((byte & ~mask) | piece);
    bytes[b / 8] = static_cast<std::byte>(byte);
    put += take;
  }
}

uint64_t low_mask(unsigned width) {
  return width >= 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1;
}

int64_t sign_extend(uint64_t v, unsigned width) {
  if (width == 0 || width >= 64) return static_cast<int64_t>(v);
  const uint64_t sign = uint64_t{1} << (width - 1);
  return static_cast<int64_t>((v ^ sign) - sign);
}

// Width in bits of an integer-like value, or 0 when the field cannot hold one.
unsigned value_width(const Field& f) {
  if (f.bit_width) return f.bit_width <= 64 && f.bit_width <= f.size * 8 ? f.bit_width : 0;
  return (f.size >= 1 && f.size <= 8) ? static_cast<unsigned>(f.size * 8) : 0;
}

// Bytes [first, end) the field occupies; false if it does not fit in `n` bytes.
bool field_span(const Field& f, uint64_t n, uint64_t& first, uint64_t& end) {
  if (f.bit_width) {
    first = f.bit_offset / 8;
    if (f.bit_offset > std::numeric_limits<uint64_t>::max() - f.bit_width - 7) return false;
    end = (f.bit_offset + f.bit_width + 7) / 8;
  } else {
    first = f.offset;
    if (f.size > std::numeric_limits<uint64_t>::max() - f.offset) return false;
    end = f.offset + f.size;
  }
  return first <= n && end <= n;
}

std::string hex_short(std::span<const std::byte> bytes) {
  std::string out;
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i == kMaxOpaqueText) {
      out += " ...";
      break;
    }
    if (i) out += ' ';
    out += fmt::format("{:02x}", static_cast<unsigned>(bytes[i]));
  }
  return out;
}

std::string escape_text(std::span<const std::byte> bytes) {
  std::string out;
  for (std::byte b : bytes) {
    const unsigned char c = static_cast<unsigned char>(b);
    if (c == 0) break;
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c >= 0x20 && c < 0x7f) {
          out += static_cast<char>(c);
        } else {
          out += fmt::format("\\x{:02x}", c);
        }
    }
  }
  return out;
}

Result<std::string> unescape_text(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++i >= text.size()) return make_error(Errc::invalid_argument, "text ends with '\\'");
    switch (text[i]) {
      case '\\':
        out += '\\';
        break;
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case '0':
        out += '\0';
        break;
      case '"':
        out += '"';
        break;
      case '\'':
        out += '\'';
        break;
      case 'x': {
        int v = 0, digits = 0;
        while (digits < 2 && i + 1 < text.size() &&
               std::isxdigit(static_cast<unsigned char>(text[i + 1]))) {
          const char h = static_cast<char>(std::tolower(static_cast<unsigned char>(text[++i])));
          v = v * 16 + (std::isdigit(static_cast<unsigned char>(h)) ? h - '0' : h - 'a' + 10);
          ++digits;
        }
        if (digits == 0) return make_error(Errc::invalid_argument, "'\\x' needs hex digits");
        out += static_cast<char>(v);
        break;
      }
      default:
        return make_error(
            Errc::invalid_argument,
            fmt::format("unknown escape '\\{}' (use \\n \\t \\r \\0 \\\\ \\xNN)", text[i]));
    }
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Decimal or 0x hex with an optional sign; magnitude up to 2^64-1.
bool parse_integer(std::string_view s, bool& negative, uint64_t& magnitude) {
  s = trim(s);
  negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  }
  if (s.empty()) return false;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), magnitude, base);
  return ec == std::errc() && p == s.data() + s.size();
}

// The bits to store for an integer-like field (masked to its width), range-checked.
Result<uint64_t> parse_integer_value(const Field& f, std::string_view text) {
  const unsigned width = value_width(f);
  if (width == 0) return field_error(Errc::invalid_argument, f, "has no integer representation");
  const std::string_view t = trim(text);
  if (f.kind == FieldKind::boolean) {
    std::string lower;
    for (char c : t) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "true") return uint64_t{1};
    if (lower == "false") return uint64_t{0};
  }
  if (f.kind == FieldKind::enumeration) {
    for (const EnumConstant& e : f.constants()) {
      if (e.name == t) {
        const uint64_t bits = static_cast<uint64_t>(e.value);
        const bool fits = f.is_signed ? (sign_extend(bits & low_mask(width), width) == e.value)
                                      : (bits & ~low_mask(width)) == 0;
        if (!fits)
          return field_error(
              Errc::invalid_argument, f,
              fmt::format("{} ({}) does not fit in {} bits", e.name, e.value, width));
        return bits & low_mask(width);
      }
    }
  }
  if (f.kind == FieldKind::pointer) {
    if (t == "NULL" || t == "null" || t == "nullptr") return uint64_t{0};
  }
  bool negative = false;
  uint64_t magnitude = 0;
  if (!parse_integer(t, negative, magnitude)) {
    std::string hint;
    if (f.kind == FieldKind::enumeration && !f.constants().empty()) {
      hint = " (a constant:";
      size_t shown = 0;
      for (const EnumConstant& e : f.constants()) {
        if (shown++ == 8) {
          hint += " ...";
          break;
        }
        hint += " " + e.name;
      }
      hint += ", or a number)";
    } else if (f.kind == FieldKind::boolean) {
      hint = " (true, false, 0 or 1)";
    }
    return field_error(Errc::invalid_argument, f,
                       fmt::format("'{}' is not a valid value{}", t, hint));
  }
  const bool is_signed =
      f.is_signed && f.kind != FieldKind::pointer && f.kind != FieldKind::boolean;
  if (is_signed) {
    const uint64_t max_pos = width >= 64 ? uint64_t{INT64_MAX} : (uint64_t{1} << (width - 1)) - 1;
    const uint64_t max_neg = max_pos + 1;
    if ((!negative && magnitude > max_pos) || (negative && magnitude > max_neg)) {
      return field_error(Errc::invalid_argument, f,
                         fmt::format("{} does not fit in {} signed bits", t, width));
    }
    const uint64_t bits = negative ? (~magnitude + 1) : magnitude;
    return bits & low_mask(width);
  }
  if ((negative && magnitude != 0) || magnitude > low_mask(width)) {
    return field_error(Errc::invalid_argument, f,
                       fmt::format("{} does not fit in {} unsigned bits", t, width));
  }
  if (f.kind == FieldKind::boolean && magnitude > 1)
    return field_error(Errc::invalid_argument, f, "a bool takes true, false, 0 or 1");
  return magnitude;
}

template <class T>
std::string shortest(T v) {
  char buf[64];
  const auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  if (ec != std::errc()) return "?";
  return std::string(buf, p);
}

Result<std::vector<std::byte>> encode_float(const Field& f, std::string_view text) {
  const std::string s(trim(text));
  if (s.empty()) return field_error(Errc::invalid_argument, f, "empty value");
  errno = 0;
  char* end = nullptr;
  std::vector<std::byte> out(f.size);
  if (f.size == sizeof(long double) && f.size != sizeof(double)) {
    const long double v = std::strtold(s.c_str(), &end);
    if (end != s.c_str() + s.size())
      return field_error(Errc::invalid_argument, f, fmt::format("'{}' is not a number", s));
    if (errno == ERANGE && std::isinf(v))
      return field_error(Errc::invalid_argument, f, fmt::format("{} is out of range", s));
    std::memcpy(out.data(), &v, sizeof v);
    return out;
  }
  const double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size())
    return field_error(Errc::invalid_argument, f, fmt::format("'{}' is not a number", s));
  if (errno == ERANGE && std::isinf(v))
    return field_error(Errc::invalid_argument, f, fmt::format("{} is out of range for double", s));
  if (f.size == 4) {
    if (std::isfinite(v) && std::fabs(v) > FLT_MAX)
      return field_error(Errc::invalid_argument, f, fmt::format("{} does not fit in a float", s));
    const float fv = static_cast<float>(v);
    std::memcpy(out.data(), &fv, 4);
  } else if (f.size == 8) {
    std::memcpy(out.data(), &v, 8);
  } else {
    return field_error(Errc::unsupported, f,
                       fmt::format("{}-byte floats are not supported", f.size));
  }
  return out;
}

FieldValue decode_in(const Field& f, std::span<const std::byte> object, unsigned depth);
Status check_field_shape(const Field& f);

std::string decode_array_text(const Field& f, std::span<const std::byte> object, unsigned depth) {
  const Field& e = *f.element;
  uint64_t n = *f.count;
  if (n == 0) n = (object.size() - std::min<uint64_t>(object.size(), f.offset)) / e.size;  // FAM
  std::string out = "[";
  for (uint64_t i = 0; i < n; ++i) {
    if (i == kMaxArrayText) {
      out += ", ...";
      break;
    }
    if (i) out += ", ";
    Result<Field> ef = element_field(f, i);
    uint64_t first = 0, end = 0;
    if (!ef || !check_field_shape(*ef) || !field_span(*ef, object.size(), first, end)) {
      out += "?";
      continue;
    }
    const std::string value = decode_in(*ef, object, depth + 1).text;
    if (ef->kind == FieldKind::text) {
      out += '"';
      out += value;
      out += '"';
    } else {
      out += value;
    }
  }
  out += "]";
  return out;
}

// "{lo: 1, hi: 2}" for a record element (whose members are not listed in the layout).
std::string record_text(const Field& f, std::span<const std::byte> object, unsigned depth) {
  std::string out = "{";
  size_t shown = 0;
  for (const Field& m0 : f.record->fields) {
    if (m0.depth != 0) continue;  // nested members show inside their parent's text
    if (shown == kMaxRecordText) {
      out += ", ...";
      break;
    }
    Field m = m0;
    m.offset += f.offset;
    m.bit_offset += f.offset * 8;
    uint64_t first = 0, end = 0;
    std::string value = "?";
    if (m.kind == FieldKind::record && !m.record) {
      value = "{...}";
    } else if (check_field_shape(m) && field_span(m, object.size(), first, end)) {
      value = decode_in(m, object, depth + 1).text;
      if (m.kind == FieldKind::text) value = fmt::format("\"{}\"", value);
    }
    out += (shown++ ? ", " : "") + m.name + ": " + value;
  }
  return out + "}";
}

// Decodes a field already checked to fit in `object` (flexible arrays: what is there).
FieldValue decode_in(const Field& f, std::span<const std::byte> object, unsigned depth) {
  FieldValue v;
  if (integer_like(f.kind) && value_width(f)) {
    const unsigned width = value_width(f);
    v.bits = extract_bits(object, f.bit_width ? f.bit_offset : f.offset * 8, width);
    v.integer = f.is_signed ? sign_extend(v.bits, width) : static_cast<int64_t>(v.bits);
    switch (f.kind) {
      case FieldKind::signed_int:
        v.text = std::to_string(v.integer);
        break;
      case FieldKind::unsigned_int:
        v.text = std::to_string(v.bits);
        break;
      case FieldKind::boolean:
        v.text = v.bits == 0 ? "false" : v.bits == 1 ? "true" : fmt::format("true ({})", v.bits);
        break;
      case FieldKind::pointer:
        v.text = fmt::format("0x{:0{}x}", v.bits, width / 4);
        break;
      case FieldKind::enumeration: {
        for (const EnumConstant& e : f.constants()) {
          const bool match = f.is_signed
                                 ? e.value == v.integer
                                 : (static_cast<uint64_t>(e.value) & low_mask(width)) == v.bits;
          if (match) {
            v.enumerator = &e;
            break;
          }
        }
        v.text = v.enumerator ? v.enumerator->name
                              : (f.is_signed ? std::to_string(v.integer) : std::to_string(v.bits));
        break;
      }
      default:
        break;
    }
    return v;
  }
  const std::span<const std::byte> bytes = object.subspan(
      f.offset,
      std::min<uint64_t>(f.size ? f.size : object.size() - f.offset, object.size() - f.offset));
  switch (f.kind) {
    case FieldKind::floating:
      if (f.size == 4) {
        float x;
        std::memcpy(&x, bytes.data(), 4);
        v.number = x;
        v.text = shortest(x);
      } else if (f.size == 8) {
        double x;
        std::memcpy(&x, bytes.data(), 8);
        v.number = x;
        v.text = shortest(x);
      } else if (f.size == sizeof(long double)) {
        long double x;
        std::memcpy(&x, bytes.data(), sizeof x);
        v.number = static_cast<double>(x);
        v.text = shortest(x);
      } else {
        v.text = hex_short(bytes);
      }
      return v;
    case FieldKind::text: {
      const uint64_t n = *f.count ? *f.count : bytes.size();
      v.text = escape_text(bytes.first(std::min<uint64_t>(n, bytes.size())));
      return v;
    }
    case FieldKind::array:
      if (depth > 8) {
        v.text = "[...]";
      } else {
        v.text = decode_array_text(f, object, depth);
      }
      return v;
    case FieldKind::record:
      v.text = f.record && depth <= 8 ? record_text(f, object, depth) : "{...}";
      return v;
    default:
      v.text = hex_short(bytes);
      return v;
  }
}

// Kind/size combinations decode/encode can handle; anything else is refused cleanly.
Status check_field_shape(const Field& f) {
  if (f.bit_width) {
    if (!integer_like(f.kind) || f.bit_width > 64)
      return field_error(
          Errc::unsupported, f,
          fmt::format("a {}-bit bitfield of type '{}' cannot be decoded", f.bit_width, f.type));
    if (f.bit_width > f.size * 8)
      return field_error(Errc::invalid_argument, f, "invalid bitfield description");
    if (f.bit_offset / 8 != f.offset)
      return field_error(Errc::invalid_argument, f, "bit offset and offset disagree");
    return {};
  }
  if (integer_like(f.kind) && (f.size < 1 || f.size > 8))
    return field_error(Errc::invalid_argument, f, fmt::format("bad size {}", f.size));
  if (f.kind == FieldKind::array || f.kind == FieldKind::text) {
    if (!f.element || !f.count || f.element->size == 0)
      return field_error(Errc::invalid_argument, f, "array without element description");
    if (*f.count != 0 && f.element->size * *f.count != f.size)
      return field_error(Errc::invalid_argument, f, "array size does not match its elements");
  }
  return {};
}
}  // namespace

Result<FieldValue> decode_field(const Field& field, std::span<const std::byte> object) {
  Status shape = check_field_shape(field);
  if (!shape) return shape.error();
  uint64_t first = 0, end = 0;
  if (!field_span(field, object.size(), first, end)) {
    return field_error(
        Errc::out_of_range, field,
        fmt::format("bytes {}..{} are outside the {} bytes given", first, end, object.size()));
  }
  try {
    return decode_in(field, object, 0);
  } catch (const std::exception& e) {
    return field_error(Errc::io, field, e.what());
  }
}

Status encode_field(const Field& field, std::string_view text, std::span<std::byte> object) {
  Status shape = check_field_shape(field);
  if (!shape) return shape;
  uint64_t first = 0, end = 0;
  if (!field_span(field, object.size(), first, end)) {
    return field_error(
        Errc::out_of_range, field,
        fmt::format("bytes {}..{} are outside the {} bytes given", first, end, object.size()));
  }
  try {
    if (integer_like(field.kind)) {
      Result<uint64_t> bits = parse_integer_value(field, text);
      if (!bits) return bits.error();
      insert_bits(object, field.bit_width ? field.bit_offset : field.offset * 8, value_width(field),
                  *bits);
      return {};
    }
    switch (field.kind) {
      case FieldKind::floating: {
        Result<std::vector<std::byte>> bytes = encode_float(field, text);
        if (!bytes) return bytes.error();
        std::memcpy(object.data() + field.offset, bytes->data(), bytes->size());
        return {};
      }
      case FieldKind::text: {
        if (*field.count == 0)
          return field_error(Errc::invalid_argument, field,
                             "a flexible array has no fixed length: write its elements ([i])");
        if (field.element->size != 1)
          return field_error(Errc::invalid_argument, field, "text of wide characters");
        Result<std::string> s = unescape_text(text);
        if (!s) return field_error(Errc::invalid_argument, field, s.error().message);
        if (s->size() > *field.count)
          return field_error(
              Errc::invalid_argument, field,
              fmt::format("text of {} bytes does not fit in {} bytes", s->size(), *field.count));
        std::span<std::byte> dst = object.subspan(field.offset, *field.count);
        std::memset(dst.data(), 0, dst.size());
        std::memcpy(dst.data(), s->data(), s->size());
        return {};
      }
      case FieldKind::array:
        return field_error(Errc::invalid_argument, field,
                           "is an array: write one element (e.g. --field " + field.path + "[0])");
      case FieldKind::record:
        return field_error(Errc::invalid_argument, field,
                           "is a struct/union: write one of its members");
      default:
        return field_error(Errc::unsupported, field,
                           fmt::format("values of type '{}' cannot be edited", field.type));
    }
  } catch (const std::exception& e) {
    return field_error(Errc::io, field, e.what());
  }
}

Result<std::vector<std::byte>> encode_field_bytes(const Field& field, std::string_view text) {
  if (field.bit_width)
    return field_error(Errc::invalid_argument, field,
                       "is a bitfield: write it with write_field (it keeps neighbouring bits)");
  if (field.is_flexible_array())
    return field_error(Errc::invalid_argument, field,
                       "a flexible array has no fixed length: write its elements ([i])");
  if (field.size > kMaxFieldValueBytes) {
    return field_error(Errc::invalid_argument, field,
                       fmt::format("is {} bytes, more than the {} bytes written at once: write "
                                   "its elements ([i])",
                                   field.size, kMaxFieldValueBytes));
  }
  Field local = field;
  local.offset = 0;
  local.bit_offset = 0;
  try {
    std::vector<std::byte> buf(field.size);
    Status st = encode_field(local, text, buf);
    if (!st) return st.error();
    return buf;
  } catch (const std::exception& e) {
    return field_error(Errc::io, field, e.what());
  }
}

std::vector<BitfieldUnit> bitfield_units(const Field& field, uint64_t base, uint64_t limit_lo,
                                         uint64_t limit_hi) {
  std::vector<BitfieldUnit> units;
  if (!field.bit_width || field.bit_width > 64) return units;
  using u128 = unsigned __int128;
  const u128 start = u128(base) * 8 + field.bit_offset;
  const u128 end = start + field.bit_width;
  u128 pos = start;
  while (pos < end) {
    const u128 block_end = std::min<u128>(end, (pos / 64) * 64 + 64);
    BitfieldUnit u;
    bool chosen = false;
    for (unsigned w : {1u, 2u, 4u, 8u}) {
      const unsigned unit_bits = 8 * w;
      const u128 ustart = (pos / unit_bits) * unit_bits;
      if (ustart + unit_bits < block_end) continue;
      const u128 addr = ustart / 8;
      if (addr < limit_lo || addr + w > limit_hi) continue;
      u.address = static_cast<uint64_t>(addr);
      u.width = w;
      u.shift = static_cast<unsigned>(pos - ustart);
      const unsigned len = static_cast<unsigned>(block_end - pos);
      u.mask = low_mask(len) << u.shift;
      u.field_bit = static_cast<unsigned>(pos - start);
      pos = block_end;
      chosen = true;
      break;
    }
    if (!chosen) {  // no aligned unit inside the object: go byte by byte
      const u128 byte_end = std::min<u128>(end, (pos / 8) * 8 + 8);
      u.address = static_cast<uint64_t>(pos / 8);
      u.width = 1;
      u.shift = static_cast<unsigned>(pos % 8);
      u.mask = low_mask(static_cast<unsigned>(byte_end - pos)) << u.shift;
      u.field_bit = static_cast<unsigned>(pos - start);
      pos = byte_end;
    }
    units.push_back(u);
  }
  return units;
}

Status write_field(Source& source, uint64_t base, const Field& field, std::string_view text) {
  Status shape = check_field_shape(field);
  if (!shape) return shape;
  try {
    const SourceInfo& info = source.info();
    if (!field.bit_width) {
      // Encode just this field's bytes, then one write of exactly those bytes.
      Result<std::vector<std::byte>> buf = encode_field_bytes(field, text);
      if (!buf) return buf.error();
      if (field.offset > std::numeric_limits<uint64_t>::max() - base)
        return field_error(Errc::out_of_range, field, "address overflows");
      return source.write(base + field.offset, *buf);
    }

    Result<uint64_t> value = parse_integer_value(field, text);
    if (!value) return value.error();
    const std::vector<BitfieldUnit> units =
        bitfield_units(field, base, info.base, info.base + info.size);
    for (const BitfieldUnit& u : units) {  // all or nothing: check every unit first
      Status st = check_write_range(info, u.address, u.width);
      if (!st) return st;
    }
    for (const BitfieldUnit& u : units) {
      std::byte raw[8] = {};
      ReadOutcome r = source.read(u.address, std::span<std::byte>(raw, u.width));
      if (!r.complete())
        return field_error(Errc::removed, field, "cannot read its storage unit: " + r.message);
      uint64_t expected = extract_bits(std::span<const std::byte>(raw, u.width), 0, u.width * 8);
      const uint64_t piece = (*value >> u.field_bit) << u.shift;
      bool swapped = false;
      for (int attempt = 0; attempt < kMaxCasAttempts && !swapped; ++attempt) {
        const uint64_t desired = (expected & ~u.mask) | (piece & u.mask);
        Result<bool> cas = source.compare_exchange(u.address, u.width, expected, desired);
        if (!cas) {
          if (cas.error().code == Errc::unsupported)
            return field_error(
                Errc::unsupported, field,
                "bitfield writes need an atomic compare-and-swap: " + cas.error().message);
          return cas.error();
        }
        swapped = *cas;
      }
      if (!swapped)
        return field_error(Errc::changed, field,
                           "its storage unit kept changing; the value was not written");
    }
    return {};
  } catch (const std::exception& e) {
    return field_error(Errc::io, field, e.what());
  }
}

}  // namespace memview
