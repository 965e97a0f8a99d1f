// The hex grid's cursor: the invariants of its one move operation over real frames, and
// what happens when the bytes under it go away: another process shrinks the object (the
// cursor is clamped, says so, and writes nothing until the user moves or confirms), or the
// process behind a pid: tab exits (the grid keeps showing the last bytes read).
#include <algorithm>
#include <random>

#include <fmt/format.h>

#include "gui_test_support.h"
#include "source_offsets.h"

namespace memview::gui::testing {
namespace {

// A grid in a headless window over a source described by `info` (the cursor operation reads
// no bytes: an empty tracker draws every byte as never read).
class GridFrames {
 public:
  explicit GridFrames(SourceInfo info) : info_(std::move(info)) {}

  void frame() {
    imgui_.frame([&] {
      ImGui::SetNextWindowPos(ImVec2(0, 0));
      ImGui::SetNextWindowSize(ImVec2(1200, 800));
      ImGui::Begin("w", nullptr, ImGuiWindowFlags_NoDecoration);
      HexViewContext ctx{info_, tracker_, nullptr, pal_, 0, bytes_per_row};
      hex_view_begin(state, ctx, ImVec2(0, 0));
      hex_view_end(state, ctx);
      ImGui::End();
    });
  }
  const SourceInfo& info() const { return info_; }

  HexViewState state;
  int bytes_per_row = 16;

 private:
  HeadlessImGui imgui_{ImVec2(1200, 800)};
  SourceInfo info_;
  ChangeTracker tracker_;
  Palette pal_ = palette_for(Theme::dark);
};

SourceInfo info_of(uint64_t base, uint64_t size) {
  SourceInfo i;
  i.spec = fmt::format("test:{:x}+{:x}", base, size);
  i.kind = "test";
  i.base = base;
  i.size = size;
  return i;
}

// Checks what every move promises, then what the next layout does with its reveal.
void check_move(GridFrames& g, const CursorMove& m, std::mt19937_64& rng) {
  HexViewState& s = g.state;
  const SourceInfo& info = g.info();
  const bool had_anchor = s.has_anchor;
  const uint64_t old_anchor = s.anchor;
  const uint64_t old_cursor = s.cursor;
  s.pending_nibble = static_cast<int>(rng() % 16);
  s.writes_held = rng() % 2 == 0;
  hex_view_move_cursor(s, info, m);
  const uint64_t last = source_end(info) - 1;
  SCOPED_TRACE(fmt::format("move to 0x{:x} (select {}, reveal {}) in 0x{:x}+0x{:x}", m.address,
                           static_cast<int>(m.select), static_cast<int>(m.reveal), info.base,
                           info.size));
  ASSERT_EQ(s.cursor, std::clamp(m.address, info.base, last)) << "clamped into the source";
  EXPECT_EQ(s.pending_nibble, -1) << "a half-typed byte never lands elsewhere";
  EXPECT_FALSE(s.writes_held) << "the user chose where the cursor is";
  switch (m.select) {
    case CursorSelect::none:
      EXPECT_FALSE(s.has_anchor);
      break;
    case CursorSelect::extend:
      EXPECT_TRUE(s.has_anchor);
      EXPECT_EQ(s.anchor, had_anchor ? std::clamp(old_anchor, info.base, last) : old_cursor);
      break;
    case CursorSelect::range:
      EXPECT_TRUE(s.has_anchor);
      EXPECT_EQ(s.anchor, std::clamp(m.anchor, info.base, last));
      break;
  }
  if (s.has_anchor) {
    EXPECT_GE(s.anchor, info.base);
    EXPECT_LE(s.anchor, last);
  }
  const uint64_t top_before = s.top_row;
  g.frame();
  const HexLayout& l = s.layout;
  const uint64_t row = (s.cursor - l.row_base) / static_cast<uint64_t>(l.bytes_per_row);
  const uint64_t fit = static_cast<uint64_t>(l.rows_fit);
  const uint64_t max_top = l.total_rows > fit ? l.total_rows - fit : 0;
  EXPECT_LE(s.top_row, max_top) << "the last row is never above the bottom";
  switch (m.reveal) {
    case CursorReveal::none:
      EXPECT_EQ(s.top_row, std::min(top_before, max_top));
      break;
    case CursorReveal::visible:
      EXPECT_GE(row, s.top_row);
      EXPECT_LT(row, s.top_row + fit);
      break;
    case CursorReveal::center:
      EXPECT_EQ(s.top_row, std::min(row > fit / 3 ? row - fit / 3 : 0, max_top));
      break;
    case CursorReveal::top:
      EXPECT_EQ(s.top_row, std::min(row, max_top));
      break;
  }
  EXPECT_LE(s.visible_begin, s.visible_end);
  EXPECT_GE(s.visible_begin, info.base);
  EXPECT_LE(s.visible_end, source_end(info));
}

TEST(HexCursor, EveryMoveKeepsItsPromisesOnAnyGeometry) {
  // Small, page-sized with an odd base, a process range high up, the whole 64-bit space.
  const SourceInfo shapes[] = {info_of(0, 100), info_of(0x1003, 0x2000),
                               info_of(0x7ffd12345678, 0x21000), info_of(0, ~uint64_t{0})};
  std::mt19937_64 rng(20240611);
  for (const SourceInfo& info : shapes) {
    GridFrames g(info);
    g.frame();
    for (int bpr : {16, 8, 32}) {
      g.bytes_per_row = bpr;
      g.frame();  // another row width keeps the cursor in view: checked below
      const uint64_t row = (g.state.cursor - g.state.layout.row_base) / static_cast<uint64_t>(bpr);
      EXPECT_GE(row, g.state.top_row);
      EXPECT_LT(row, g.state.top_row + static_cast<uint64_t>(g.state.layout.rows_fit));
      for (int i = 0; i < 60; ++i) {
        CursorMove m;
        // Inside, just outside on both sides, and anywhere in the 64-bit space.
        switch (rng() % 4) {
          case 0:
            m.address = info.base + rng() % info.size;
            break;
          case 1:
            m.address = info.base - std::min<uint64_t>(info.base, rng() % 64);
            break;
          case 2:
            m.address = source_end(info) + rng() % 64;
            break;
          default:
            m.address = rng();
            break;
        }
        m.select = static_cast<CursorSelect>(rng() % 3);
        m.anchor = rng() % 2 ? rng() : info.base + rng() % info.size;
        m.reveal = static_cast<CursorReveal>(rng() % 4);
        check_move(g, m, rng);
        if (::testing::Test::HasFatalFailure()) return;
      }
    }
  }
}

TEST(HexCursor, AnEmptySourceKeepsTheCursorAtItsBase) {
  GridFrames g(info_of(0x5000, 0));
  g.frame();
  hex_view_move_cursor(g.state, g.info(),
                       {.address = 0x5010, .select = CursorSelect::range, .anchor = 0x6000});
  EXPECT_EQ(g.state.cursor, 0x5000u);
  EXPECT_EQ(g.state.anchor, 0x5000u);
  EXPECT_FALSE(g.state.has_anchor);
  g.frame();
  EXPECT_EQ(g.state.visible_begin, g.state.visible_end);
}

TEST(HexCursor, FittingASmallerSourceClampsAndHoldsOnlyWhenTheCursorsByteIsGone) {
  GridFrames g(info_of(0, 4096));
  hex_view_move_cursor(g.state, g.info(), {.address = 0x10});
  EXPECT_FALSE(hex_view_fit_source(g.state, info_of(0, 0x800))) << "still inside: no move";
  EXPECT_FALSE(g.state.writes_held);
  hex_view_move_cursor(g.state, g.info(), {.address = 0xfff});
  g.state.pending_nibble = 0xa;
  EXPECT_TRUE(hex_view_fit_source(g.state, info_of(0, 0x10)));
  EXPECT_EQ(g.state.cursor, 0xfu);
  EXPECT_EQ(g.state.lost_cursor, 0xfffu);
  EXPECT_TRUE(g.state.writes_held);
  EXPECT_EQ(g.state.pending_nibble, -1);
  EXPECT_TRUE(g.state.message_is_error);
  EXPECT_NE(g.state.message.find("0xfff is gone"), std::string::npos) << g.state.message;
  hex_view_confirm_cursor(g.state);
  EXPECT_FALSE(g.state.writes_held);
}

// Another process shrinks the object under the cursor at 0xfff: the digit typed for 0xfff,
// and the ones after it, must not land on 0xf, the byte the cursor is clamped to.
TEST(HexCursorShrink, TypingIsHeldAfterTheCursorsByteIsGoneUntilTheUserMovesOrConfirms) {
  ShmObject obj(4096, "shrink");
  ASSERT_TRUE(obj.ok());
  AppHarness h;
  ASSERT_TRUE(h.app.open(obj.spec()).ok());
  h.frames(3);
  h.goto_offset("0xfff");
  ASSERT_EQ(h.hex().cursor, 0xfffu);
  h.type("a");
  ASSERT_EQ(h.hex().pending_nibble, 0xa);

  auto peer_truncate = [&](size_t size) {
    int status = -1;
    const std::string out = run_python(
        fmt::format("import os\nos.truncate('/dev/shm/{}', {})\n", obj.name(), size), &status);
    ASSERT_EQ(status, 0) << out;
  };
  peer_truncate(16);
  h.frames(2);
  EXPECT_EQ(h.session().info().size, 16u);
  EXPECT_EQ(h.hex().cursor, 0xfu) << "clamped to the last byte there is";
  EXPECT_TRUE(h.hex().writes_held);
  EXPECT_TRUE(h.hex().message_is_error);
  EXPECT_NE(h.hex().message.find("0xfff is gone"), std::string::npos) << h.hex().message;
  StatusBarInput in;
  in.info = &h.session().info();
  in.hex = &h.hex();
  const std::vector<std::string> fields = status_fields(in);
  EXPECT_NE(std::find_if(fields.begin(), fields.end(),
                         [](const std::string& f) { return f.rfind("typing held", 0) == 0; }),
            fields.end());

  // The digit typed for 0xfff and more digits: nothing is written anywhere.
  h.type("b");
  h.type("cd");
  h.tap(GLFW_KEY_TAB);
  h.type("xy");
  h.tap(GLFW_KEY_TAB);
  ImGui::SetClipboardText("11 22");
  h.ctrl(GLFW_KEY_V);
  EXPECT_EQ(h.hex().write_count, 0u);
  EXPECT_EQ(peer_read_hex(obj.name(), 0, 16), std::string(32, '0'));
  EXPECT_NE(h.hex().message.find("held"), std::string::npos) << h.hex().message;
  EXPECT_EQ(h.hex().cursor, 0xfu);

  // The inspector does not write at the clamped cursor either.
  InspectorContext ictx{h.session().info(),
                        h.session().poller->tracker(),
                        h.session().editor.get(),
                        h.app.palette,
                        h.hex().cursor,
                        h.hex().writes_held,
                        h.now};
  EXPECT_FALSE(
      inspector_write(h.session().inspector, ictx, inspector_row_index("uint8"), "7").ok());
  EXPECT_EQ(peer_read_hex(obj.name(), 0xf, 1), "00");

  // Enter confirms the cursor where it is: typing writes there again.
  h.tap(GLFW_KEY_ENTER);
  EXPECT_FALSE(h.hex().writes_held);
  h.type("12");
  EXPECT_EQ(peer_read_hex(obj.name(), 0xf, 1), "12");
  EXPECT_EQ(h.hex().write_count, 1u);

  // Shrunk again under the cursor: moving the cursor also releases the hold.
  peer_truncate(8);
  h.frames(2);
  ASSERT_EQ(h.hex().cursor, 7u);
  ASSERT_TRUE(h.hex().writes_held);
  h.type("9");
  EXPECT_EQ(h.hex().pending_nibble, -1) << "not even half a byte is kept while held";
  h.tap(GLFW_KEY_LEFT);
  EXPECT_FALSE(h.hex().writes_held);
  EXPECT_EQ(h.hex().cursor, 6u);
  h.type("34");
  EXPECT_EQ(peer_read_hex(obj.name(), 6, 2), "3400");
}

// A real child process (python3) with a marker in its heap; the tab shows that buffer. The
// process exits: the banner says so in one sentence and the grid keeps the bytes it read.
TEST(HexViewProcessExit, TheGridKeepsTheLastBytesReadAndTheBannerSaysItOnce) {
  PythonTarget target;
  ASSERT_TRUE(target.ok()) << "the python peer did not start";
  AppHarness h;
  const std::string spec = fmt::format("pid:{}@0x{:x}+0x100", target.pid(), target.buffer());
  ASSERT_TRUE(h.app.open(spec).ok()) << h.app.open_view.error;
  h.frames(3);
  const uint64_t visible = h.hex().visible_end - h.hex().visible_begin;
  ASSERT_EQ(visible, 0x100u);
  EXPECT_EQ(h.hex().unreadable_bytes, 0);
  EXPECT_EQ(h.hex().stale_bytes, 0);
  EXPECT_EQ(h.session().poller->tracker().value(target.buffer()), std::byte{'h'});

  target.end();
  for (int i = 0; i < 100 && !h.session().banner.visible; ++i) h.frame();
  const BannerState& b = h.session().banner;
  ASSERT_TRUE(b.visible) << "the exit was not noticed";
  EXPECT_TRUE(b.gone);
  EXPECT_EQ(b.kind, SourceEvent::Kind::exited);
  EXPECT_EQ(b.message.rfind(fmt::format("process {} (", target.pid()), 0), 0u) << b.message;
  EXPECT_TRUE(b.message.ends_with(") exited. Showing the last bytes read.")) << b.message;
  EXPECT_EQ(b.message.find("what was read last"), std::string::npos) << b.message;

  h.frames(3);
  EXPECT_EQ(h.hex().unreadable_bytes, 0) << "no ?? for bytes that were read";
  EXPECT_EQ(h.hex().stale_bytes, static_cast<int>(visible)) << "all shown with the last value";
  EXPECT_EQ(h.session().poller->tracker().value(target.buffer()), std::byte{'h'});
  StatusBarInput in;
  in.info = &h.session().info();
  in.gone = h.session().poller->source_gone();
  in.gone_kind = b.kind;
  const std::vector<std::string> fields = status_fields(in);
  EXPECT_NE(std::find(fields.begin(), fields.end(), "exited"), fields.end());
}

}  // namespace
}  // namespace memview::gui::testing
