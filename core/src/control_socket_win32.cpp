// The viewer's control socket on Windows: not available (it is a Unix-domain socket with
// SO_PEERCRED checks, see control_socket.h). listen() and send_control_request() say so;
// the spec helpers work as on Linux.
#if defined(_WIN32)

#include <fmt/format.h>

#include "memview/control_socket.h"
#include "memview/source_spec.h"

namespace memview {

struct ControlServer::Client {};

std::string control_socket_dir() {
  return {};
}

std::string control_socket_path(int64_t target_pid) {
  return fmt::format("pid-{}", target_pid);
}

std::optional<int64_t> control_target_pid(std::string_view spec) {
  Result<SourceSpec> parsed = parse_source_spec(spec);
  if (!parsed || parsed->scheme != "pid") return std::nullopt;
  const std::string& t = parsed->target;
  size_t digits = 0;
  while (digits < t.size() && t[digits] >= '0' && t[digits] <= '9') ++digits;
  if (digits == 0 || digits > 10) return std::nullopt;
  return std::stoll(t.substr(0, digits));
}

Result<std::unique_ptr<ControlServer>> ControlServer::listen(const std::string&) {
  return make_error(Errc::unsupported, "the viewer control socket is not available on Windows");
}

ControlServer::~ControlServer() = default;

std::vector<ControlRequest> ControlServer::poll() {
  return {};
}

void ControlServer::answer(uint64_t, const Status&) {}

Status send_control_request(const std::string&, const ControlRequest&, int) {
  return make_error(Errc::unsupported, "the viewer control socket is not available on Windows");
}

}  // namespace memview

#endif
