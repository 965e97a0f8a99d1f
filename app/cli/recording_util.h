// Shared by record, replay and info: the argument forms of recordings (ranges, seconds,
// fields) and the description of a recording file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "memview/layout.h"
#include "memview/recording.h"
#include "memview/result.h"
#include "memview/trigger.h"

namespace memview::cli {

// "OFF+LEN" (decimal or 0x each).
Result<ByteRange> parse_range_arg(std::string_view text, std::string_view what);
// Seconds as a decimal number ("2", "0.25"), at least 0; into nanoseconds.
Result<int64_t> parse_seconds(std::string_view text, std::string_view what);
// True when `text` ends in a byte unit (B, KB, KiB, MB, MiB, GB, GiB, K, M, G).
bool has_byte_unit(std::string_view text);
// A size with a byte unit: "4096B", "64KiB", "64MiB", "1.5GiB", "10MB" (KB/MB/GB are
// decimal, K/M/G and KiB/MiB/GiB binary). At least 1 byte, at most 2^60.
Result<uint64_t> parse_byte_size(std::string_view text, std::string_view what);

// The bytes [first, end) of any field of `layout` (a scalar, an array, a nested struct) at
// `base`, for recording or filtering; flexible arrays have no size and are refused.
Result<ByteRange> field_range(const Layout& layout, uint64_t base, std::string_view path);
// Sorted, with overlapping and touching ranges joined.
std::vector<ByteRange> merge_ranges(std::vector<ByteRange> ranges);

// A layout field as a trigger/series operand at `base` (scalars of 1, 2, 4 or 8 bytes).
Result<TriggerOperand> field_operand(const Layout& layout, uint64_t base, std::string_view path);
// "u32@0x40" or a field path of `layout` (when given) as an operand with a type.
Result<TriggerOperand> typed_operand(std::string_view text, const Layout* layout, uint64_t base);

// True when `path` is a regular file that starts like a recording.
bool is_recording_file(const std::string& path);
// `memview-cli info FILE` / `replay FILE --info`: the header, blocks, events and summary.
int print_recording_info(const std::string& path, bool json);

}  // namespace memview::cli
