#include "views/who_writes_view.h"

#include <imgui.h>

#include <algorithm>

#include <fmt/format.h>

namespace memview::gui {

namespace {

std::string base_name(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

void wrapped(const std::string& text, ImU32 colour) {
  ImGui::PushTextWrapPos(0);
  ImGui::PushStyleColor(ImGuiCol_Text, colour);
  ImGui::TextUnformatted(text.c_str());
  ImGui::PopStyleColor();
  ImGui::PopTextWrapPos();
}

std::string watches_text(const std::vector<WriteWatch>& watches) {
  std::string out;
  for (const WriteWatch& w : watches) {
    out += fmt::format("{}{} byte{} at 0x{:x}", out.empty() ? "" : ", ", w.length,
                       w.length == 1 ? "" : "s", w.address);
  }
  return out;
}

double seconds_since(int64_t then_ns, int64_t now_ns) {
  return std::max(0.0, static_cast<double>(now_ns - then_ns) / 1e9);
}

// What the grid's selection would be watched as, or why it cannot be.
void update_plan(WhoWritesState& s, const HexViewState& hex) {
  const ByteRange r = hex.selection_or_cursor();
  Result<std::vector<WriteWatch>> plan = plan_write_watches(r.address, r.length);
  s.plan_ok = plan.ok();
  if (!plan) {
    s.plan = plan.error().message;
    return;
  }
  s.plan = fmt::format("{} watch{}: {}", plan->size(), plan->size() == 1 ? "" : "es",
                       watches_text(*plan));
}

void draw_controls(WhoWritesState& s, const HexViewState& hex, const Palette& pal) {
  update_plan(s, hex);
  const ByteRange r = hex.selection_or_cursor();
  const std::string label = fmt::format(
      "Watch {} (F6)###watch", hex.has_selection() ? fmt::format("the {} selected bytes", r.length)
                                                   : fmt::format("the byte at 0x{:x}", r.address));
  if (ImGui::Button(label.c_str())) who_writes_request_selection(s, hex);
  s.watch_button = WidgetRect::last_item();
  if (ImGui::IsItemHovered()) {
    ImGui::SetTooltip(
        "hardware write breakpoints on these bytes in every process that maps them;\n"
        "nobody is stopped: each write is counted and sampled");
  }
  s.stop_button = {};
  if (s.active) {
    ImGui::SameLine();
    if (ImGui::Button("Stop")) s.stop_request = true;
    s.stop_button = WidgetRect::last_item();
  }
  wrapped("selection: " + s.plan, s.plan_ok ? pal.dim_text : pal.error_text);
}

// Phase, totals, lost samples.
void draw_summary(const WhoWritesTable& t, const Palette& pal, int64_t now_ns) {
  const double secs =
      static_cast<double>((t.phase == WhoWritesPhase::stopped ? t.updated_ns : now_ns) -
                          t.started_ns) /
      1e9;
  const size_t attached = t.attached_count();
  const std::string line = fmt::format(
      "{}: {} write{} in {:.1f} s; {} process{} attached", who_writes_phase_name(t.phase), t.hits,
      t.hits == 1 ? "" : "s", std::max(0.0, secs), attached, attached == 1 ? "" : "es");
  wrapped(line, t.phase == WhoWritesPhase::watching ? pal.ok_text : pal.dim_text);
  wrapped((t.phase == WhoWritesPhase::stopped ? "watched " : "watching ") + watches_text(t.watches),
          pal.dim_text);
  if (t.lost > 0) {
    wrapped(fmt::format("{} samples lost (the ring buffer was full): counted in the total, "
                        "not in the rows",
                        t.lost),
            pal.error_text);
  }
}

void draw_writer_row(const WriterRow& r, bool many, int64_t now_ns) {
  ImGui::TableNextRow();
  int c = 0;
  if (many) {
    ImGui::TableSetColumnIndex(c++);
    ImGui::Text("%u", r.watch);
  }
  ImGui::TableSetColumnIndex(c++);
  ImGui::Text("%lld %s", static_cast<long long>(r.pid), r.process.c_str());
  ImGui::TableSetColumnIndex(c++);
  ImGui::Text("%lld %s", static_cast<long long>(r.tid), r.thread.c_str());
  ImGui::TableSetColumnIndex(c++);
  ImGui::TextUnformatted(who_function_text(r.where).c_str());
  if (ImGui::IsItemHovered()) {
    ImGui::SetTooltip("%s\nsampled ip 0x%llx (the instruction after the store)",
                      r.where.module.empty() ? "(no module)" : r.where.module.c_str(),
                      static_cast<unsigned long long>(r.ip));
  }
  ImGui::TableSetColumnIndex(c++);
  ImGui::TextUnformatted(who_source_text(r.where).c_str());
  if (ImGui::IsItemHovered() && !r.where.file.empty()) {
    ImGui::SetTooltip("%s:%d:%d", r.where.file.c_str(), r.where.line, r.where.column);
  }
  ImGui::TableSetColumnIndex(c++);
  ImGui::Text("%llu", static_cast<unsigned long long>(r.count));
  ImGui::TableSetColumnIndex(c++);
  ImGui::Text("%.1f s ago", seconds_since(r.last_ns, now_ns));
  ImGui::TableSetColumnIndex(c++);
  ImGui::TextUnformatted(who_value_text(r.value).c_str());
}

void draw_writers(WhoWritesState& s, const WhoWritesTable& t, const Palette& pal, int64_t now_ns) {
  s.rows_drawn = 0;
  if (t.rows.empty()) {
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(pal.dim_text), "no writes yet");
    return;
  }
  const bool many = t.watches.size() > 1;
  const int columns = many ? 8 : 7;
  const float cw = ImGui::CalcTextSize("0").x;
  const ImGuiStyle& style = ImGui::GetStyle();
  const float row_h = ImGui::GetTextLineHeight() + style.CellPadding.y * 2;
  const float want = static_cast<float>(t.rows.size() + 1) * row_h + style.ScrollbarSize + 4;
  const float height = std::max(row_h * 3, std::min(want, ImGui::GetContentRegionAvail().y * 0.6f));
  if (!ImGui::BeginTable("##writers", columns,
                         ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV |
                             ImGuiTableFlags_ScrollX | ImGuiTableFlags_ScrollY |
                             ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_Resizable,
                         ImVec2(0, height))) {
    return;
  }
  ImGui::TableSetupScrollFreeze(0, 1);
  if (many) ImGui::TableSetupColumn("watch", ImGuiTableColumnFlags_WidthFixed, cw * 5);
  ImGui::TableSetupColumn("process", ImGuiTableColumnFlags_WidthFixed, cw * 18);
  ImGui::TableSetupColumn("thread", ImGuiTableColumnFlags_WidthFixed, cw * 18);
  ImGui::TableSetupColumn("function", ImGuiTableColumnFlags_WidthFixed, cw * 22);
  ImGui::TableSetupColumn("file:line", ImGuiTableColumnFlags_WidthFixed, cw * 18);
  ImGui::TableSetupColumn("writes", ImGuiTableColumnFlags_WidthFixed, cw * 10);
  ImGui::TableSetupColumn("last", ImGuiTableColumnFlags_WidthFixed, cw * 10);
  ImGui::TableSetupColumn("value", ImGuiTableColumnFlags_WidthFixed, cw * 19);
  ImGui::TableHeadersRow();
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(t.rows.size()));
  while (clipper.Step()) {
    for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
      draw_writer_row(t.rows[static_cast<size_t>(i)], many, now_ns);
      ++s.rows_drawn;
    }
  }
  ImGui::EndTable();
}

// The processes carrying breakpoints, and why some are not (fully) watched.
void draw_processes(const WhoWritesTable& t, const Palette& pal) {
  const std::string label = fmt::format("{} process{} watched###whoprocs", t.processes.size(),
                                        t.processes.size() == 1 ? "" : "es");
  if (!ImGui::TreeNode(label.c_str())) return;
  for (const AttachedProcess& p : t.processes) {
    std::string where;
    for (const WatchAddress& a : p.addresses) {
      where += fmt::format("{}0x{:x}", where.empty() ? "" : ", ", a.address);
    }
    const char* state = p.exited ? "exited" : p.detached ? "detached" : "attached";
    ImGui::Text("%lld %s: %s at %s, %zu thread%s, %llu write%s", static_cast<long long>(p.pid),
                p.command.c_str(), state, where.c_str(), p.threads, p.threads == 1 ? "" : "s",
                static_cast<unsigned long long>(p.hits), p.hits == 1 ? "" : "s");
    if (!p.error.empty()) wrapped(p.error, pal.error_text);
  }
  ImGui::TreePop();
}

}  // namespace

std::string who_function_text(const CodeLocation& c) {
  if (c.function.empty() && c.module.empty()) return "?";
  if (c.function.empty()) return base_name(c.module);
  return fmt::format("{}+0x{:x}", c.function, c.function_offset);
}

std::string who_source_text(const CodeLocation& c) {
  if (c.file.empty()) return {};
  return fmt::format("{}:{}", base_name(c.file), c.line);
}

std::string who_value_text(const std::vector<std::byte>& v) {
  if (v.empty() || v.size() > 8) return "?";
  uint64_t x = 0;
  for (size_t i = v.size(); i-- > 0;) x = (x << 8) | static_cast<uint64_t>(v[i]);
  return fmt::format("0x{:0{}x}", x, static_cast<int>(v.size() * 2));
}

void who_writes_request_selection(WhoWritesState& s, const HexViewState& hex) {
  s.start_request = hex.selection_or_cursor();
}

void who_writes_mark_grid(const WhoWritesState& s, HexViewContext& ctx) {
  if (!s.active || s.watches.empty()) return;
  // The watches are aligned pieces of `range`: one mark for the whole range.
  ctx.marks = &s.range;
  ctx.mark_count = 1;
  ctx.mark_colour = (ctx.palette.cursor & ~IM_COL32_A_MASK) | (0xb0u << IM_COL32_A_SHIFT);
  auto previous = std::move(ctx.tooltip_extra);
  ctx.tooltip_extra = [&s, previous = std::move(previous)](uint64_t address) {
    if (previous) previous(address);
    if (address < s.range.address || address >= s.range.end()) return;
    uint64_t hits = 0;
    std::string last;
    if (s.table) {
      hits = s.table->hits;
      if (!s.table->rows.empty()) last = who_function_text(s.table->rows.front().where);
    }
    ImGui::Text("who writes here: %llu write%s%s%s", static_cast<unsigned long long>(hits),
                hits == 1 ? "" : "s", last.empty() ? "" : ", most by ", last.c_str());
  };
}

std::string who_writes_tab_label(const WhoWritesState& s) {
  if (!s.active) return "Who writes###who_writes";
  return fmt::format("Who writes ({})###who_writes", s.table ? s.table->hits : 0);
}

void draw_who_writes(WhoWritesState& s, const HexViewState& hex, const Palette& pal,
                     int64_t now_ns) {
  draw_controls(s, hex, pal);
  if (!s.error.empty()) wrapped(s.error, pal.error_text);
  s.rows_drawn = 0;
  // Keeps the table alive while it is drawn, whatever the worker publishes meanwhile.
  const std::shared_ptr<const WhoWritesTable> table = s.table;
  if (!table) {
    if (s.active) {
      ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(pal.dim_text), "attaching...");
    }
    return;
  }
  ImGui::Separator();
  draw_summary(*table, pal, now_ns);
  draw_writers(s, *table, pal, now_ns);
  draw_processes(*table, pal);
  for (const std::string& note : table->notes) wrapped(note, pal.dim_text);
  if (!table->values_note.empty()) wrapped(table->values_note, pal.dim_text);
}

}  // namespace memview::gui
