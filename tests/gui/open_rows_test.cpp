// The Open view's rows and completion: the processes table for pid: (a real python peer,
// listed by a worker), one click selects a row and Enter or a double-click opens it, and
// Tab after Tab cycles through the candidates.
#include <algorithm>

#include <fmt/format.h>

#include "draw_data.h"
#include "gui_test_support.h"

namespace memview::gui::testing {
namespace {

OpenViewState& view(AppHarness& h) {
  return h.app.open_view;
}

int row_of(const OpenViewState& s, const std::string& spec) {
  for (size_t k = 0; k < s.row_specs.size(); ++k) {
    if (s.row_specs[k] == spec) return static_cast<int>(k);
  }
  return -1;
}

void click_row(AppHarness& h, int row) {
  ASSERT_GE(row, 0);
  const WidgetRect r = view(h).row_rects[static_cast<size_t>(row)];
  ASSERT_TRUE(r.valid()) << "row " << row << " not drawn";
  h.imgui.click(r.center(), h.body);
  h.frames(2);
}

TEST(OpenRows, PidShowsTheProcessesAndCompletesTheirPids) {
  PythonTarget target;
  ASSERT_TRUE(target.ok()) << "the python peer did not start";
  const std::string spec = fmt::format("pid:{}", target.pid());
  AppHarness h;
  h.frames(2);
  EXPECT_EQ(view(h).table, OpenTable::objects);
  h.type("pid:");
  const auto peer_listed = [&] {
    for (const ProcessEntry& p : view(h).processes) {
      if (p.pid == static_cast<uint32_t>(target.pid())) return true;
    }
    return false;
  };
  ASSERT_TRUE(frames_until(h, peer_listed)) << "the worker's list never held the peer";
  EXPECT_EQ(view(h).table, OpenTable::processes) << "typing pid: shows the processes";
  EXPECT_NE(view(h).count_text.find("Processes: "), std::string::npos) << view(h).count_text;
  bool listed = false;
  for (const ProcessEntry& p : view(h).processes) {
    EXPECT_FALSE(p.command.empty()) << "pid " << p.pid << ": kernel threads have no memory";
    if (p.pid != static_cast<uint32_t>(target.pid())) continue;
    listed = true;
    EXPECT_NE(p.name.find("python"), std::string::npos) << p.name;
    EXPECT_FALSE(p.user.empty());
    EXPECT_NE(p.command.find("-c"), std::string::npos) << p.command;
  }
  EXPECT_TRUE(listed) << "the peer is in the table";

  // The whole pid but its last digit, then Tab: the completion holds the peer's pid.
  const std::string digits = std::to_string(target.pid());
  h.type(digits.substr(0, digits.size() - 1));
  h.frames(1);
  EXPECT_GE(row_of(view(h), spec), 0) << "the filtered table keeps the peer";
  const auto& c = view(h).completions;
  EXPECT_NE(std::find(c.begin(), c.end(), spec), c.end());
  const size_t candidates = c.size();
  for (size_t i = 0; i <= candidates && view(h).spec_text != spec; ++i) {
    h.tap(GLFW_KEY_TAB);  // the first Tab completes, the next ones cycle
    h.frames(1);
  }
  EXPECT_EQ(view(h).spec_text, spec);
  h.tap(GLFW_KEY_ENTER);
  h.frames(2);
  ASSERT_EQ(h.app.sessions.size(), 1u) << view(h).error;
  EXPECT_EQ(h.session().info().spec, spec);
}

TEST(OpenRows, OneClickSelectsEnterOrADoubleClickOpens) {
  PythonTarget target;
  ASSERT_TRUE(target.ok()) << "the python peer did not start";
  const std::string spec = fmt::format("pid:{}", target.pid());
  AppHarness h;
  h.frames(2);
  h.type("pid:" + std::to_string(target.pid()));
  ASSERT_TRUE(frames_until(h, [&] { return row_of(view(h), spec) >= 0; }))
      << "the worker's list never held the peer";
  h.frames(1);
  const int row = row_of(view(h), spec);
  click_row(h, row);
  EXPECT_TRUE(h.app.sessions.empty()) << "one click only selects";
  EXPECT_EQ(view(h).selected, row);
  EXPECT_EQ(view(h).spec_text, spec);
  h.tap(GLFW_KEY_ENTER);
  h.frames(2);
  ASSERT_EQ(h.app.sessions.size(), 1u) << "Enter opens the selected row: " << view(h).error;
  EXPECT_EQ(h.session().info().spec, spec);

  // The objects table: a double-click on the object's row opens it.
  ShmObject obj(4096, "rows");
  ASSERT_TRUE(obj.ok());
  h.ctrl(GLFW_KEY_O);  // back to the Open view, its box focused
  view(h).refresh_now = true;
  ASSERT_TRUE(frames_until_listed(h, "shm:/" + obj.name()));
  h.ctrl(GLFW_KEY_A);
  h.type(obj.name());
  h.frames(2);
  EXPECT_EQ(view(h).table, OpenTable::objects) << view(h).spec_text;
  const int obj_row = row_of(view(h), "shm:/" + obj.name());
  ASSERT_GE(obj_row, 0);
  click_row(h, obj_row);
  EXPECT_EQ(h.app.sessions.size(), 1u) << "one click only selects";
  h.imgui.double_click(view(h).row_rects[static_cast<size_t>(obj_row)].center(), h.body);
  h.frames(2);
  ASSERT_EQ(h.app.sessions.size(), 2u) << view(h).error;
  EXPECT_EQ(h.session().info().spec, "shm:/" + obj.name());
}

// A process this user may not read is still listed (dimmed, its tooltip says why) and the
// count says how many there are. Run as root every process is readable, so the peer's row
// is marked unreadable in the view's data after the worker listed it.
TEST(OpenRows, UnreadableProcessesAreDimmedAndCounted) {
  PythonTarget target;
  ASSERT_TRUE(target.ok()) << "the python peer did not start";
  const std::string spec = fmt::format("pid:{}", target.pid());
  AppHarness h;
  h.frames(2);
  h.type("pid:");
  ASSERT_TRUE(frames_until(h, [&] { return row_of(view(h), spec) >= 0; }))
      << "the worker's list never held the peer";
  view(h).discovery_interval_s = 1e6;  // keep this list: no new one replaces the edit below
  h.frames(2);
  auto peer = std::find_if(view(h).processes.begin(), view(h).processes.end(),
                           [&](const ProcessEntry& p) { return p.pid == uint32_t(target.pid()); });
  ASSERT_NE(peer, view(h).processes.end());
  EXPECT_TRUE(peer->readable) << "this user's own child";
  const ImU32 dim = h.app.palette.dim_text;
  const WidgetRect before = view(h).row_rects[static_cast<size_t>(row_of(view(h), spec))];
  EXPECT_EQ(glyphs_in(before.min, before.max, dim), 0) << "a readable row is not dimmed";
  const size_t unreadable_before =
      static_cast<size_t>(std::count_if(view(h).processes.begin(), view(h).processes.end(),
                                        [](const ProcessEntry& p) { return !p.readable; }));

  peer->readable = false;
  h.frames(2);
  const WidgetRect row = view(h).row_rects[static_cast<size_t>(row_of(view(h), spec))];
  EXPECT_GE(glyphs_in(row.min, row.max, dim), static_cast<int>(std::to_string(target.pid()).size()))
      << "the pid is drawn dimmed";
  EXPECT_NE(view(h).count_text.find(fmt::format(", {} not readable", unreadable_before + 1)),
            std::string::npos)
      << view(h).count_text;
  // Still opened on request (the open says why when it fails). The click puts the pid in
  // the box, which filters the table: the selection follows its row.
  click_row(h, row_of(view(h), spec));
  EXPECT_EQ(view(h).selected, row_of(view(h), spec));
  h.tap(GLFW_KEY_ENTER);
  h.frames(2);
  EXPECT_EQ(h.app.sessions.size(), 1u) << view(h).error;
}

TEST(OpenRows, RepeatedTabCyclesThroughTheCandidates) {
  std::vector<DiscoveredObject> objs(3);
  objs[0].spec = "shm:/alpha-one";
  objs[0].name = "/alpha-one";
  objs[1].spec = "shm:/alpha-two";
  objs[1].name = "/alpha-two";
  objs[2].spec = "shm:/beta";
  objs[2].name = "/beta";
  TabCycle cycle;
  std::string text = "shm:/al";
  text = tab_complete(cycle, text, complete_spec(text, objs, {}));
  EXPECT_EQ(text, "shm:/alpha-") << "first Tab: the common prefix";
  text = tab_complete(cycle, text, complete_spec(text, objs, {}));
  EXPECT_EQ(text, "shm:/alpha-one");
  text = tab_complete(cycle, text, complete_spec(text, objs, {}));
  EXPECT_EQ(text, "shm:/alpha-two");
  text = tab_complete(cycle, text, complete_spec(text, objs, {}));
  EXPECT_EQ(text, "shm:/alpha-one") << "wraps";
  // Typing starts a new cycle from what was typed.
  text = "be";
  text = tab_complete(cycle, text, complete_spec(text, objs, {}));
  EXPECT_EQ(text, "shm:/beta");
  EXPECT_EQ(tab_complete(cycle, text, complete_spec(text, objs, {})), "shm:/beta");
  EXPECT_EQ(tab_complete(cycle, "zzz", {}), "zzz");
}

TEST(OpenRows, ProcessCandidatesOnlyAfterPid) {
  std::vector<ProcessEntry> procs(3);
  procs[0] = {99, "memview-target", "me", "memview-target --x"};
  procs[1] = {1234, "python3", "me", "python3 -c"};
  procs[2] = {1240, "bash", "root", "bash"};
  auto c = complete_spec("pid:12", {}, {}, procs);
  EXPECT_EQ(c, (std::vector<std::string>{"pid:1234", "pid:1240"}));
  EXPECT_EQ(apply_completion("pid:12", c), "pid:1234") << "no longer prefix: the first";
  EXPECT_EQ(complete_spec("PID:bash", {}, {}, procs), std::vector<std::string>{"pid:1240"});
  EXPECT_EQ(complete_spec("pid:", {}, {}, procs).size(), 3u);
  EXPECT_TRUE(complete_spec("12", {}, {}, procs).empty()) << "pids only after pid:";
}

}  // namespace
}  // namespace memview::gui::testing
