// Where a source ends, and offsets typed by the user, the same for every view.
#pragma once

#include <cstdint>
#include <string_view>

#include "memview/result.h"
#include "memview/source.h"

namespace memview::gui {

// One past the source's last byte. Sources end at most at 2^64 - 1 (a gdb stub's whole
// address space is base 0, size 2^64 - 1): an end that would be 2^64 is cut one byte
// short rather than wrapping to 0.
uint64_t source_end(const SourceInfo& info);

// An offset typed by the user (decimal or 0x hex) as an absolute address: relative to the
// source's base, except that for a source whose base is not 0 an address inside
// [base, end) is taken as is. Outside the source: an error that names the object's size.
Result<uint64_t> parse_source_offset(std::string_view text, const SourceInfo& info);

}  // namespace memview::gui
