#include "views/snapshots_view.h"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>

#include <fmt/format.h>

#include "memview/numbers.h"
#include "memview/text_bytes.h"
#include "snapshot_jobs.h"
#include "views/status_bar.h"
#include "words.h"

namespace memview::gui {

namespace {

constexpr uint64_t kPreview = 8;
constexpr size_t kMaxFieldChanges = 500;
constexpr uint64_t kMaxInstances = 4096;

std::string hex_text(const std::string& bytes) {
  std::string out;
  for (unsigned char c : bytes) {
    if (!out.empty()) out += ' ';
    out += fmt::format("{:02x}", c);
  }
  return out;
}

std::string taken_text(int64_t unix_ms) {
  return local_time_text(unix_ms / 1000, "%H:%M:%S");
}

std::string item_label(const SnapshotsState& s, int i) {
  if (i < 0) return "live";
  const SnapshotItem& it = s.items[static_cast<size_t>(i)];
  return it.name.empty() ? fmt::format("#{}", i + 1) : printable_text(it.name);
}

// A run touches an overlay's fields when one of its bytes lies in a leaf of one.
bool in_overlay_fields(const DiffRun& run, OverlayPanelState& overlays) {
  for (const auto& o : overlays.overlays) {
    if (o->state() != Overlay::State::ready) continue;
    const uint64_t lo = std::max(run.address, o->address);
    const uint64_t hi = std::min(run.address + run.length, o->end());
    // Checking the first bytes is enough in practice; a run longer than this that starts
    // in padding is rare, and the check stays O(1) per run.
    for (uint64_t a = lo; a < hi && a < lo + 256; ++a) {
      if (o->leaf_at(a) >= 0) return true;
    }
  }
  return false;
}

// The overlays' leaf fields (every instance, up to a bound) that differ, old -> new.
void find_field_changes(SnapshotsState& s, OverlayPanelState& overlays) {
  s.fields.clear();
  if (!s.diff || !s.diff_old_snap || !s.diff_new_snap) return;
  for (const auto& o : overlays.overlays) {
    if (o->state() != Overlay::State::ready || o->instance_size() == 0) continue;
    const uint64_t instances = std::min(o->count, kMaxInstances);
    for (uint64_t k = 0; k < instances; ++k) {
      const uint64_t base = o->address + k * o->instance_size();
      for (const OverlayLeaf& leaf : o->leaves()) {
        const FieldBytes fb = field_bytes(leaf.field);
        const uint64_t lo = base + fb.first;
        const uint64_t hi = base + fb.end;
        if (hi <= lo || !diff_touches(s.diff->runs, lo, hi)) continue;
        const uint64_t n = std::min<uint64_t>(hi - lo, 16);
        std::string path = o->count > 1 ? fmt::format("{}[{}].{}", o->title, k, leaf.path)
                                        : fmt::format("{}.{}", o->title, leaf.path);
        s.fields.push_back({std::move(path), lo, hex_text(snapshot_bytes(*s.diff_old_snap, lo, n)),
                            hex_text(snapshot_bytes(*s.diff_new_snap, lo, n))});
        if (s.fields.size() >= kMaxFieldChanges) return;
      }
    }
  }
}

void draw_field_changes(const SnapshotsState& s, SnapshotsContext& ctx) {
  if (s.fields.empty()) return;
  ImGui::Text("overlay fields that differ: %zu%s", s.fields.size(),
              s.fields.size() >= kMaxFieldChanges ? "+" : "");
  for (size_t i = 0; i < s.fields.size(); ++i) {
    const SnapshotsState::FieldChange& f = s.fields[i];
    ImGui::PushID(static_cast<int>(i) + 1000000);
    const std::string text =
        fmt::format("{}: {} -> {}", printable_text(f.path), f.old_bytes, f.new_bytes);
    if (ImGui::Selectable(text.c_str(), ctx.hex.cursor == f.address)) {
      hex_view_move_cursor(ctx.hex, ctx.info,
                           {.address = f.address, .reveal = CursorReveal::center});
    }
    ImGui::PopID();
  }
}

// The scope radio buttons (whole / range / selection) and, for a range, its two boxes.
void draw_scope(SnapshotsState& s, const SnapshotsContext& ctx) {
  using Scope = SnapshotsState::Scope;
  const char* whole = ctx.info.kind == "pid" ? "regions" : "whole";
  const std::array<const char*, 3> labels{whole, "range", "selection"};
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) ImGui::SameLine();
    if (ImGui::RadioButton(labels[i], static_cast<size_t>(s.scope) == i)) {
      s.scope = static_cast<Scope>(i);
    }
    s.scope_buttons[i] = WidgetRect::last_item();
  }
  s.range_offset_box = s.range_length_box = WidgetRect{};
  if (s.scope != Scope::range) return;
  const float w = ImGui::CalcTextSize("0").x * 14;
  ImGui::SetNextItemWidth(w);
  ImGui::InputTextWithHint("##snapoff", "offset (0x..)", &s.range_offset);
  s.range_offset_box = WidgetRect::last_item();
  ImGui::SameLine();
  ImGui::SetNextItemWidth(w);
  ImGui::InputTextWithHint("##snaplen", "length (0x..)", &s.range_length);
  s.range_length_box = WidgetRect::last_item();
}

void draw_form(SnapshotsState& s, const SnapshotsContext& ctx) {
  draw_scope(s, ctx);
  ImGui::Checkbox("to file", &s.to_file);
  if (s.to_file) {
    ImGui::SetNextItemWidth(-1);
    ImGui::InputTextWithHint("##snapfile", "file to write (.mvsnap)", &s.file_path);
  }
  ImGui::BeginDisabled(s.busy);
  if (ImGui::Button("Take snapshot")) {
    Result<std::optional<ByteRange>> range = snapshots_take_range(s, ctx.info, ctx.hex);
    if (range) {
      s.take_request = true;
      s.take_range = *range;
      s.take_path = s.to_file ? s.file_path : std::string();
    } else {
      s.message = range.error().message;
      s.message_is_error = true;
    }
  }
  s.take_button = WidgetRect::last_item();
  ImGui::SameLine();
  ImGui::SetNextItemWidth(std::max(60.0f, ImGui::GetContentRegionAvail().x -
                                              ImGui::CalcTextSize("Load").x -
                                              ImGui::GetStyle().FramePadding.x * 4));
  ImGui::InputTextWithHint("##snapload", "snapshot file to load", &s.load_path);
  ImGui::SameLine();
  if (ImGui::Button("Load") && !s.load_path.empty()) s.load_request = s.load_path;
  s.load_button = WidgetRect::last_item();
  ImGui::EndDisabled();
  if (s.busy)
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(ctx.palette.dim_text), "working...");
  if (!s.message.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text,
                          s.message_is_error ? ctx.palette.error_text : ctx.palette.ok_text);
    ImGui::TextWrapped("%s", printable_text(s.message).c_str());
    ImGui::PopStyleColor();
  }
}

void draw_items(SnapshotsState& s) {
  s.item_rects.assign(s.items.size(), WidgetRect{});
  s.rename_buttons.assign(s.items.size(), WidgetRect{});
  s.rename_box = WidgetRect{};
  if (s.items.empty()) return;
  if (!ImGui::BeginTable("##snaps", 4, ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit)) {
    return;
  }
  ImGui::TableSetupColumn("name", ImGuiTableColumnFlags_WidthStretch);
  ImGui::TableSetupColumn("size");
  ImGui::TableSetupColumn("taken");
  ImGui::TableSetupColumn("");
  for (size_t i = 0; i < s.items.size(); ++i) {
    SnapshotItem& it = s.items[i];
    ImGui::PushID(static_cast<int>(i));
    ImGui::TableNextRow();
    ImGui::TableSetColumnIndex(0);
    if (s.rename_index == static_cast<int>(i)) {
      if (s.rename_focus) {
        ImGui::SetKeyboardFocusHere();
        s.rename_focus = false;
      }
      ImGui::SetNextItemWidth(-1);
      const bool done =
          ImGui::InputText("##rename", &s.rename_text, ImGuiInputTextFlags_EnterReturnsTrue);
      s.rename_box = WidgetRect::last_item();
      if (done) {
        it.name = s.rename_text;
        s.rename_index = -1;
      } else if (ImGui::IsItemDeactivated()) {
        s.rename_index = -1;  // Escape or a click elsewhere: unchanged
      }
    } else {
      ImGui::TextUnformatted(item_label(s, static_cast<int>(i)).c_str());
      if (ImGui::IsItemHovered() && !it.path.empty()) {
        ImGui::SetTooltip("%s", printable_text(it.path).c_str());
      }
    }
    s.item_rects[i] = WidgetRect::last_item();
    ImGui::TableSetColumnIndex(1);
    ImGui::TextUnformatted(human_size(it.snap->total_bytes()).c_str());
    ImGui::TableSetColumnIndex(2);
    ImGui::TextUnformatted(taken_text(it.snap->taken_unix_ms).c_str());
    ImGui::TableSetColumnIndex(3);
    if (ImGui::SmallButton("rename")) {
      s.rename_index = static_cast<int>(i);
      s.rename_text = it.name;
      s.rename_focus = true;
    }
    s.rename_buttons[i] = WidgetRect::last_item();
    ImGui::PopID();
  }
  ImGui::EndTable();
}

void side_combo(SnapshotsState& s, const char* label, int& side, bool allow_live) {
  ImGui::SetNextItemWidth(ImGui::CalcTextSize("0").x * 14);
  if (!ImGui::BeginCombo(label, item_label(s, side).c_str())) return;
  if (allow_live && ImGui::Selectable("live", side < 0)) side = -1;
  for (int i = 0; i < static_cast<int>(s.items.size()); ++i) {
    ImGui::PushID(i);
    if (ImGui::Selectable(item_label(s, i).c_str(), side == i)) side = i;
    ImGui::PopID();
  }
  ImGui::EndCombo();
}

void draw_diff(SnapshotsState& s, SnapshotsContext& ctx) {
  ImGui::Separator();
  ImGui::TextUnformatted("Diff");
  if (s.items.empty()) {
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(ctx.palette.dim_text),
                       "take or load a snapshot to compare");
    return;
  }
  if (s.diff_old < 0 || s.diff_old >= static_cast<int>(s.items.size())) s.diff_old = 0;
  if (s.diff_new >= static_cast<int>(s.items.size())) s.diff_new = -1;
  side_combo(s, "->##old", s.diff_old, false);
  ImGui::SameLine();
  side_combo(s, "##new", s.diff_new, true);
  ImGui::SameLine();
  if (ImGui::Button("Diff")) s.diff_request = true;
  s.diff_button = WidgetRect::last_item();
  if (s.diff_new < 0) {
    ImGui::SameLine();
    ImGui::Checkbox("follow", &s.follow_live);
    s.follow_checkbox = WidgetRect::last_item();
    if (ImGui::IsItemHovered()) {
      ImGui::SetTooltip("re-diff against the live bytes as they change (every %d ms)",
                        SnapshotsState::kLiveDiffMs);
    }
  }
  if (s.diffing && !s.live_diff) {
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(ctx.palette.dim_text), "diffing...");
  }
  if (!s.diff) return;
  ImGui::Checkbox("mark in grid", &s.diff_shown);
  if (s.live_diff && s.follow_live) {
    ImGui::SameLine();
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(ctx.palette.ok_text), "live");
  }
  ImGui::SetNextItemWidth(ImGui::CalcTextSize("0").x * 10);
  bool refilter = ImGui::InputInt("hide if changed > N times (0: off)", &s.max_changes);
  s.max_changes = std::max(0, s.max_changes);
  refilter |= ImGui::Checkbox("only overlay fields", &s.only_overlay_fields);
  s.fields_checkbox = WidgetRect::last_item();
  if (refilter || s.refilter) {
    snapshots_filter(s, ctx.activity, ctx.activity_now_ns, ctx.overlays);
  }
  const SnapshotDiff& d = *s.diff;
  std::string summary = fmt::format("{} of {} ranges, {} differ", s.shown.size(), d.runs.size(),
                                    bytes_text(d.differing_bytes));
  if (!d.regions.empty())
    summary += fmt::format(", {} regions appeared/vanished", d.regions.size());
  if (d.truncated) summary += " (list truncated)";
  ImGui::TextUnformatted(summary.c_str());
  if (ImGui::SmallButton("< previous")) snapshots_step(s, ctx, false);
  s.previous_button = WidgetRect::last_item();
  ImGui::SameLine();
  if (ImGui::SmallButton("next >")) snapshots_step(s, ctx, true);
  s.next_button = WidgetRect::last_item();
  if (s.current >= 0) {
    ImGui::SameLine();
    ImGui::Text("%d / %zu", s.current + 1, s.shown.size());
  }
  draw_field_changes(s, ctx);
  ImGui::BeginChild("##diffruns", ImVec2(0, 0), true);
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(s.shown.size()));
  while (clipper.Step()) {
    for (int k = clipper.DisplayStart; k < clipper.DisplayEnd; ++k) {
      const std::string text = diff_run_text(s, s.shown[static_cast<size_t>(k)], ctx.info);
      ImGui::PushID(k);
      if (ImGui::Selectable(text.c_str(), k == s.current)) {
        s.current = k;
        const DiffRun& run = d.runs[s.shown[static_cast<size_t>(k)]];
        hex_view_move_cursor(ctx.hex, ctx.info,
                             {.address = run.address, .reveal = CursorReveal::center});
      }
      ImGui::PopID();
    }
  }
  ImGui::EndChild();
}

}  // namespace

void draw_snapshots(SnapshotsState& s, SnapshotsContext& ctx) {
  draw_form(s, ctx);
  draw_items(s);
  draw_diff(s, ctx);
}

void snapshots_filter(SnapshotsState& s, const ActivityView* activity, int64_t activity_now_ns,
                      OverlayPanelState* overlays) {
  // The range the cursor was moved to, by address: a new round of a live diff keeps it.
  std::optional<uint64_t> was;
  if (s.current >= 0 && static_cast<size_t>(s.current) < s.shown.size() && s.diff_prev_runs) {
    was = s.diff_prev_runs->runs[s.shown[static_cast<size_t>(s.current)]].address;
  }
  s.shown.clear();
  s.current = -1;
  s.refilter = false;
  s.diff_prev_runs = s.diff;
  if (!s.diff) return;
  for (size_t i = 0; i < s.diff->runs.size(); ++i) {
    const DiffRun& run = s.diff->runs[i];
    if (s.max_changes > 0 && activity) {
      const size_t c = activity->chunk_at(run.address);
      if (c != ActivityView::npos &&
          activity->changes(c, activity_now_ns) > static_cast<double>(s.max_changes)) {
        continue;
      }
    }
    if (s.only_overlay_fields && overlays && !in_overlay_fields(run, *overlays)) continue;
    if (was && run.address == *was) s.current = static_cast<int>(s.shown.size());
    s.shown.push_back(i);
  }
  if (overlays) find_field_changes(s, *overlays);
}

Result<std::optional<ByteRange>> snapshots_take_range(const SnapshotsState& s,
                                                      const SourceInfo& info,
                                                      const HexViewState& hex) {
  using Scope = SnapshotsState::Scope;
  if (s.scope == Scope::whole) return std::optional<ByteRange>();
  if (s.scope == Scope::selection) return std::optional<ByteRange>(hex.selection_or_cursor());
  Result<uint64_t> off = parse_u64(s.range_offset, "offset");
  if (!off) return off.error();
  Result<uint64_t> len = parse_u64(s.range_length, "length");
  if (!len) return len.error();
  if (*len == 0) return make_error(Errc::invalid_argument, "the length is 0");
  if (*off >= info.size || *len > info.size - *off) {
    return make_error(Errc::out_of_range,
                      fmt::format("0x{:x} + 0x{:x} lies outside the {} (0x{:x} bytes)", *off, *len,
                                  info.kind == "pid" ? "address space" : "object", info.size));
  }
  return std::optional<ByteRange>(ByteRange{info.base + *off, *len});
}

bool snapshots_step(SnapshotsState& s, SnapshotsContext& ctx, bool forward) {
  if (!s.diff || s.shown.empty()) return false;
  const uint64_t cursor = ctx.hex.cursor;
  const auto& runs = s.diff->runs;
  int found = -1;
  if (forward) {
    for (size_t k = 0; k < s.shown.size(); ++k) {
      if (runs[s.shown[k]].address > cursor) {
        found = static_cast<int>(k);
        break;
      }
    }
  } else {
    for (size_t k = s.shown.size(); k-- > 0;) {
      if (runs[s.shown[k]].address + runs[s.shown[k]].length <= cursor ||
          runs[s.shown[k]].address < cursor) {
        found = static_cast<int>(k);
        break;
      }
    }
  }
  if (found < 0) return false;
  s.current = found;
  hex_view_move_cursor(ctx.hex, ctx.info,
                       {.address = runs[s.shown[static_cast<size_t>(found)]].address,
                        .reveal = CursorReveal::center});
  return true;
}

std::string diff_run_text(const SnapshotsState& s, size_t run, const SourceInfo& info) {
  if (!s.diff || run >= s.diff->runs.size()) return {};
  const DiffRun& r = s.diff->runs[run];
  const uint64_t n = std::min(r.length, kPreview);
  const std::string old_bytes =
      s.diff_old_snap ? hex_text(snapshot_bytes(*s.diff_old_snap, r.address, n)) : "";
  const std::string new_bytes =
      s.diff_new_snap ? hex_text(snapshot_bytes(*s.diff_new_snap, r.address, n)) : "";
  return fmt::format("0x{:x}  {}  {}{} -> {}{}", r.address - info.base, bytes_text(r.length),
                     old_bytes, r.length > n ? " .." : "", new_bytes, r.length > n ? " .." : "");
}

void snapshots_mark_grid(const SnapshotsState& s, const HexViewState& hex, HexViewContext& ctx,
                         std::vector<ByteRange>& storage) {
  storage.clear();
  if (!s.diff_shown || !s.diff) return;
  storage.assign(ctx.marks, ctx.marks + ctx.mark_count);
  const auto& runs = s.diff->runs;
  // The runs on screen: from the last run starting before the grid's first byte.
  const uint64_t lo = hex.visible_begin;
  const uint64_t hi = hex.visible_end;
  auto it = std::upper_bound(runs.begin(), runs.end(), lo,
                             [](uint64_t a, const DiffRun& r) { return a < r.address; });
  if (it != runs.begin()) --it;
  for (; it != runs.end() && it->address < hi; ++it) {
    if (it->address + it->length > lo) storage.push_back({it->address, it->length});
  }
  if (storage.empty()) return;
  ctx.marks = storage.data();
  ctx.mark_count = storage.size();
  ctx.mark_colour = ctx.palette.unreadable;
  // The grid's tooltip of a differing byte says what it was.
  auto previous = std::move(ctx.tooltip_extra);
  ctx.tooltip_extra = [&s, previous = std::move(previous)](uint64_t address) {
    if (previous) previous(address);
    if (!s.diff || !s.diff_old_snap || !diff_touches(s.diff->runs, address, address + 1)) return;
    const std::string was = snapshot_bytes(*s.diff_old_snap, address, 1);
    const std::string now = s.diff_new_snap ? snapshot_bytes(*s.diff_new_snap, address, 1) : "";
    ImGui::Text("differs: %s -> %s (snapshot diff)", hex_text(was).c_str(), hex_text(now).c_str());
  };
}

}  // namespace memview::gui
