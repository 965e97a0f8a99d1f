// The viewer's control socket: the server a GUI polls each frame and the client side.
#include "memview/control_socket.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <future>
#include <string>
#include <thread>

#include <gtest/gtest.h>

namespace memview {
namespace {

std::string temp_dir() {
  char tmpl[] = "/tmp/memview-control-test-XXXXXX";
  const char* d = mkdtemp(tmpl);
  return d ? d : "";
}

// Sends `request` from a thread while this thread polls the server like a GUI frame loop,
// which answers each request it receives with `verdict`.
Status exchange(ControlServer& server, const ControlRequest& request,
                std::vector<ControlRequest>& received, const Status& verdict = {}) {
  auto client = std::async(std::launch::async,
                           [&] { return send_control_request(server.path(), request, 3000); });
  auto frame = [&] {
    for (ControlRequest& r : server.poll()) {
      server.answer(r.id, verdict);
      received.push_back(std::move(r));
    }
  };
  while (client.wait_for(std::chrono::milliseconds(1)) != std::future_status::ready) frame();
  frame();
  return client.get();
}

// Sends raw bytes and returns the first answer line.
std::string raw_exchange(ControlServer& server, const std::string& bytes) {
  const int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strcpy(addr.sun_path, server.path().c_str());
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return "connect failed";
  (void)!write(fd, bytes.data(), bytes.size());
  std::string answer;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (answer.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    (void)server.poll();
    char buf[512];
    const ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) answer.append(buf, static_cast<size_t>(n));
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  close(fd);
  return answer.substr(0, answer.find('\n'));
}

TEST(ControlSocket, RequestsArriveAndAreAnswered) {
  const std::string dir = temp_dir();
  auto server = ControlServer::listen(dir + "/sub/pid-1.sock");
  ASSERT_TRUE(server.ok()) << server.error().message;
  struct stat st {};
  ASSERT_EQ(stat((dir + "/sub").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);

  std::vector<ControlRequest> got;
  Status s = exchange(**server, {"pid:1@0x1000+0x40", "/tmp/l.json", "g_state"}, got);
  ASSERT_TRUE(s.ok()) << s.error().message;
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].open, "pid:1@0x1000+0x40");
  EXPECT_EQ(got[0].layout, "/tmp/l.json");
  EXPECT_EQ(got[0].title, "g_state");

  // Bad requests get an answer saying why, and are not passed on.
  got.clear();
  s = exchange(**server, {"pid:abc", "", ""}, got);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("bad process spec"), std::string::npos) << s.error().message;
  EXPECT_TRUE(got.empty());
  EXPECT_NE(raw_exchange(**server, "not json\n").find("JSON object"), std::string::npos);
  EXPECT_NE(raw_exchange(**server, "{\"open\": 5}\n").find("must be a string"), std::string::npos);
  EXPECT_NE(raw_exchange(**server, "{\"layout\": \"x\"}\n").find("missing"), std::string::npos);
  EXPECT_NE(raw_exchange(**server, "{\"ping\": true}\n").find("\"pid\""), std::string::npos);
  EXPECT_NE(raw_exchange(**server, std::string(70000, 'x')).find("64 KiB"), std::string::npos);

  const std::string path = (*server)->path();
  server.value().reset();
  EXPECT_NE(access(path.c_str(), F_OK), 0) << "socket file left behind";
  std::system(("rm -rf " + dir).c_str());
}

TEST(ControlSocket, TheViewersErrorIsTheAnswer) {
  const std::string dir = temp_dir();
  auto server = ControlServer::listen(dir + "/pid-5.sock");
  ASSERT_TRUE(server.ok()) << server.error().message;
  std::vector<ControlRequest> got;
  // The viewer could not open it (or read the layout): the client hears why.
  Status s =
      exchange(**server, {"pid:5@0x10+4", "/no/such.layout.json", ""}, got,
               make_error(Errc::not_found, "layout file /no/such.layout.json: no such file"));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("no such file"), std::string::npos) << s.error().message;
  ASSERT_EQ(got.size(), 1u);
  // Names that are not UTF-8 travel as bytes, both ways.
  got.clear();
  const ControlRequest odd{"shm:/bad\xff\xfename", "/tmp/caf\xe9.json", "t\xff\n"};
  s = exchange(**server, odd, got, make_error(Errc::not_found, "no object '/bad\xff\xfename'"));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("bad\\xff\\xfename"), std::string::npos) << s.error().message;
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].open, odd.open);
  EXPECT_EQ(got[0].layout, odd.layout);
  EXPECT_EQ(got[0].title, odd.title);
  // Two requests on one connection are answered in order, whatever order the viewer
  // answers them in.
  const int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strcpy(addr.sun_path, (*server)->path().c_str());
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  const std::string two = "{\"open\": \"pid:5\"}\n{\"open\": \"pid:6\"}\n";
  ASSERT_EQ(write(fd, two.data(), two.size()), static_cast<ssize_t>(two.size()));
  std::vector<ControlRequest> both;
  for (int i = 0; i < 3000 && both.size() < 2; ++i) {
    for (ControlRequest& r : (*server)->poll()) both.push_back(std::move(r));
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_EQ(both.size(), 2u);
  (*server)->answer(both[1].id, make_error(Errc::io, "second"));
  (*server)->answer(both[0].id, {});
  std::string answers;
  for (int i = 0; i < 3000 && std::count(answers.begin(), answers.end(), '\n') < 2; ++i) {
    char buf[512];
    const ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) answers.append(buf, static_cast<size_t>(n));
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  close(fd);
  EXPECT_EQ(answers, "{\"ok\":true}\n{\"error\":\"second\",\"ok\":false}\n");
  server.value().reset();
  std::system(("rm -rf " + dir).c_str());
}

TEST(ControlSocket, OneViewerPerSocketAndStaleFilesAreReplaced) {
  const std::string dir = temp_dir();
  const std::string path = dir + "/pid-2.sock";
  auto first = ControlServer::listen(path);
  ASSERT_TRUE(first.ok());
  auto second = ControlServer::listen(path);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, Errc::exists);

  // A socket file nobody listens on (a viewer that crashed).
  const int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string stale = dir + "/pid-3.sock";
  std::strcpy(addr.sun_path, stale.c_str());
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  close(fd);
  EXPECT_EQ(send_control_request(stale, {"pid:3", "", ""}).error().code, Errc::not_found);
  auto replaced = ControlServer::listen(stale);
  ASSERT_TRUE(replaced.ok()) << replaced.error().message;
  std::vector<ControlRequest> got;
  EXPECT_TRUE(exchange(**replaced, {"pid:3", "", ""}, got).ok());
  EXPECT_EQ(got.size(), 1u);

  EXPECT_EQ(send_control_request(dir + "/nobody.sock", {"pid:3", "", ""}).error().code,
            Errc::not_found);
  EXPECT_FALSE(ControlServer::listen(dir + "/" + std::string(200, 'x')).ok());
  std::system(("rm -rf " + dir).c_str());
}

TEST(ControlSocket, PathsAndTargetPids) {
  const char* old = std::getenv("XDG_RUNTIME_DIR");
  const std::string saved = old ? old : "";
  setenv("XDG_RUNTIME_DIR", "/run/user/1234", 1);
  EXPECT_EQ(control_socket_path(42), "/run/user/1234/memview/pid-42.sock");
  unsetenv("XDG_RUNTIME_DIR");
  EXPECT_EQ(control_socket_dir(), "/tmp/memview-" + std::to_string(geteuid()));
  if (old) setenv("XDG_RUNTIME_DIR", saved.c_str(), 1);
  EXPECT_EQ(control_target_pid("pid:42@0x10+4"), 42);
  EXPECT_EQ(control_target_pid("pid:42:[heap]"), 42);
  EXPECT_FALSE(control_target_pid("shm:/x").has_value());
  EXPECT_FALSE(control_target_pid("pid:x").has_value());
}

TEST(ControlSocket, PollIsNonBlockingAndIdleClientsAreDropped) {
  const std::string dir = temp_dir();
  auto server = ControlServer::listen(dir + "/pid-4.sock");
  ASSERT_TRUE(server.ok());
  // A client that connects and says nothing does not make poll() wait.
  const int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strcpy(addr.sun_path, (*server)->path().c_str());
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 100; ++i) EXPECT_TRUE((*server)->poll().empty());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(500));
  close(fd);
  std::system(("rm -rf " + dir).c_str());
}

}  // namespace
}  // namespace memview
