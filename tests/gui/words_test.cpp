// Words and numbers as the viewer shows them: counts with the right plural ("1 byte",
// "(2 matches)"), a whole process's size as what it maps (not its 128 TiB address space),
// and one word for positions per kind of tab ("offset" for an object, "address" for a
// process's memory, even when the range shown starts at 0). Real frames of the App against
// a real shared memory object and a real other process (python3).
#include <algorithm>

#include <fmt/format.h>

#include "gui_test_support.h"
#include "views/status_bar.h"
#include "words.h"

namespace memview::gui::testing {
namespace {

bool has_field(const std::vector<std::string>& fields, const std::string& part) {
  return std::any_of(fields.begin(), fields.end(),
                     [&](const std::string& f) { return f.find(part) != std::string::npos; });
}

std::string joined(const std::vector<std::string>& fields) {
  std::string s;
  for (const auto& f : fields) s += f + " | ";
  return s;
}

TEST(Words, CountsTakeTheRightPlural) {
  EXPECT_EQ(bytes_text(1), "1 byte");
  EXPECT_EQ(bytes_text(0), "0 bytes");
  EXPECT_EQ(bytes_text(2), "2 bytes");
  EXPECT_EQ(counted(1, "match", "matches"), "1 match");
  EXPECT_EQ(counted(2, "match", "matches"), "2 matches");
}

TEST(Words, AOneByteObjectAndAOneByteSelectionSayByte) {
  ShmObject obj(1, "one");
  ASSERT_TRUE(obj.ok());
  AppHarness h;
  ASSERT_TRUE(h.app.open(obj.spec()).ok()) << h.app.open_view.error;
  h.frames(3);
  std::vector<std::string> f = status_fields(h.app.status_input(h.now));
  EXPECT_TRUE(has_field(f, "1 byte (1 B)")) << joined(f);
  EXPECT_FALSE(has_field(f, "1 bytes")) << joined(f);
  EXPECT_EQ(std::string(position_word(h.session().info())), "offset");
  // A copy of the one byte says so.
  h.ctrl(GLFW_KEY_C);
  h.frames(2);
  EXPECT_EQ(h.hex().message, "copied 1 byte as hex");
}

TEST(Words, TheOpenViewCountsItsMatches) {
  ShmObject a(64, "words-match"), b(64, "words-match");
  ASSERT_TRUE(a.ok() && b.ok());
  AppHarness h;
  h.frames(2);
  // Typed into the Open view's box (it has the keyboard), which filters the table.
  h.app.open_view.refresh_now = true;
  ASSERT_TRUE(frames_until_listed(h, "shm:/" + a.name()) &&
              frames_until_listed(h, "shm:/" + b.name()));
  h.type("words-match-" + std::to_string(getpid()));
  h.frames(2);
  EXPECT_EQ(h.app.open_view.visible.size(), 2u);
  EXPECT_NE(h.app.open_view.count_text.find("(2 matches)"), std::string::npos)
      << h.app.open_view.count_text;
  h.ctrl(GLFW_KEY_A);
  h.type(a.name());
  h.frames(2);
  EXPECT_NE(h.app.open_view.count_text.find("(1 match)"), std::string::npos)
      << h.app.open_view.count_text;
}

TEST(Words, AWholeProcessShowsWhatItMapsAndAddresses) {
  PythonTarget target;
  ASSERT_TRUE(target.ok());
  AppHarness h;
  ASSERT_TRUE(h.app.open(fmt::format("pid:{}", target.pid())).ok()) << h.app.open_view.error;
  h.frames(5);
  Session& s = h.session();
  ASSERT_EQ(s.info().base, 0u);
  ASSERT_FALSE(s.regions.regions.empty()) << s.regions.error;
  uint64_t mapped = 0;
  for (const MapRegion& r : s.regions.regions) mapped += r.size();
  const std::vector<std::string> f = status_fields(h.app.status_input(h.now));
  EXPECT_TRUE(has_field(f, fmt::format("{} bytes mapped", mapped))) << joined(f);
  EXPECT_FALSE(has_field(f, "TiB")) << joined(f);
  EXPECT_FALSE(has_field(f, std::to_string(s.info().size))) << joined(f);
  // A process's memory is addressed, as is a range of it that starts elsewhere.
  EXPECT_EQ(std::string(position_word(s.info())), "address");
  ASSERT_TRUE(h.app.open(fmt::format("pid:{}@0x{:x}+0x100", target.pid(), target.buffer())).ok())
      << h.app.open_view.error;
  h.frames(3);
  EXPECT_EQ(std::string(position_word(h.session().info())), "address");
}

}  // namespace
}  // namespace memview::gui::testing
