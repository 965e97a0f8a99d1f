// control_target_pid: which process's viewer a spec belongs to (control_socket.h). The
// same on every platform; the socket itself is control_socket.cpp / _win32.cpp.
#include <optional>
#include <string>

#include "memview/control_socket.h"
#include "memview/source_spec.h"

namespace memview {

std::optional<int64_t> control_target_pid(std::string_view spec) {
  Result<SourceSpec> parsed = parse_source_spec(spec);
  if (!parsed || parsed->scheme != "pid") return std::nullopt;
  const std::string& t = parsed->target;
  size_t digits = 0;
  while (digits < t.size() && t[digits] >= '0' && t[digits] <= '9') ++digits;
  if (digits == 0 || digits > 10) return std::nullopt;
  return std::stoll(t.substr(0, digits));
}

}  // namespace memview
