// The canonical layout of `hexdump -C`, byte for byte: 16 bytes a row as offset, hex in
// two groups of eight and ASCII; a row equal to the previous one is collapsed into one
// "*" line; the last line is the offset just past the data. Fed in chunks so a dump of a
// large object never needs the whole object in memory.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace memview::cli {

class HexdumpFormatter {
 public:
  // `start` is the offset of the first byte (rows start there, like `hexdump -s`).
  explicit HexdumpFormatter(uint64_t start) : address_(start), start_(start) {}

  // Appends the text for `bytes` to `out` (only complete rows; the rest waits).
  void feed(std::span<const std::byte> bytes, std::string& out);
  // Appends the last partial row and the final offset line.
  void finish(std::string& out);

 private:
  void emit_row(const std::byte* row, size_t n, std::string& out);

  uint64_t address_;  // offset of the first byte in row_
  uint64_t start_;
  std::array<std::byte, 16> row_{};
  size_t row_fill_ = 0;
  std::array<std::byte, 16> previous_{};
  bool have_previous_ = false;
  bool in_repeat_ = false;
};

}  // namespace memview::cli
