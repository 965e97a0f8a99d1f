// The "@ADDR+LEN" / "@ADDR-END" suffix shared by the pid: and gdb: specs.
#include "sources/range_suffix.h"

#include <fmt/format.h>

#include "memview/numbers.h"

namespace memview::detail {

Result<ByteRange> parse_range_suffix(std::string_view text) {
  // Numbers never contain '+' or '-' (parse_u64 rejects signs), so the first one splits.
  const size_t op = text.find_first_of("+-");
  if (op == std::string_view::npos) {
    return make_error(Errc::invalid_argument,
                      fmt::format("bad address range '{}': expected ADDR+LEN or ADDR-END", text));
  }
  Result<uint64_t> addr = parse_u64(text.substr(0, op), "address");
  if (!addr) return addr.error();
  Result<uint64_t> second =
      parse_u64(text.substr(op + 1), text[op] == '+' ? "length" : "end address");
  if (!second) return second.error();
  ByteRange r{*addr, 0};
  if (text[op] == '+') {
    r.length = *second;
  } else {
    if (*second <= *addr) {
      return make_error(
          Errc::invalid_argument,
          fmt::format("bad address range '{}': the end must be above the start", text));
    }
    r.length = *second - *addr;
  }
  if (r.length == 0) {
    return make_error(Errc::invalid_argument,
                      fmt::format("bad address range '{}': the length is 0", text));
  }
  if (r.length > ~uint64_t{0} - r.address) {  // end() must not wrap to 0
    return make_error(Errc::invalid_argument,
                      fmt::format("bad address range '{}': it runs past the end of the 64-bit "
                                  "address space",
                                  text));
  }
  return r;
}

std::string format_range_suffix(const ByteRange& range) {
  return fmt::format("0x{:x}+0x{:x}", range.address, range.length);
}

}  // namespace memview::detail
