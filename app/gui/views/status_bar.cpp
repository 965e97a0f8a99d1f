#include "views/status_bar.h"

#include <imgui.h>

#include <fmt/format.h>

#include "words.h"

namespace memview::gui {

std::string human_size(uint64_t n) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1024.0 && u < 4) {
    v /= 1024.0;
    ++u;
  }
  return u == 0 ? fmt::format("{} B", n) : fmt::format("{:.1f} {}", v, units[u]);
}

std::vector<std::string> status_fields(const StatusBarInput& in) {
  std::vector<std::string> f;
  if (in.info) {
    const SourceInfo& i = *in.info;
    f.push_back(i.spec);
    if (in.mappings != 0) {
      // The address space's size (128 TiB on x86-64) says nothing; what is mapped does.
      f.push_back(fmt::format("{} mapped ({}) in {}", bytes_text(in.mapped_bytes),
                              human_size(in.mapped_bytes),
                              counted(in.mappings, "mapping", "mappings")));
    } else {
      f.push_back(fmt::format("{} ({}){}", bytes_text(i.size), human_size(i.size),
                              i.size_exact ? "" : " page-rounded"));
    }
    if (in.gone) {
      f.push_back(event_kind_name(in.gone_kind));
    } else if (i.writable) {
      f.push_back("read-write");
    } else {
      f.push_back(i.read_only_reason.empty() ? "read-only" : "read-only: " + i.read_only_reason);
    }
    if (!i.status.empty()) f.push_back(i.status);
    if (!in.attached.empty()) f.push_back(in.attached);
    if (!in.sweep.empty()) f.push_back(in.sweep);
    if (in.pending_edits != 0) {
      f.push_back(fmt::format("writing: {} edit{} pending", in.pending_edits,
                              in.pending_edits == 1 ? "" : "s"));
    }
    if (in.hex) {
      const HexViewState& h = *in.hex;
      const uint64_t off = h.cursor - i.base;
      f.push_back(i.base == 0 ? fmt::format("cursor 0x{:x} ({})", h.cursor, off)
                              : fmt::format("cursor 0x{:x} (+{})", h.cursor, off));
      if (h.has_selection()) {
        const ByteRange r = h.selection_or_cursor();
        f.push_back("selected " + bytes_text(r.length));
      }
      if (h.writes_held) f.push_back("typing held: Enter or move");
    }
    if (!in.freezes.empty()) f.push_back(in.freezes);
    if (in.paused) f.push_back("PAUSED");
    f.push_back(fmt::format("{:.0f} changes/s", in.changes_per_second));
  } else {
    f.push_back(counted(in.discovered, "object", "objects"));
  }
  f.push_back(fmt::format("frame {:.2f} ms ({:.0f} fps)", in.frame.cpu_ms,
                          in.frame.frame_ms > 0 ? 1000.0 / in.frame.frame_ms : 0.0));
  if (!in.notice.empty()) f.push_back(in.notice);
  return f;
}

namespace {

bool is_warning(const StatusBarInput& in, const std::string& t) {
  return t.rfind("read-only", 0) == 0 || t == "removed" || t == "exited" || t == "disconnected" ||
         t == "PAUSED" || t.rfind("typing held", 0) == 0 || (!in.notice.empty() && t == in.notice);
}

// The longest start of `t` that fits in `width` pixels with "..." after it.
std::string fitted(const std::string& t, float width) {
  const float dots = ImGui::CalcTextSize("...").x;
  size_t n = t.size();
  while (n > 0 && ImGui::CalcTextSize(t.data(), t.data() + n).x + dots > width) --n;
  // Whole UTF-8 characters: never end inside one.
  while (n > 0 && n < t.size() && (static_cast<unsigned char>(t[n]) & 0xc0) == 0x80) --n;
  return t.substr(0, n) + "...";
}

void all_fields_tooltip(const std::vector<std::string>& fields) {
  ImGui::BeginTooltip();
  ImGui::PushTextWrapPos(ImGui::GetFontSize() * 50.0f);
  for (const std::string& f : fields) ImGui::TextUnformatted(f.c_str());
  ImGui::PopTextWrapPos();
  ImGui::EndTooltip();
}

}  // namespace

StatusBarDrawn draw_status_bar(const StatusBarInput& in, const Palette& pal) {
  const std::vector<std::string> fields = status_fields(in);
  const ImVec4 dim = ImGui::ColorConvertU32ToFloat4(pal.dim_text);
  const float right = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x;
  StatusBarDrawn drawn;
  ImGui::Separator();
  const float top = ImGui::GetCursorScreenPos().y;
  for (size_t k = 0; k < fields.size() && !drawn.cut; ++k) {
    if (k) {
      ImGui::SameLine();
      ImGui::TextColored(dim, "|");
      ImGui::SameLine();
    }
    std::string t = fields[k];
    const float room = right - ImGui::GetCursorScreenPos().x;
    if (ImGui::CalcTextSize(t.c_str()).x > room) {
      t = fitted(t, room);
      drawn.cut = true;
    }
    const ImU32 colour =
        is_warning(in, fields[k]) ? pal.error_text : ImGui::GetColorU32(ImGuiCol_Text);
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour), "%s", t.c_str());
    drawn.right = ImGui::GetItemRectMax().x;
  }
  const bool hovered = ImGui::IsMouseHoveringRect(ImVec2(ImGui::GetWindowPos().x, top),
                                                  ImVec2(right, top + ImGui::GetFrameHeight()));
  if (drawn.cut && hovered) all_fields_tooltip(fields);
  return drawn;
}

}  // namespace memview::gui
