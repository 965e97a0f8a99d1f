#include "words.h"

#include <ctime>

#include <fmt/format.h>

namespace memview::gui {

std::string counted(uint64_t n, const char* one, const char* many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

const char* position_word(const SourceInfo& info) {
  // A process's memory (a pid: source, a gdb stub) is addressed even when the range shown
  // starts at 0 (the whole process): the numbers are the addresses a debugger shows.
  const bool memory = info.kind == "pid" || info.kind == "gdb";
  return memory || info.base != 0 ? "address" : "offset";
}

std::string local_time_text(int64_t unix_seconds, const char* format) {
  const auto t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
#if defined(_WIN32)
  localtime_s(&tm, &t);
#else
  localtime_r(&t, &tm);
#endif
  char buf[64];
  if (std::strftime(buf, sizeof buf, format, &tm) == 0) return "-";
  return buf;
}

}  // namespace memview::gui
