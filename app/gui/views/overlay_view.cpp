#include "views/overlay_view.h"

#include <GLFW/glfw3.h>
#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <cctype>
#include <cmath>

#include <fmt/format.h>

#include "memview/numbers.h"
#include "text_match.h"

namespace memview::gui {

namespace {

constexpr size_t kRowMargin = 8;  // rows polled beyond the visible ones (scrolling)
constexpr const char* kStandards[] = {"c11",   "c17",   "gnu11",   "gnu17",
                                      "c++14", "c++17", "gnu++17", "c++20"};

ImVec4 col4(ImU32 c) {
  return ImGui::ColorConvertU32ToFloat4(c);
}

ImU32 with_alpha(ImU32 c, float a) {
  const float base = static_cast<float>((c >> IM_COL32_A_SHIFT) & 0xFF);
  const ImU32 alpha = static_cast<ImU32>(std::clamp(base * a, 0.0f, 255.0f));
  return (c & ~IM_COL32_A_MASK) | (alpha << IM_COL32_A_SHIFT);
}

std::string type_text(const Field& f) {
  if (f.bit_width) return fmt::format("{} : {}", f.type, f.bit_width);
  return f.type;
}

std::string offset_text(const Field& f) {
  if (f.bit_width) return fmt::format("0x{:x}.{}", f.bit_offset / 8, f.bit_offset % 8);
  return fmt::format("0x{:x}", f.offset);
}

const OverlayRow* find_row(Overlay& o, const std::string& key) {
  for (const OverlayRow& r : o.rows()) {
    if (r.kind == OverlayRow::Kind::field && r.key == key) return &r;
  }
  return nullptr;
}

void request_row(const OverlayRow& r, Poller& poller) {
  if (r.kind != OverlayRow::Kind::field || r.length == 0) return;
  if (r.field.kind == FieldKind::record && !r.field.record) return;  // its members are rows
  poller.request({r.first, std::min(r.length, Overlay::kMaxValueBytes)});
}

}  // namespace

WidgetRect WidgetRect::last_item() {
  return {ImGui::GetItemRectMin(), ImGui::GetItemRectMax()};
}

Overlay* OverlayPanelState::find(int id) {
  for (auto& o : overlays) {
    if (o->id == id) return o.get();
  }
  return nullptr;
}

Overlay* OverlayPanelState::add(std::unique_ptr<Overlay> overlay) {
  overlay->id = next_id++;
  overlays.push_back(std::move(overlay));
  return overlays.back().get();
}

void OverlayPanelState::remove(int id) {
  overlays.erase(
      std::remove_if(overlays.begin(), overlays.end(), [id](const auto& o) { return o->id == id; }),
      overlays.end());
  if (edit_overlay == id) edit_overlay = 0;
}

bool OverlayPanelState::any_pending() const {
  for (const auto& o : overlays) {
    if (o->state() == Overlay::State::waiting || o->state() == Overlay::State::computing) {
      return true;
    }
  }
  return false;
}

size_t OverlayPanelState::total_rows() {
  size_t n = 0;
  for (auto& o : overlays) n += o->rows().size();
  return n;
}

Result<uint64_t> parse_overlay_offset(std::string_view text, const SourceInfo& info) {
  auto v = parse_u64(text, "offset");
  if (!v.ok()) return v.error();
  const uint64_t x = v.value();
  if (info.base != 0 && x >= info.base && x - info.base < info.size) return x;
  if (x < info.size) return info.base + x;
  return make_error(Errc::out_of_range,
                    fmt::format("offset {} (0x{:x}) is outside the object (size {} = 0x{:x})", x, x,
                                info.size, info.size));
}

void overlay_goto_row(const OverlayRow& row, HexViewState& hex, const SourceInfo& info) {
  if (info.size == 0) return;
  const uint64_t len = std::max<uint64_t>(1, row.length);
  hex.cursor = row.first;
  hex.anchor = row.first + len - 1;
  hex.has_anchor = len > 1;
  hex.clamp_to(info);
  hex.pending_nibble = -1;
  hex.scroll_to_cursor = true;
  hex.center_cursor = true;
  hex.focus_request = true;
}

// ---------------------------------------------------------------------------------------
// Per frame: requests, colours, tooltip
// ---------------------------------------------------------------------------------------

void overlay_request(OverlayPanelState& s, Poller& poller) {
  for (auto& o : s.overlays) o->poll();
  // The rows the tree showed last frame (and a few around them, for scrolling).
  const size_t lo = s.visible_first > kRowMargin ? s.visible_first - kRowMargin : 0;
  const size_t hi = s.visible_last + kRowMargin;
  size_t g = 0;
  for (auto& o : s.overlays) {
    const auto& rows = o->rows();
    if (g + rows.size() > lo && g < hi) {
      const size_t from = lo > g ? lo - g : 0;
      const size_t to = std::min(rows.size(), hi - g);
      for (size_t i = from; i < to; ++i) request_row(rows[i], poller);
    }
    g += rows.size();
  }
  if (s.hover_has_field) {
    const ByteRange r = field_range(s.hover_field, s.hover_instance_addr);
    poller.request({r.address, std::min(r.length, Overlay::kMaxValueBytes)});
  }
  if (s.edit_overlay) {
    if (Overlay* o = s.find(s.edit_overlay)) {
      if (const OverlayRow* r = find_row(*o, s.edit_key)) request_row(*r, poller);
    }
  }
}

void overlay_tint(OverlayPanelState& s, const HexViewState& hex, const Palette& pal,
                  HexViewContext& hctx) {
  s.hover_has_field = false;
  s.hover_path.clear();
  s.hover_value.clear();
  s.hover_overlay = 0;
  s.tint_begin = hex.visible_begin;
  s.tint_end = hex.visible_end;
  const size_t n = static_cast<size_t>(s.tint_end - s.tint_begin);
  s.tint.assign(n, 0);
  bool any = false;
  for (auto& o : s.overlays) {
    if (o->state() != Overlay::State::ready || o->leaves().empty()) continue;
    const uint64_t a0 = std::max(o->address, s.tint_begin);
    const uint64_t a1 = std::min(o->end(), s.tint_end);
    if (a0 >= a1) continue;
    const auto& leaves = o->leaves();
    // One modulo for the first byte, then walk the instance offset along.
    const uint64_t size = o->instance_size();
    uint64_t off = (a0 - o->address) % size;
    for (uint64_t a = a0; a < a1; ++a) {
      const int leaf = o->leaf_at(o->address + off);
      if (leaf >= 0) {
        const OverlayLeaf& l = leaves[static_cast<size_t>(leaf)];
        s.tint[a - s.tint_begin] = pal.field_tint[l.hue % Palette::kFieldHues][l.shade & 1];
        any = true;
      }
      if (++off == size) off = 0;
    }
  }
  if (any) {
    hctx.tint = s.tint.data();
    hctx.tint_begin = s.tint_begin;
    hctx.tint_end = s.tint_end;
  }
}

void overlay_tooltip(OverlayPanelState& s, uint64_t address, const ChangeTracker& tracker,
                     const Palette& pal, int64_t now_ns, float fade_seconds) {
  // The most recently placed overlay wins where overlays overlap.
  for (auto it = s.overlays.rbegin(); it != s.overlays.rend(); ++it) {
    Overlay& o = **it;
    if (o.state() != Overlay::State::ready) continue;
    const int leaf = o.leaf_at(address);
    if (leaf < 0) continue;
    const OverlayLeaf& l = o.leaves()[static_cast<size_t>(leaf)];
    const uint64_t k = o.instance_of(address);
    const uint64_t inst = o.address + k * o.instance_size();
    const RowValue v = overlay_field_value(l.field, inst, tracker, now_ns, fade_seconds);
    s.hover_overlay = o.id;
    s.hover_path = overlay_key(o, k, l.path);
    s.hover_value = v.text;
    s.hover_field = l.field;
    s.hover_instance_addr = inst;
    s.hover_has_field = true;
    ImGui::Separator();
    ImGui::TextColored(col4(pal.field_text[l.hue % Palette::kFieldHues]), "%s%s", o.title.c_str(),
                       o.count > 1 ? fmt::format("[{}]", k).c_str() : "");
    ImGui::SameLine();
    ImGui::TextUnformatted(l.path.c_str());
    ImGui::TextColored(col4(pal.dim_text), "%s at +%s", type_text(l.field).c_str(),
                       offset_text(l.field).c_str());
    ImGui::Text("= %s", v.text.c_str());
    return;
  }
}

// ---------------------------------------------------------------------------------------
// Writes
// ---------------------------------------------------------------------------------------

Status overlay_panel_write(OverlayPanelState& s, OverlayContext& ctx, int overlay_id,
                           const std::string& key, const std::string& text) {
  Overlay* o = s.find(overlay_id);
  if (!o) return make_error(Errc::not_found, "that overlay is gone");
  const OverlayRow* r = find_row(*o, key);
  if (!r) return make_error(Errc::not_found, fmt::format("no field '{}' in {}", key, o->title));
  if (!ctx.editor) return make_error(Errc::unsupported, "this view cannot edit");
  const Field field = r->field;
  const uint64_t inst = r->instance_addr;
  Status st = overlay_write(*ctx.editor, ctx.info, field, inst, text);
  if (st.ok()) {
    ++s.write_count;
    s.message = fmt::format("{} = {}", key, text);
    s.message_is_error = false;
  } else {
    s.message = st.error().message;
    s.message_is_error = true;
  }
  return st;
}

// ---------------------------------------------------------------------------------------
// The tree
// ---------------------------------------------------------------------------------------

namespace {

// The value cell of a field row: text, or the editor for it.
void draw_value_cell(OverlayPanelState& s, OverlayContext& ctx, Overlay& o, const OverlayRow& r,
                     const RowValue& v, OverlayDrawnRow& drawn) {
  const Palette& pal = ctx.palette;
  const bool editing = s.edit_overlay == o.id && s.edit_key == r.key;
  const bool can_edit = r.editable && v.available && ctx.editor && ctx.info.writable;
  const ImU32 text_col = !v.available ? pal.dim_text : v.own ? pal.own_edit_text : pal.text;
  ImGui::SetNextItemWidth(-FLT_MIN);
  if (editing) {
    if (s.edit_focus) {
      ImGui::SetKeyboardFocusHere();
      s.edit_focus = false;
    }
    const bool enter =
        ImGui::InputText("##edit", &s.edit_text,
                         ImGuiInputTextFlags_EnterReturnsTrue | ImGuiInputTextFlags_AutoSelectAll);
    drawn.value_rect = WidgetRect::last_item();
    if (ImGui::IsItemActive()) s.edit_was_active = true;
    if (enter) {
      const std::string key = s.edit_key;
      const std::string text = s.edit_text;
      Status st = overlay_panel_write(s, ctx, o.id, key, text);
      if (st.ok()) {
        s.edit_overlay = 0;
        s.edit_finished = true;
      } else {
        s.edit_focus = true;  // stay to fix it
        s.edit_was_active = false;
      }
    } else if (s.edit_was_active && !ImGui::IsItemActive()) {
      s.edit_overlay = 0;  // Escape or a click elsewhere: cancelled
      s.edit_finished = true;
    }
    return;
  }
  const Field& f = r.field;
  if (can_edit && f.kind == FieldKind::boolean) {
    bool b = v.value.bits != 0;
    ImGui::PushStyleColor(ImGuiCol_Text, text_col);
    if (ImGui::Checkbox(v.text.c_str(), &b)) {
      (void)overlay_panel_write(s, ctx, o.id, r.key, b ? "true" : "false");
    }
    ImGui::PopStyleColor();
    drawn.value_rect = WidgetRect::last_item();
    return;
  }
  if (can_edit && f.kind == FieldKind::enumeration && !f.constants().empty()) {
    // The combo's own frame (while open, the last item is inside its popup).
    const ImVec2 at = ImGui::GetCursorScreenPos();
    drawn.value_rect = {at, ImVec2(at.x + ImGui::CalcItemWidth(), at.y + ImGui::GetFrameHeight())};
    ImGui::PushStyleColor(ImGuiCol_Text, text_col);
    const bool open = ImGui::BeginCombo("##enum", v.text.c_str());
    ImGui::PopStyleColor();
    if (open) {
      for (const EnumConstant& e : f.constants()) {
        const bool selected = v.value.enumerator == &e;
        if (ImGui::Selectable(fmt::format("{} ({})", e.name, e.value).c_str(), selected)) {
          (void)overlay_panel_write(s, ctx, o.id, r.key, e.name);
        }
        s.popup_items.emplace_back(e.name, WidgetRect::last_item());
      }
      ImGui::EndCombo();
    }
    return;
  }
  ImGui::PushStyleColor(ImGuiCol_Text, text_col);
  const bool clicked = ImGui::Selectable(v.text.empty() ? "##value" : v.text.c_str(), false);
  ImGui::PopStyleColor();
  drawn.value_rect = WidgetRect::last_item();
  if (ImGui::IsItemHovered() && !v.text.empty()) {
    ImGui::SetTooltip("%s%s", v.text.c_str(), can_edit ? "\n(click to edit)" : "");
  }
  if (clicked && can_edit) {
    s.edit_overlay = o.id;
    s.edit_key = r.key;
    s.edit_text = v.text;
    s.edit_focus = true;
    s.edit_was_active = false;
  }
}

void draw_row(OverlayPanelState& s, OverlayContext& ctx, Overlay& o, const OverlayRow& r,
              size_t g) {
  const Palette& pal = ctx.palette;
  OverlayDrawnRow drawn;
  drawn.overlay_id = o.id;
  drawn.key = r.key;
  drawn.label = r.label;
  drawn.editable = r.editable;
  ImGui::TableNextRow();
  ImGui::PushID(static_cast<int>(g));

  // Field column: the tree.
  ImGui::TableSetColumnIndex(0);
  const float indent = ImGui::GetFontSize() * 0.9f * static_cast<float>(r.depth);
  if (indent > 0) ImGui::Indent(indent);
  ImGuiTreeNodeFlags flags = ImGuiTreeNodeFlags_OpenOnArrow | ImGuiTreeNodeFlags_SpanFullWidth |
                             ImGuiTreeNodeFlags_NoTreePushOnOpen;
  if (!r.expandable) flags |= ImGuiTreeNodeFlags_Leaf;
  if (r.expandable) ImGui::SetNextItemOpen(r.expanded, ImGuiCond_Always);
  const bool is_root = r.kind == OverlayRow::Kind::root;
  if (r.kind == OverlayRow::Kind::more) ImGui::PushStyleColor(ImGuiCol_Text, pal.dim_text);
  if (is_root) ImGui::PushStyleColor(ImGuiCol_Text, pal.address);
  const bool open = ImGui::TreeNodeEx("##node", flags, "%s", r.label.c_str());
  if (is_root || r.kind == OverlayRow::Kind::more) ImGui::PopStyleColor();
  drawn.label_rect = WidgetRect::last_item();
  const bool toggled = ImGui::IsItemToggledOpen();
  if (r.expandable && open != r.expanded) o.set_expanded(r.key, open);
  if (ImGui::IsItemClicked() && !toggled && r.kind != OverlayRow::Kind::more &&
      o.state() == Overlay::State::ready) {
    overlay_goto_row(r, ctx.hex, ctx.info);
  }
  if (indent > 0) ImGui::Unindent(indent);

  if (is_root) {
    ImGui::TableSetColumnIndex(1);
    const Layout* l = o.layout();
    ImGui::TextColored(col4(pal.dim_text), "%s", l ? l->type.c_str() : o.type_name.c_str());
    drawn.type = l ? l->type : o.type_name;
    ImGui::TableSetColumnIndex(2);
    // Where it is placed, as an offset in the source (addresses of pid: sources are long).
    drawn.offset = fmt::format("@0x{:x}", o.address - std::min(o.address, ctx.info.base));
    ImGui::TextColored(col4(pal.address), "%s", drawn.offset.c_str());
    if (ImGui::IsItemHovered()) {
      ImGui::SetTooltip("address 0x%llx", static_cast<unsigned long long>(o.address));
    }
    ImGui::TableSetColumnIndex(3);
    switch (o.state()) {
      case Overlay::State::waiting:
        ImGui::TextColored(col4(pal.dim_text), "parsing %s...", o.origin.display_name().c_str());
        drawn.value = "parsing";
        break;
      case Overlay::State::computing:
        ImGui::TextColored(col4(pal.dim_text), "computing the layout...");
        drawn.value = "computing";
        break;
      case Overlay::State::failed:
        ImGui::PushStyleColor(ImGuiCol_Text, pal.error_text);
        ImGui::TextWrapped("%s", o.error().c_str());
        ImGui::PopStyleColor();
        drawn.value = o.error();
        break;
      case Overlay::State::ready: {
        const std::string what =
            o.count > 1 ? fmt::format("{} x {} bytes", o.count, l->size)
                        : fmt::format("{} bytes, {} fields", l->size, l->fields.size());
        ImGui::TextColored(col4(pal.dim_text), "%s", what.c_str());
        drawn.value = what;
        break;
      }
    }
    ImGui::SameLine();
    const bool remove = ImGui::SmallButton("remove");
    drawn.remove_rect = WidgetRect::last_item();
    if (remove) {
      ImGui::PopID();
      s.drawn.push_back(std::move(drawn));
      s.remove(o.id);
      return;
    }
    ImGui::PopID();
    s.drawn.push_back(std::move(drawn));
    return;
  }
  if (r.kind != OverlayRow::Kind::field) {
    if (r.kind == OverlayRow::Kind::instance) {
      ImGui::TableSetColumnIndex(2);
      drawn.offset = fmt::format("0x{:x}", r.instance * o.instance_size());
      ImGui::TextColored(col4(pal.dim_text), "%s", drawn.offset.c_str());
    }
    ImGui::PopID();
    s.drawn.push_back(std::move(drawn));
    return;
  }

  // The field the grid's cursor is on (the innermost: records and arrays contain it too).
  const bool leaf = !r.expandable;
  if (leaf && ctx.hex.cursor >= r.first &&
      ctx.hex.cursor - r.first < std::max<uint64_t>(1, r.length)) {
    drawn.at_cursor = true;
    ImGui::TableSetBgColor(ImGuiTableBgTarget_RowBg1, with_alpha(pal.selection, 0.45f));
  }

  // Type and offset (relative to the instance; bitfields: byte.bit).
  ImGui::TableSetColumnIndex(1);
  drawn.type = type_text(r.field);
  ImGui::TextColored(col4(pal.dim_text), "%s", drawn.type.c_str());
  ImGui::TableSetColumnIndex(2);
  drawn.offset = offset_text(r.field);
  ImGui::TextColored(col4(pal.address), "%s", drawn.offset.c_str());
  if (ImGui::IsItemHovered()) {
    if (r.field.bit_width) {
      ImGui::SetTooltip("bit %llu of byte 0x%llx, %u bit(s) wide; address 0x%llx",
                        static_cast<unsigned long long>(r.field.bit_offset % 8),
                        static_cast<unsigned long long>(r.field.bit_offset / 8), r.field.bit_width,
                        static_cast<unsigned long long>(r.first));
    } else {
      ImGui::SetTooltip("%llu bytes at address 0x%llx",
                        static_cast<unsigned long long>(r.field.size),
                        static_cast<unsigned long long>(r.first));
    }
  }

  // Value: lights up when another process changed it, fading like the grid's bytes.
  ImGui::TableSetColumnIndex(3);
  const RowValue v = overlay_row_value(r, ctx.tracker, ctx.now_ns, ctx.hex.fade_seconds);
  if (v.glow > 0) ImGui::TableSetBgColor(ImGuiTableBgTarget_CellBg, with_alpha(pal.glow, v.glow));
  drawn.value = v.text;
  drawn.glow = v.glow;
  drawn.own = v.own;
  const bool is_record = r.field.kind == FieldKind::record && !r.field.record;
  if (!is_record) draw_value_cell(s, ctx, o, r, v, drawn);
  ImGui::PopID();
  s.drawn.push_back(std::move(drawn));
}

}  // namespace

void draw_overlay_tree(OverlayPanelState& s, OverlayContext& ctx) {
  s.drawn.clear();
  s.popup_items.clear();
  if (s.overlays.empty()) {
    s.visible_first = s.visible_last = 0;
    ImGui::TextColored(col4(ctx.palette.dim_text),
                       "No overlays. The \"Add overlay\" tab places a C struct from a header or "
                       "pasted declarations on these bytes.");
    return;
  }
  if (!s.message.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text,
                          s.message_is_error ? ctx.palette.error_text : ctx.palette.dim_text);
    ImGui::TextWrapped("%s", s.message.c_str());
    ImGui::PopStyleColor();
  }
  const ImGuiTableFlags flags = ImGuiTableFlags_ScrollY | ImGuiTableFlags_RowBg |
                                ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_Resizable |
                                ImGuiTableFlags_SizingStretchProp;
  const ImVec2 size(0, std::max(ImGui::GetContentRegionAvail().y, ImGui::GetFrameHeight() * 6));
  // Compact rows: every row (text, checkbox, combo, edit box) is one text line high, which
  // the clipper needs (it assumes rows of equal height).
  ImGui::PushStyleVar(ImGuiStyleVar_FramePadding, ImVec2(ImGui::GetStyle().FramePadding.x, 0));
  // Value widgets (enum combos, checkboxes) as quiet as the text around them.
  ImVec4 frame = ImGui::GetStyle().Colors[ImGuiCol_FrameBg];
  frame.w *= 0.45f;
  ImGui::PushStyleColor(ImGuiCol_FrameBg, frame);
  ImVec4 button = ImGui::GetStyle().Colors[ImGuiCol_Button];
  button.w *= 0.45f;
  ImGui::PushStyleColor(ImGuiCol_Button, button);
  if (!ImGui::BeginTable("##overlaytree", 4, flags, size)) {
    ImGui::PopStyleColor(2);
    ImGui::PopStyleVar();
    return;
  }
  const float cw = ImGui::CalcTextSize("0").x;
  ImGui::TableSetupScrollFreeze(0, 1);
  ImGui::TableSetupColumn("field", ImGuiTableColumnFlags_WidthStretch, 1.5f);
  ImGui::TableSetupColumn("type", ImGuiTableColumnFlags_WidthStretch, 1.0f);
  ImGui::TableSetupColumn("offset", ImGuiTableColumnFlags_WidthFixed, cw * 9);
  ImGui::TableSetupColumn("value", ImGuiTableColumnFlags_WidthStretch, 1.5f);
  ImGui::TableHeadersRow();

  const size_t total = s.total_rows();
  if (s.scroll_to_row >= 0) {
    const float row_h = ImGui::GetTextLineHeight() + 2 * ImGui::GetStyle().CellPadding.y;
    ImGui::SetScrollY(
        std::max(0.0f, row_h * static_cast<float>(s.scroll_to_row) - ImGui::GetWindowHeight() / 3));
    s.scroll_to_row = -1;
  }
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(total));
  size_t first = total, last = 0;
  bool removed = false;
  while (!removed && clipper.Step()) {
    const size_t a = static_cast<size_t>(clipper.DisplayStart);
    const size_t b = static_cast<size_t>(clipper.DisplayEnd);
    if (b > a + 1 || a > 0) {  // not just the measuring row
      first = std::min(first, a);
      last = std::max(last, b);
    }
    // Walk the overlays once per step instead of looking every row up from the start.
    size_t g = 0;
    for (size_t oi = 0; oi < s.overlays.size() && g < b && !removed; ++oi) {
      Overlay& o = *s.overlays[oi];
      const auto& rows = o.rows();
      const size_t n_before = s.overlays.size();
      for (size_t i = 0; i < rows.size() && g < b; ++i, ++g) {
        if (g < a) continue;
        draw_row(s, ctx, o, rows[i], g);
        if (s.overlays.size() != n_before) {  // "remove" was clicked: rows are gone
          removed = true;
          break;
        }
      }
    }
  }
  if (removed) {
    // Finish the frame's table without the removed overlay; ImGui needs the clipper ended.
    clipper.End();
  }
  s.visible_first = first == total ? 0 : first;
  s.visible_last = last;
  ImGui::EndTable();
  ImGui::PopStyleColor(2);
  ImGui::PopStyleVar();
}

// ---------------------------------------------------------------------------------------
// The form
// ---------------------------------------------------------------------------------------

OverlayFormAction draw_overlay_form(OverlayFormState& f, DeclLibrary& library,
                                    const SourceInfo* info, uint64_t cursor, const Palette& pal) {
  OverlayFormAction act;
  const float cw = ImGui::CalcTextSize("0").x;

  // 1. Declarations.
  if (ImGui::RadioButton("header file", !f.paste_mode)) f.paste_mode = false;
  f.mode_header = WidgetRect::last_item();
  ImGui::SameLine();
  if (ImGui::RadioButton("paste declarations", f.paste_mode)) f.paste_mode = true;
  f.mode_paste = WidgetRect::last_item();
  bool load = false;
  if (!f.paste_mode) {
    ImGui::SetNextItemWidth(-cw * 8);
    load |= ImGui::InputTextWithHint("##header", "/path/to/header.h", &f.header_path,
                                     ImGuiInputTextFlags_EnterReturnsTrue);
    f.path_box = WidgetRect::last_item();
    ImGui::SameLine();
    load |= ImGui::Button("Load");
    f.load_button = WidgetRect::last_item();
  } else {
    ImGui::InputTextMultiline("##paste", &f.pasted,
                              ImVec2(-FLT_MIN, ImGui::GetTextLineHeight() * 7),
                              ImGuiInputTextFlags_AllowTabInput);
    f.paste_box = WidgetRect::last_item();
    load |= ImGui::Button("Parse");
    f.load_button = WidgetRect::last_item();
  }
  // Options: language standard, include directories, definitions.
  ImGui::SetNextItemWidth(cw * 10);
  if (ImGui::BeginCombo("std", f.standard.c_str())) {
    for (const char* s : kStandards) {
      if (ImGui::Selectable(s, f.standard == s)) f.standard = s;
    }
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  ImGui::SetNextItemWidth(cw * 18);
  ImGui::InputTextWithHint("-I", "include dirs", &f.include_dirs);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(cw * 16);
  ImGui::InputTextWithHint("-D", "NAME=VALUE", &f.defines);

  if (load) {
    DeclOrigin o;
    o.kind = f.paste_mode ? DeclOrigin::Kind::text : DeclOrigin::Kind::header;
    if (f.paste_mode) {
      o.text = f.pasted;
    } else {
      o.path = f.header_path;
      while (!o.path.empty() && std::isspace(static_cast<unsigned char>(o.path.back()))) {
        o.path.pop_back();
      }
    }
    o.options.standard = f.standard;
    o.options.include_dirs = split_list(f.include_dirs);
    o.options.defines = split_list(f.defines);
    if ((f.paste_mode ? o.text : o.path).empty()) {
      f.message = f.paste_mode ? "paste some declarations first" : "type the path of a header";
      f.message_is_error = true;
    } else {
      act.load = true;
      act.origin = std::move(o);
      f.message.clear();
    }
  }

  // 2. The parses made so far: pick one (the latest until the user picks).
  const auto& sets = library.sets();
  if (!f.set && !sets.empty()) f.set = sets.back();
  if (!sets.empty()) {
    ImGui::Separator();
    ImGui::TextColored(col4(pal.dim_text), "parsed:");
    for (size_t i = sets.size(); i-- > 0;) {
      const auto& set = sets[i];
      ImGui::PushID(static_cast<int>(i));
      std::string label = set->origin().display_name();
      if (set->parsing()) {
        label += "  parsing...";
      } else if (set->ok()) {
        label += fmt::format("  {} types, {:.0f} ms", set->types().size(), set->parse_ms());
      } else {
        label += "  failed";
      }
      ImGui::PushStyleColor(ImGuiCol_Text, set->ok() || set->parsing() ? pal.text : pal.error_text);
      if (ImGui::Selectable(label.c_str(), f.set == set)) f.set = set;
      ImGui::PopStyleColor();
      if (ImGui::IsItemHovered() && set->origin().kind == DeclOrigin::Kind::header) {
        ImGui::SetTooltip("%s", set->origin().path.c_str());
      }
      ImGui::PopID();
    }
  }

  // 3. The chosen parse: its errors, or a type to place.
  if (f.set) {
    ImGui::Separator();
    if (f.set->parsing()) {
      static const char* const kSpin[] = {"|", "/", "-", "\\"};
      ImGui::TextColored(col4(pal.dim_text), "parsing %s... %s",
                         f.set->origin().display_name().c_str(),
                         kSpin[static_cast<int>(ImGui::GetTime() * 8) % 4]);
    } else if (!f.set->ok()) {
      ImGui::PushStyleColor(ImGuiCol_Text, pal.error_text);
      ImGui::TextWrapped("%s", f.set->error().c_str());
      ImGui::PopStyleColor();
    } else {
      const auto& types = f.set->types();
      bool known = false;
      for (const auto& t : types) known |= t.name == f.type_name;
      if (!known) {
        f.type_name.clear();
        for (const auto& t : types) {
          if (t.in_main_file) {
            f.type_name = t.name;
            break;
          }
        }
        if (f.type_name.empty() && !types.empty()) f.type_name = types.front().name;
      }
      ImGui::SetNextItemWidth(-cw * 6);
      const bool open = ImGui::BeginCombo(
          "type", f.type_name.empty() ? "(no struct or union types)" : f.type_name.c_str(),
          ImGuiComboFlags_HeightLarge);
      f.type_combo = WidgetRect::last_item();
      if (open) {
        if (ImGui::IsWindowAppearing()) {
          f.filter_focus = true;
          f.type_filter.clear();
        }
        if (f.filter_focus) {
          ImGui::SetKeyboardFocusHere();
          f.filter_focus = false;
        }
        ImGui::SetNextItemWidth(-FLT_MIN);
        const bool enter = ImGui::InputTextWithHint("##filter", "filter", &f.type_filter,
                                                    ImGuiInputTextFlags_EnterReturnsTrue);
        f.type_filter_box = WidgetRect::last_item();
        bool picked = false;
        for (const auto& t : types) {
          if (!contains_ci(t.name, f.type_filter)) continue;
          if (enter && !picked) {
            f.type_name = t.name;
            picked = true;
            ImGui::CloseCurrentPopup();
          }
          ImGui::PushStyleColor(ImGuiCol_Text, t.in_main_file ? pal.text : pal.dim_text);
          if (ImGui::Selectable(fmt::format("{}  ({} bytes)", t.name, t.size).c_str(),
                                t.name == f.type_name)) {
            f.type_name = t.name;
          }
          ImGui::PopStyleColor();
        }
        ImGui::EndCombo();
      }
      // Where, and how many.
      if (ImGui::RadioButton(
              fmt::format("at the cursor (0x{:x})##cur", info ? cursor - info->base : 0).c_str(),
              f.at_cursor)) {
        f.at_cursor = true;
      }
      ImGui::SameLine();
      if (ImGui::RadioButton("at offset", !f.at_cursor)) f.at_cursor = false;
      f.at_offset_radio = WidgetRect::last_item();
      ImGui::SameLine();
      ImGui::SetNextItemWidth(cw * 14);
      if (ImGui::InputText("##offset", &f.offset_text, ImGuiInputTextFlags_AutoSelectAll)) {
        f.at_cursor = false;
      }
      f.offset_box = WidgetRect::last_item();
      ImGui::SetNextItemWidth(cw * 12);
      ImGui::InputInt("instances", &f.count, 0, 0, ImGuiInputTextFlags_AutoSelectAll);
      f.count_box = WidgetRect::last_item();
      f.count = std::clamp(f.count, 1, 1 << 24);
      ImGui::SameLine();
      const bool place = ImGui::Button("Place overlay") && !f.type_name.empty();
      f.place_button = WidgetRect::last_item();
      if (place) {
        if (!info) {
          f.message = "open a source first";
          f.message_is_error = true;
        } else {
          uint64_t at = cursor;
          bool ok = true;
          if (!f.at_cursor) {
            auto parsed = parse_overlay_offset(f.offset_text, *info);
            if (parsed.ok()) {
              at = parsed.value();
            } else {
              f.message = parsed.error().message;
              f.message_is_error = true;
              ok = false;
            }
          }
          if (ok) {
            act.place = true;
            act.address = at;
            act.count = static_cast<uint64_t>(f.count);
            f.message.clear();
          }
        }
      }
    }
  }
  if (!f.message.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, f.message_is_error ? pal.error_text : pal.ok_text);
    ImGui::TextWrapped("%s", f.message.c_str());
    ImGui::PopStyleColor();
  }
  if (!layout_parser_available()) {
    ImGui::TextColored(col4(pal.dim_text),
                       "This build has no C parser (libclang): overlays come from layout JSON "
                       "files (memview --layout FILE).");
  }
  return act;
}

}  // namespace memview::gui
