// The target part of a "pid:" spec, shared by the Linux and Windows process backends:
//   PID | PID@ADDR+LEN | PID@ADDR-END | PID:REGION
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "memview/result.h"
#include "memview/source.h"

namespace memview {
struct MapRegion;
}

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

// The span of a PID:REGION target in the process's maps (sorted by address): REGION is an
// address (the mapping holding it), or a path or unique part of one (every mapping of that
// path, e.g. all of a library's segments). Errors name the candidates when ambiguous.
Result<ByteRange> resolve_pid_region(const std::vector<MapRegion>& maps, const std::string& region,
                                     uint64_t pid);

}  // namespace memview::detail
