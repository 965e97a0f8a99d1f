// Parsing of user-typed numbers and hex byte strings (decimal and 0x hex everywhere).
#include "memview/numbers.h"

#include <limits>

#include <fmt/format.h>

namespace memview {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Quotes user text for an error message, shortened so a pasted megabyte stays one line.
std::string quote(std::string_view text) {
  constexpr size_t kMax = 40;
  std::string out = "'";
  for (char c : text.substr(0, kMax)) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    } else {
      out += c;
    }
  }
  if (text.size() > kMax) out += "...";
  out += "'";
  return out;
}

// Parses an unsigned magnitude (no sign) in decimal or 0x hex.
Result<uint64_t> parse_magnitude(std::string_view digits, std::string_view original,
                                 std::string_view what) {
  unsigned base = 10;
  if (digits.size() >= 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
    base = 16;
    digits.remove_prefix(2);
  }
  if (digits.empty()) {
    return make_error(Errc::invalid_argument,
                      fmt::format("{} {} is not a number", what, quote(original)));
  }
  uint64_t value = 0;
  for (char c : digits) {
    const int d = hex_digit(c);
    if (d < 0 || static_cast<unsigned>(d) >= base) {
      return make_error(Errc::invalid_argument,
                        fmt::format("{} {} is not a {} number", what, quote(original),
                                    base == 16 ? "hex" : "decimal"));
    }
    if (value > (std::numeric_limits<uint64_t>::max() - static_cast<unsigned>(d)) / base) {
      return make_error(Errc::invalid_argument,
                        fmt::format("{} {} is too large (max {})", what, quote(original),
                                    std::numeric_limits<uint64_t>::max()));
    }
    value = value * base + static_cast<unsigned>(d);
  }
  return value;
}

}  // namespace

Result<uint64_t> parse_u64(std::string_view text, std::string_view what) {
  const std::string_view t = trim(text);
  if (t.empty()) return make_error(Errc::invalid_argument, fmt::format("{} is empty", what));
  if (t.front() == '-') {
    return make_error(Errc::invalid_argument,
                      fmt::format("{} {} must not be negative", what, quote(t)));
  }
  std::string_view digits = t;
  if (digits.front() == '+') digits.remove_prefix(1);
  return parse_magnitude(digits, t, what);
}

Result<int64_t> parse_i64(std::string_view text, std::string_view what) {
  const std::string_view t = trim(text);
  if (t.empty()) return make_error(Errc::invalid_argument, fmt::format("{} is empty", what));
  std::string_view digits = t;
  bool negative = false;
  if (digits.front() == '-' || digits.front() == '+') {
    negative = digits.front() == '-';
    digits.remove_prefix(1);
  }
  Result<uint64_t> mag = parse_magnitude(digits, t, what);
  if (!mag) return mag.error();
  const uint64_t m = mag.value();
  constexpr uint64_t kMaxPos = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (negative) {
    if (m > kMaxPos + 1) {
      return make_error(Errc::invalid_argument,
                        fmt::format("{} {} is too small (min {})", what, quote(t),
                                    std::numeric_limits<int64_t>::min()));
    }
    // Negate in unsigned arithmetic: -(2^63) has no positive int64 counterpart.
    return static_cast<int64_t>(~m + 1);
  }
  if (m > kMaxPos) {
    return make_error(Errc::invalid_argument,
                      fmt::format("{} {} is too large (max {})", what, quote(t),
                                  std::numeric_limits<int64_t>::max()));
  }
  return static_cast<int64_t>(m);
}

Result<uint32_t> parse_mode(std::string_view text) {
  const std::string_view t = trim(text);
  if (t.empty()) return make_error(Errc::invalid_argument, "mode is empty");
  std::string_view digits = t;
  if (digits.size() >= 2 && digits[0] == '0' && (digits[1] == 'o' || digits[1] == 'O')) {
    digits.remove_prefix(2);
  }
  if (digits.empty()) {
    return make_error(Errc::invalid_argument,
                      fmt::format("mode {} is not an octal number", quote(t)));
  }
  uint32_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '7') {
      return make_error(Errc::invalid_argument,
                        fmt::format("mode {} is not an octal number (like 600 or 0644)", quote(t)));
    }
    value = value * 8 + static_cast<uint32_t>(c - '0');
    if (value > 0777) {
      // Permission bits only: setuid/setgid/sticky on a shared object is a way to root.
      return make_error(Errc::invalid_argument,
                        fmt::format("mode {} is not permission bits: give 0 to 0777 (setuid, "
                                    "setgid and sticky bits are refused)",
                                    quote(t)));
    }
  }
  return value;
}

Result<std::vector<std::byte>> parse_hex_bytes(std::string_view text) {
  std::string_view t = trim(text);
  if (t.size() >= 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) t.remove_prefix(2);
  std::vector<std::byte> out;
  out.reserve(t.size() / 2);
  int high = -1;  // first digit of a byte in progress
  for (size_t i = 0; i < t.size(); ++i) {
    const char c = t[i];
    if (is_space(c) || c == ':' || c == '-' || c == ',') {
      // A separator in the middle of a byte ("d e") would silently change meaning.
      if (high >= 0) {
        return make_error(
            Errc::invalid_argument,
            fmt::format("hex bytes {}: odd number of digits before position {}", quote(text), i));
      }
      continue;
    }
    const int d = hex_digit(c);
    if (d < 0) {
      return make_error(Errc::invalid_argument,
                        fmt::format("hex bytes {}: '{}' is not a hex digit", quote(text),
                                    std::string_view(&t[i], 1)));
    }
    if (high < 0) {
      high = d;
    } else {
      out.push_back(static_cast<std::byte>(high * 16 + d));
      high = -1;
    }
  }
  if (high >= 0) {
    return make_error(Errc::invalid_argument,
                      fmt::format("hex bytes {}: odd number of hex digits", quote(text)));
  }
  if (out.empty()) return make_error(Errc::invalid_argument, "hex bytes are empty");
  return out;
}

std::string format_hex_bytes(const std::byte* data, size_t n, char separator) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 3);
  for (size_t i = 0; i < n; ++i) {
    if (i > 0 && separator != '\0') out += separator;
    const auto b = static_cast<unsigned>(data[i]);
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return out;
}

std::string format_c_array(const std::byte* data, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out = "{";
  out.reserve(n * 6 + 2);
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) out += i % 16 == 0 ? ",\n " : ", ";
    const auto b = static_cast<unsigned>(data[i]);
    out += "0x";
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  out += '}';
  return out;
}

std::string format_printable(const std::byte* data, size_t n) {
  std::string out(n, '.');
  for (size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(data[i]);
    if ((c >= 0x20 && c < 0x7f) || c == '\t' || c == '\n') out[i] = static_cast<char>(c);
  }
  return out;
}

}  // namespace memview
