// Pattern search: memchr on the pattern's first fully fixed byte, then a masked compare.
#include "memview/find_pattern.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "memview/worker.h"
#include "scan/find_blocks.h"

namespace memview {
namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void add_byte(BytePattern& p, uint8_t value, uint8_t mask, uint8_t alt) {
  p.value.push_back(value);
  p.mask.push_back(mask);
  p.alt.push_back(alt);
}

// The index of a byte with no wildcard and one spelling: memchr looks for it.
std::optional<size_t> anchor(const BytePattern& p) {
  for (size_t i = 0; i < p.size(); ++i) {
    if (p.mask[i] == 0xff && p.alt[i] == p.value[i]) return i;
  }
  return std::nullopt;
}

// Decodes one UTF-8 code point at s[i]; returns false on invalid input.
bool next_code_point(std::string_view s, size_t& i, uint32_t& cp) {
  const auto c = static_cast<unsigned char>(s[i]);
  size_t n = 0;
  if (c < 0x80) {
    cp = c;
    n = 1;
  } else if ((c & 0xe0) == 0xc0) {
    cp = c & 0x1f;
    n = 2;
  } else if ((c & 0xf0) == 0xe0) {
    cp = c & 0x0f;
    n = 3;
  } else if ((c & 0xf8) == 0xf0) {
    cp = c & 0x07;
    n = 4;
  } else {
    return false;
  }
  if (i + n > s.size()) return false;
  for (size_t k = 1; k < n; ++k) {
    const auto d = static_cast<unsigned char>(s[i + k]);
    if ((d & 0xc0) != 0x80) return false;
    cp = (cp << 6) | (d & 0x3f);
  }
  i += n;
  return cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff);
}

uint8_t other_case(uint8_t c) {
  if (c >= 'a' && c <= 'z') return static_cast<uint8_t>(c - 'a' + 'A');
  if (c >= 'A' && c <= 'Z') return static_cast<uint8_t>(c - 'A' + 'a');
  return c;
}

}  // namespace

bool BytePattern::matches(const std::byte* p) const {
  for (size_t i = 0; i < value.size(); ++i) {
    const auto b = static_cast<uint8_t>(static_cast<uint8_t>(p[i]) & mask[i]);
    if (b != value[i] && b != alt[i]) return false;
  }
  return true;
}

Result<BytePattern> parse_hex_pattern(std::string_view text) {
  if (text.starts_with("0x") || text.starts_with("0X")) text.remove_prefix(2);
  std::string digits;
  for (char c : text) {
    if (c == ' ' || c == ':' || c == '\t') continue;
    if (c != '?' && hex_digit(c) < 0) {
      return make_error(Errc::invalid_argument,
                        fmt::format("'{}' is not a hex digit or '?' in the pattern", c));
    }
    digits += c;
  }
  if (digits.empty()) return make_error(Errc::invalid_argument, "the pattern is empty");
  if (digits.size() % 2 != 0) {
    return make_error(Errc::invalid_argument,
                      fmt::format("the pattern has an odd number of nibbles ({}): write each "
                                  "byte as two hex digits or ??",
                                  digits.size()));
  }
  BytePattern p;
  bool fixed = false;
  for (size_t i = 0; i < digits.size(); i += 2) {
    uint8_t value = 0;
    uint8_t mask = 0;
    for (size_t k = 0; k < 2; ++k) {
      const int d = hex_digit(digits[i + k]);
      const int shift = k == 0 ? 4 : 0;
      if (d >= 0) {
        value = static_cast<uint8_t>(value | (d << shift));
        mask = static_cast<uint8_t>(mask | (0xf << shift));
      }
    }
    fixed = fixed || mask != 0;
    add_byte(p, value, mask, value);
  }
  if (!fixed) {
    return make_error(Errc::invalid_argument,
                      "the pattern is only wildcards: it would match everywhere");
  }
  return p;
}

Result<BytePattern> text_pattern(std::string_view text, TextEncoding encoding, bool ignore_case) {
  if (text.empty()) return make_error(Errc::invalid_argument, "the text to find is empty");
  BytePattern p;
  auto add = [&](uint8_t b) { add_byte(p, b, 0xff, ignore_case ? other_case(b) : b); };
  if (encoding == TextEncoding::utf8) {
    for (char c : text) add(static_cast<uint8_t>(c));
    return p;
  }
  size_t i = 0;
  while (i < text.size()) {
    uint32_t cp = 0;
    if (!next_code_point(text, i, cp)) {
      return make_error(Errc::invalid_argument, "the text is not valid UTF-8");
    }
    auto unit = [&](uint32_t u) {
      add(static_cast<uint8_t>(u & 0xff));
      add_byte(p, static_cast<uint8_t>(u >> 8), 0xff, static_cast<uint8_t>(u >> 8));
    };
    if (cp >= 0x10000) {
      cp -= 0x10000;
      unit(0xd800 + (cp >> 10));
      unit(0xdc00 + (cp & 0x3ff));
    } else {
      unit(cp);
    }
  }
  return p;
}

Result<FindResult> find_pattern(Source& source, const BytePattern& pattern, size_t limit,
                                WorkerContext* ctx, std::vector<ByteRange> ranges) {
  if (pattern.size() == 0) return make_error(Errc::invalid_argument, "the pattern is empty");
  const std::optional<size_t> fixed = anchor(pattern);
  const size_t len = pattern.size();
  FindResult out;
  auto visit = [&](const scan_detail::FindBlock& b) -> Status {
    const std::span<const std::byte> buf = b.bytes;
    auto readable = [&](size_t i) {
      return std::none_of(
          b.outcome.unreadable.begin(), b.outcome.unreadable.end(),
          [&](const ByteRange& u) { return u.address < b.at + i + len && u.end() > b.at + i; });
    };
    auto hit = [&](size_t i) {
      if (!pattern.matches(buf.data() + i) || (!b.outcome.complete() && !readable(i))) return;
      if (out.addresses.size() < limit) out.addresses.push_back(b.at + i);
      ++out.count;
    };
    if (buf.size() < len) return {};
    const size_t last = std::min<size_t>(static_cast<size_t>(b.length), buf.size() - len + 1);
    if (!fixed) {
      for (size_t i = 0; i < last; ++i) hit(i);
      return {};
    }
    // memchr for the anchor byte, then the whole pattern where it is.
    const auto want = static_cast<int>(pattern.value[*fixed]);
    const auto* base = reinterpret_cast<const unsigned char*>(buf.data());
    size_t i = 0;
    while (i < last) {
      const void* f = std::memchr(base + i + *fixed, want, last - i);
      if (!f) break;
      const size_t pos = static_cast<size_t>(static_cast<const unsigned char*>(f) - base) - *fixed;
      hit(pos);
      i = pos + 1;
    }
    return {};
  };
  if (Status s = scan_detail::walk_find_blocks(source, std::move(ranges), len - 1, ctx, out, visit);
      !s) {
    return s.error();
  }
  return out;
}

}  // namespace memview
