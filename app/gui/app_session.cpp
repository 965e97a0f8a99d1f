// One tab of the App: the banner, the toolbar, the grid (with its strips) and the side
// panel (the inspector above the side tabs), in the frame order app.h describes.
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "app.h"
#include "transient_message.h"
#include "views/activity_map.h"
#include "views/attached_view.h"
#include "views/banner.h"
#include "views/bookmarks_view.h"
#include "views/find_view.h"
#include "views/hex_view.h"
#include "views/inspector_view.h"
#include "views/overlay_view.h"
#include "views/regions_view.h"
#include "views/snapshots_view.h"
#include "views/timeline_view.h"
#include "views/watches_view.h"
#include "views/who_writes_view.h"

namespace memview::gui {

namespace {

// "Overlays (3)###overlays": the count in the label, the tab's id without it.
std::string counted_label(const char* name, size_t n, const char* id) {
  return n == 0 ? fmt::format("{}###{}", name, id) : fmt::format("{} ({})###{}", name, n, id);
}

// The side panel's tab bar: which tab is asked for, and where each tab's header is.
struct SideTabBar {
  std::optional<SideTab> request;
  std::array<WidgetRect, kSideTabCount>& rects;
  SideTab& shown;
};

// One side tab: its header (selected when asked for) and, when it is the shown tab, its body.
template <typename Body>
void draw_side_tab(SideTabBar& bar, SideTab tab, const std::string& label, Body&& body) {
  const ImGuiTabItemFlags flags = bar.request == tab ? ImGuiTabItemFlags_SetSelected : 0;
  const bool open = ImGui::BeginTabItem(label.c_str(), nullptr, flags);
  bar.rects[static_cast<size_t>(tab)] = WidgetRect::last_item();
  if (!open) return;
  bar.shown = tab;
  body();
  ImGui::EndTabItem();
}

}  // namespace

// The toolbar's groups wrap onto a second line in a narrow window (toolbar_flow.h); a wider
// gap between groups keeps "Pause" and "bytes/row" from reading as one label.
void App::draw_toolbar(Session& s, int64_t now_ns) {
  HexViewState& h = s.hex;
  const float gap = ImGui::GetStyle().ItemSpacing.x * 3.0f;
  ToolbarFlow& flow = toolbar_flow;
  bool refocus = false;
  flow.begin();
  flow.group(gap);
  if (ImGui::Checkbox("Pause", &s.paused)) refocus = true;
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("freeze the display: no polling");
  flow.end_group();
  flow.group(gap);
  refocus |= draw_row_width_choice();
  flow.end_group();
  flow.group(gap);
  refocus |= draw_fade_choice();
  flow.end_group();
  flow.group(gap);
  if (ImGui::Button("Go to... (Ctrl+G)")) {
    h.goto_request = true;
    refocus = true;
  }
  flow.end_group();
  flow.group(gap);
  refocus |= draw_map_choice(s);
  flow.end_group();
  flow.group(gap);
  draw_record_controls_for(s);
  flow.end_group();
  if (age_message(h.message, h.message_is_error, h.message_clock, now_ns)) {
    flow.group(ImGui::GetStyle().ItemSpacing.x);
    draw_message_line(h.message, h.message_is_error ? palette.error_text : palette.ok_text);
    flow.end_group();
  }
  if (refocus) h.focus_request = true;
}

// "bytes/row: 8 16 32"; whether it was changed (the grid takes the keyboard back).
bool App::draw_row_width_choice() {
  bool changed = false;
  ImGui::TextUnformatted("bytes/row:");
  for (int bpr : {8, 16, 32}) {
    ImGui::SameLine();
    ImGui::PushID(bpr);
    if (ImGui::RadioButton(std::to_string(bpr).c_str(), settings.bytes_per_row == bpr)) {
      set_bytes_per_row(bpr);
      changed = true;
    }
    ImGui::PopID();
  }
  return changed;
}

// The change glow's fade time: a slider with its value written beside it, where the
// slider's handle cannot cover it; whether the user let go of it.
bool App::draw_fade_choice() {
  ImGui::SetNextItemWidth(ImGui::CalcTextSize("000000000000").x);
  float fade = settings.fade_seconds;
  if (ImGui::SliderFloat("##fade", &fade, 0.1f, 5.0f, "", ImGuiSliderFlags_Logarithmic)) {
    set_fade_seconds(std::round(fade * 10.0f) / 10.0f);
  }
  const bool released = ImGui::IsItemDeactivated();
  ImGui::SameLine();
  ImGui::Text("fade %.1f s", static_cast<double>(settings.fade_seconds));
  return released;
}

// The activity map's box and which column typing goes to; whether the box was clicked.
bool App::draw_map_choice(Session& s) {
  bool changed = false;
  if (ImGui::Checkbox("Map", &s.activity.enabled)) {
    set_activity_map(s.activity.enabled);
    changed = true;
  }
  s.activity.checkbox = WidgetRect::last_item();
  if (ImGui::IsItemHovered()) {
    ImGui::SetTooltip(
        "activity map: a background sweep of the whole object beside the grid "
        "(F8 / Shift+F8: next / previous change)");
  }
  ImGui::SameLine();
  ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(palette.dim_text), "typing: %s (Tab)",
                     s.hex.column == HexColumn::hex ? "hex" : "ASCII");
  return changed;
}

void App::draw_session(Session& s, int64_t now_ns) {
  switch (draw_banner(s.banner, palette)) {
    case BannerAction::reopen:
      requests_.reopen.push_back(s.id);
      break;
    case BannerAction::close_tab:
      close_session(s.id);
      break;
    case BannerAction::none:
      break;
  }
  draw_toolbar(s, now_ns);
  // A panel asked for (Ctrl+B, F2, F6, a new overlay) shows the side panel again.
  if (side_tab_request && !settings.side_panel) set_side_panel(true);

  s.refresh_regions(now_ns);
  s.refresh_who();
  draw_grid_and_panel(s, now_ns);
}

void App::draw_grid_column(Session& s, ImVec2 size, int64_t now_ns) {
  // Strips under the grid (a timeline, an activity map) go in this group below the grid,
  // taking their height from the grid's: ImGui::BeginGroup() keeps the column one item
  // for the side panel's SameLine().
  ImGui::BeginGroup();
  // The timeline first: whether the views show the past (its own source and tracker) is
  // decided before anything reads bytes.
  TimelineState& tl = s.timeline;
  timeline_update(tl, now_ns);
  const bool strip = tl.has_recording() || tl.recording_now() || tl.replay;
  ImVec2 grid_size = size;
  if (strip) grid_size.y = std::max(50.0f, size.y - timeline_strip_height());
  s.viewing_past = timeline_prepare_past(tl, s.info());
  // The watch plot's cursor is the timeline's position (0: the present).
  s.watches.cursor_ns =
      s.viewing_past && !tl.replay ? tl.recording->header().start_mono_ns + tl.t_ns : 0;
  // Frame order: input and layout, requests, one poll, then drawing from what it read.
  HexViewContext hctx{s.view_info(), s.view_tracker(),       s.view_editor(),      palette,
                      now_ns,        settings.bytes_per_row, settings.fade_seconds};
  // The activity map stands right of the grid's scrollbar, as tall as its rows.
  const float map_w = activity_map_width(s.activity);
  if (map_w > 0) grid_size.x = size.x - map_w - 2.0f;
  hex_view_begin(s.hex, hctx, grid_size);
  const auto request = [&s](Poller& p) {
    hex_view_request(s.hex, p);
    inspector_request(s.inspector, s.hex.cursor, p);
    overlay_request(s.overlays, s.hex, p);
    find_request(s.find, p);
  };
  if (s.viewing_past) {
    s.poll(now_ns);  // the live source: refreshed (resizes, removal), no bytes read
    timeline_poll_past(tl, now_ns, request);
  } else {
    request(*s.poller);
    s.poll(now_ns);
  }
  overlay_tint(s.overlays, s.hex, palette, hctx);
  find_mark_grid(s.find, s.hex, palette, hctx);
  if (!s.overlays.overlays.empty()) {
    hctx.tooltip_extra = [this, &s, now_ns](uint64_t address) {
      overlay_tooltip(s.overlays, address, s.view_tracker(), palette, now_ns,
                      settings.fade_seconds);
    };
  }
  who_writes_mark_grid(s.who_writes, hctx);
  std::vector<ByteRange> diff_marks;  // alive until the grid has drawn
  snapshots_mark_grid(s.snapshots, s.hex, hctx, diff_marks);
  std::vector<uint64_t> marks;
  for (const Bookmark& b : s.bookmarks.items) marks.push_back(b.address);
  std::sort(marks.begin(), marks.end());
  hctx.bookmarks = marks.data();
  hctx.bookmark_count = marks.size();
  hex_view_end(s.hex, hctx);
  take_grid_menu_action(s);
  if (map_w > 0) {
    ImGui::SameLine(0.0f, 2.0f);
    ImGui::SetCursorScreenPos(ImVec2(ImGui::GetCursorScreenPos().x, s.hex.layout.rows_y));
    draw_activity_map(s.activity, s.hex, s.info(), palette,
                      s.hex.layout.grid_bottom - s.hex.layout.rows_y);
  }
  if (strip) draw_timeline(s, size.x, now_ns);
  ImGui::EndGroup();
}

void App::draw_add_overlay_tab(Session& s) {
  OverlayFormAction act = draw_overlay_form(overlay_form, decls, &s.info(), s.hex.cursor, palette);
  if (act.load) {
    // Headers by absolute path: a saved workspace must not depend on the directory the
    // viewer was started from.
    if (act.origin.kind == DeclOrigin::Kind::header) {
      std::error_code ec;
      const auto abs = std::filesystem::absolute(act.origin.path, ec);
      if (!ec) act.origin.path = abs.lexically_normal().string();
    }
    requests_.load.push_back(std::move(act.origin));
  }
  if (!act.place || !overlay_form.set) return;
  if (const Overlay* same = s.overlays.find_same(overlay_form.type_name, act.address, act.count);
      same && !act.confirmed) {
    overlay_form.duplicate_of = same->title;
    overlay_form.pending_address = act.address;
    overlay_form.pending_count = act.count;
    return;
  }
  requests_.place.push_back(
      {s.id, overlay_form.set->origin(), overlay_form.type_name, act.address, act.count});
}

void App::draw_side_panel(Session& s, int64_t now_ns) {
  ImGui::BeginChild("##side", ImVec2(0, ImGui::GetContentRegionAvail().y), false);
  InspectorContext ictx{s.view_info(), s.view_tracker(),  s.view_editor(), palette,
                        s.hex.cursor,  s.hex.writes_held, now_ns};
  draw_inspector(s.inspector, ictx);
  if (s.inspector.edit.finished) {
    s.inspector.edit.finished = false;
    // Keyboard back to the grid, unless the edit ended because Go to took it.
    if (!s.hex.goto_open) s.hex.focus_request = true;
  }
  ImGui::Spacing();
  // Below the inspector: one tab a panel. Panels not drawn this frame ask for no bytes.
  s.overlays.visible_first = s.overlays.visible_last = 0;
  if (ImGui::BeginTabBar("##sidetabs")) {
    SideTabBar bar{side_tab_request, side_tab_rects, side_tab};
    // A request for Regions waits for a tab that has them (a new tab shows next frame).
    if (side_tab_request != SideTab::regions || s.pid) side_tab_request.reset();
    draw_side_tab(bar, SideTab::overlays,
                  counted_label("Overlays", s.overlays.overlays.size(), "overlays"), [&] {
                    OverlayContext octx{
                        s.view_info(), s.view_tracker(), s.view_editor(),      palette,
                        s.hex,         now_ns,           settings.fade_seconds};
                    const SnapshotsState& snaps = s.snapshots;
                    const OverlayDiff odiff{snaps.diff.get(), snaps.diff_old_snap.get(),
                                            snaps.diff_new_snap.get()};
                    if (snaps.diff_shown && snaps.diff) octx.diff = &odiff;
                    draw_overlay_tree(s.overlays, octx);
                    if (take_overlay_watches(s.overlays, s.watches)) {
                      side_tab_request = SideTab::watches;
                    }
                    if (s.overlays.edit.finished) {
                      s.overlays.edit.finished = false;
                      if (!s.hex.goto_open) s.hex.focus_request = true;
                    }
                  });
    draw_side_tab(bar, SideTab::add_overlay, "Add overlay", [&] { draw_add_overlay_tab(s); });
    draw_side_tab(bar, SideTab::bookmarks,
                  counted_label("Bookmarks", s.bookmarks.items.size(), "bookmarks"), [&] {
                    draw_bookmarks(s.bookmarks, s.hex, s.info(), palette);
                    if (s.bookmarks.rename.finished) {
                      s.bookmarks.rename.finished = false;
                      if (!s.hex.goto_open) s.hex.focus_request = true;
                    }
                  });
    side_tab_rects[static_cast<size_t>(SideTab::regions)] = WidgetRect{};
    if (s.pid) {
      draw_side_tab(bar, SideTab::regions,
                    counted_label("Regions", s.regions.regions.size(), "regions"), [&] {
                      const RegionsAction act =
                          draw_regions(s.regions, s.hex, s.info(), *s.pid, palette);
                      if (act.open_tab) requests_.open.push_back({act.spec, {}});
                    });
    }
    for (SideTab t : {SideTab::attached, SideTab::who_writes}) {
      side_tab_rects[static_cast<size_t>(t)] = WidgetRect{};
    }
    if (s.attached.unsupported.empty()) {  // set by refresh_who() this frame
      draw_side_tab(bar, SideTab::attached, attached_tab_label(s.attached), [&] {
        const AttachedAction act = draw_attached(s.attached, palette, now_ns);
        if (act.open_tab) requests_.open.push_back({act.spec, {}});
      });
      draw_side_tab(bar, SideTab::who_writes, who_writes_tab_label(s.who_writes),
                    [&] { draw_who_writes(s.who_writes, s.hex, palette, now_ns); });
    }
    draw_side_tab(bar, SideTab::snapshots,
                  counted_label("Snapshots", s.snapshots.items.size(), "snapshots"), [&] {
                    SnapshotsContext sctx{
                        s.info(),   s.hex, palette, s.activity.view.get(), s.activity.clock_ns,
                        &s.overlays};
                    draw_snapshots(s.snapshots, sctx);
                  });
    // The newest tabs last, so that the tabs before them keep their places.
    draw_side_tab(bar, SideTab::watches, watches_tab_label(s.watches), [&] {
      const WatchesContext wctx{s.info(), s.hex, palette, now_ns, settings.fade_seconds};
      draw_watches(s.watches, wctx);
    });
    draw_side_tab(bar, SideTab::find, find_tab_label(s.find), [&] {
      FindViewContext fctx{
          s.info(),  s.view_tracker(), s.view_editor(),      palette, s.hex, s.bookmarks,
          s.watches, now_ns,           settings.fade_seconds};
      draw_find(s.find, fctx);
    });
    ImGui::EndTabBar();
  }
  ImGui::EndChild();
}

}  // namespace memview::gui
