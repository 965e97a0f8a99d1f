// Splitting a selection into hardware watches: aligned 1/2/4/8-byte pieces.
#include <fmt/format.h>

#include "memview/who_writes.h"

namespace memview {

Result<std::vector<WriteWatch>> plan_write_watches(uint64_t address, uint64_t length,
                                                   unsigned max_watches) {
  if (length == 0) return make_error(Errc::invalid_argument, "nothing to watch: the length is 0");
  if (length - 1 > ~uint64_t{0} - address) {
    return make_error(Errc::invalid_argument, "the range runs past the end of the address space");
  }
  std::vector<WriteWatch> out;
  uint64_t pos = address;
  uint64_t left = length;
  while (left > 0) {
    unsigned w = 8;
    while (w > 1 && (pos % w != 0 || w > left)) w /= 2;
    out.push_back({pos, w});
    pos += w;
    left -= w;
    if (out.size() > max_watches) break;
  }
  if (out.size() > max_watches) {
    // Count them all for the message (bounded: a huge selection is refused at once).
    uint64_t needed = 0;
    if (length <= 4096) {
      pos = address;
      left = length;
      while (left > 0) {
        unsigned w = 8;
        while (w > 1 && (pos % w != 0 || w > left)) w /= 2;
        pos += w;
        left -= w;
        ++needed;
      }
    }
    return make_error(
        Errc::invalid_argument,
        fmt::format("{} byte{} at 0x{:x} need{} {} hardware watches (each an aligned 1, 2, 4 or 8 "
                    "bytes) but a thread has only {} debug registers; select at most {} aligned "
                    "bytes (e.g. {} at 0x{:x})",
                    length, length == 1 ? "" : "s", address, length == 1 ? "s" : "",
                    needed ? fmt::format("{}", needed)
                           : std::string("more than ") + std::to_string(max_watches),
                    max_watches, max_watches * 8, max_watches * 8, address & ~uint64_t{7}));
  }
  return out;
}

}  // namespace memview
