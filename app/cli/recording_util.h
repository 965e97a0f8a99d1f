// Shared by record, replay and info: the argument forms of recordings (ranges, seconds,
// fields) and the description of a recording file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "memview/layout.h"
#include "memview/recording.h"
#include "memview/result.h"
#include "memview/trigger.h"

namespace memview::cli {

// "OFF+LEN" (decimal or 0x each).
Result<ByteRange> parse_range_arg(std::string_view text, std::string_view what);
// Seconds as a decimal number ("2", "0.25"), at least 0; into nanoseconds.
Result<int64_t> parse_seconds(std::string_view text, std::string_view what);

// A layout field as a trigger/series operand at `base` (scalars of 1, 2, 4 or 8 bytes).
Result<TriggerOperand> field_operand(const Layout& layout, uint64_t base, std::string_view path);
// "u32@0x40" or a field path of `layout` (when given) as an operand with a type.
Result<TriggerOperand> typed_operand(std::string_view text, const Layout* layout, uint64_t base);

// True when `path` is a regular file that starts like a recording.
bool is_recording_file(const std::string& path);
// `memview-cli info FILE` / `replay FILE --info`: the header, blocks, events and summary.
int print_recording_info(const std::string& path, bool json);

}  // namespace memview::cli
