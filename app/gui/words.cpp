#include "words.h"

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

}  // namespace memview::gui
