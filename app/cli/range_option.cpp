#include "range_option.h"

#include <fmt/format.h>

#include "memview/numbers.h"

namespace memview::cli {

Result<ByteRange> parse_range_option(std::string_view text) {
  const size_t plus = text.find('+');
  const size_t minus = text.find('-');
  const size_t cut = plus != std::string_view::npos ? plus : minus;
  if (cut == std::string_view::npos || cut == 0) {
    return make_error(Errc::invalid_argument,
                      fmt::format("bad range '{}': expected ADDR+LEN or ADDR-END", text));
  }
  Result<uint64_t> start = parse_u64(text.substr(0, cut), "range start");
  if (!start) return start.error();
  Result<uint64_t> second = parse_u64(text.substr(cut + 1), "range end");
  if (!second) return second.error();
  if (cut == plus) {
    if (*second == 0 || *second > UINT64_MAX - *start) {
      return make_error(Errc::invalid_argument, fmt::format("bad range length in '{}'", text));
    }
    return ByteRange{*start, *second};
  }
  if (*second <= *start) {
    return make_error(Errc::invalid_argument,
                      fmt::format("bad range '{}': the end must lie after the start", text));
  }
  return ByteRange{*start, *second - *start};
}

}  // namespace memview::cli
