// `hexdump -C` layout; see hexdump_format.h.
#include "hexdump_format.h"

#include <cstring>

namespace memview::cli {

namespace {
constexpr char kHex[] = "0123456789abcdef";

void append_offset(uint64_t address, std::string& out) {
  // %08x: at least eight digits, more for offsets past 4 GiB.
  char buf[17];
  int n = 0;
  do {
    buf[n++] = kHex[address & 0xf];
    address >>= 4;
  } while (address != 0);
  for (int i = n; i < 8; ++i) out.push_back('0');
  while (n > 0) out.push_back(buf[--n]);
}
}  // namespace

void HexdumpFormatter::emit_row(const std::byte* row, size_t n, std::string& out) {
  append_offset(address_, out);
  out += "  ";
  for (size_t i = 0; i < 16; ++i) {
    if (i < n) {
      const auto b = static_cast<uint8_t>(row[i]);
      out.push_back(kHex[b >> 4]);
      out.push_back(kHex[b & 0xf]);
      out.push_back(' ');
    } else {
      out += "   ";
    }
    if (i == 7) out.push_back(' ');
  }
  out += " |";
  for (size_t i = 0; i < n; ++i) {
    const auto b = static_cast<uint8_t>(row[i]);
    // hexdump prints isprint() bytes in the C locale: 0x20..0x7e.
    out.push_back(b >= 0x20 && b < 0x7f ? static_cast<char>(b) : '.');
  }
  out += "|\n";
}

void HexdumpFormatter::feed(std::span<const std::byte> bytes, std::string& out) {
  size_t pos = 0;
  while (pos < bytes.size()) {
    const size_t take = std::min(bytes.size() - pos, 16 - row_fill_);
    std::memcpy(row_.data() + row_fill_, bytes.data() + pos, take);
    row_fill_ += take;
    pos += take;
    if (row_fill_ < 16) break;
    if (have_previous_ && row_ == previous_) {
      if (!in_repeat_) out += "*\n";
      in_repeat_ = true;
    } else {
      emit_row(row_.data(), 16, out);
      in_repeat_ = false;
      previous_ = row_;
      have_previous_ = true;
    }
    address_ += 16;
    row_fill_ = 0;
  }
}

void HexdumpFormatter::finish(std::string& out) {
  // A partial last row is always printed, even when it repeats the previous row's start.
  if (row_fill_ > 0) {
    emit_row(row_.data(), row_fill_, out);
    address_ += row_fill_;
    row_fill_ = 0;
  }
  // hexdump prints nothing at all for empty input at offset 0.
  if (address_ == 0 && start_ == 0) return;
  append_offset(address_, out);
  out.push_back('\n');
}

}  // namespace memview::cli
