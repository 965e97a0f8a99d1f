// The viewer under things that go wrong around it: control requests for objects or layout
// files that do not exist are answered with the error and shown; an unsafe control socket
// directory is said once; a frame that throws does not end the viewer; files it is handed
// that are not regular files are refused with a clear message.
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>
#include <imgui.h>

#include "frame_guard.h"
#include "gui_test_support.h"
#include "memview/control_socket.h"

namespace memview::gui::testing {
namespace {

// Points XDG_RUNTIME_DIR (where control sockets live) at a private directory for a test.
class RuntimeDir {
 public:
  RuntimeDir() {
    const char* old = std::getenv("XDG_RUNTIME_DIR");
    had_ = old != nullptr;
    if (old) saved_ = old;
    setenv("XDG_RUNTIME_DIR", dir_.path().c_str(), 1);
  }
  ~RuntimeDir() {
    if (had_) {
      setenv("XDG_RUNTIME_DIR", saved_.c_str(), 1);
    } else {
      unsetenv("XDG_RUNTIME_DIR");
    }
  }
  const std::string& path() const { return dir_.path(); }

 private:
  TempDir dir_;
  std::string saved_;
  bool had_ = false;
};

// Sends a request from a thread while the viewer runs frames; returns the answer.
Status request(AppHarness& h, const ControlRequest& req) {
  Status answer = make_error(Errc::io, "no answer");
  std::atomic<bool> done{false};
  std::thread client([&] {
    answer = send_control_request(control_socket_path(getpid()), req, 5000);
    done = true;
  });
  for (int i = 0; i < 600 && !done; ++i) {
    h.frame();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  client.join();
  return answer;
}

bool status_shows(AppHarness& h, const std::string& text) {
  StatusBarInput in;
  in.notice = h.app.notice;
  for (const std::string& f : status_fields(in)) {
    if (f.find(text) != std::string::npos) return true;
  }
  return false;
}

TEST(AppReliability, ControlRequestsAreAnsweredWithTheirOutcome) {
  RuntimeDir runtime;
  AppHarness h;
  ASSERT_TRUE(h.app.open(fmt::format("pid:{}", getpid())).ok()) << h.app.open_view.error;
  h.frames(2);
  ASSERT_EQ(h.app.control_servers.count(getpid()), 1u) << h.app.control_error;

  const std::string missing = unique_name("no-such-object");
  ControlRequest req;
  req.open = "shm:/" + missing;
  Status answer = request(h, req);
  ASSERT_FALSE(answer.ok()) << "a spec that does not exist was answered ok";
  EXPECT_NE(answer.error().message.find(missing), std::string::npos) << answer.error().message;
  EXPECT_TRUE(status_shows(h, missing)) << h.app.notice;

  // A layout file that is not there: the range opens, the answer says what is missing.
  ShmObject obj(256, "ctl");
  ASSERT_TRUE(obj.ok());
  req.open = obj.spec();
  req.layout = runtime.path() + "/missing.layout.json";
  answer = request(h, req);
  ASSERT_FALSE(answer.ok()) << "a layout path that does not exist was answered ok";
  EXPECT_NE(answer.error().message.find("missing.layout.json: no such file"), std::string::npos)
      << answer.error().message;
  EXPECT_TRUE(status_shows(h, "missing.layout.json")) << h.app.notice;

  // Not a regular file: said as such, never read.
  req.layout = "/dev/zero";
  answer = request(h, req);
  ASSERT_FALSE(answer.ok());
  EXPECT_NE(answer.error().message.find("character device"), std::string::npos)
      << answer.error().message;

  req.layout.clear();
  EXPECT_TRUE(request(h, req).ok());
  h.app.control_servers.clear();
}

TEST(AppReliability, AnUnsafeControlSocketDirectoryIsSaidOnce) {
  RuntimeDir runtime;
  const std::string dir = runtime.path() + "/memview";
  ASSERT_EQ(mkdir(dir.c_str(), 0777), 0);
  ASSERT_EQ(chmod(dir.c_str(), 0777), 0);  // whatever the umask
  AppHarness h;
  ASSERT_TRUE(h.app.open(fmt::format("pid:{}", getpid())).ok());
  h.frames(2);
  EXPECT_TRUE(h.app.control_servers.empty());
  EXPECT_TRUE(status_shows(h, "must belong to this user and be private")) << h.app.notice;
  // Another pid: tab does not say it again.
  h.app.notice.clear();
  ASSERT_TRUE(h.app.open(fmt::format("pid:{}:[stack]", getpid())).ok()) << h.app.open_view.error;
  h.frames(2);
  EXPECT_TRUE(h.app.notice.empty()) << h.app.notice;
}

TEST(AppReliability, AFrameThatThrowsIsClosedAndTheViewerGoesOn) {
  HeadlessImGui imgui;
  std::string failure;
  imgui.frame([&] {
    failure = run_frame_guarded([] {
      ImGui::Begin("outer");
      ImGui::BeginChild("child", ImVec2(100, 100));
      ImGui::PushID("id");
      ImGui::PushStyleColor(ImGuiCol_Text, 0xff00ff00u);
      if (ImGui::BeginTable("table", 2)) {
        ImGui::TableNextRow();
        throw std::runtime_error("invalid UTF-8 byte in a name");
      }
    });
  });
  EXPECT_EQ(failure, "invalid UTF-8 byte in a name");
  // The next frames are whole: ImGui's checks at the end of each frame pass.
  for (int i = 0; i < 3; ++i) {
    imgui.frame([&] {
      EXPECT_TRUE(run_frame_guarded([] {
                    ImGui::Begin("outer");
                    ImGui::TextUnformatted("fine");
                    ImGui::End();
                  }).empty());
    });
  }
  // And the App's own frame, under the guard, after a failure.
  AppHarness h;
  h.frames(3);
  EXPECT_TRUE(h.app.notice.empty()) << h.app.notice;
}

}  // namespace
}  // namespace memview::gui::testing
