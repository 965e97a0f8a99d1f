// The viewer's end of the control socket, without a window: listens at the path given (or
// at control_socket_path(PID) for "--pid PID"), prints "listening PATH", then one JSON line
// per request received (and answers it ok), until it gets SIGTERM/SIGINT or `--count N`
// requests arrived.
// Used by the gdb extension's tests in place of a running GUI: same core code, no display.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>

#include <nlohmann/json.hpp>

#include "memview/control_socket.h"
#include "memview/json_bytes.h"

namespace {
volatile sig_atomic_t g_stop = 0;
void on_signal(int) {
  g_stop = 1;
}
int run(int argc, char** argv) {
  std::string path;
  long count = -1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--pid") == 0)
      path = memview::control_socket_path(std::atol(argv[i + 1]));
    if (std::strcmp(argv[i], "--path") == 0) path = argv[i + 1];
    if (std::strcmp(argv[i], "--count") == 0) count = std::atol(argv[i + 1]);
  }
  if (path.empty()) {
    std::fprintf(stderr, "usage: control_listener --pid PID | --path PATH [--count N]\n");
    return 2;
  }
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  auto server = memview::ControlServer::listen(path);
  if (!server) {
    std::fprintf(stderr, "error: %s\n", server.error().message.c_str());
    return 1;
  }
  std::printf("listening %s\n", path.c_str());
  std::fflush(stdout);
  long seen = 0;
  while (!g_stop && (count < 0 || seen < count)) {
    for (const memview::ControlRequest& r : (*server)->poll()) {
      nlohmann::json j;
      j["open"] = memview::json_from_bytes(r.open);
      j["layout"] = memview::json_from_bytes(r.layout);
      j["title"] = memview::json_from_bytes(r.title);
      std::printf("%s\n", memview::json_dump(j).c_str());
      std::fflush(stdout);
      (*server)->answer(r.id, {});  // a viewer answers once it has opened the spec
      ++seen;
    }
    usleep(10000);  // a GUI polls once per frame; 100 Hz here
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "error: unknown exception\n");
  }
  return 1;
}
