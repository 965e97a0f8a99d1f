#include "views/inspector_view.h"

#include <imgui_stdlib.h>

#include <cstring>

#include <fmt/format.h>

#include "tracked_bytes.h"

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
  const InspectorRowSpec& spec = rows[static_cast<size_t>(row)];
  std::vector<std::byte> bytes;
  if (spec.kind == InspectorKind::scalar) {
    auto enc = encode_scalar(spec.type, text, s.endian);
    if (!enc.ok()) return enc.error();
    bytes = std::move(enc.value());
  } else if (spec.kind == InspectorKind::binary) {
    auto enc = parse_binary(text);
    if (!enc.ok()) return enc.error();
    bytes = std::move(enc.value());
  } else {
    if (text.empty()) return make_error(Errc::invalid_argument, "no text to write");
    for (char c : text) bytes.push_back(static_cast<std::byte>(c));
  }
  if (!ctx.editor) return make_error(Errc::unsupported, "this view cannot edit");
  // One write of all the value's bytes: the source makes an aligned 2/4/8-byte write a
  // single store, so a reader never sees half of the new value.
  Status st = ctx.editor->write(ctx.cursor, bytes);
  if (!st.ok()) return st;
  s.last_write_address = ctx.cursor;
  s.last_write = bytes;
  ++s.write_count;
  return {};
}

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
      const InspectorRowSpec& spec = specs[i];
      InspectorRowView& view = s.rows[i];
      ImGui::TableNextRow();
      ImGui::TableSetColumnIndex(0);
      ImGui::AlignTextToFramePadding();
      ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(pal.address), "%s", spec.label);
      ImGui::TableSetColumnIndex(1);
      ImGui::PushID(static_cast<int>(i));

      size_t need = 1;
      if (spec.kind == InspectorKind::scalar) need = scalar_size(spec.type);
      if (have < need) {
        view.value = kNotAvailable;
      } else if (spec.kind == InspectorKind::scalar) {
        view.value = decode_scalar(spec.type, std::span<const std::byte>(bytes, need), s.endian);
      } else if (spec.kind == InspectorKind::binary) {
        view.value = binary_text(bytes[0]);
      } else {
        view.value = text_preview(bytes, have);
      }

      if (s.edit_row == static_cast<int>(i)) {
        if (s.edit_focus) {
          ImGui::SetKeyboardFocusHere();
          s.edit_focus = false;
        }
        ImGui::SetNextItemWidth(-1);
        const bool enter = ImGui::InputText(
            "##edit", &s.edit_text,
            ImGuiInputTextFlags_EnterReturnsTrue | ImGuiInputTextFlags_AutoSelectAll);
        view.min = ImGui::GetItemRectMin();
        view.max = ImGui::GetItemRectMax();
        if (ImGui::IsItemActive()) s.edit_was_active = true;
        if (enter) {
          Status st = inspector_write(s, ctx, static_cast<int>(i), s.edit_text);
          if (st.ok()) {
            s.message = fmt::format("wrote {} as {} ({} bytes at 0x{:x})", s.edit_text, spec.label,
                                    s.last_write.size(), s.last_write_address);
            s.message_is_error = false;
            s.edit_row = -1;
            s.edit_finished = true;
          } else {
            s.message = fmt::format("{}: {}", spec.label, st.error().message);
            s.message_is_error = true;
            s.edit_focus = true;  // stay in the box to fix the value
            s.edit_was_active = false;
          }
        } else if (s.edit_was_active && !ImGui::IsItemActive()) {
          s.edit_row = -1;  // Escape or clicked elsewhere: cancelled
          s.edit_finished = true;
        }
      } else {
        const bool clicked = ImGui::Selectable(view.value.c_str(), false);
        view.min = ImGui::GetItemRectMin();
        view.max = ImGui::GetItemRectMax();
        if (ImGui::IsItemHovered()) ImGui::SetTooltip("click to edit");
        if (clicked && have >= need && ctx.editor) {
          s.edit_row = static_cast<int>(i);
          s.edit_text = spec.kind == InspectorKind::text ? std::string() : view.value;
          s.edit_focus = true;
          s.edit_was_active = false;
        }
      }
      ImGui::PopID();
    }
    ImGui::EndTable();
  }
  if (!s.message.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, s.message_is_error ? pal.error_text : pal.dim_text);
    ImGui::TextWrapped("%s", s.message.c_str());
    ImGui::PopStyleColor();
  }
}

}  // namespace memview::gui
