// Struct overlays driven through real ImGui frames: the Overlays panel's form (typed paths,
// pasted declarations, the type picker, placement), the live tree, inline edits of every
// kind that another process (python's struct module) checks byte by byte, the hex grid's
// field colours and hover, workspaces, the control socket and parse errors.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <fstream>
#include <regex>
#include <thread>

#include <fmt/format.h>

#include "assets.h"
#include "gui_test_support.h"
#include "memview/control_socket.h"
#include "memview/layout.h"
#include "telemetry.h"

namespace memview::gui::testing {
namespace {

const ImVec2 kDisplay(1600, 1200);

std::string hex_of(const void* p, size_t n) {
  static const char* d = "0123456789abcdef";
  std::string s;
  const auto* b = static_cast<const unsigned char*>(p);
  for (size_t i = 0; i < n; ++i) {
    s += d[b[i] >> 4];
    s += d[b[i] & 15];
  }
  return s;
}

OverlayPanelState& panel(AppHarness& h) {
  return h.session().overlays;
}

// The drawn row of `key` in overlay `o` (scrolling the tree to it when needed).
const OverlayDrawnRow* shown(AppHarness& h, Overlay& o, const std::string& key) {
  OverlayPanelState& p = panel(h);
  auto find = [&]() -> const OverlayDrawnRow* {
    for (const auto& r : p.drawn) {
      if (r.overlay_id == o.id && r.key == key) return &r;
    }
    return nullptr;
  };
  if (const auto* r = find()) return r;
  const int row = o.reveal(key);
  if (row < 0) return nullptr;
  size_t g = 0;
  for (auto& other : p.overlays) {
    if (other.get() == &o) break;
    g += other->rows().size();
  }
  p.scroll_to_row = static_cast<int>(g + static_cast<size_t>(row));
  h.frames(2);
  return find();
}

void click(AppHarness& h, const WidgetRect& r) {
  ASSERT_TRUE(r.valid()) << "widget not drawn";
  h.imgui.click(r.center(), h.body);
}

// Clicks a text box and waits until it has the keyboard (it activates a frame or two
// after the click; keys typed before that would go elsewhere, as for a person).
void click_box(AppHarness& h, const WidgetRect& r) {
  click(h, r);
  h.frames(2);
}

// Types into the "Add overlay" form's header box and loads it; waits for the parse.
void load_header(AppHarness& h, const std::string& path) {
  const WidgetRect& tab = h.app.side_tab_rect(SideTab::add_overlay);
  for (int i = 0; i < 10 && !tab.valid(); ++i) h.frame();  // the tab's first frames
  click(h, tab);
  h.frames(1);
  EXPECT_EQ(h.app.side_tab, SideTab::add_overlay) << "a click on the tab shows the form";
  OverlayFormState& f = h.app.overlay_form;
  if (f.paste_mode) {
    click(h, f.mode_header);
    h.frames(1);
  }
  click_box(h, f.path_box);
  h.type(path);
  h.tap(GLFW_KEY_ENTER);
  ASSERT_TRUE(frames_until(h, [&] { return f.set && !f.set->parsing(); }))
      << "the parse never finished";
}

// Picks a type through the combo's filter box and places it at `offset` (count instances).
Overlay* place(AppHarness& h, const std::string& filter, const std::string& offset, int count = 1) {
  OverlayFormState& f = h.app.overlay_form;
  h.frames(1);
  click(h, f.type_combo);
  h.frames(2);
  h.type(filter);
  h.tap(GLFW_KEY_ENTER);
  h.frames(1);
  click_box(h, f.offset_box);
  h.type(offset);
  if (count != 1) {
    click_box(h, f.count_box);
    h.type(std::to_string(count));
    h.tap(GLFW_KEY_ENTER);
  }
  const size_t before = panel(h).overlays.size();
  click(h, f.place_button);
  if (panel(h).overlays.size() != before + 1) {
    ADD_FAILURE() << "Place added no overlay; form message: " << f.message;
    return nullptr;
  }
  Overlay* o = panel(h).overlays.back().get();
  EXPECT_TRUE(frames_until(h, [&] { return o->state() == Overlay::State::ready; }))
      << "overlay never became ready: " << o->error();
  h.frames(3);
  return o;
}

telemetry sample_telemetry() {
  telemetry t{};
  std::memcpy(t.magic, "MEMVIEW", 8);
  t.version = 1;
  t.producer_pid = 4242;
  t.frame = 123456789;
  t.sim_time_s = 3.25;
  t.position = {1.5f, -2.25f, 0.125f};
  t.speed_kmh = 88.5f;
  t.motor_rpm = -1234;
  t.gear = 3;
  t.state = VEHICLE_CHARGING;
  t.flags.headlights = 1;
  t.flags.turn_right = 1;
  t.flags.error_code = 0x5a;
  t.flags.wheel_slip = 9;
  for (unsigned i = 0; i < 8; ++i) t.counters[i] = 100 + i;
  t.log[3].seq = 77;
  std::strcpy(t.log[3].text, "hello from the peer");
  return t;
}

// ---------------------------------------------------------------------------------------

TEST(Overlay, PlacedViaThePanelShowsTheTelemetryAPeerWrote) {
  ShmObject obj(16384, "ovl");
  ASSERT_TRUE(obj.ok());
  const telemetry t = sample_telemetry();
  peer_write_hex(obj.name(), 0x200, hex_of(&t, sizeof t));

  AppHarness h(kDisplay);
  ASSERT_TRUE(h.app.open(obj.spec()).ok());
  h.frames(3);
  load_header(h, MEMVIEW_DEMO_HEADER);
  ASSERT_TRUE(h.app.overlay_form.set->ok()) << h.app.overlay_form.set->error();
  Overlay* o = place(h, "telem", "0x200");
  ASSERT_NE(o, nullptr);
  EXPECT_EQ(o->type_name, "struct telemetry");
  EXPECT_EQ(o->address, 0x200u);
  EXPECT_EQ(o->instance_size(), sizeof(telemetry));
  EXPECT_EQ(h.app.side_tab, SideTab::overlays) << "placing shows the tree";

  struct Want {
    const char* key;
    std::string value;
  } wants[] = {
      {"magic", "MEMVIEW"},
      {"frame", "123456789"},
      {"producer_pid", "4242"},
      {"sim_time_s", "3.25"},
      {"position.x", "1.5"},
      {"position.y", "-2.25"},
      {"speed_kmh", "88.5"},
      {"motor_rpm", "-1234"},
      {"gear", "3"},
      {"state", "VEHICLE_CHARGING"},
      {"flags.headlights", "1"},
      {"flags.brake", "0"},
      {"flags.turn_right", "1"},
      {"flags.error_code", "90"},
      {"flags.wheel_slip", "9"},
      {"counters[5]", "105"},
      {"log[3].seq", "77"},
      {"log[3].text", "hello from the peer"},
  };
  for (const Want& w : wants) {
    const OverlayDrawnRow* r = shown(h, *o, w.key);
    ASSERT_NE(r, nullptr) << w.key;
    EXPECT_EQ(r->value, w.value) << w.key;
  }
  // Types and offsets are the compiler's.
  const OverlayDrawnRow* r = shown(h, *o, "flags.error_code");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->type, "uint32_t : 8");
  EXPECT_EQ(r->offset, fmt::format("0x{:x}.0", offsetof(telemetry, flags) + 1));
  r = shown(h, *o, "log[3].text");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->offset, fmt::format("0x{:x}", offsetof(telemetry, log) + 3 * sizeof(log_record) +
                                                 offsetof(log_record, text)));

  // The grid colours the overlay's bytes (and only those).
  EXPECT_GT(h.hex().tinted_bytes, 0);
  const OverlayPanelState& p = panel(h);
  for (uint64_t a = p.tint_begin; a < p.tint_end; ++a) {
    const bool inside = a >= 0x200 && a < 0x200 + sizeof(telemetry);
    if (!inside) {
      EXPECT_EQ(p.tint[a - p.tint_begin], 0u) << a;
    }
  }
  // Neighbouring fields get different colours.
  const uint64_t version = 0x200 + offsetof(telemetry, version);
  const uint64_t pid = 0x200 + offsetof(telemetry, producer_pid);
  h.goto_offset("0x200");
  h.frames(2);
  ASSERT_TRUE(pid >= p.tint_begin && pid < p.tint_end);
  EXPECT_NE(p.tint[version - p.tint_begin], 0u);
  EXPECT_NE(p.tint[version - p.tint_begin], p.tint[pid - p.tint_begin]);
}

TEST(Overlay, ArrayOfInstancesAndDemoHeaderIsFound) {
  EXPECT_FALSE(demo_header_path().empty()) << "assets/demo/telemetry.h not found";
  ShmObject obj(8192, "ovl-arr");
  ASSERT_TRUE(obj.ok());
  log_record recs[4] = {};
  for (uint32_t i = 0; i < 4; ++i) {
    recs[i].seq = 1000 + i;
    std::snprintf(recs[i].text, sizeof recs[i].text, "record %u", i);
  }
  peer_write_hex(obj.name(), 0x80, hex_of(recs, sizeof recs));
  AppHarness h(kDisplay);
  ASSERT_TRUE(h.app.open(obj.spec()).ok());
  h.frames(2);
  load_header(h, MEMVIEW_DEMO_HEADER);
  Overlay* o = place(h, "log_rec", "128", 4);
  ASSERT_NE(o, nullptr);
  EXPECT_EQ(o->count, 4u);
  EXPECT_EQ(o->end(), 0x80 + 4 * sizeof(log_record));
  for (int i = 0; i < 4; ++i) {
    const OverlayDrawnRow* r = shown(h, *o, fmt::format("[{}].seq", i));
    ASSERT_NE(r, nullptr) << i;
    EXPECT_EQ(r->value, std::to_string(1000 + i));
    r = shown(h, *o, fmt::format("[{}].text", i));
    ASSERT_NE(r, nullptr) << i;
    EXPECT_EQ(r->value, fmt::format("record {}", i));
  }
  // The root row's "remove" takes the overlay away (and its colours).
  const OverlayDrawnRow* root = shown(h, *o, "");
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(root->value, fmt::format("4 x {} bytes", sizeof(log_record)));
  click(h, root->remove_rect);
  EXPECT_TRUE(panel(h).overlays.empty());
  h.frames(2);
  EXPECT_EQ(h.hex().tinted_bytes, 0);
}

// A struct with one field of every editable kind, pasted into the form.
constexpr const char* kEditDecls =
    "#include <stdint.h>\n"
    "#include <stdbool.h>\n"
    "enum mode { MODE_OFF = 0, MODE_ON = 1, MODE_AUTO = 7 };\n"
    "struct edit_me {\n"
    "  int32_t count;\n"
    "  float ratio;\n"
    "  enum mode mode;\n"
    "  bool enabled;\n"
    "  char name[12];\n"
    "  struct { uint32_t lo : 3; uint32_t mid : 9; uint32_t hi : 20; } bits;\n"
    "  double value;\n"
    "};\n";
// Offsets as gcc lays the struct out (checked by the overlay's own offsets below).
constexpr uint64_t kAt = 0x100, kCount = 0, kRatio = 4, kMode = 8, kEnabled = 12, kName = 13,
                   kBits = 28, kValue = 32;

class OverlayEdit : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(obj.ok());
    ASSERT_TRUE(h.app.open(obj.spec()).ok());
    h.frames(3);
    h.app.side_tab_request = SideTab::add_overlay;
    h.frames(2);
    OverlayFormState& f = h.app.overlay_form;
    click(h, f.mode_paste);
    h.frames(1);
    click_box(h, f.paste_box);
    h.type(kEditDecls);
    ASSERT_EQ(f.pasted, kEditDecls);
    click(h, f.load_button);
    ASSERT_TRUE(frames_until(h, [&] { return f.set && !f.set->parsing(); }));
    ASSERT_TRUE(f.set->ok()) << f.set->error();
    o = place(h, "edit_me", "0x100");
    ASSERT_NE(o, nullptr);
    const Layout* l = o->layout();
    ASSERT_NE(l, nullptr);
    EXPECT_EQ(l->find("count")->offset, kCount);
    EXPECT_EQ(l->find("ratio")->offset, kRatio);
    EXPECT_EQ(l->find("mode")->offset, kMode);
    EXPECT_EQ(l->find("enabled")->offset, kEnabled);
    EXPECT_EQ(l->find("name")->offset, kName);
    EXPECT_EQ(l->find("bits.mid")->bit_offset, kBits * 8 + 3);
    EXPECT_EQ(l->find("value")->offset, kValue);
  }

  // Clicks a field's value, types `text` and presses Enter.
  void edit(const std::string& key, const std::string& text) {
    const OverlayDrawnRow* r = shown(h, *o, key);
    ASSERT_NE(r, nullptr) << key;
    ASSERT_TRUE(r->editable) << key;
    click_box(h, r->value_rect);
    ASSERT_EQ(panel(h).edit_key, key);
    h.type(text);
    h.tap(GLFW_KEY_ENTER);
    h.frames(2);
    EXPECT_FALSE(panel(h).message_is_error) << panel(h).message;
  }

  std::string peer(const std::string& expr) {
    return run_python(peer_prelude(obj.name()) + "import struct\nprint(" + expr +
                      ")\nshm.close()\n");
  }

  ShmObject obj{8192, "ovl-edit"};
  AppHarness h{kDisplay};
  Overlay* o = nullptr;
};

TEST_F(OverlayEdit, EveryKindOfFieldReachesThePeerAndBitfieldNeighboursSurvive) {
  // The peer fills the bitfield's neighbours.
  const uint32_t word = 5u | (0xABCDEu << 12);
  peer_write_hex(obj.name(), kAt + kBits, hex_of(&word, 4));
  h.frames(2);

  edit("count", "-123456");
  EXPECT_EQ(peer(fmt::format("struct.unpack_from('<i', shm.buf, {})[0]", kAt + kCount)), "-123456");
  edit("ratio", "2.5");
  EXPECT_EQ(peer(fmt::format("struct.unpack_from('<f', shm.buf, {})[0]", kAt + kRatio)), "2.5");

  // Enum: the value cell is a combo of the constants.
  const OverlayDrawnRow* r = shown(h, *o, "mode");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->value, "MODE_OFF");
  click(h, r->value_rect);
  h.frames(2);  // the popup settles where it fits on the screen
  const auto& items = panel(h).popup_items;
  ASSERT_EQ(items.size(), 3u) << "the combo lists the enum's constants";
  EXPECT_EQ(items[2].first, "MODE_AUTO");
  click(h, items[2].second);
  EXPECT_EQ(peer(fmt::format("struct.unpack_from('<i', shm.buf, {})[0]", kAt + kMode)), "7");
  h.frames(2);
  EXPECT_EQ(shown(h, *o, "mode")->value, "MODE_AUTO");

  // Bool: a checkbox.
  r = shown(h, *o, "enabled");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->value, "false");
  click(h, r->value_rect);
  EXPECT_EQ(peer(fmt::format("shm.buf[{}]", kAt + kEnabled)), "1");

  // Text into a char array: zero-filled to its end.
  edit("name", "hello");
  EXPECT_EQ(peer(fmt::format("bytes(shm.buf[{}:{}]).hex()", kAt + kName, kAt + kName + 12)),
            "68656c6c6f00000000000000");

  // Bitfield: only its 9 bits change; the peer's lo and hi stay.
  edit("bits.mid", "300");
  const std::string unpack_bits = fmt::format(
      "(lambda w: (w & 7, (w >> 3) & 511, w >> 12))(struct.unpack_from('<I', shm.buf, {})[0])",
      kAt + kBits);
  EXPECT_EQ(peer(unpack_bits), fmt::format("(5, 300, {})", 0xABCDE));
  // A value that does not fit the bitfield is refused, nothing written.
  {
    const OverlayDrawnRow* rr = shown(h, *o, "bits.mid");
    ASSERT_NE(rr, nullptr);
    click_box(h, rr->value_rect);
    h.type("512");
    h.tap(GLFW_KEY_ENTER);
    EXPECT_TRUE(panel(h).message_is_error);
    EXPECT_NE(panel(h).message.find("bits.mid"), std::string::npos) << panel(h).message;
    h.tap(GLFW_KEY_ESCAPE);
    h.frames(2);
    EXPECT_EQ(peer(unpack_bits), fmt::format("(5, 300, {})", 0xABCDE));
  }

  // Our bytes carry the own-edit mark and show in the own-edit colour in the tree.
  h.frames(2);
  const ChangeTracker& t = h.session().poller->tracker();
  for (uint64_t a = kAt + kCount; a < kAt + kCount + 4; ++a) EXPECT_TRUE(t.flags(a) & kOwnEdit);
  EXPECT_TRUE(shown(h, *o, "count")->own);

  // Every edit went through the editor's journal: undo the bitfield edit after the peer
  // changed the neighbouring bits: only our 9 bits go back.
  const Editor& ed = *h.session().editor;
  EXPECT_EQ(ed.undo_stack().size(), 6u);
  const uint32_t word2 = 5u | (300u << 3) | (0x12345u << 12);
  peer_write_hex(obj.name(), kAt + kBits, hex_of(&word2, 4));
  h.frames(2);
  ASSERT_TRUE(h.hex().focused) << "the grid has the keyboard after an edit";
  h.ctrl(GLFW_KEY_Z);
  EXPECT_FALSE(h.hex().message_is_error) << h.hex().message;
  EXPECT_EQ(peer(unpack_bits), fmt::format("(5, 0, {})", 0x12345));
  EXPECT_EQ(ed.redo_stack().size(), 1u);
  h.ctrl(GLFW_KEY_Y);
  EXPECT_EQ(peer(unpack_bits), fmt::format("(5, 300, {})", 0x12345));
  // Undo of the text edit restores the old bytes.
  h.ctrl(GLFW_KEY_Z);  // bits again
  h.ctrl(GLFW_KEY_Z);  // name
  EXPECT_EQ(peer(fmt::format("bytes(shm.buf[{}:{}]).hex()", kAt + kName, kAt + kName + 12)),
            "000000000000000000000000");
}

TEST_F(OverlayEdit, ForeignChangesLightUpAndFade) {
  h.frames(2);
  const OverlayDrawnRow* r = shown(h, *o, "value");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->glow, 0.0f);
  const double v = 6.25;
  peer_write_hex(obj.name(), kAt + kValue, hex_of(&v, 8));
  h.frame();
  r = shown(h, *o, "value");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->value, "6.25");
  EXPECT_GT(r->glow, 0.9f) << "the changed value lights up in the next frame";
  EXPECT_EQ(shown(h, *o, "count")->glow, 0.0f) << "unchanged fields stay dark";
  h.frames(30);  // half the fade
  r = shown(h, *o, "value");
  EXPECT_GT(r->glow, 0.2f);
  EXPECT_LT(r->glow, 0.8f);
  h.frames(40);
  EXPECT_EQ(shown(h, *o, "value")->glow, 0.0f);
}

TEST_F(OverlayEdit, ClickingAFieldMovesTheCursorAndHoverNamesTheField) {
  const OverlayDrawnRow* r = shown(h, *o, "ratio");
  ASSERT_NE(r, nullptr);
  click(h, r->label_rect);
  EXPECT_EQ(h.hex().cursor, kAt + kRatio);
  EXPECT_EQ(h.hex().selection_or_cursor(), (ByteRange{kAt + kRatio, 4}));
  EXPECT_TRUE(h.hex().focused) << "the keyboard goes to the grid at the field";
  h.frames(1);
  r = shown(h, *o, "ratio");
  EXPECT_TRUE(r->at_cursor) << "the tree marks the field under the cursor";
  EXPECT_FALSE(shown(h, *o, "count")->at_cursor);
  r = shown(h, *o, "bits.hi");
  ASSERT_NE(r, nullptr);
  click(h, r->label_rect);
  EXPECT_EQ(h.hex().cursor, kAt + kBits + 1) << "a bitfield: its first byte";

  // Hover a byte of `name` in the grid: the tooltip names the field and its value.
  peer_write_hex(obj.name(), kAt + kName, "776f726c6400");  // "world"
  h.frames(2);
  h.imgui.mouse_move(hex_view_cell_center(h.hex(), kAt + kName + 2, HexColumn::hex));
  h.frames(40);  // the tooltip shows after half a second
  EXPECT_TRUE(h.hex().tooltip_shown);
  EXPECT_EQ(panel(h).hover_path, "name");
  EXPECT_EQ(panel(h).hover_value, "world");
  h.imgui.mouse_move(hex_view_cell_center(h.hex(), kAt + kBits + 2, HexColumn::ascii));
  h.frames(40);
  EXPECT_EQ(panel(h).hover_path, "bits.hi");
  h.imgui.mouse_move(ImVec2(-100, -100));
  h.frames(2);
  EXPECT_FALSE(h.hex().tooltip_shown);
}

TEST_F(OverlayEdit, WorkspaceSaveAndReopenRestoresOverlaysBookmarksAndSettings) {
  // A second overlay from a header, a bookmark (Ctrl+B at the cursor), view settings.
  load_header(h, MEMVIEW_DEMO_HEADER);
  Overlay* t = place(h, "vec3", "0x400", 2);
  ASSERT_NE(t, nullptr);
  h.hex().focus_request = true;  // keyboard back to the grid (Ctrl+G is the grid's)
  h.frames(2);
  h.goto_offset("0x123");
  h.ctrl(GLFW_KEY_B);
  ASSERT_EQ(h.session().bookmarks.items.size(), 1u);
  EXPECT_EQ(h.session().bookmarks.items[0].address, 0x123u);
  h.app.set_theme(Theme::light);
  h.app.set_bytes_per_row(32);
  h.app.set_fade_seconds(2.5f);
  o->toggle("bits");  // collapse a record: the tree state is saved too
  h.frames(2);

  // Save through the dialog (Ctrl+S, a path, Enter).
  TempDir dir;
  const std::string path = dir.path() + "/work.json";
  h.ctrl(GLFW_KEY_S);
  h.type(path);
  h.tap(GLFW_KEY_ENTER);
  h.frames(2);
  ASSERT_TRUE(std::filesystem::exists(path)) << h.app.workspace_message;

  // A new viewer reopens it (what `memview --workspace FILE` does).
  AppHarness h2(kDisplay);
  ASSERT_TRUE(h2.app.open_workspace(path).ok()) << h2.app.open_view.error;
  h2.frames(2);
  ASSERT_EQ(h2.app.sessions.size(), 1u);
  Session& s = h2.session();
  EXPECT_EQ(s.info().spec, h.session().info().spec);
  EXPECT_EQ(h2.app.settings.theme, Theme::light);
  EXPECT_EQ(h2.app.settings.bytes_per_row, 32);
  EXPECT_EQ(s.hex.layout.bytes_per_row, 32) << "the grid lays out the rows the settings say";
  EXPECT_FLOAT_EQ(h2.app.settings.fade_seconds, 2.5f);
  EXPECT_EQ(s.hex.cursor, 0x123u);
  ASSERT_EQ(s.bookmarks.items.size(), 1u);
  EXPECT_EQ(s.bookmarks.items[0].address, 0x123u);
  EXPECT_EQ(s.bookmarks.items[0].name, "bookmark 1");
  ASSERT_EQ(s.overlays.overlays.size(), 2u);
  ASSERT_TRUE(frames_until(h2, [&] { return !s.overlays.any_pending(); }));
  Overlay& a = *s.overlays.overlays[0];
  Overlay& b = *s.overlays.overlays[1];
  EXPECT_EQ(a.state(), Overlay::State::ready) << a.error();
  EXPECT_EQ(a.origin.kind, DeclOrigin::Kind::text);
  EXPECT_EQ(a.origin.text, kEditDecls);
  EXPECT_EQ(a.type_name, "struct edit_me");
  EXPECT_EQ(a.address, kAt);
  EXPECT_FALSE(a.is_expanded("bits"));
  EXPECT_EQ(b.state(), Overlay::State::ready) << b.error();
  EXPECT_EQ(b.origin.kind, DeclOrigin::Kind::header);
  EXPECT_EQ(b.type_name, "struct vec3");
  EXPECT_EQ(b.address, 0x400u);
  EXPECT_EQ(b.count, 2u);
  // And it is live: a peer's value shows in the reopened tree.
  const float x = 42.5f;
  peer_write_hex(obj.name(), 0x400 + 12, hex_of(&x, 4));  // [1].x
  h2.frames(3);
  const OverlayDrawnRow* r = shown(h2, b, "[1].x");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->value, "42.5");

  // The bookmark jumps back to its offset.
  s.hex.cursor = 0;
  h2.app.side_tab_request = SideTab::bookmarks;
  h2.frames(2);
  ASSERT_EQ(s.bookmarks.go_rects.size(), 1u);
  click(h2, s.bookmarks.go_rects[0]);
  EXPECT_EQ(s.hex.cursor, 0x123u);

  // A broken workspace file is one clear error.
  const std::string bad = dir.path() + "/bad.json";
  std::ofstream(bad) << R"({"memview_workspace": 1, "sources": [{"spec": 5}]})";
  auto st = h2.app.open_workspace(bad);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("sources[0].spec must be a string"), std::string::npos)
      << st.error().message;
  EXPECT_FALSE(h2.app.open_workspace(dir.path() + "/missing.json").ok());
}

TEST(Overlay, ParseErrorsShowFileLineAndColumnInThePanel) {
  ShmObject obj(4096, "ovl-err");
  ASSERT_TRUE(obj.ok());
  AppHarness h(kDisplay);
  ASSERT_TRUE(h.app.open(obj.spec()).ok());
  h.frames(2);
  h.app.side_tab_request = SideTab::add_overlay;
  h.frames(2);
  OverlayFormState& f = h.app.overlay_form;
  click(h, f.mode_paste);
  click_box(h, f.paste_box);
  h.type("struct ok { int a; };\nstruct bad { int a; mystery_t b; };\n");
  click(h, f.load_button);
  ASSERT_TRUE(frames_until(h, [&] { return f.set && !f.set->parsing(); }));
  ASSERT_FALSE(f.set->ok());
  EXPECT_TRUE(std::regex_search(
      f.set->error(), std::regex(R"(pasted\.h:2:21: error: unknown type name 'mystery_t')")))
      << f.set->error();
  EXPECT_FALSE(f.place_button.valid() && f.type_name == "struct bad");

  // A header that does not exist.
  click(h, f.mode_header);
  click_box(h, f.path_box);
  h.type("/nonexistent/dir/nothing.h");
  h.tap(GLFW_KEY_ENTER);
  ASSERT_TRUE(frames_until(h, [&] { return f.set && !f.set->parsing(); }));
  EXPECT_FALSE(f.set->ok());
  EXPECT_NE(f.set->error().find("nothing.h"), std::string::npos) << f.set->error();

  // An error inside a header names that header's line.
  TempDir dir;
  const std::string hdr = dir.path() + "/broken.h";
  std::ofstream(hdr) << "#include <stdint.h>\n\nstruct x {\n  unknown_t a;\n};\n";
  DeclOrigin origin;
  origin.path = hdr;
  auto set = h.app.decls.load(origin);
  set->wait();
  ASSERT_FALSE(set->ok());
  EXPECT_TRUE(std::regex_search(set->error(),
                                std::regex(hdr + R"(:4:3: error: unknown type name 'unknown_t')")))
      << set->error();

  // An unknown type in an overlay (e.g. from a stale workspace) fails visibly.
  DeclOrigin ok_origin;
  ok_origin.kind = DeclOrigin::Kind::text;
  ok_origin.text = "struct fine { int a; };";
  Overlay* o = h.app.add_overlay(h.session(), ok_origin, "struct missing", 0);
  ASSERT_TRUE(frames_until(h, [&] { return o->state() == Overlay::State::failed; }));
  EXPECT_NE(o->error().find("missing"), std::string::npos) << o->error();
}

// A known global struct in this process, opened through pid:SELF by a control request.
struct Target {
  uint32_t magic;
  int16_t temperature;
  uint8_t flags;
  char label[9];
  double ratio;
};
Target g_target = {0xC0FFEE11u, -40, 0x81, "ctl-sock", 0.75};

TEST(Overlay, ControlSocketRequestOpensATabWithTheLayout) {
  TempDir runtime;
  const char* old = std::getenv("XDG_RUNTIME_DIR");
  const std::string saved = old ? old : "";
  setenv("XDG_RUNTIME_DIR", runtime.path().c_str(), 1);

  AppHarness h(kDisplay);
  const std::string self = fmt::format("pid:{}", getpid());
  ASSERT_TRUE(h.app.open(self).ok()) << h.app.open_view.error;
  h.frames(2);
  ASSERT_EQ(h.app.control_servers.count(getpid()), 1u) << h.app.control_error;
  const std::string sock = control_socket_path(getpid());
  EXPECT_TRUE(std::filesystem::exists(sock));

  // The layout file, as the gdb extension writes one.
  auto decls = parse_declarations(
      "#include <stdint.h>\nstruct target { uint32_t magic; int16_t temperature; uint8_t flags;"
      " char label[9]; double ratio; };\n");
  ASSERT_TRUE(decls.ok()) << decls.error().message;
  auto layout = decls->layout("struct target");
  ASSERT_TRUE(layout.ok());
  ASSERT_EQ(layout->size, sizeof(Target));
  const std::string layout_path = runtime.path() + "/target.layout.json";
  std::ofstream(layout_path) << layout_to_json(*layout, LayoutJson::full);

  ControlRequest req;
  req.open = fmt::format("pid:{}@0x{:x}+0x{:x}", getpid(), reinterpret_cast<uintptr_t>(&g_target),
                         sizeof(Target));
  req.layout = layout_path;
  req.title = "g_target";
  Status answer = make_error(Errc::io, "no answer");
  std::thread client([&] { answer = send_control_request(sock, req, 5000); });
  const size_t before = h.app.sessions.size();
  frames_until(
      h, [&] { return h.app.sessions.size() > before; }, 10);
  client.join();
  ASSERT_TRUE(answer.ok()) << answer.error().message;
  ASSERT_EQ(h.app.sessions.size(), before + 1) << h.app.control_error;
  h.frames(3);
  Session& s = h.session();
  EXPECT_EQ(s.info().base, reinterpret_cast<uintptr_t>(&g_target));
  ASSERT_EQ(s.overlays.overlays.size(), 1u);
  Overlay& o = *s.overlays.overlays[0];
  EXPECT_EQ(o.title, "g_target");
  EXPECT_EQ(o.state(), Overlay::State::ready) << o.error();
  EXPECT_EQ(o.address, s.info().base);
  EXPECT_EQ(shown(h, o, "magic")->value, std::to_string(0xC0FFEE11u));
  EXPECT_EQ(shown(h, o, "temperature")->value, "-40");
  EXPECT_EQ(shown(h, o, "label")->value, "ctl-sock");
  EXPECT_EQ(shown(h, o, "ratio")->value, "0.75");
  // And it edits this process's memory.
  const OverlayDrawnRow* r = shown(h, o, "temperature");
  click_box(h, r->value_rect);
  h.type("123");
  h.tap(GLFW_KEY_ENTER);
  EXPECT_EQ(g_target.temperature, 123);

  // The same request again (gdb's `memview g_target` twice) selects that tab and shows its
  // overlay; no second tab, no second overlay.
  h.ctrl(GLFW_KEY_O);
  h.frames(2);
  ASSERT_EQ(h.app.active_id, 0) << "the Open view is shown before the request";
  std::atomic<bool> answered{false};
  std::thread again([&] {
    answer = send_control_request(sock, req, 5000);
    answered = true;
  });
  frames_until(
      h, [&] { return answered.load(); }, 10);
  again.join();
  ASSERT_TRUE(answer.ok()) << answer.error().message;
  h.frames(2);
  EXPECT_EQ(h.app.sessions.size(), before + 1);
  EXPECT_EQ(&h.session(), &s);
  EXPECT_EQ(s.overlays.overlays.size(), 1u);

  // A request for a layout file that is not there opens the range and says why.
  req.layout = runtime.path() + "/missing.json";
  req.open = fmt::format("pid:{}@0x{:x}+0x10", getpid(), reinterpret_cast<uintptr_t>(&g_target));
  std::thread client2([&] { answer = send_control_request(sock, req, 5000); });
  frames_until(
      h, [&] { return !h.app.control_error.empty(); }, 10);
  client2.join();
  EXPECT_NE(h.app.control_error.find("missing.json"), std::string::npos) << h.app.control_error;

  h.app.control_servers.clear();
  if (saved.empty()) {
    unsetenv("XDG_RUNTIME_DIR");
  } else {
    setenv("XDG_RUNTIME_DIR", saved.c_str(), 1);
  }
}

// The whole 64-bit space (a gdb stub's: base 0, size 2^64 - 1): rows exist, the last row
// is reachable and the visible range does not wrap.
TEST(HexViewTopOfAddressSpace, WholeSpaceShowsRowsUpToTheLastByte) {
  HeadlessImGui imgui(ImVec2(1200, 800));
  SourceInfo info;
  info.spec = "test:whole";
  info.kind = "test";
  info.base = 0;
  info.size = ~uint64_t{0};
  ChangeTracker tracker;
  const Palette pal = palette_for(Theme::dark);
  HexViewState s;
  auto frame = [&] {
    imgui.frame([&] {
      ImGui::SetNextWindowPos(ImVec2(0, 0));
      ImGui::SetNextWindowSize(ImVec2(1200, 800));
      ImGui::Begin("w", nullptr, ImGuiWindowFlags_NoDecoration);
      HexViewContext ctx{info, tracker, nullptr, pal, 0};
      hex_view_begin(s, ctx, ImVec2(0, 0));
      hex_view_end(s, ctx);
      ImGui::End();
    });
  };
  frame();
  frame();
  EXPECT_EQ(s.layout.total_rows, uint64_t{1} << 60);
  EXPECT_GT(s.visible_end, s.visible_begin);
  EXPECT_EQ(s.visible_begin, 0u);
  // Ctrl+End: the last byte, 2^64 - 2.
  imgui.chord(GLFW_KEY_LEFT_CONTROL, GLFW_KEY_END);
  for (int i = 0; i < 6; ++i) frame();
  EXPECT_EQ(s.cursor, ~uint64_t{0} - 1);
  EXPECT_EQ(s.visible_end, ~uint64_t{0});
  EXPECT_GT(s.visible_end - s.visible_begin, 16u * 10);
  EXPECT_EQ(s.unreadable_bytes, static_cast<int>(s.visible_end - s.visible_begin))
      << "never read: drawn as ??";
  // Down at the last row stays; Up moves one row.
  imgui.tap(GLFW_KEY_DOWN);
  for (int i = 0; i < 3; ++i) frame();
  EXPECT_EQ(s.cursor, ~uint64_t{0} - 1);
  imgui.tap(GLFW_KEY_UP);
  for (int i = 0; i < 3; ++i) frame();
  EXPECT_EQ(s.cursor, ~uint64_t{0} - 17);
  // A goto near the top.
  ASSERT_TRUE(hex_view_goto(s, info, "0xfffffffffffffff0").ok());
  frame();
  EXPECT_EQ(s.cursor, 0xfffffffffffffff0u);
}

}  // namespace
}  // namespace memview::gui::testing
