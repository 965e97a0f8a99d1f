// The "@ADDR+LEN" / "@ADDR-END" suffix shared by the pid: and gdb: specs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "memview/result.h"
#include "memview/source.h"

namespace memview::detail {

// Parses "ADDR+LEN" or "ADDR-END" (decimal or 0x hex; the part after '@'). The range must
// be non-empty and must not wrap past 2^64.
Result<ByteRange> parse_range_suffix(std::string_view text);

// Canonical text of a range: "0xADDR+0xLEN".
std::string format_range_suffix(const ByteRange& range);

}  // namespace memview::detail
