// The --range option of snapshot, diff and activity: "ADDR+LEN" or "ADDR-END" (decimal or 0x
// hex), the same form as a pid: spec's range.
#pragma once

#include <string_view>

#include "memview/result.h"
#include "memview/source.h"

namespace memview::cli {

Result<ByteRange> parse_range_option(std::string_view text);

}  // namespace memview::cli
