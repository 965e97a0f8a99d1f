// The Open view and the App around it: opening by typed spec, completion, errors shown in
// the view, nothing created by accident, recent sources remembered, several tabs, the demo.
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>

#include "gui_test_support.h"

namespace memview::gui::testing {
namespace {

bool shm_exists(const std::string& name) {
  struct stat st;
  return stat(("/dev/shm/" + name).c_str(), &st) == 0;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(OpenView, TypedSpecAndEnterOpensATab) {
  ShmObject obj(4096, "open");
  ASSERT_TRUE(obj.ok());
  AppHarness h;
  h.frames(2);
  EXPECT_EQ(h.app.active_id, 0) << "no argument: the Open view";
  h.type(obj.spec());
  h.tap(GLFW_KEY_ENTER);
  h.frames(2);
  ASSERT_EQ(h.app.sessions.size(), 1u) << h.app.open_view.error;
  ASSERT_NE(h.app.active_session(), nullptr);
  EXPECT_EQ(h.session().info().spec, "shm:/" + obj.name());
  EXPECT_TRUE(h.app.open_view.error.empty());
  // Remembered under the XDG config directory.
  h.app.save_settings_if_dirty();
  const std::string json = read_file(h.config.path() + "/memview/settings.json");
  EXPECT_NE(json.find(obj.spec()), std::string::npos) << json;
}

TEST(OpenView, AMissingObjectShowsWhyAndCreatesNothing) {
  AppHarness h;
  h.frames(2);
  const std::string name = unique_name("missing");
  h.type(name);
  h.tap(GLFW_KEY_ENTER);
  h.frames(2);
  EXPECT_TRUE(h.app.sessions.empty());
  EXPECT_NE(h.app.open_view.error.find(name), std::string::npos) << h.app.open_view.error;
  EXPECT_FALSE(shm_exists(name)) << "opening must never create the object";
  EXPECT_EQ(h.app.active_id, 0);

  h.app.open_view.spec_text.clear();
  h.frame();
  h.type("bad/name");
  h.tap(GLFW_KEY_ENTER);
  h.frames(2);
  EXPECT_TRUE(h.app.sessions.empty());
  EXPECT_FALSE(h.app.open_view.error.empty());

  h.app.open_view.spec_text.clear();
  h.frame();
  h.type("nosuchscheme:abc");
  h.tap(GLFW_KEY_ENTER);
  h.frames(2);
  EXPECT_TRUE(h.app.sessions.empty());
  EXPECT_FALSE(h.app.open_view.error.empty());
}

TEST(OpenView, TabCompletesFromDiscoveryAndTheTableIsLive) {
  AppHarness h;
  h.frames(2);
  ShmObject obj(12345, "complete");  // created after the view started: the table is live
  ASSERT_TRUE(obj.ok());
  h.now += 2'000'000'000;  // past the rediscovery interval
  ASSERT_TRUE(frames_until_listed(h, "shm:/" + obj.name())) << "listed again by the worker";
  bool listed = false;
  for (const DiscoveredObject& o : h.app.open_view.objects) {
    if (o.name.find(obj.name()) != std::string::npos) {
      listed = true;
      EXPECT_EQ(o.size, 12345u);
    }
  }
  EXPECT_TRUE(listed);
  // Type a unique part of the name, Tab completes it to the full spec.
  h.type(obj.name().substr(0, obj.name().size() - 1));
  h.tap(GLFW_KEY_TAB);
  h.frames(2);
  EXPECT_EQ(h.app.open_view.spec_text, "shm:/" + obj.name());
  h.tap(GLFW_KEY_ENTER);
  h.frames(2);
  ASSERT_EQ(h.app.sessions.size(), 1u) << h.app.open_view.error;
}

TEST(OpenView, CompletionHelpers) {
  std::vector<DiscoveredObject> objs(3);
  objs[0].spec = "shm:/alpha-one";
  objs[0].name = "/alpha-one";
  objs[1].spec = "shm:/alpha-two";
  objs[1].name = "/alpha-two";
  objs[2].spec = "sysv:42";
  objs[2].name = "key 0x1234";
  auto c = complete_spec("shm:/al", objs, {});
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(apply_completion("shm:/al", c), "shm:/alpha-");
  c = complete_spec("two", objs, {"file:/tmp/two.bin"});
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(apply_completion("two", c), "file:/tmp/two.bin");
  EXPECT_EQ(complete_spec("zzz", objs, {}).size(), 0u);
  EXPECT_EQ(apply_completion("zzz", {}), "zzz");
}

TEST(App, SeveralSourcesOpenAsTabs) {
  ShmObject a(4096, "tab-a"), b(8192, "tab-b");
  ASSERT_TRUE(a.ok() && b.ok());
  AppHarness h;
  ASSERT_TRUE(h.app.open(a.spec()).ok());
  ASSERT_TRUE(h.app.open(b.spec()).ok());
  h.frames(3);
  ASSERT_EQ(h.app.sessions.size(), 2u);
  EXPECT_EQ(h.session().info().size, 8192u) << "the newest tab is shown";
  // Opening the same object again selects its tab instead of a second editor.
  ASSERT_TRUE(h.app.open(a.spec()).ok());
  h.frames(2);
  EXPECT_EQ(h.app.sessions.size(), 2u);
  EXPECT_EQ(h.session().info().size, 4096u);
  // Edits go to the shown tab's object only.
  h.type("42");
  EXPECT_EQ(peer_read_hex(a.name(), 0, 1), "42");
  EXPECT_EQ(peer_read_hex(b.name(), 0, 1), "00");
  h.ctrl(GLFW_KEY_O);
  h.frames(2);
  EXPECT_EQ(h.app.active_id, 0);
  h.ctrl(GLFW_KEY_W);  // nothing to close on the Open tab
  EXPECT_EQ(h.app.sessions.size(), 2u);
}

TEST(App, RemovalAndResizeShowABannerAndTheViewerKeepsRunning) {
  ShmObject obj(4096, "banner");
  ASSERT_TRUE(obj.ok());
  obj.bytes()[0] = 0x99;
  AppHarness h;
  ASSERT_TRUE(h.app.open(obj.spec()).ok());
  h.frames(3);
  EXPECT_FALSE(h.session().banner.visible);

  ASSERT_TRUE(obj.truncate(8192));
  h.frames(2);
  EXPECT_TRUE(h.session().banner.visible);
  EXPECT_FALSE(h.session().banner.gone);
  EXPECT_EQ(h.session().info().size, 8192u);
  h.ctrl(GLFW_KEY_END);
  EXPECT_EQ(h.hex().cursor, 8191u) << "the grid follows the new size";

  ASSERT_TRUE(obj.unlink());
  h.frames(2);
  EXPECT_TRUE(h.session().banner.visible);
  EXPECT_TRUE(h.session().banner.gone);
  EXPECT_TRUE(h.session().poller->source_gone());
  // Still showing what it last read.
  EXPECT_EQ(h.session().poller->tracker().value(0), std::byte{0x99});
  const std::vector<std::string> fields = [&] {
    StatusBarInput in;
    in.info = &h.session().info();
    in.hex = &h.hex();
    in.gone = h.session().poller->source_gone();
    in.gone_kind = h.session().banner.kind;
    return status_fields(in);
  }();
  EXPECT_NE(std::find(fields.begin(), fields.end(), "removed"), fields.end());

  // Reopen fails while the name is gone, and says why.
  Status st = h.session().reopen();
  EXPECT_FALSE(st.ok());
  h.frames(2);
}

TEST(App, ReopenAfterTheOwnerRecreatesTheObject) {
  auto obj = std::make_unique<ShmObject>(4096, "reopen");
  ASSERT_TRUE(obj->ok());
  AppHarness h;
  ASSERT_TRUE(h.app.open(obj->spec()).ok());
  h.frames(3);
  h.type("ab");
  const std::string name = obj->name();
  ASSERT_TRUE(obj->unlink());
  h.frames(2);
  ASSERT_TRUE(h.session().banner.gone);
  // The owner creates a new object under the same name.
  const int fd = shm_open(("/" + name).c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(ftruncate(fd, 2048), 0);
  close(fd);
  ASSERT_TRUE(h.session().reopen().ok());
  h.frames(2);
  EXPECT_FALSE(h.session().banner.visible);
  EXPECT_EQ(h.session().info().size, 2048u);
  EXPECT_FALSE(h.session().editor->can_undo()) << "the journal of the old object is dropped";
  EXPECT_EQ(h.hex().cursor, 1u);
  shm_unlink(("/" + name).c_str());
}

TEST(App, DemoStartsAProducerAndShowsLiveChanges) {
  AppHarness h;
  DemoOptions opt;
  opt.name = unique_name("demo");
  ASSERT_TRUE(h.app.start_demo(opt).ok()) << h.app.open_view.error;
  h.frames(2);
  ASSERT_NE(h.app.active_session(), nullptr);
  EXPECT_TRUE(shm_exists(opt.name));
  // Real time must pass for the producer thread to write.
  int highlighted = 0;
  for (int i = 0; i < 60 && highlighted == 0; ++i) {
    usleep(20000);
    h.now = memview::now_ns();
    h.frame();
    highlighted = h.hex().highlighted_bytes;
  }
  EXPECT_GT(highlighted, 0) << "the demo's changes glow";
  EXPECT_GT(h.session().poller->changes_per_second(h.now), 0.0);
  h.app.sessions.clear();
  h.app.demo.reset();
  EXPECT_FALSE(shm_exists(opt.name)) << "the demo object is removed when the demo stops";
}

}  // namespace
}  // namespace memview::gui::testing

namespace memview::gui::testing {
namespace {

TEST(Settings, ThemeRowWidthFadeAndRecentSurviveARestart) {
  TempDir dir;
  const std::string cfg = dir.path() + "/memview";
  {
    HeadlessImGui imgui;
    AppOptions o;
    o.config_dir = cfg;
    App app(o);
    app.set_theme(Theme::light);
    app.settings.bytes_per_row = 32;
    app.settings.fade_seconds = 2.5f;
    app.settings.remember("shm:/a");
    app.settings.remember("file:/tmp/b");
    app.settings.remember("shm:/a");  // moves to the front, no duplicate
    imgui.frame([&] { app.frame(memview::now_ns()); });
  }  // saved on exit
  AppOptions o;
  o.config_dir = cfg;
  App again(o);
  EXPECT_EQ(again.settings.theme, Theme::light);
  EXPECT_EQ(again.settings.bytes_per_row, 32);
  EXPECT_FLOAT_EQ(again.settings.fade_seconds, 2.5f);
  ASSERT_EQ(again.settings.recent.size(), 2u);
  EXPECT_EQ(again.settings.recent[0], "shm:/a");
  EXPECT_EQ(again.settings.recent[1], "file:/tmp/b");
  EXPECT_TRUE(again.settings_error.empty()) << again.settings_error;
}

TEST(Settings, AMalformedFileGivesDefaultsAndSaysSo) {
  TempDir dir;
  const std::string cfg = dir.path() + "/memview";
  std::filesystem::create_directories(cfg);
  { std::ofstream(cfg + "/settings.json") << "{ this is not json"; }
  AppOptions o;
  o.config_dir = cfg;
  App app(o);
  EXPECT_EQ(app.settings.bytes_per_row, 16);
  EXPECT_NE(app.settings_error.find("malformed"), std::string::npos) << app.settings_error;
}

// Sets (value) or unsets (nullptr) an environment variable until the end of the scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      setenv(name, value, 1);
    } else {
      unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(Settings, ConfigDirFollowsXdgAndNeverTheWorkingDirectory) {
  ScopedEnv xdg("XDG_CONFIG_HOME", "/tmp/xdg-test");
  ScopedEnv home("HOME", "/tmp/home-test");
  EXPECT_EQ(config_dir(), "/tmp/xdg-test/memview");
  setenv("XDG_CONFIG_HOME", "relative/dir", 1);  // invalid per the XDG spec: ignored
  EXPECT_EQ(config_dir(), "/tmp/home-test/.config/memview");
  unsetenv("XDG_CONFIG_HOME");
  EXPECT_EQ(config_dir(), "/tmp/home-test/.config/memview");
  unsetenv("HOME");
  EXPECT_EQ(config_dir(), "");  // neither: no directory, never the working directory
}

}  // namespace
}  // namespace memview::gui::testing
