// Pattern search over any Source: hex byte patterns with wildcards ("de ad ?? ef", nibble
// wildcards "d?"), and text (ASCII/UTF-8 or UTF-16LE, optionally ignoring ASCII case).
//
// Thread-safety: reentrant; the Source is used by the calling thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "memview/result.h"
#include "memview/scan.h"
#include "memview/source.h"

namespace memview {

// Byte i matches when (b & mask[i]) is value[i] or alt[i] (alt: the other letter case).
struct BytePattern {
  std::vector<uint8_t> value;
  std::vector<uint8_t> mask;
  std::vector<uint8_t> alt;
  size_t size() const { return value.size(); }
  bool matches(const std::byte* p) const;
};

// "de ad ?? ef", "DEAD??EF", "d? ?f": hex pairs, "??" a whole wildcard byte, "?" one
// wildcard nibble; spaces, ':' and a leading 0x are ignored. Errors: empty, an odd number
// of digits, a character that is not hex, only wildcards.
Result<BytePattern> parse_hex_pattern(std::string_view text);

enum class TextEncoding { utf8, utf16le };

// The bytes of `text` (taken as UTF-8) in the encoding; ignore_case matches ASCII letters
// in either case. Errors: empty text, invalid UTF-8 for UTF-16LE.
Result<BytePattern> text_pattern(std::string_view text, TextEncoding encoding, bool ignore_case);

struct FindResult {
  std::vector<uint64_t> addresses;  // ascending, at most `limit`
  std::vector<uint32_t> lengths;    // find_regex: each listed match's length (else empty)
  uint64_t longest = 0;             // find_regex: the longest listed match
  uint64_t count = 0;               // every match (may exceed addresses.size())
  ScanStats stats;
};

// Every address where the pattern matches, in the ranges (empty: scan_ranges(source)).
// Progress and cancellation as for first_scan.
Result<FindResult> find_pattern(Source& source, const BytePattern& pattern, size_t limit,
                                WorkerContext* ctx = nullptr, std::vector<ByteRange> ranges = {});

}  // namespace memview
