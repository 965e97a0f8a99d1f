#include "source_offsets.h"

#include <fmt/format.h>

#include "memview/numbers.h"

namespace memview::gui {

uint64_t source_end(const SourceInfo& info) {
  return info.size > ~uint64_t{0} - info.base ? ~uint64_t{0} : info.base + info.size;
}

Result<uint64_t> parse_source_offset(std::string_view text, const SourceInfo& info) {
  auto v = parse_u64(text, "offset");
  if (!v.ok()) return v.error();
  const uint64_t x = v.value();
  if (info.base != 0 && x >= info.base && x - info.base < info.size) return x;
  if (x < info.size) return info.base + x;
  return make_error(Errc::out_of_range,
                    fmt::format("offset {} (0x{:x}) is outside the object (size {} = 0x{:x})", x, x,
                                info.size, info.size));
}

}  // namespace memview::gui
