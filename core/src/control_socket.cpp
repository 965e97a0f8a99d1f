// The viewer's control socket (see control_socket.h for the protocol).
// Windows: control_socket_win32.cpp.
#if !defined(_WIN32)
#include "memview/control_socket.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "memview/json_bytes.h"
#include "memview/source_spec.h"

namespace memview {

namespace {

constexpr size_t kMaxClients = 16;
constexpr size_t kMaxLine = size_t{64} * 1024;
constexpr int64_t kIdleNs = 10'000'000'000;

int64_t mono_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Result<sockaddr_un> unix_address(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(addr.sun_path)) {
    return make_error(Errc::invalid_argument,
                      fmt::format("control socket path '{}' is empty or longer than {} bytes", path,
                                  sizeof(addr.sun_path) - 1));
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return addr;
}

// Creates dir (0700) or checks that an existing one is ours and private.
Status ensure_private_dir(const std::string& dir) {
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return make_error(Errc::io, fmt::format("cannot create {}: {}", dir, std::strerror(errno)));
  }
  struct stat st {};
  if (lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return make_error(Errc::io, fmt::format("{} is not a directory", dir));
  }
  if (st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
    return make_error(Errc::permission,
                      fmt::format("{} must belong to this user and be private (mode 0700)", dir));
  }
  return {};
}

std::string answer_line(bool ok, const std::string& error = {}) {
  nlohmann::json j;
  j["ok"] = ok;
  if (!ok) j["error"] = json_message(error);  // quotes names: any bytes, one line
  return json_dump(j) + "\n";
}

}  // namespace

struct ControlServer::Client {
  // One entry per request line, in order: its answer once known (id 0: answered at once).
  struct Pending {
    uint64_t id = 0;
    std::optional<std::string> line;
  };
  int fd = -1;
  std::string buffer;
  std::deque<Pending> pending;
  int64_t last_ns = 0;
  bool dead = false;
  ~Client() {
    if (fd >= 0) close(fd);
  }
  void send_line(const std::string& line) {
    // Answers are tiny; a client that does not read them is dropped rather than waited for.
    const ssize_t n = send(fd, line.data(), line.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n != static_cast<ssize_t>(line.size())) dead = true;
  }
  void queue_answer(std::string line) {
    pending.push_back({0, std::move(line)});
    flush();
  }
  // Sends the answers that are known, in request order.
  void flush() {
    while (!pending.empty() && pending.front().line && !dead) {
      send_line(*pending.front().line);
      pending.pop_front();
    }
  }
};

std::string control_socket_dir() {
  const char* runtime = std::getenv("XDG_RUNTIME_DIR");
  if (runtime && *runtime == '/') return std::string(runtime) + "/memview";
  return fmt::format("/tmp/memview-{}", geteuid());
}

std::string control_socket_path(int64_t target_pid) {
  return fmt::format("{}/pid-{}.sock", control_socket_dir(), target_pid);
}

Result<std::unique_ptr<ControlServer>> ControlServer::listen(const std::string& path) {
  Result<sockaddr_un> addr = unix_address(path);
  if (!addr) return addr.error();
  const size_t slash = path.rfind('/');
  if (slash != std::string::npos && slash > 0) {
    if (Status s = ensure_private_dir(path.substr(0, slash)); !s) return s.error();
  }
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return make_error(Errc::io, fmt::format("socket: {}", std::strerror(errno)));
  if (bind(fd, reinterpret_cast<const sockaddr*>(&addr.value()), sizeof(sockaddr_un)) != 0) {
    if (errno != EADDRINUSE) {
      const int err = errno;
      close(fd);
      return make_error(Errc::io, fmt::format("cannot bind {}: {}", path, std::strerror(err)));
    }
    // Someone's socket file: alive if it accepts a connection, else stale.
    const int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const bool alive =
        probe >= 0 &&
        connect(probe, reinterpret_cast<const sockaddr*>(&addr.value()), sizeof(sockaddr_un)) == 0;
    if (probe >= 0) close(probe);
    if (alive) {
      close(fd);
      return make_error(Errc::exists, fmt::format("another viewer listens at {}", path));
    }
    unlink(path.c_str());
    if (bind(fd, reinterpret_cast<const sockaddr*>(&addr.value()), sizeof(sockaddr_un)) != 0) {
      const int err = errno;
      close(fd);
      return make_error(Errc::io, fmt::format("cannot bind {}: {}", path, std::strerror(err)));
    }
  }
  chmod(path.c_str(), 0600);
  if (::listen(fd, 8) != 0) {
    const int err = errno;
    close(fd);
    unlink(path.c_str());
    return make_error(Errc::io, fmt::format("cannot listen at {}: {}", path, std::strerror(err)));
  }
  struct stat st {};
  stat(path.c_str(), &st);
  auto server = std::unique_ptr<ControlServer>(new ControlServer());
  server->fd_ = fd;
  server->path_ = path;
  server->inode_ = st.st_ino;
  return server;
}

ControlServer::~ControlServer() {
  clients_.clear();
  if (fd_ >= 0) close(fd_);
  struct stat st {};
  if (!path_.empty() && stat(path_.c_str(), &st) == 0 && st.st_ino == inode_) unlink(path_.c_str());
}

std::vector<ControlRequest> ControlServer::poll() {
  std::vector<ControlRequest> requests;
  std::vector<pollfd> fds;
  fds.push_back({fd_, POLLIN, 0});
  for (const auto& c : clients_) fds.push_back({c->fd, POLLIN, 0});
  if (::poll(fds.data(), fds.size(), 0) <= 0 && clients_.empty()) return requests;
  const int64_t now = mono_ns();

  if (fds[0].revents & POLLIN) {
    for (;;) {
      const int cfd = accept4(fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (cfd < 0) break;
      ucred cred{};
      socklen_t len = sizeof cred;
      if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 ||
          (cred.uid != geteuid() && cred.uid != 0) || clients_.size() >= kMaxClients) {
        const std::string no = answer_line(false, clients_.size() >= kMaxClients
                                                      ? "too many clients"
                                                      : "connections from other users are refused");
        (void)!send(cfd, no.data(), no.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        close(cfd);
        continue;
      }
      auto c = std::make_unique<Client>();
      c->fd = cfd;
      c->last_ns = now;
      clients_.push_back(std::move(c));
    }
  }

  for (auto& c : clients_) {
    char buf[4096];
    for (;;) {
      const ssize_t n = recv(c->fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n > 0) {
        c->buffer.append(buf, static_cast<size_t>(n));
        c->last_ns = now;
        if (c->buffer.size() > kMaxLine && c->buffer.find('\n') == std::string::npos) {
          c->send_line(answer_line(false, "request line longer than 64 KiB"));
          c->dead = true;
          break;
        }
        continue;
      }
      if (n == 0) c->dead = true;  // the client hung up (answers to it are moot)
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) c->dead = true;
      break;
    }
    size_t nl;
    while ((nl = c->buffer.find('\n')) != std::string::npos) {
      const std::string line = c->buffer.substr(0, nl);
      c->buffer.erase(0, nl + 1);
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      const nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (!j.is_object()) {
        c->queue_answer(answer_line(false, "expected one JSON object per line"));
        continue;
      }
      if (j.contains("ping")) {
        nlohmann::json pong;
        pong["ok"] = true;
        pong["pid"] = static_cast<int64_t>(getpid());
        c->queue_answer(json_dump(pong) + "\n");
        continue;
      }
      std::string bad;
      auto text = [&](const char* key) {
        if (!j.contains(key)) return std::string();
        Result<std::string> b = bytes_from_json(j[key], fmt::format("\"{}\"", key));
        if (!b && bad.empty()) bad = b.error().message;
        return b ? *b : std::string();
      };
      ControlRequest request{text("open"), text("layout"), text("title")};
      if (!bad.empty()) {
        c->queue_answer(answer_line(false, bad));
        continue;
      }
      if (request.open.empty()) {
        c->queue_answer(answer_line(false, "missing \"open\": a source spec"));
        continue;
      }
      if (Result<SourceSpec> spec = parse_source_spec(request.open); !spec) {
        c->queue_answer(answer_line(false, spec.error().message));
        continue;
      }
      // Answered by the caller once it has opened the spec (answer()).
      request.id = next_id_++;
      c->pending.push_back({request.id, std::nullopt});
      requests.push_back(std::move(request));
    }
    if (now - c->last_ns > kIdleNs) c->dead = true;
  }
  std::erase_if(clients_, [](const std::unique_ptr<Client>& c) { return c->dead; });
  return requests;
}

void ControlServer::answer(uint64_t id, const Status& result) {
  for (auto& c : clients_) {
    for (Client::Pending& p : c->pending) {
      if (p.id != id) continue;
      p.line = result ? answer_line(true) : answer_line(false, result.error().message);
      c->flush();
      return;
    }
  }
}

Status send_control_request(const std::string& path, const ControlRequest& request,
                            int timeout_ms) {
  Result<sockaddr_un> addr = unix_address(path);
  if (!addr) return addr.error();
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return make_error(Errc::io, fmt::format("socket: {}", std::strerror(errno)));
  if (connect(fd, reinterpret_cast<const sockaddr*>(&addr.value()), sizeof(sockaddr_un)) != 0) {
    const int err = errno;
    close(fd);
    return make_error(err == ENOENT || err == ECONNREFUSED ? Errc::not_found : Errc::io,
                      fmt::format("no viewer listens at {}: {}", path, std::strerror(err)));
  }
  nlohmann::json j;
  j["open"] = json_from_bytes(request.open);
  if (!request.layout.empty()) j["layout"] = json_from_bytes(request.layout);
  if (!request.title.empty()) j["title"] = json_from_bytes(request.title);
  const std::string line = json_dump(j) + "\n";
  if (send(fd, line.data(), line.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(line.size())) {
    close(fd);
    return make_error(Errc::io, fmt::format("cannot send to {}", path));
  }
  std::string reply;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (reply.find('\n') == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    pollfd p{fd, POLLIN, 0};
    if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) {
      close(fd);
      return make_error(
          Errc::io, fmt::format("the viewer at {} did not answer within {} ms", path, timeout_ms));
    }
    char buf[1024];
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      close(fd);
      return make_error(Errc::io, fmt::format("the viewer at {} hung up", path));
    }
    reply.append(buf, static_cast<size_t>(n));
    if (reply.size() > kMaxLine) break;
  }
  close(fd);
  const nlohmann::json r = nlohmann::json::parse(reply.substr(0, reply.find('\n')), nullptr, false);
  if (!r.is_object() || !r.contains("ok") || !r["ok"].is_boolean()) {
    return make_error(Errc::io, "malformed answer from the viewer");
  }
  if (!r["ok"].get<bool>()) {
    return make_error(Errc::invalid_argument, r.contains("error") && r["error"].is_string()
                                                  ? r["error"].get<std::string>()
                                                  : std::string("the viewer refused the request"));
  }
  return {};
}

}  // namespace memview

#endif
