#include "views/watches_view.h"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "change_glow.h"
#include "views/plot.h"
#include "words.h"

namespace memview::gui {

namespace {

constexpr double kSparkSpanS = 10.0;

ImVec4 col4(ImU32 c) {
  return ImGui::ColorConvertU32ToFloat4(c);
}

ImU32 fade(ImU32 c, float a) {
  const float base = static_cast<float>((c >> IM_COL32_A_SHIFT) & 0xFF);
  const ImU32 alpha = static_cast<ImU32>(std::clamp(base * a, 0.0f, 255.0f));
  return (c & ~IM_COL32_A_MASK) | (alpha << IM_COL32_A_SHIFT);
}

PlotStyle plot_style(const Palette& pal) {
  PlotStyle st;
  st.line = pal.field_text[0];
  st.gap = fade(pal.error_text, 0.6f);
  st.cursor = pal.cursor;
  st.frame = pal.dim_text;
  st.text = pal.dim_text;
  return st;
}

std::string number_text(const Watch& w, double v) {
  if (!w.known) return "?";
  return scalar_is_float(w.target.type) ? fmt::format("{:g}", v) : fmt::format("{:.0f}", v);
}

std::string ago_text(int64_t then_ns, int64_t now_ns) {
  if (then_ns == 0) return "never";
  const double s = static_cast<double>(now_ns - then_ns) / 1e9;
  return s < 60 ? fmt::format("{:.1f} s ago", s) : fmt::format("{:.0f} min ago", s / 60);
}

void add_from_box(WatchesState& s, const WatchesContext& ctx) {
  Result<WatchTarget> t = parse_watch_address(s.add_text, ctx.info);
  if (!t) {
    s.set_message(t.error().message, true);
    return;
  }
  s.add_requests.push_back(std::move(*t));
  s.add_text.clear();
}

void draw_add_line(WatchesState& s, const WatchesContext& ctx) {
  const float cw = ImGui::CalcTextSize("0").x;
  ImGui::SetNextItemWidth(cw * 22);
  const bool enter = ImGui::InputTextWithHint("##watchadd", "u32@0x40, be:u16@0x10", &s.add_text,
                                              ImGuiInputTextFlags_EnterReturnsTrue);
  s.add_box = WidgetRect::last_item();
  ImGui::SameLine();
  const bool add = ImGui::Button("Add");
  s.add_button = WidgetRect::last_item();
  if (enter || add) add_from_box(s, ctx);
  ImGui::SameLine();
  if (ImGui::Button("Add selection")) {
    Result<WatchTarget> t = watch_selection(ctx.hex.selection_or_cursor());
    if (t) {
      s.add_requests.push_back(std::move(*t));
    } else {
      s.set_message(t.error().message, true);
    }
  }
  s.add_selection_button = WidgetRect::last_item();
  if (age_message(s.message, s.message_is_error, s.message_clock, ctx.now_ns)) {
    draw_message_line(s.message, s.message_is_error ? ctx.palette.error_text : ctx.palette.ok_text);
  } else {
    draw_message_line("", ctx.palette.ok_text);
  }
}

void draw_row(WatchesState& s, const WatchesContext& ctx, Watch& w, size_t i) {
  const Palette& pal = ctx.palette;
  const float cw = ImGui::CalcTextSize("0").x;
  ImGui::TableNextRow();
  ImGui::PushID(w.id);
  ImGui::TableSetColumnIndex(0);
  const std::string label = w.frozen() ? w.name + "  [frozen]" : w.name;
  if (ImGui::Selectable(
          label.c_str(), s.selected == w.id,
          ImGuiSelectableFlags_SpanAllColumns | ImGuiSelectableFlags_AllowItemOverlap)) {
    s.selected = w.id;
  }
  s.row_rects[i] = WidgetRect::last_item();
  ImGui::TableSetColumnIndex(1);
  ImGui::TextColored(col4(pal.dim_text), "%s%s", w.target.endian == Endian::big ? "be " : "",
                     scalar_name(w.target.type));
  ImGui::TableSetColumnIndex(2);
  const float glow = change_glow(w.last_change_ns, ctx.now_ns, ctx.fade_seconds);
  if (glow > 0) ImGui::TableSetBgColor(ImGuiTableBgTarget_CellBg, fade(pal.glow, glow));
  if (w.known && !w.readable) {
    ImGui::TextColored(col4(pal.stale), "%s", w.text.c_str());
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("unreadable now: the last value read");
  } else {
    ImGui::TextUnformatted(w.text.c_str());
  }
  ImGui::TableSetColumnIndex(3);
  ImGui::TextUnformatted(number_text(w, w.min).c_str());
  ImGui::TableSetColumnIndex(4);
  ImGui::TextUnformatted(number_text(w, w.max).c_str());
  ImGui::TableSetColumnIndex(5);
  ImGui::Text("%llu", static_cast<unsigned long long>(w.changes));
  ImGui::TableSetColumnIndex(6);
  ImGui::TextColored(col4(pal.dim_text), "%s", ago_text(w.last_change_ns, ctx.now_ns).c_str());
  ImGui::TableSetColumnIndex(7);
  draw_sparkline(w.spark, w.history, !scalar_is_float(w.target.type), ctx.now_ns, kSparkSpanS,
                 ImVec2(cw * 14, ImGui::GetTextLineHeight()), plot_style(pal));
  ImGui::TableSetColumnIndex(8);
  if (ImGui::SmallButton("x")) s.remove_requests.push_back(w.id);
  ImGui::PopID();
}

void draw_table(WatchesState& s, const WatchesContext& ctx, float height) {
  const float cw = ImGui::CalcTextSize("0").x;
  s.row_rects.assign(s.watches.size(), WidgetRect{});
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV |
                                ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingFixedFit;
  if (!ImGui::BeginTable("##watches", 9, flags, ImVec2(0, height))) return;
  ImGui::TableSetupScrollFreeze(0, 1);
  ImGui::TableSetupColumn("name", ImGuiTableColumnFlags_WidthStretch);
  ImGui::TableSetupColumn("type", ImGuiTableColumnFlags_WidthFixed, cw * 6);
  ImGui::TableSetupColumn("value", ImGuiTableColumnFlags_WidthFixed, cw * 12);
  ImGui::TableSetupColumn("min", ImGuiTableColumnFlags_WidthFixed, cw * 8);
  ImGui::TableSetupColumn("max", ImGuiTableColumnFlags_WidthFixed, cw * 8);
  ImGui::TableSetupColumn("changes", ImGuiTableColumnFlags_WidthFixed, cw * 7);
  ImGui::TableSetupColumn("last change", ImGuiTableColumnFlags_WidthFixed, cw * 11);
  ImGui::TableSetupColumn("history", ImGuiTableColumnFlags_WidthFixed, cw * 14);
  ImGui::TableSetupColumn("##x", ImGuiTableColumnFlags_WidthFixed, cw * 2);
  ImGui::TableHeadersRow();
  // Only the visible rows are drawn: fifty watches cost what the dozen on screen cost.
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(s.watches.size()));
  while (clipper.Step()) {
    for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
      draw_row(s, ctx, *s.watches[static_cast<size_t>(i)], static_cast<size_t>(i));
    }
  }
  ImGui::EndTable();
}

void draw_freeze(WatchesState& s, const WatchesContext& ctx, Watch& w) {
  const float cw = ImGui::CalcTextSize("0").x;
  bool on = w.frozen();
  if (ImGui::Checkbox("Freeze", &on)) s.freeze_requests.push_back({w.id, on});
  s.freeze_box = WidgetRect::last_item();
  ImGui::SameLine();
  ImGui::BeginDisabled(w.frozen());
  ImGui::SetNextItemWidth(cw * 12);
  ImGui::InputTextWithHint("##freezevalue", w.text.c_str(), &w.freeze_text);
  s.freeze_value_box = WidgetRect::last_item();
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("the value to hold (empty: the current value)");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(cw * 15);
  int mode = static_cast<int>(w.freeze_mode);
  const char* modes[] = {freeze_mode_name(FreezeMode::exact),
                         freeze_mode_name(FreezeMode::allow_increase),
                         freeze_mode_name(FreezeMode::allow_decrease)};
  if (ImGui::Combo("##freezemode", &mode, modes, 3)) w.freeze_mode = static_cast<FreezeMode>(mode);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(cw * 10);
  ImGui::SliderFloat("##interval", &w.freeze_interval_ms, 1.0f, 10000.0f, "every %.0f ms",
                     ImGuiSliderFlags_Logarithmic | ImGuiSliderFlags_AlwaysClamp);
  s.interval_box = WidgetRect::last_item();
  ImGui::EndDisabled();
  if (w.freeze && w.freeze_status) {
    if (auto st = w.freeze_status->latest()) {
      ImGui::TextColored(col4(ctx.palette.dim_text), "holding %s: %s, %s, %s allowed",
                         decode_scalar(w.target.type, st->held, w.target.endian).c_str(),
                         counted(st->writes, "write", "writes").c_str(),
                         counted(st->fights, "fight", "fights").c_str(),
                         std::to_string(st->allowed).c_str());
    }
  }
  if (!w.freeze_error.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, ctx.palette.error_text);
    ImGui::TextWrapped("%s", w.freeze_error.c_str());
    ImGui::PopStyleColor();
  }
}

void draw_selected(WatchesState& s, const WatchesContext& ctx, Watch& w) {
  const float lh = ImGui::GetTextLineHeightWithSpacing();
  const PlotFrame pf =
      draw_plot("##plot", w, ctx.now_ns, s.cursor_ns, s.plot_span_s,
                ImVec2(ImGui::GetContentRegionAvail().x, lh * 8), plot_style(ctx.palette));
  s.plot_rect = pf.rect;
  s.plot_hover = pf.hover;
  s.plot_span_s = pf.span_s;
  const float cw = ImGui::CalcTextSize("0").x;
  ImGui::SetNextItemWidth(cw * 28);
  ImGui::InputTextWithHint("##csv", "file path for CSV", &s.csv_path);
  s.csv_box = WidgetRect::last_item();
  ImGui::SameLine();
  if (ImGui::Button("Export CSV")) {
    const Status st = watch_export_csv(w, s.csv_path, ctx.now_ns);
    s.set_message(
        st ? fmt::format("wrote {} samples of {} to {}", w.history.size(), w.name, s.csv_path)
           : st.error().message,
        !st.ok());
  }
  s.csv_button = WidgetRect::last_item();
  draw_freeze(s, ctx, w);
}

}  // namespace

std::string watches_tab_label(const WatchesState& s) {
  size_t frozen = 0;
  for (const auto& w : s.watches) frozen += w->frozen() ? 1 : 0;
  if (s.watches.empty()) return "Watches###watches";
  if (frozen == 0) return fmt::format("Watches ({})###watches", s.watches.size());
  return fmt::format("Watches ({}, {} frozen)###watches", s.watches.size(), frozen);
}

void draw_watches(WatchesState& s, const WatchesContext& ctx) {
  draw_add_line(s, ctx);
  s.plot_rect = s.csv_box = s.csv_button = s.freeze_box = WidgetRect{};
  s.plot_hover.clear();
  if (s.watches.empty()) {
    s.row_rects.clear();
    ImGui::TextColored(col4(ctx.palette.dim_text),
                       "No watches yet: type TYPE@OFFSET, add the selection, or right-click an "
                       "overlay field.");
    return;
  }
  Watch* sel = s.find(s.selected);
  const float lh = ImGui::GetTextLineHeightWithSpacing();
  const float avail = ImGui::GetContentRegionAvail().y;
  const float table_h = sel ? std::max(lh * 4, avail - lh * 13) : avail;
  draw_table(s, ctx, table_h);
  if (sel) draw_selected(s, ctx, *sel);
}

Result<WatchTarget> watch_field(const Field& f, uint64_t address, std::string name) {
  const bool integer = f.kind == FieldKind::signed_int || f.kind == FieldKind::unsigned_int ||
                       f.kind == FieldKind::boolean || f.kind == FieldKind::enumeration ||
                       f.kind == FieldKind::pointer;
  const bool floating = f.kind == FieldKind::floating && (f.size == 4 || f.size == 8);
  if (f.is_bitfield() || !(integer || floating) ||
      (f.size != 1 && f.size != 2 && f.size != 4 && f.size != 8)) {
    return make_error(Errc::unsupported,
                      fmt::format("{} ({}) cannot be watched: only integers, enums, bools, "
                                  "pointers and floats of 1, 2, 4 or 8 bytes (not bitfields)",
                                  name, f.type));
  }
  WatchTarget t;
  t.address = address;
  t.name = std::move(name);
  const bool sign = integer && f.is_signed && f.kind != FieldKind::pointer;
  switch (f.size) {
    case 1:
      t.type = sign ? ScalarType::i8 : ScalarType::u8;
      break;
    case 2:
      t.type = sign ? ScalarType::i16 : ScalarType::u16;
      break;
    case 4:
      t.type = floating ? ScalarType::f32 : (sign ? ScalarType::i32 : ScalarType::u32);
      break;
    default:
      t.type = floating ? ScalarType::f64 : (sign ? ScalarType::i64 : ScalarType::u64);
      break;
  }
  return t;
}

bool take_overlay_watches(OverlayPanelState& overlays, WatchesState& watches) {
  bool any = false;
  for (const auto& [id, key] : overlays.watch_requests) {
    Overlay* o = overlays.find(id);
    if (!o) continue;
    for (const OverlayRow& r : o->rows()) {
      if (r.kind != OverlayRow::Kind::field || r.key != key) continue;
      Result<WatchTarget> t = watch_field(r.field, r.first, o->title + "." + key);
      if (t) {
        watches.add_requests.push_back(std::move(*t));
      } else {
        watches.set_message(t.error().message, true);
      }
      any = true;
      break;
    }
  }
  overlays.watch_requests.clear();
  return any;
}

}  // namespace memview::gui
