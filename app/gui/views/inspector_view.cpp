#include "views/inspector_view.h"

#include <imgui.h>

#include <cstring>

#include <fmt/format.h>

#include "tracked_bytes.h"
#include "words.h"

namespace memview::gui {

namespace {

constexpr const char* kNotAvailable = "n/a";  // the bytes are not readable here

std::string binary_text(std::byte b) {
  const unsigned v = static_cast<unsigned>(b);
  std::string s;
  for (int bit = 7; bit >= 0; --bit) {
    s += ((v >> bit) & 1u) ? '1' : '0';
    if (bit == 4) s += ' ';
  }
  return s;
}

std::string text_preview(const std::byte* p, size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    const unsigned char c = static_cast<unsigned char>(p[i]);
    s += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '.';
  }
  return s;
}

Result<std::vector<std::byte>> parse_binary(std::string_view text) {
  std::string digits;
  size_t i = 0;
  while (i < text.size() && text[i] == ' ') ++i;
  if (text.substr(i, 2) == "0b" || text.substr(i, 2) == "0B") i += 2;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c == ' ' || c == '_') continue;
    if (c != '0' && c != '1') {
      return make_error(Errc::invalid_argument,
                        fmt::format("'{}' is not a binary digit (use 0 and 1)", c));
    }
    digits += c;
  }
  if (digits.empty() || digits.size() > 8) {
    return make_error(Errc::invalid_argument,
                      fmt::format("binary needs 1 to 8 digits, got {}", digits.size()));
  }
  unsigned v = 0;
  for (char c : digits) v = (v << 1) | static_cast<unsigned>(c - '0');
  return std::vector<std::byte>{static_cast<std::byte>(v)};
}

// Bytes a row needs at the cursor.
size_t row_size(const InspectorRowSpec& spec) {
  return spec.kind == InspectorKind::scalar ? scalar_size(spec.type) : 1;
}

// The bytes `text` stands for in a row.
Result<std::vector<std::byte>> encode_row(const InspectorRowSpec& spec, const std::string& text,
                                          Endian endian) {
  switch (spec.kind) {
    case InspectorKind::scalar:
      return encode_scalar(spec.type, text, endian);
    case InspectorKind::binary:
      return parse_binary(text);
    case InspectorKind::text:
      break;
  }
  if (text.empty()) return make_error(Errc::invalid_argument, "no text to write");
  std::vector<std::byte> bytes;
  for (char c : text) bytes.push_back(static_cast<std::byte>(c));
  return bytes;
}

}  // namespace

const std::vector<InspectorRowSpec>& inspector_rows() {
  static const std::vector<InspectorRowSpec> rows = {
      {"int8", InspectorKind::scalar, ScalarType::i8},
      {"uint8", InspectorKind::scalar, ScalarType::u8},
      {"int16", InspectorKind::scalar, ScalarType::i16},
      {"uint16", InspectorKind::scalar, ScalarType::u16},
      {"int32", InspectorKind::scalar, ScalarType::i32},
      {"uint32", InspectorKind::scalar, ScalarType::u32},
      {"int64", InspectorKind::scalar, ScalarType::i64},
      {"uint64", InspectorKind::scalar, ScalarType::u64},
      {"float32", InspectorKind::scalar, ScalarType::f32},
      {"float64", InspectorKind::scalar, ScalarType::f64},
      {"binary", InspectorKind::binary, ScalarType::u8},
      {"text", InspectorKind::text, ScalarType::u8},
  };
  return rows;
}

int inspector_row_index(const char* label) {
  const auto& rows = inspector_rows();
  for (size_t i = 0; i < rows.size(); ++i) {
    if (std::strcmp(rows[i].label, label) == 0) return static_cast<int>(i);
  }
  return -1;
}

void inspector_request(const InspectorState&, uint64_t cursor, Poller& poller) {
  poller.request({cursor, InspectorState::kTextBytes});
}

Status inspector_write(InspectorState& s, InspectorContext& ctx, int row, const std::string& text) {
  const auto& rows = inspector_rows();
  if (row < 0 || row >= static_cast<int>(rows.size())) {
    return make_error(Errc::invalid_argument, "no such inspector row");
  }
  if (ctx.writes_held) {
    return make_error(Errc::changed,
                      "the cursor's byte went away and the cursor was moved: move the cursor or "
                      "press Enter in the grid first");
  }
  const InspectorRowSpec& spec = rows[static_cast<size_t>(row)];
  auto bytes = encode_row(spec, text, s.endian);
  if (!bytes.ok()) return bytes.error();
  if (!ctx.editor) return make_error(Errc::unsupported, "this view cannot edit");
  // One write of all the value's bytes: the source makes an aligned 2/4/8-byte write a
  // single store, so a reader never sees half of the new value.
  Status st = ctx.editor->write(ctx.cursor, *bytes);
  if (!st.ok()) return st;
  s.last_write_address = ctx.cursor;
  s.last_write = std::move(bytes).value();
  ++s.write_count;
  return {};
}

namespace {

// A row's value as text from the bytes at the cursor (`have` of them are known).
std::string row_text(const InspectorRowSpec& spec, const std::byte* bytes, size_t have,
                     Endian endian) {
  if (have < row_size(spec)) return kNotAvailable;
  switch (spec.kind) {
    case InspectorKind::scalar:
      return decode_scalar(spec.type, std::span<const std::byte>(bytes, row_size(spec)), endian);
    case InspectorKind::binary:
      return binary_text(bytes[0]);
    case InspectorKind::text:
      break;
  }
  return text_preview(bytes, have);
}

// The value cell of row i: the text (a click edits it), or the edit box.
void draw_value_cell(InspectorState& s, InspectorContext& ctx, int i, bool available) {
  const InspectorRowSpec& spec = inspector_rows()[static_cast<size_t>(i)];
  InspectorRowView& view = s.rows[static_cast<size_t>(i)];
  WidgetRect rect;
  if (s.edit_row == i) {
    const InlineEdit::Event ev = s.edit.draw(rect);
    if (ev == InlineEdit::Event::commit) {
      Status st = inspector_write(s, ctx, i, s.edit.text);
      if (st.ok()) {
        s.message = fmt::format("wrote {} as {} ({} at 0x{:x})", s.edit.text, spec.label,
                                bytes_text(s.last_write.size()), s.last_write_address);
        s.edit_row = -1;
      } else {
        s.message = fmt::format("{}: {}", spec.label, st.error().message);
      }
      s.message_is_error = !st.ok();
      s.message_clock.restart();
      s.edit.committed(st.ok());
    } else if (ev == InlineEdit::Event::cancel) {
      s.edit_row = -1;
      s.edit.cancelled();
    }
  } else {
    const bool clicked = ImGui::Selectable(view.value.c_str(), false);
    rect = WidgetRect::last_item();
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("click to edit");
    if (clicked && available && ctx.editor) {
      s.edit_row = i;
      s.edit.start(spec.kind == InspectorKind::text ? std::string() : view.value);
    }
  }
  view.min = rect.min;
  view.max = rect.max;
}

}  // namespace

void draw_inspector(InspectorState& s, InspectorContext& ctx) {
  const Palette& pal = ctx.palette;
  const auto& specs = inspector_rows();
  s.rows.resize(specs.size());
  if (s.address != ctx.cursor) {
    s.address = ctx.cursor;
    s.edit_row = -1;  // an edit belongs to the address it started at
  }

  std::byte bytes[InspectorState::kTextBytes];
  const size_t have =
      ctx.info.size == 0 ? 0
                         : gather_known(ctx.tracker, ctx.cursor, InspectorState::kTextBytes, bytes);

  ImGui::TextUnformatted("Inspector");
  ImGui::SameLine();
  ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(pal.dim_text), "at 0x%llx",
                     static_cast<unsigned long long>(ctx.cursor));
  int e = s.endian == Endian::little ? 0 : 1;
  ImGui::RadioButton("little endian", &e, 0);
  ImGui::SameLine();
  ImGui::RadioButton("big endian", &e, 1);
  s.endian = e == 0 ? Endian::little : Endian::big;

  const ImGuiTableFlags flags =
      ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingStretchProp;
  if (ImGui::BeginTable("##inspector", 2, flags)) {
    ImGui::TableSetupColumn("type", ImGuiTableColumnFlags_WidthFixed,
                            ImGui::CalcTextSize("float64 ").x);
    ImGui::TableSetupColumn("value", ImGuiTableColumnFlags_WidthStretch);
    for (size_t i = 0; i < specs.size(); ++i) {
      ImGui::TableNextRow();
      ImGui::TableSetColumnIndex(0);
      ImGui::AlignTextToFramePadding();
      ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(pal.address), "%s", specs[i].label);
      ImGui::TableSetColumnIndex(1);
      ImGui::PushID(static_cast<int>(i));
      s.rows[i].value = row_text(specs[i], bytes, have, s.endian);
      draw_value_cell(s, ctx, static_cast<int>(i), have >= row_size(specs[i]));
      ImGui::PopID();
    }
    ImGui::EndTable();
  }
  age_message(s.message, s.message_is_error, s.message_clock, ctx.now_ns);
  draw_message_line(s.message, s.message_is_error ? pal.error_text : pal.dim_text);
}

}  // namespace memview::gui
