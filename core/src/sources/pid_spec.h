// The target part of a "pid:" spec, shared by the Linux and Windows process backends:
//   PID | PID@ADDR+LEN | PID@ADDR-END | PID:REGION
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "memview/result.h"
#include "memview/source.h"

namespace memview::detail {

struct PidTarget {
  uint32_t pid = 0;
  enum class Mode { whole, range, region } mode = Mode::whole;
  ByteRange range;     // Mode::range
  std::string region;  // Mode::region: [heap], [stack], a path or part of one, an address

  // Canonical text ("1234", "1234@0x1000+0x40", "1234:[heap]").
  std::string text() const;
};

Result<PidTarget> parse_pid_target(std::string_view text);

// parse_pid_target + text(): the backends' SourceBackend::parse.
Result<std::string> canonical_pid_target(std::string_view text);

}  // namespace memview::detail
