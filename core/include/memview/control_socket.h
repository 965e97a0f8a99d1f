// A running viewer's control socket: lets a debugger session (app/gdb/memview.py) or any
// tool ask a viewer that already shows a process to open another range of it, instead of
// starting a second window.
//
// Where: one Unix stream socket per debugged process, control_socket_path(PID) =
//   $XDG_RUNTIME_DIR/memview/pid-PID.sock   (or /tmp/memview-UID/pid-PID.sock)
// The directory is created 0700 and must belong to the user; connections from other users
// (SO_PEERCRED) are refused.
//
// Protocol: newline-delimited JSON, one request per line, one answer line per request.
//   -> {"open": "pid:1234@0x601040+0x48", "layout": "/path/g_state.layout.json",
//       "title": "g_state"}
//   <- {"ok": true}   or   {"ok": false, "error": "why"}
//   -> {"ping": true}
//   <- {"ok": true, "pid": VIEWER_PID}
// "open" is a source spec (required); "layout" an optional path to a layout JSON file
// (memview::layout_to_json, LayoutJson::full) to overlay at the start of the opened range;
// "title" an optional display name. Each is a JSON string, or {"hex": ...} for bytes that
// are not UTF-8 (memview/json_bytes.h). "ok" means the viewer opened the spec and read the
// layout; otherwise "error" says why (no such object, no such layout file, ...). Malformed
// requests are answered by the server itself and never reach the viewer.
//
// Thread-safety: a ControlServer is used by one thread (the GUI's frame loop).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "memview/result.h"

namespace memview {

struct ControlRequest {
  std::string open;    // source spec
  std::string layout;  // layout JSON path, may be empty
  std::string title;   // may be empty
  uint64_t id = 0;     // from poll(): pass it to ControlServer::answer()
};

class ControlServer {
 public:
  // Listens at `path`, creating its directory (0700). Errc::exists when a live viewer
  // already listens there; a stale socket file (nobody listening) is replaced.
  static Result<std::unique_ptr<ControlServer>> listen(const std::string& path);
  // Stops listening and removes the socket file (unless another viewer replaced it).
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // Never blocks: accepts waiting clients, reads what they sent, answers malformed lines
  // and pings at once and returns the valid requests in arrival order, for the caller to
  // carry out and answer(). Costs one poll() syscall when nothing happened: call it once
  // per frame. Idle clients are dropped after 10 s; at most 16 clients at once; a line
  // longer than 64 KiB is refused and its client dropped.
  std::vector<ControlRequest> poll();

  // Answers the request `id` (from poll()) with ok or the error. Its client waits for the
  // answer (send_control_request: 2 s by default), so answer within the frame. A client's
  // answers go out in the order of its requests; an id whose client hung up is ignored.
  // Never blocks.
  void answer(uint64_t id, const Status& result);

  const std::string& path() const { return path_; }

 private:
  ControlServer() = default;
  struct Client;
  int fd_ = -1;
  std::string path_;
  uint64_t inode_ = 0;  // of the socket file we created (removal check)
  uint64_t next_id_ = 1;
  std::vector<std::unique_ptr<Client>> clients_;
};

// $XDG_RUNTIME_DIR/memview, or /tmp/memview-UID without XDG_RUNTIME_DIR.
std::string control_socket_dir();
// control_socket_dir() + "/pid-PID.sock".
std::string control_socket_path(int64_t target_pid);
// The process id of a "pid:PID..." spec (after parsing), nullopt for other specs.
std::optional<int64_t> control_target_pid(std::string_view spec);

// Client side (tests, tools): connects, sends one request, waits for the answer line.
// Errc::not_found when no viewer listens at path; the viewer's error otherwise.
Status send_control_request(const std::string& path, const ControlRequest& request,
                            int timeout_ms = 2000);

}  // namespace memview
