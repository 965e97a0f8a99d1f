// Counts and the words for where a byte is, the same in every view: "1 byte", "2 bytes",
// "(1 match)"; "address" for the memory of a process (or any source that does not start
// at 0), "offset" for an object's, file's or segment's bytes.
#pragma once

#include <cstdint>
#include <string>

#include "memview/source.h"

namespace memview::gui {

// "1 byte", "0 bytes", "2 bytes".
std::string counted(uint64_t n, const char* one, const char* many);
inline std::string bytes_text(uint64_t n) {
  return counted(n, "byte", "bytes");
}

// "address" or "offset": what the grid's first column, the Go to dialog and the panels'
// position columns call a position in this source.
const char* position_word(const SourceInfo& info);

// A time in seconds since 1970 as local time in strftime's `format` ("%H:%M:%S").
std::string local_time_text(int64_t unix_seconds, const char* format);

}  // namespace memview::gui
