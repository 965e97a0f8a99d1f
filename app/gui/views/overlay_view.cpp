#include "views/overlay_view.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <span>

#include <fmt/format.h>

#include "snapshot_jobs.h"
#include "words.h"

namespace memview::gui {

namespace {

constexpr size_t kRowMargin = 8;  // rows polled beyond the visible ones (scrolling)

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

// Fields a number base applies to: integers, and enums whose value names no constant.
bool has_number_base(const Field& f, const RowValue& v) {
  return v.available && (f.kind == FieldKind::signed_int || f.kind == FieldKind::unsigned_int ||
                         (f.kind == FieldKind::enumeration && !v.value.enumerator));
}

// The value's bits in hex, as many digits as the field is wide: int16_t -2 is 0xfffe.
std::string hex_value_text(const Field& f, const RowValue& v) {
  const uint64_t bits = f.bit_width ? f.bit_width : std::min<uint64_t>(64, f.size * 8);
  const uint64_t mask = bits >= 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1;
  return fmt::format("0x{:0{}x}", v.value.bits & mask, static_cast<int>((bits + 3) / 4));
}

// The field's offset: in its instance (bitfields: byte.bit), or from the source's base.
std::string offset_text(const OverlayPanelState& s, const OverlayRow& r, uint64_t base) {
  if (!s.absolute_offsets) return offset_text(r.field);
  const uint64_t at = r.first - std::min(r.first, base);
  if (r.field.bit_width) return fmt::format("0x{:x}.{}", at, r.field.bit_offset % 8);
  return fmt::format("0x{:x}", at);
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

// The overlay field that covers a grid byte: the most recently placed overlay wins where
// overlays overlap.
struct FieldAt {
  Overlay* overlay = nullptr;
  const OverlayLeaf* leaf = nullptr;
  uint64_t instance = 0;       // which element of an array overlay
  uint64_t instance_addr = 0;  // where that element starts
};

FieldAt field_at(OverlayPanelState& s, uint64_t address) {
  for (auto it = s.overlays.rbegin(); it != s.overlays.rend(); ++it) {
    Overlay& o = **it;
    if (o.state() != Overlay::State::ready) continue;
    const int leaf = o.leaf_at(address);
    if (leaf < 0) continue;
    const uint64_t k = o.instance_of(address);
    return {&o, &o.leaves()[static_cast<size_t>(leaf)], k, o.address + k * o.instance_size()};
  }
  return {};
}

}  // namespace

Overlay* OverlayPanelState::find(int id) {
  for (auto& o : overlays) {
    if (o->id == id) return o.get();
  }
  return nullptr;
}

const Overlay* OverlayPanelState::find_same(const std::string& type_name, uint64_t address,
                                            uint64_t count) const {
  for (const auto& o : overlays) {
    if (o->type_name == type_name && o->address == address && o->count == count) return o.get();
  }
  return nullptr;
}

Overlay* OverlayPanelState::add(std::unique_ptr<Overlay> overlay) {
  overlay->id = next_id++;
  scroll_to_overlay = overlay->id;
  overlays.push_back(std::move(overlay));
  return overlays.back().get();
}

void OverlayPanelState::remove(int id) {
  overlays.erase(
      std::remove_if(overlays.begin(), overlays.end(), [id](const auto& o) { return o->id == id; }),
      overlays.end());
  if (edit_overlay == id) edit_overlay = 0;
}

void OverlayPanelState::apply_requests() {
  for (int id : remove_requests) remove(id);
  remove_requests.clear();
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

void overlay_goto_row(const OverlayRow& row, HexViewState& hex, const SourceInfo& info) {
  const uint64_t len = std::max<uint64_t>(1, row.length);
  hex_view_move_cursor(hex, info,
                       {.address = row.first,
                        .select = len > 1 ? CursorSelect::range : CursorSelect::none,
                        .anchor = row.first + len - 1,
                        .reveal = CursorReveal::center,
                        .focus = true});
}

// ---------------------------------------------------------------------------------------
// Per frame: requests, colours, tooltip
// ---------------------------------------------------------------------------------------

void overlay_request(OverlayPanelState& s, const HexViewState& hex, Poller& poller) {
  s.hover_overlay = 0;
  s.hover_path.clear();
  s.hover_value.clear();
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
  if (hex.hover_valid) {
    if (const FieldAt at = field_at(s, hex.hover_address); at.leaf) {
      const ByteRange r = field_range(at.leaf->field, at.instance_addr);
      poller.request({r.address, std::min(r.length, Overlay::kMaxValueBytes)});
    }
  }
  if (s.edit_overlay) {
    if (Overlay* o = s.find(s.edit_overlay)) {
      if (const OverlayRow* r = find_row(*o, s.edit_key)) request_row(*r, poller);
    }
  }
}

void overlay_tint(OverlayPanelState& s, const HexViewState& hex, const Palette& pal,
                  HexViewContext& hctx) {
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
  const FieldAt at = field_at(s, address);
  if (!at.leaf) return;
  const Overlay& o = *at.overlay;
  const OverlayLeaf& l = *at.leaf;
  const RowValue v = overlay_field_value(l.field, at.instance_addr, tracker, now_ns, fade_seconds);
  s.hover_overlay = o.id;
  s.hover_path = overlay_key(o, at.instance, l.path);
  s.hover_value = v.text;
  ImGui::Separator();
  ImGui::TextColored(col4(pal.field_text[l.hue % Palette::kFieldHues]), "%s%s", o.title.c_str(),
                     o.count > 1 ? fmt::format("[{}]", at.instance).c_str() : "");
  ImGui::SameLine();
  ImGui::TextUnformatted(l.path.c_str());
  ImGui::TextColored(col4(pal.dim_text), "%s at +%s", type_text(l.field).c_str(),
                     offset_text(l.field).c_str());
  ImGui::Text("= %s", v.text.c_str());
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
  s.message_clock.restart();
  return st;
}

// ---------------------------------------------------------------------------------------
// The tree
// ---------------------------------------------------------------------------------------

namespace {

// A field's value in a snapshot ("?" where the snapshot lacks its bytes).
std::string overlay_snapshot_value(const OverlayRow& r, const Snapshot& snap) {
  const uint64_t n = std::min(r.length, Overlay::kMaxValueBytes);
  const std::string bytes = snapshot_bytes(snap, r.first, n);
  if (bytes.size() < n) return "?";
  Result<FieldValue> v = decode_field(r.local, std::as_bytes(std::span(bytes)));
  return v ? v->text : "?";
}

// Diff mode: whether the row's bytes differ, and then its old -> new values.
void overlay_diff_row(const OverlayDiff& d, const OverlayRow& r, bool decodable,
                      OverlayDrawnRow& drawn) {
  if (!d.diff || r.length == 0 || !diff_touches(d.diff->runs, r.first, r.first + r.length)) return;
  drawn.differs = true;
  if (decodable && d.old_snap && d.new_snap) {
    drawn.diff_text = fmt::format("{} -> {}", overlay_snapshot_value(r, *d.old_snap),
                                  overlay_snapshot_value(r, *d.new_snap));
  }
}

// The edit box of the field being edited: Enter writes, Escape or a click elsewhere cancels.
void draw_edit_box(OverlayPanelState& s, OverlayContext& ctx, const Overlay& o,
                   OverlayDrawnRow& drawn) {
  const InlineEdit::Event ev = s.edit.draw(drawn.value_rect);
  if (ev == InlineEdit::Event::commit) {
    const std::string key = s.edit_key;
    const std::string text = s.edit.text;
    const bool ok = overlay_panel_write(s, ctx, o.id, key, text).ok();
    if (ok) s.edit_overlay = 0;
    s.edit.committed(ok);
  } else if (ev == InlineEdit::Event::cancel) {
    s.edit_overlay = 0;
    s.edit.cancelled();
  }
}

// An enumeration's value as a combo of its constants; picking one writes it.
void draw_enum_combo(OverlayPanelState& s, OverlayContext& ctx, const Overlay& o,
                     const OverlayRow& r, const RowValue& v, ImU32 text_col,
                     OverlayDrawnRow& drawn) {
  // The combo's own frame (while open, the last item is inside its popup).
  const ImVec2 at = ImGui::GetCursorScreenPos();
  drawn.value_rect = {at, ImVec2(at.x + ImGui::CalcItemWidth(), at.y + ImGui::GetFrameHeight())};
  ImGui::PushStyleColor(ImGuiCol_Text, text_col);
  const bool open = ImGui::BeginCombo("##enum", v.text.c_str());
  ImGui::PopStyleColor();
  if (!open) return;
  for (const EnumConstant& e : r.field.constants()) {
    const bool selected = v.value.enumerator == &e;
    if (ImGui::Selectable(fmt::format("{} ({})", e.name, e.value).c_str(), selected)) {
      (void)overlay_panel_write(s, ctx, o.id, r.key, e.name);
    }
    s.popup_items.emplace_back(e.name, WidgetRect::last_item());
  }
  ImGui::EndCombo();
}

// The value cell of a field row: text (a click edits it), a checkbox, an enum combo, or
// the edit box.
void draw_value_cell(OverlayPanelState& s, OverlayContext& ctx, const Overlay& o,
                     const OverlayRow& r, const RowValue& v, OverlayDrawnRow& drawn) {
  if (s.edit_overlay == o.id && s.edit_key == r.key) {
    draw_edit_box(s, ctx, o, drawn);
    return;
  }
  const Palette& pal = ctx.palette;
  const bool can_edit = r.editable && v.available && ctx.editor && ctx.info.writable;
  const ImU32 text_col = !v.available ? pal.dim_text : v.own ? pal.own_edit_text : pal.text;
  const Field& f = r.field;
  ImGui::SetNextItemWidth(-FLT_MIN);
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
    draw_enum_combo(s, ctx, o, r, v, text_col, drawn);
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
    // A negative value shown in hex is edited in decimal (0xfffe would not fit an int16_t).
    const bool negative = f.kind == FieldKind::signed_int && v.value.integer < 0;
    s.edit.start(negative ? v.value.text : v.text);
  }
}

// The field column: the tree node. A click on a field moves the grid's cursor to it.
void draw_tree_cell(OverlayContext& ctx, Overlay& o, const OverlayRow& r, OverlayDrawnRow& drawn) {
  const Palette& pal = ctx.palette;
  ImGui::TableSetColumnIndex(0);
  const float indent = ImGui::GetFontSize() * 0.9f * static_cast<float>(r.depth);
  if (indent > 0) ImGui::Indent(indent);
  ImGuiTreeNodeFlags flags = ImGuiTreeNodeFlags_OpenOnArrow | ImGuiTreeNodeFlags_SpanFullWidth |
                             ImGuiTreeNodeFlags_NoTreePushOnOpen;
  if (!r.expandable) flags |= ImGuiTreeNodeFlags_Leaf;
  if (r.expandable) ImGui::SetNextItemOpen(r.expanded, ImGuiCond_Always);
  const bool dim = r.kind == OverlayRow::Kind::more;
  const bool is_root = r.kind == OverlayRow::Kind::root;
  if (dim || is_root) ImGui::PushStyleColor(ImGuiCol_Text, dim ? pal.dim_text : pal.address);
  const bool open = ImGui::TreeNodeEx("##node", flags, "%s", r.label.c_str());
  if (dim || is_root) ImGui::PopStyleColor();
  drawn.label_rect = WidgetRect::last_item();
  const bool toggled = ImGui::IsItemToggledOpen();
  if (r.expandable && open != r.expanded) o.set_expanded(r.key, open);
  if (ImGui::IsItemClicked() && !toggled && !dim && o.state() == Overlay::State::ready) {
    overlay_goto_row(r, ctx.hex, ctx.info);
  }
  if (indent > 0) ImGui::Unindent(indent);
}

// An overlay's root row: its type, where it is placed, its state, and "remove".
void draw_root_cells(OverlayPanelState& s, OverlayContext& ctx, const Overlay& o,
                     OverlayDrawnRow& drawn) {
  const Palette& pal = ctx.palette;
  const Layout* l = o.layout();
  ImGui::TableSetColumnIndex(1);
  drawn.type = l ? l->type : o.type_name;
  ImGui::TextColored(col4(pal.dim_text), "%s", drawn.type.c_str());
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
      drawn.value = "parsing";
      ImGui::TextColored(col4(pal.dim_text), "parsing %s...", o.origin.display_name().c_str());
      break;
    case Overlay::State::computing:
      drawn.value = "computing";
      ImGui::TextColored(col4(pal.dim_text), "computing the layout...");
      break;
    case Overlay::State::failed:
      drawn.value = o.error();
      ImGui::PushStyleColor(ImGuiCol_Text, pal.error_text);
      ImGui::TextWrapped("%s", o.error().c_str());
      ImGui::PopStyleColor();
      break;
    case Overlay::State::ready:
      drawn.value = o.count > 1 ? fmt::format("{} x {}", o.count, bytes_text(l->size))
                                : fmt::format("{}, {}", bytes_text(l->size),
                                              counted(l->fields.size(), "field", "fields"));
      ImGui::TextColored(col4(pal.dim_text), "%s", drawn.value.c_str());
      break;
  }
  ImGui::SameLine();
  if (ImGui::SmallButton("remove")) s.remove_requests.push_back(o.id);
  drawn.remove_rect = WidgetRect::last_item();
}

// A field row: type, offset (relative to the instance; bitfields: byte.bit) and the live
// value, lit when another process changed it and fading like the grid's bytes.
void draw_field_cells(OverlayPanelState& s, OverlayContext& ctx, const Overlay& o,
                      const OverlayRow& r, OverlayDrawnRow& drawn) {
  const Palette& pal = ctx.palette;
  // The field the grid's cursor is on (the innermost: records and arrays contain it too).
  if (!r.expandable && ctx.hex.cursor >= r.first &&
      ctx.hex.cursor - r.first < std::max<uint64_t>(1, r.length)) {
    drawn.at_cursor = true;
    ImGui::TableSetBgColor(ImGuiTableBgTarget_RowBg1, with_alpha(pal.selection, 0.45f));
  }
  ImGui::TableSetColumnIndex(1);
  drawn.type = type_text(r.field);
  ImGui::TextColored(col4(pal.dim_text), "%s", drawn.type.c_str());
  ImGui::TableSetColumnIndex(2);
  drawn.offset = offset_text(s, r, ctx.info.base);
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
  ImGui::TableSetColumnIndex(3);
  RowValue v = overlay_row_value(r, ctx.tracker, ctx.now_ns, ctx.fade_seconds);
  if (has_number_base(r.field, v) && s.shows_hex(o.id, r.key)) v.text = hex_value_text(r.field, v);
  if (v.glow > 0) ImGui::TableSetBgColor(ImGuiTableBgTarget_CellBg, with_alpha(pal.glow, v.glow));
  drawn.value = v.text;
  drawn.glow = v.glow;
  drawn.own = v.own;
  const bool is_record = r.field.kind == FieldKind::record && !r.field.record;
  if (ctx.diff) overlay_diff_row(*ctx.diff, r, !is_record, drawn);
  if (drawn.differs) {
    // Marked like the grid marks differing bytes; the value cell says what changed.
    ImGui::TableSetBgColor(ImGuiTableBgTarget_CellBg, with_alpha(pal.unreadable, 0.6f), 0);
    if (!drawn.diff_text.empty()) {
      ImGui::TextUnformatted(drawn.diff_text.c_str());
      if (ImGui::IsItemHovered()) {
        ImGui::SetTooltip("differs (snapshot diff): %s\nlive: %s", drawn.diff_text.c_str(),
                          v.text.c_str());
      }
      return;
    }
  }
  if (!is_record) draw_value_cell(s, ctx, o, r, v, drawn);
}

// A field's context menu: its value to the clipboard, its bytes selected in the grid, a
// watch of it.
void draw_field_menu(OverlayPanelState& s, OverlayContext& ctx, const Overlay& o,
                     const OverlayRow& r, const OverlayDrawnRow& drawn) {
  if (!ImGui::BeginPopup("##fieldmenu")) return;
  s.field_menu_items.clear();
  const auto item = [&s](const char* label, bool enabled = true) {
    const bool chosen = ImGui::MenuItem(label, nullptr, false, enabled);
    s.field_menu_items.emplace_back(label, WidgetRect::last_item());
    return chosen;
  };
  if (item("Copy value", !drawn.value.empty())) {
    ImGui::SetClipboardText(drawn.value.c_str());
    s.message = fmt::format("copied {} = {}", r.key, drawn.value);
    s.message_is_error = false;
    s.message_clock.restart();
  }
  if (item("Show in hex")) overlay_goto_row(r, ctx.hex, ctx.info);
  const bool in_hex = s.shows_hex(o.id, r.key);
  const bool numeric = r.field.kind == FieldKind::signed_int ||
                       r.field.kind == FieldKind::unsigned_int ||
                       r.field.kind == FieldKind::enumeration;
  if (item(in_hex ? "Value in decimal" : "Value in hex", numeric)) {
    const std::pair<int, std::string> id{o.id, r.key};
    if (!s.other_base.erase(id)) s.other_base.insert(id);
  }
  if (item("Watch")) s.watch_requests.emplace_back(o.id, r.key);
  s.watch_menu_item = WidgetRect::last_item();
  ImGui::EndPopup();
}

void draw_row(OverlayPanelState& s, OverlayContext& ctx, Overlay& o, const OverlayRow& r,
              size_t g) {
  OverlayDrawnRow drawn;
  drawn.overlay_id = o.id;
  drawn.key = r.key;
  drawn.label = r.label;
  drawn.editable = r.editable;
  ImGui::TableNextRow();
  ImGui::PushID(static_cast<int>(g));
  draw_tree_cell(ctx, o, r, drawn);
  // A right-click on the field's name; the menu is drawn below, once the value is known.
  if (r.kind == OverlayRow::Kind::field) ImGui::OpenPopupOnItemClick("##fieldmenu");
  switch (r.kind) {
    case OverlayRow::Kind::root:
      draw_root_cells(s, ctx, o, drawn);
      break;
    case OverlayRow::Kind::field:
      draw_field_cells(s, ctx, o, r, drawn);
      break;
    case OverlayRow::Kind::instance:
      ImGui::TableSetColumnIndex(2);
      drawn.offset = fmt::format("0x{:x}", r.instance * o.instance_size());
      ImGui::TextColored(col4(ctx.palette.dim_text), "%s", drawn.offset.c_str());
      break;
    default:
      break;
  }
  if (r.kind == OverlayRow::Kind::field) draw_field_menu(s, ctx, o, r, drawn);
  ImGui::PopID();
  s.drawn.push_back(std::move(drawn));
}

// The tree's table with compact rows: every row (text, checkbox, combo, edit box) is one
// text line high, which the clipper needs (it assumes rows of equal height); value widgets
// are as quiet as the text around them. Pops its styles itself when it returns false.
bool begin_tree_table() {
  ImGui::PushStyleVar(ImGuiStyleVar_FramePadding, ImVec2(ImGui::GetStyle().FramePadding.x, 0));
  ImVec4 frame = ImGui::GetStyle().Colors[ImGuiCol_FrameBg];
  frame.w *= 0.45f;
  ImGui::PushStyleColor(ImGuiCol_FrameBg, frame);
  ImVec4 button = ImGui::GetStyle().Colors[ImGuiCol_Button];
  button.w *= 0.45f;
  ImGui::PushStyleColor(ImGuiCol_Button, button);
  const ImGuiTableFlags flags = ImGuiTableFlags_ScrollY | ImGuiTableFlags_RowBg |
                                ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_Resizable |
                                ImGuiTableFlags_SizingStretchProp;
  const ImVec2 size(0, std::max(ImGui::GetContentRegionAvail().y, ImGui::GetFrameHeight() * 6));
  if (!ImGui::BeginTable("##overlaytree", 4, flags, size)) {
    ImGui::PopStyleColor(2);
    ImGui::PopStyleVar();
    return false;
  }
  const float cw = ImGui::CalcTextSize("0").x;
  ImGui::TableSetupScrollFreeze(0, 1);
  ImGui::TableSetupColumn("field", ImGuiTableColumnFlags_WidthStretch, 1.5f);
  ImGui::TableSetupColumn("type", ImGuiTableColumnFlags_WidthStretch, 1.0f);
  ImGui::TableSetupColumn("offset", ImGuiTableColumnFlags_WidthFixed, cw * 9);
  ImGui::TableSetupColumn("value", ImGuiTableColumnFlags_WidthStretch, 1.5f);
  ImGui::TableHeadersRow();
  return true;
}

void end_tree_table() {
  ImGui::EndTable();
  ImGui::PopStyleColor(2);
  ImGui::PopStyleVar();
}

// A new overlay's first row, scrolled to until its rows are final.
void scroll_to_new_overlay(OverlayPanelState& s) {
  size_t g = 0;
  for (auto& o : s.overlays) {
    if (o->id == s.scroll_to_overlay) {
      s.scroll_to_row = static_cast<int>(g);
      const Overlay::State st = o->state();
      if (st == Overlay::State::ready || st == Overlay::State::failed) s.scroll_to_overlay = 0;
      return;
    }
    g += o->rows().size();
  }
  s.scroll_to_overlay = 0;  // removed before it was shown
}

// The innermost listed row holding the cursor, when the cursor moved and that row is out of
// view (a collapsed record stands for the fields inside it).
void follow_cursor(OverlayPanelState& s, uint64_t cursor) {
  if (cursor == s.followed_cursor) return;
  s.followed_cursor = cursor;
  int best = -1;
  unsigned best_depth = 0;
  size_t g = 0;
  for (auto& o : s.overlays) {
    for (const OverlayRow& r : o->rows()) {
      const bool holds = cursor >= r.first && cursor - r.first < std::max<uint64_t>(1, r.length);
      if (holds && r.kind != OverlayRow::Kind::more && (best < 0 || r.depth > best_depth)) {
        best = static_cast<int>(g);
        best_depth = r.depth;
      }
      ++g;
    }
  }
  const bool in_view = best >= 0 && static_cast<size_t>(best) >= s.shown_first &&
                       static_cast<size_t>(best) < s.shown_last;
  if (best >= 0 && !in_view) s.scroll_to_row = best;
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
  age_message(s.message, s.message_is_error, s.message_clock, ctx.now_ns);
  draw_message_line(s.message, s.message_is_error ? ctx.palette.error_text : ctx.palette.dim_text);
  ImGui::Checkbox("hex values", &s.hex_numbers);
  s.hex_box = WidgetRect::last_item();
  if (ImGui::IsItemHovered()) {
    ImGui::SetTooltip("integers in hex (a field's menu shows one field in the other base)");
  }
  ImGui::SameLine();
  ImGui::Checkbox("absolute offsets", &s.absolute_offsets);
  s.absolute_box = WidgetRect::last_item();
  if (ImGui::IsItemHovered()) {
    ImGui::SetTooltip("offsets from the source's start, not from each struct's start");
  }
  if (s.scroll_to_overlay != 0) {
    scroll_to_new_overlay(s);
    s.followed_cursor = ctx.hex.cursor;
  } else {
    follow_cursor(s, ctx.hex.cursor);
  }
  if (!begin_tree_table()) return;
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
  while (clipper.Step()) {
    const size_t a = static_cast<size_t>(clipper.DisplayStart);
    const size_t b = static_cast<size_t>(clipper.DisplayEnd);
    // The measuring step draws row 0 wherever it is: in view only when scrolled to the top.
    if (b > a + 1 || a > 0 || ImGui::GetScrollY() <= 0.0f) {
      first = std::min(first, a);
      last = std::max(last, b);
    }
    // Walk the overlays once per step instead of looking every row up from the start.
    size_t g = 0;
    for (size_t oi = 0; oi < s.overlays.size() && g < b; ++oi) {
      Overlay& o = *s.overlays[oi];
      const auto& rows = o.rows();
      for (size_t i = 0; i < rows.size() && g < b; ++i, ++g) {
        if (g >= a) draw_row(s, ctx, o, rows[i], g);
      }
    }
  }
  s.visible_first = first == total ? 0 : first;
  s.visible_last = last;
  s.shown_first = s.visible_first;
  s.shown_last = s.visible_last;
  end_tree_table();
}

}  // namespace memview::gui
