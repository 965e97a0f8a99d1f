// Text helpers of the who / who-writes subcommands: names, paths and command lines are
// bytes, so JSON carries valid UTF-8 as a string and anything else as {"hex": every byte,
// "text": the same with invalid bytes as U+FFFD} (the convention of every --json output),
// and tables show them on one printable line.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace memview::cli::who_format {

// Length of the well-formed UTF-8 sequence at s[i] (RFC 3629), 0 when it is not one.
inline size_t utf8_sequence(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  const size_t n = c >= 0xc2 && c <= 0xdf   ? 2
                   : c >= 0xe0 && c <= 0xef ? 3
                   : c >= 0xf0 && c <= 0xf4 ? 4
                                            : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(k) & 0xc0) != 0x80) return 0;
  }
  if ((c == 0xe0 && b(1) < 0xa0) || (c == 0xed && b(1) >= 0xa0) || (c == 0xf0 && b(1) < 0x90) ||
      (c == 0xf4 && b(1) >= 0x90)) {
    return 0;  // overlong, surrogate, above U+10FFFF
  }
  return n;
}

inline bool valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const size_t n = utf8_sequence(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

inline nlohmann::json json_bytes(std::string_view s) {
  if (valid_utf8(s)) return std::string(s);
  std::string hex;
  std::string text;
  for (size_t i = 0; i < s.size();) {
    const size_t n = utf8_sequence(s, i);
    if (n == 0) {
      text += "\xef\xbf\xbd";
      ++i;
    } else {
      text.append(s.substr(i, n));
      i += n;
    }
  }
  for (const char ch : s) hex += fmt::format("{:02x}", static_cast<unsigned char>(ch));
  nlohmann::json j;
  j["hex"] = hex;
  j["text"] = text;
  return j;
}

// One printable line: control characters and bytes that are not UTF-8 as \xNN.
inline std::string printable(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    const size_t n = utf8_sequence(s, i);
    const auto c = static_cast<unsigned char>(s[i]);
    if (n == 0 || c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

inline std::string dump(const nlohmann::json& j) {
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace memview::cli::who_format
