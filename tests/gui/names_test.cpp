// Names are bytes in the viewer too: an object whose name is not UTF-8 (or holds a newline)
// is listed, opened, remembered in the recent list, saved in a workspace and opened again
// from it, and the settings and workspace files stay valid JSON that give back the exact
// bytes. Nothing throws out of a frame.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "gui_test_support.h"
#include "memview/text_bytes.h"

namespace memview::gui::testing {
namespace {

// A shm object whose name holds the given raw bytes after a unique prefix.
class OddShm {
 public:
  explicit OddShm(const std::string& tail) : name_(unique_name("odd") + tail) {
    const int fd = shm_open(("/" + name_).c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
    ok_ = fd >= 0 && ftruncate(fd, 4096) == 0;
    if (fd >= 0) close(fd);
  }
  ~OddShm() { shm_unlink(("/" + name_).c_str()); }
  bool ok() const { return ok_; }
  std::string spec() const { return "shm:/" + name_; }

 private:
  std::string name_;
  bool ok_ = false;
};

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(Names, NonUtf8SpecsAreListedOpenedAndRememberedExactly) {
  OddShm bad("-bad\xff\xfename");
  OddShm newline("-new\nline");
  ASSERT_TRUE(bad.ok() && newline.ok());
  AppHarness h;
  // The Open view lists (and draws) both names.
  EXPECT_TRUE(frames_until_listed(h, bad.spec()));
  EXPECT_TRUE(frames_until_listed(h, newline.spec()));
  // What a click on the table row does: open that spec.
  ASSERT_TRUE(h.app.open(bad.spec()).ok()) << h.app.open_view.error;
  ASSERT_TRUE(h.app.open(newline.spec()).ok()) << h.app.open_view.error;
  h.frames(3);
  h.app.save_settings_if_dirty();
  EXPECT_TRUE(h.app.settings_error.empty()) << h.app.settings_error;
  const std::string text = read_text(h.config.path() + "/memview/settings.json");
  ASSERT_TRUE(is_valid_utf8(text));
  ASSERT_TRUE(nlohmann::json::accept(text)) << text;

  AppOptions o;
  o.config_dir = h.config.path() + "/memview";
  App again(o);
  EXPECT_TRUE(again.settings_error.empty()) << again.settings_error;
  ASSERT_GE(again.settings.recent.size(), 2u);
  EXPECT_EQ(again.settings.recent[0], newline.spec());
  EXPECT_EQ(again.settings.recent[1], bad.spec());
}

TEST(Names, EveryTabNamesItsWholeSourceWhenHoveredShownOrNot) {
  ShmObject first(4096, "tab-first-with-a-long-name");
  ShmObject second(4096, "tab-second");
  ASSERT_TRUE(first.ok() && second.ok());
  AppHarness h;
  ASSERT_TRUE(h.app.open(first.spec()).ok()) << h.app.open_view.error;
  ASSERT_TRUE(h.app.open(second.spec()).ok()) << h.app.open_view.error;
  h.frames(3);
  ASSERT_EQ(h.app.sessions.size(), 2u);
  ASSERT_EQ(h.app.active_id, h.app.sessions[1]->id) << "the tab opened last is shown";
  for (const auto& s : h.app.sessions) {
    ASSERT_TRUE(s->tab_rect.valid());
    h.imgui.mouse_move(s->tab_rect.center());
    h.frames(40);  // tooltips wait for the mouse to rest
    EXPECT_EQ(h.app.tab_tooltip, s->info().spec);
  }
  EXPECT_EQ(h.app.active_id, h.app.sessions[1]->id) << "hovering selects nothing";
}

TEST(Names, AWorkspaceKeepsEveryNameExactly) {
  OddShm bad("-ws\xff");
  ASSERT_TRUE(bad.ok());
  AppHarness h;
  ASSERT_TRUE(h.app.open(bad.spec()).ok());
  h.frames(2);
  h.session().bookmarks.add("mark \xfe\n", 16);
  DeclOrigin text_origin;
  text_origin.kind = DeclOrigin::Kind::text;
  text_origin.text = "struct s { int a; }; /* caf\xe9 */";
  h.app.add_overlay(h.session(), text_origin, "struct s", 0, 1, "title \xe9");
  DeclOrigin layout_origin;
  layout_origin.kind = DeclOrigin::Kind::layout_json;
  layout_origin.path = "/tmp/not-utf8-\xff.layout.json";
  layout_origin.text = "{ not json \xff";
  h.app.add_overlay(h.session(), layout_origin, {}, 0);
  h.frames(2);
  const std::string path = h.config.path() + "/ws-\xe9.json";
  Status saved = h.app.save_workspace(path);
  ASSERT_TRUE(saved.ok()) << saved.error().message;
  const std::string text = read_text(path);
  ASSERT_TRUE(nlohmann::json::accept(text)) << text;

  AppHarness other;
  Status opened = other.app.open_workspace(path);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  other.frames(2);
  ASSERT_EQ(other.app.sessions.size(), 1u);
  Session& s = *other.app.sessions[0];
  EXPECT_EQ(s.spec, bad.spec());
  ASSERT_EQ(s.bookmarks.items.size(), 1u);
  EXPECT_EQ(s.bookmarks.items[0].name, "mark \xfe\n");
  ASSERT_EQ(s.overlays.overlays.size(), 2u);
  EXPECT_EQ(s.overlays.overlays[0]->origin.text, text_origin.text);
  EXPECT_EQ(s.overlays.overlays[0]->title, "title \xe9");
  EXPECT_EQ(s.overlays.overlays[1]->origin.text, layout_origin.text);
  EXPECT_EQ(s.overlays.overlays[1]->origin.path, layout_origin.path);
}

}  // namespace
}  // namespace memview::gui::testing
