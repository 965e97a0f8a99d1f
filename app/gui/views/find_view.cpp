#include "views/find_view.h"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "change_glow.h"
#include "memview/numbers.h"
#include "memview/value_codec.h"
#include "words.h"

namespace memview::gui {

namespace {

constexpr std::array kTypes = {ScanType::i8,  ScanType::u8,      ScanType::i16,
                               ScanType::u16, ScanType::i32,     ScanType::u32,
                               ScanType::i64, ScanType::u64,     ScanType::f32,
                               ScanType::f64, ScanType::any_int, ScanType::any_number};
constexpr std::array kFirstOps = {ScanOp::eq, ScanOp::ne,    ScanOp::lt,
                                  ScanOp::gt, ScanOp::range, ScanOp::unknown};
constexpr std::array kNextOps = {ScanOp::eq,           ScanOp::ne,          ScanOp::lt,
                                 ScanOp::gt,           ScanOp::range,       ScanOp::changed,
                                 ScanOp::unchanged,    ScanOp::increased,   ScanOp::decreased,
                                 ScanOp::increased_by, ScanOp::decreased_by};

bool is_float_type(ScanType t) {
  return t == ScanType::f32 || t == ScanType::f64 || t == ScanType::any_number;
}

bool op_takes_value(ScanOp op) {
  return op == ScanOp::eq || op == ScanOp::ne || op == ScanOp::lt || op == ScanOp::gt ||
         op == ScanOp::range || op == ScanOp::increased_by || op == ScanOp::decreased_by;
}

Endian endian_of(const FindState& s) {
  const std::shared_ptr<const ScanState>& st = s.index().state();
  if (st) return st->options.endian;
  return s.form.big_endian ? Endian::big : Endian::little;
}

void text_dim(const Palette& pal, const std::string& text) {
  ImGui::PushStyleColor(ImGuiCol_Text, pal.dim_text);
  ImGui::TextWrapped("%s", text.c_str());
  ImGui::PopStyleColor();
}

template <typename T, size_t N, typename Label>
void combo(const char* id, float width, T& value, const std::array<T, N>& items, Label label) {
  ImGui::SetNextItemWidth(width);
  if (!ImGui::BeginCombo(id, label(value))) return;
  for (T item : items) {
    if (ImGui::Selectable(label(item), item == value)) value = item;
  }
  ImGui::EndCombo();
}

// The type and condition pickers, the value box(es), alignment, byte order, tolerance.
void draw_value_form(FindState& s, const Palette& pal) {
  FindForm& f = s.form;
  const float cw = ImGui::CalcTextSize("0").x;
  const bool narrowing = s.history.current() != nullptr;
  combo("##type", cw * 12, f.type, kTypes, [](ScanType t) { return scan_type_name(t); });
  ImGui::SameLine();
  ScanOp& op = narrowing ? f.next_op : f.first_op;
  if (narrowing) {
    combo("##op", cw * 22, op, kNextOps, find_op_label);
  } else {
    combo("##op", cw * 22, op, kFirstOps, find_op_label);
  }
  if (op_takes_value(op)) {
    if (s.focus_request) ImGui::SetKeyboardFocusHere();
    ImGui::SetNextItemWidth(op == ScanOp::range ? cw * 14 : cw * 24);
    const bool enter = ImGui::InputTextWithHint("##value", "value: 42, 0x2a, 3.14", &f.a,
                                                ImGuiInputTextFlags_EnterReturnsTrue);
    s.value_box = WidgetRect::last_item();
    if (enter) s.request = narrowing ? FindAction::next_scan : FindAction::first_scan;
    if (op == ScanOp::range) {
      ImGui::SameLine();
      ImGui::TextUnformatted("to");
      ImGui::SameLine();
      ImGui::SetNextItemWidth(cw * 14);
      ImGui::InputTextWithHint("##value_b", "high", &f.b);
    }
  } else {
    s.value_box = WidgetRect{};
  }
  s.focus_request = false;
  ImGui::Checkbox("every byte", &f.every_byte);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("unaligned positions too (default: natural alignment)");
  ImGui::SameLine();
  ImGui::Checkbox("big-endian", &f.big_endian);
  if (is_float_type(f.type)) {
    ImGui::SameLine();
    using Mode = FloatTolerance::Mode;
    constexpr std::array kModes = {Mode::rounded, Mode::exact, Mode::epsilon};
    combo("##tol", cw * 12, f.tolerance.mode, kModes, [](Mode m) {
      return m == Mode::exact ? "exact" : m == Mode::rounded ? "rounded" : "within +-e";
    });
    if (f.tolerance.mode == Mode::epsilon) {
      ImGui::SameLine();
      ImGui::SetNextItemWidth(cw * 10);
      ImGui::InputDouble("e##eps", &f.tolerance.epsilon, 0, 0, "%g");
    }
  }
  if (narrowing) {
    ImGui::Checkbox("compare with the first scan", &f.vs_first);
    if (ImGui::IsItemHovered()) {
      ImGui::SetTooltip("changed/increased/...: against each candidate's first-scan value");
    }
  }
  (void)pal;
}

void draw_value_buttons(FindState& s) {
  const bool busy = s.busy();
  const bool have = s.history.current() != nullptr;
  ImGui::BeginDisabled(busy);
  if (ImGui::Button(have ? "New scan" : "First scan")) {
    s.request = have ? FindAction::clear : FindAction::first_scan;
  }
  s.first_button = WidgetRect::last_item();
  ImGui::SameLine();
  ImGui::BeginDisabled(!have);
  if (ImGui::Button("Next scan")) s.request = FindAction::next_scan;
  s.next_button = WidgetRect::last_item();
  ImGui::SameLine();
  ImGui::BeginDisabled(!s.history.can_undo());
  if (ImGui::Button("Undo")) s.request = FindAction::undo;
  s.undo_button = WidgetRect::last_item();
  ImGui::EndDisabled();
  ImGui::EndDisabled();
  ImGui::EndDisabled();
}

void draw_pattern_form(FindState& s) {
  FindForm& f = s.form;
  const float cw = ImGui::CalcTextSize("0").x;
  constexpr std::array kKinds = {PatternKind::hex, PatternKind::text, PatternKind::utf16,
                                 PatternKind::regex};
  combo("##kind", cw * 12, f.pattern_kind, kKinds, [](PatternKind k) {
    switch (k) {
      case PatternKind::hex:
        return "hex bytes";
      case PatternKind::text:
        return "text";
      case PatternKind::utf16:
        return "UTF-16 text";
      case PatternKind::regex:
        return "regex";
    }
    return "?";
  });
  if (f.pattern_kind == PatternKind::regex && ImGui::IsItemHovered()) {
    ImGui::SetTooltip(
        "PCRE2 over the raw bytes (\\x00, [\\x80-\\xff]); a match may cross a "
        "16 MiB block boundary by at most 4096 bytes");
  }
  ImGui::SameLine();
  if (s.focus_request) ImGui::SetKeyboardFocusHere();
  s.focus_request = false;
  ImGui::SetNextItemWidth(cw * 26);
  const char* hint = f.pattern_kind == PatternKind::hex     ? "de ad ?? ef"
                     : f.pattern_kind == PatternKind::regex ? "ab[0-9]+\\x00"
                                                            : "text";
  const bool enter =
      ImGui::InputTextWithHint("##pattern", hint, &f.pattern, ImGuiInputTextFlags_EnterReturnsTrue);
  s.value_box = WidgetRect::last_item();
  if (f.pattern_kind != PatternKind::hex) {
    ImGui::SameLine();
    ImGui::Checkbox("ignore case", &f.ignore_case);
  }
  ImGui::BeginDisabled(s.busy());
  if (ImGui::Button("Find") || (enter && !s.busy())) s.request = FindAction::find_pattern;
  s.find_button = WidgetRect::last_item();
  ImGui::EndDisabled();
}

// The running job: a progress bar with rate and ETA, and Cancel.
void draw_progress(FindState& s) {
  if (!s.worker) {
    s.cancel_button = WidgetRect{};
    s.progress_drawn = -1;
    s.progress_text.clear();
    return;
  }
  const WorkerProgress p = s.worker->progress();
  const double rate = p.rate();
  const double eta = p.eta_seconds();
  std::string text =
      fmt::format("{:.0f}%  {}/s", p.fraction() * 100.0, bytes_text(static_cast<uint64_t>(rate)));
  if (eta >= 0) text += fmt::format("  ETA {:.1f} s", eta);
  const float cw = ImGui::CalcTextSize("0").x;
  s.progress_drawn = static_cast<float>(p.fraction());
  ImGui::ProgressBar(s.progress_drawn, ImVec2(-cw * 10, 0), text.c_str());
  ImGui::SameLine();
  if (ImGui::Button("Cancel")) s.request = FindAction::cancel;
  s.cancel_button = WidgetRect::last_item();
  // What the job is at: the candidates a first scan has found so far.
  s.progress_text = p.stage;
  ImGui::TextUnformatted(s.progress_text.c_str());
}

std::string position_text(const SourceInfo& info, uint64_t address) {
  const bool addresses = std::string_view(position_word(info)) == "address";
  return fmt::format("0x{:x}", addresses ? address : address - info.base);
}

// The current value of a row from what the poll read, and how strongly it glows.
std::string current_text(const FindState& s, const FindResultRow& r, const FindViewContext& ctx,
                         float& glow) {
  glow = 0;
  std::byte buf[64];
  const size_t n = std::min(r.width, sizeof buf);
  size_t have = 0;
  while (have < n) {
    const TrackedBytes t = ctx.tracker.row(r.address + have, n - have);
    if (t.length == 0) break;
    size_t i = 0;
    for (; i < t.length; ++i) {
      if (!(t.flags[i] & kKnown) || (t.flags[i] & kUnreadable)) break;
      buf[have + i] = t.values[i];
      glow = std::max(glow, change_glow(t.changed_ns[i], ctx.now_ns, ctx.fade_seconds));
    }
    have += i;
    if (i < t.length) break;
  }
  if (have < n) return "?";
  if (s.results_mode == FindMode::pattern) return format_hex_bytes(buf, std::min<size_t>(n, 16));
  return decode_scalar(r.type, std::span<const std::byte>(buf, n), endian_of(s));
}

void say_watch_added(FindState& s, const WatchTarget& t, const FindViewContext& ctx) {
  s.message = fmt::format("watching {} (Watches panel)", watch_address_text(t, ctx.info));
  s.message_is_error = false;
  s.message_clock.restart();
}

void draw_row_menu(FindState& s, FindViewContext& ctx, const FindResultRow& r, uint64_t i) {
  if (!ImGui::BeginPopupContextItem("##rowmenu")) return;
  if (ImGui::MenuItem("Go to")) {
    hex_view_move_cursor(ctx.hex, ctx.info, {.address = r.address, .reveal = CursorReveal::center});
  }
  if (ImGui::MenuItem("Add as bookmark")) {
    ctx.bookmarks.add_requests.push_back(
        {fmt::format("find {}", position_text(ctx.info, r.address)), r.address});
  }
  s.bookmark_menu_item = WidgetRect::last_item();
  // A watch reads a scalar: pattern matches have no type to watch.
  const bool typed = s.results_mode == FindMode::value;
  if (ImGui::MenuItem("Add as watch", nullptr, false, typed)) {
    WatchTarget t{r.type, endian_of(s), r.address, {}};
    say_watch_added(s, t, ctx);
    ctx.watches.add_requests.push_back(std::move(t));
  }
  s.watch_menu_item = WidgetRect::last_item();
  if (ImGui::MenuItem("Copy address")) {
    ImGui::SetClipboardText(fmt::format("0x{:x}", r.address).c_str());
  }
  const bool editable = s.results_mode == FindMode::value && ctx.editor && ctx.info.writable;
  if (ImGui::MenuItem("Edit value", nullptr, false, editable)) {
    s.editing_row = static_cast<int64_t>(i);
    s.edit.start({});
  }
  ImGui::EndPopup();
}

void draw_value_cell(FindState& s, FindViewContext& ctx, uint64_t i, FindRowView& view) {
  if (s.editing_row == static_cast<int64_t>(i)) {
    const InlineEdit::Event ev = s.edit.draw(s.edit_rect);
    view.value_rect = s.edit_rect;
    if (ev == InlineEdit::Event::commit) {
      const Status st = find_write_value(s, ctx, i, s.edit.text);
      s.edit.committed(st.ok());
      if (st.ok()) s.editing_row = -1;
    } else if (ev == InlineEdit::Event::cancel) {
      s.editing_row = -1;
      s.edit.cancelled();
    }
    return;
  }
  if (view.glow > 0) {
    const ImVec2 p = ImGui::GetCursorScreenPos();
    const ImU32 a = static_cast<ImU32>(((ctx.palette.glow >> IM_COL32_A_SHIFT) & 0xFF) * view.glow);
    ImGui::GetWindowDrawList()->AddRectFilled(
        p, ImVec2(p.x + ImGui::GetContentRegionAvail().x, p.y + ImGui::GetTextLineHeight()),
        (ctx.palette.glow & ~IM_COL32_A_MASK) | (a << IM_COL32_A_SHIFT));
  }
  ImGui::TextUnformatted(view.current.c_str());
  view.value_rect = WidgetRect::last_item();
  const bool editable = s.results_mode == FindMode::value && ctx.editor && ctx.info.writable;
  if (editable && ImGui::IsItemHovered()) {
    ImGui::SetTooltip("double-click to edit");
    if (ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left)) {
      s.editing_row = static_cast<int64_t>(i);
      s.edit.start(view.current == "?" ? std::string{} : view.current);
    }
  }
}

void draw_row(FindState& s, FindViewContext& ctx, uint64_t i) {
  const std::optional<FindResultRow> r = find_result_row(s, i);
  if (!r) return;
  FindRowView view;
  view.address = r->address;
  view.current = current_text(s, *r, ctx, view.glow);
  if (r->previous) {
    view.previous =
        decode_scalar(r->type, std::span<const std::byte>(r->previous, r->width), endian_of(s));
  }
  ImGui::PushID(static_cast<int>(i % 1'000'000));
  ImGui::TableNextRow();
  ImGui::TableSetColumnIndex(0);
  const std::string pos = position_text(ctx.info, r->address);
  if (ImGui::Selectable(pos.c_str(), ctx.hex.cursor == r->address,
                        ImGuiSelectableFlags_AllowItemOverlap)) {
    hex_view_move_cursor(ctx.hex, ctx.info,
                         {.address = r->address, .reveal = CursorReveal::center});
  }
  view.rect = WidgetRect::last_item();
  draw_row_menu(s, ctx, *r, i);
  ImGui::TableSetColumnIndex(1);
  draw_value_cell(s, ctx, i, view);
  if (s.results_mode == FindMode::value) {
    ImGui::TableSetColumnIndex(2);
    ImGui::TextUnformatted(view.previous.c_str());
    ImGui::TableSetColumnIndex(3);
    ImGui::TextUnformatted(scalar_name(r->type));
  }
  ImGui::PopID();
  s.rows.push_back(std::move(view));
}

void draw_results(FindState& s, FindViewContext& ctx) {
  s.rows.clear();
  const uint64_t total = s.result_count();
  if (total == 0) return;
  const uint64_t listed = std::min(total, kFindMaxTableRows);
  const Palette& pal = ctx.palette;
  if (listed < total) {
    text_dim(pal, fmt::format("the first {} of {} are listed: narrow further", listed, total));
  }
  const bool value = s.results_mode == FindMode::value;
  const float cw = ImGui::CalcTextSize("0").x;
  if (!ImGui::BeginTable("##findresults", value ? 4 : 2,
                         ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV |
                             ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingFixedFit,
                         ImVec2(0, std::max(ImGui::GetContentRegionAvail().y, cw * 8)))) {
    return;
  }
  ImGui::TableSetupScrollFreeze(0, 1);
  ImGui::TableSetupColumn(position_word(ctx.info), ImGuiTableColumnFlags_WidthFixed, cw * 18);
  ImGui::TableSetupColumn(value ? "value" : "bytes", ImGuiTableColumnFlags_WidthStretch);
  if (value) {
    ImGui::TableSetupColumn("previous", ImGuiTableColumnFlags_WidthStretch);
    ImGui::TableSetupColumn("type", ImGuiTableColumnFlags_WidthFixed, cw * 4);
  }
  ImGui::TableHeadersRow();
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(listed));
  uint64_t first = UINT64_MAX, last = 0;
  while (clipper.Step()) {
    for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
      const auto row = static_cast<uint64_t>(i);
      first = std::min(first, row);
      last = std::max(last, row + 1);
      draw_row(s, ctx, row);
    }
  }
  ImGui::EndTable();
  s.visible_first = first == UINT64_MAX ? 0 : first;
  s.visible_last = last;
}

}  // namespace

std::string find_tab_label(const FindState& s) {
  const uint64_t n = s.result_count();
  if (n == 0) return "Find###find";
  return fmt::format("Find ({})###find", n);
}

Status find_write_value(FindState& s, FindViewContext& ctx, uint64_t row, const std::string& text) {
  const std::optional<FindResultRow> r = find_result_row(s, row);
  if (!r || s.results_mode != FindMode::value) {
    return make_error(Errc::invalid_argument, "no such result");
  }
  if (!ctx.editor) return make_error(Errc::unsupported, "this view cannot edit");
  Result<std::vector<std::byte>> bytes = encode_scalar(r->type, text, endian_of(s));
  Status st = bytes ? ctx.editor->write(r->address, *bytes) : Status(bytes.error());
  s.message = st ? fmt::format("wrote {} at {}", text, position_text(ctx.info, r->address))
                 : fmt::format("cannot write '{}': {}", text, st.error().message);
  s.message_is_error = !st.ok();
  s.message_clock.restart();
  return st;
}

void draw_find(FindState& s, FindViewContext& ctx) {
  s.shown = true;
  const Palette& pal = ctx.palette;
  int mode = s.form.mode == FindMode::value ? 0 : 1;
  ImGui::RadioButton("value", &mode, 0);
  ImGui::SameLine();
  ImGui::RadioButton("pattern", &mode, 1);
  s.form.mode = mode == 0 ? FindMode::value : FindMode::pattern;
  if (s.form.mode == FindMode::value) {
    draw_value_form(s, pal);
    draw_value_buttons(s);
  } else {
    draw_pattern_form(s);
  }
  draw_progress(s);
  if (age_message(s.message, s.message_is_error, s.message_clock, ctx.now_ns)) {
    draw_message_line(s.message, s.message_is_error ? pal.error_text : pal.ok_text);
  } else {
    draw_message_line({}, pal.ok_text);
  }
  const uint64_t n = s.result_count();
  if (s.results_mode == FindMode::value && s.index().state()) {
    const std::string stage = s.history.depth() > 1
                                  ? fmt::format("narrowed {}x", s.history.depth() - 1)
                                  : std::string("first scan");
    ImGui::Text("%llu candidate%s (%s, %s)", static_cast<unsigned long long>(n), n == 1 ? "" : "s",
                scan_type_name(s.index().state()->options.type), stage.c_str());
  } else if (s.results_mode == FindMode::pattern && !s.pattern_desc.empty()) {
    ImGui::Text("%llu match%s", static_cast<unsigned long long>(s.hit_count()),
                s.hit_count() == 1 ? "" : "es");
  }
  draw_results(s, ctx);
}

}  // namespace memview::gui
