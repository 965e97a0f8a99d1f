// Parsing of user-typed numbers and byte strings: decimal and 0x hex everywhere.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "memview/result.h"

namespace memview {

// "4096", "0x1000", "0X1000"; optional surrounding whitespace; '_' and "'" separators are
// not accepted. Errors on empty input, junk, negative numbers and overflow. `what` names
// the value in the error message ("offset", "size").
Result<uint64_t> parse_u64(std::string_view text, std::string_view what = "number");

// Signed variant: accepts a leading '-' (and "-0x10").
Result<int64_t> parse_i64(std::string_view text, std::string_view what = "number");

// Permission bits in octal ("600", "0644"): 0 to 0777 only (no setuid, setgid or sticky).
Result<uint32_t> parse_mode(std::string_view text);

// Hex bytes: "deadbeef", "de ad be ef", "DE:AD", "0xdeadbeef". Errors on an odd number of
// digits, non-hex characters, or empty input.
Result<std::vector<std::byte>> parse_hex_bytes(std::string_view text);

// "de ad be ef" (lowercase, single spaces).
std::string format_hex_bytes(const std::byte* data, size_t n, char separator = ' ');

// "{0xde, 0xad, 0xbe, 0xef}": an initialiser for a C array of unsigned char; a line break
// after every 16 bytes. "{}" for no bytes.
std::string format_c_array(const std::byte* data, size_t n);

// The bytes as text: printable ASCII, tab and newline as they are, every other byte as '.'
// (as the grid's text column shows them).
std::string format_printable(const std::byte* data, size_t n);

}  // namespace memview
