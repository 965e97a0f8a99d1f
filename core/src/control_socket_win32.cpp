// The viewer's control socket on Windows: not available (it is a Unix-domain socket with
// SO_PEERCRED checks, see control_socket.h). listen() and send_control_request() say so;
// the socket path helpers return placeholders. control_target_pid is control_target.cpp.
#if defined(_WIN32)

#include <fmt/format.h>

#include "memview/control_socket.h"

namespace memview {

struct ControlServer::Client {};

std::string control_socket_dir() {
  return {};
}

std::string control_socket_path(int64_t target_pid) {
  return fmt::format("pid-{}", target_pid);
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
