#include "views/activity_map.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "words.h"

namespace memview::gui {

namespace {

// How strongly a row glows: recent changes fade over recent_s, and a chunk that changes
// often stays lit longer (its count decays with the sweeper's half life). A row that ever
// changed keeps a faint mark, so nothing that changed is invisible.
float row_level(const ActivityCell& c, int64_t now_ns, double recent_s, double half_life_s) {
  if (c.last_change_ns == 0) return 0.0f;
  const double age_s = std::max(0.0, static_cast<double>(now_ns - c.last_change_ns) / 1e9);
  const double recency = std::max(0.0, 1.0 - age_s / std::max(1.0, recent_s));
  const double count = c.changes * std::exp2(-age_s / std::max(0.1, half_life_s));
  const double often = std::min(1.0, count / 8.0);
  return static_cast<float>(0.15 + 0.85 * std::max(recency, often));
}

ImU32 with_alpha(ImU32 colour, float alpha) {
  const auto a = static_cast<ImU32>(std::clamp(alpha, 0.0f, 1.0f) * 255.0f);
  return (colour & ~IM_COL32_A_MASK) | (a << IM_COL32_A_SHIFT);
}

ImU32 row_colour(const ActivityCell& c, float level, const Palette& pal) {
  if (level > 0) return with_alpha(pal.glow, level);
  if (c.unreadable != 0) return with_alpha(pal.dim_text, 0.45f);
  return 0;
}

// Rows of the same colour are one rectangle: a quiet object draws a handful.
void draw_cells(ImDrawList* dl, const ActivityMapState& s, ImVec2 pos, float width,
                const Palette& pal, double half_life_s) {
  const size_t n = s.cells.size();
  size_t k = 0;
  while (k < n) {
    const ImU32 col =
        row_colour(s.cells[k], row_level(s.cells[k], s.clock_ns, s.recent_s, half_life_s), pal);
    size_t end = k + 1;
    while (end < n &&
           row_colour(s.cells[end], row_level(s.cells[end], s.clock_ns, s.recent_s, half_life_s),
                      pal) == col) {
      ++end;
    }
    if (col != 0) {
      dl->AddRectFilled(ImVec2(pos.x, pos.y + static_cast<float>(k)),
                        ImVec2(pos.x + width, pos.y + static_cast<float>(end)), col);
    }
    k = end;
  }
}

// Lines where one region ends and a non-adjacent one starts (a process's unmapped gaps).
int draw_gaps(ImDrawList* dl, const ActivityView& v, ImVec2 pos, float width, float height,
              ImU32 colour) {
  const std::vector<SweepRegion>& regions = v.regions();
  const size_t chunks = v.chunk_count();
  int lines = 0;
  size_t first = 0;
  for (size_t r = 0; r + 1 < regions.size(); ++r) {
    first += (regions[r].length + v.chunk_size() - 1) / v.chunk_size();
    if (regions[r].end() == regions[r + 1].address) continue;
    const float y = pos.y + std::round(height * static_cast<float>(first) /
                                       static_cast<float>(std::max<size_t>(1, chunks)));
    dl->AddLine(ImVec2(pos.x - 1, y), ImVec2(pos.x + width + 1, y), colour, 1.0f);
    ++lines;
  }
  return lines;
}

// The chunk under screen y (clamped into the map).
size_t chunk_at_y(const ActivityMapState& s, const ActivityView& v, float y) {
  const size_t rows = s.cells.size();
  if (rows == 0 || v.chunk_count() == 0) return ActivityView::npos;
  const float dy = std::clamp(y - s.rect.min.y, 0.0f, static_cast<float>(rows) - 1.0f);
  return activity_map_row_first_chunk(v.chunk_count(), rows, static_cast<size_t>(dy));
}

std::string age_text(int64_t now_ns, int64_t then_ns) {
  if (then_ns == 0) return "never changed";
  return fmt::format("changed {:.1f} s ago",
                     std::max(0.0, static_cast<double>(now_ns - then_ns) / 1e9));
}

void draw_tooltip(const ActivityMapState& s, const ActivityView& v, const SourceInfo& info,
                  size_t row) {
  const size_t chunks = v.chunk_count();
  const size_t rows = s.cells.size();
  const size_t lo = activity_map_row_first_chunk(chunks, rows, row);
  const size_t hi = std::max(lo + 1, activity_map_row_first_chunk(chunks, rows, row + 1));
  const ByteRange first = v.chunk_range(lo);
  const ByteRange last = v.chunk_range(std::min(hi, chunks) - 1);
  const ActivityCell& c = s.cells[row];
  ImGui::BeginTooltip();
  ImGui::Text("0x%llx - 0x%llx", static_cast<unsigned long long>(first.address - info.base),
              static_cast<unsigned long long>(last.end() - info.base));
  const SweepRegion& region = v.region_of_chunk(lo);
  if (!region.name.empty()) ImGui::Text("%s", region.name.c_str());
  if (&v.region_of_chunk(std::min(hi, chunks) - 1) != &region) {
    ImGui::TextUnformatted("(and the mappings after it)");
  }
  ImGui::TextUnformatted(age_text(s.clock_ns, c.last_change_ns).c_str());
  if (c.unreadable != 0) ImGui::Text("%u of %u chunks unreadable", c.unreadable, c.chunks);
  ImGui::EndTooltip();
}

// Right-click on the map: the sweeper's CPU budget and what counts as recent.
void draw_settings_menu(ActivityMapState& s) {
  if (!ImGui::BeginPopup("##activitymenu")) return;
  const bool unlimited = s.cpu_budget <= 0 || s.cpu_budget >= 1;
  auto percent = unlimited ? 100.0f : static_cast<float>(s.cpu_budget * 100.0);
  ImGui::SetNextItemWidth(ImGui::CalcTextSize("0").x * 16);
  if (ImGui::SliderFloat("CPU budget (% of a core)", &percent, 5.0f, 100.0f, "%.0f %%")) {
    s.cpu_budget = percent >= 100.0f ? 0.0 : percent / 100.0;  // 100 %: no limit
  }
  auto recent = static_cast<float>(s.recent_s);
  ImGui::SetNextItemWidth(ImGui::CalcTextSize("0").x * 16);
  if (ImGui::SliderFloat("recent (F8, colours)", &recent, 1.0f, 600.0f, "%.0f s",
                         ImGuiSliderFlags_Logarithmic)) {
    s.recent_s = recent;
  }
  ImGui::EndPopup();
}

}  // namespace

float activity_map_width(const ActivityMapState& s) {
  return s.enabled ? std::round(ImGui::GetStyle().ScrollbarSize * 0.9f) : 0.0f;
}

size_t activity_map_row_first_chunk(size_t chunks, size_t rows, size_t k) {
  return rows == 0 ? 0 : chunks * k / rows;
}

size_t activity_map_row_of_chunk(size_t chunks, size_t rows, size_t c) {
  if (chunks == 0 || rows == 0) return 0;
  // The last row k whose first chunk is at or before c.
  const size_t k = ((c + 1) * rows + chunks - 1) / chunks - 1;
  return std::min(k, rows - 1);
}

void draw_activity_map(ActivityMapState& s, HexViewState& hex, const SourceInfo& info,
                       const Palette& pal, float height) {
  const float width = activity_map_width(s);
  const ImVec2 pos = ImGui::GetCursorScreenPos();
  height = std::max(1.0f, std::floor(height));
  ImGui::InvisibleButton("##activitymap", ImVec2(width, height));
  s.rect = WidgetRect::last_item();
  ImGui::OpenPopupOnItemClick("##activitymenu", ImGuiPopupFlags_MouseButtonRight);
  s.tooltip_shown = false;
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(pos, ImVec2(pos.x + width, pos.y + height),
                    ImGui::GetColorU32(ImGuiCol_ScrollbarBg));
  draw_settings_menu(s);
  const ActivityView* v = s.view.get();
  const auto rows = static_cast<size_t>(height);
  if (!v || v->chunk_count() == 0) {
    s.cells.clear();
    s.changed_rows = s.unreadable_rows = s.gap_lines = 0;
    return;
  }
  // The pyramid answers a row in O(log chunks); a new view or size is the only reason to ask.
  if (s.cells.size() != rows || s.cells_version != v->sweeps()) {
    s.cells = v->rows(0, v->chunk_count(), rows);
    s.cells_version = v->sweeps();
    s.changed_rows = s.unreadable_rows = 0;
    for (const ActivityCell& c : s.cells) {
      s.changed_rows += c.last_change_ns != 0;
      s.unreadable_rows += c.unreadable != 0;
    }
  }
  const double half_life = 10.0;  // ActivityOptions' default, which the session uses
  draw_cells(dl, s, pos, width, pal, half_life);
  s.gap_lines = draw_gaps(dl, *v, pos, width, height, ImGui::GetColorU32(ImGuiCol_WindowBg));

  // The grid's visible rows: at least two pixels, so a 60-row window on 1 GiB still shows.
  const size_t chunks = v->chunk_count();
  size_t c0 = v->chunk_at(hex.visible_begin);
  size_t c1 = hex.visible_end > hex.visible_begin ? v->chunk_at(hex.visible_end - 1) : c0;
  if (c0 == ActivityView::npos) c0 = c1;
  if (c1 == ActivityView::npos) c1 = c0;
  if (c0 != ActivityView::npos) {
    const float scale = height / static_cast<float>(chunks);
    s.window_top = pos.y + std::floor(static_cast<float>(c0) * scale);
    s.window_bottom = std::max(s.window_top + 2.0f, pos.y + std::ceil((c1 + 1) * scale));
    dl->AddRect(ImVec2(pos.x, s.window_top), ImVec2(pos.x + width, s.window_bottom),
                ImGui::GetColorU32(ImGuiCol_Text), 0.0f, 0, 1.0f);
  }

  if (ImGui::IsItemActive()) {  // click or drag: the cursor to the chunk under the mouse
    const size_t c = chunk_at_y(s, *v, ImGui::GetIO().MousePos.y);
    if (c != ActivityView::npos) {
      hex_view_move_cursor(hex, info,
                           {.address = v->chunk_range(c).address, .reveal = CursorReveal::center});
    }
  }
  if (ImGui::IsItemDeactivated()) hex.focus_request = true;  // the keyboard back to the grid
  if (ImGui::IsItemHovered() && !ImGui::IsItemActive()) {
    const float dy = ImGui::GetIO().MousePos.y - pos.y;
    if (dy >= 0 && dy < static_cast<float>(rows)) {
      draw_tooltip(s, *v, info, static_cast<size_t>(dy));
      s.tooltip_shown = true;
    }
  }
}

bool activity_map_jump(ActivityMapState& s, HexViewState& hex, const SourceInfo& info,
                       bool forward) {
  const ActivityView* v = s.view.get();
  if (!s.enabled || !v || v->chunk_count() == 0) {
    s.message = s.enabled ? "no activity map yet: the first sweep has not finished"
                          : "the activity map is off";
    return false;
  }
  const int64_t since = s.clock_ns - static_cast<int64_t>(s.recent_s * 1e9);
  // Outside the rows on screen: past the last visible chunk (or the cursor's, if later),
  // before the first one (or the cursor's, if earlier).
  const size_t cursor = v->chunk_at(hex.cursor);
  size_t found = ActivityView::npos;
  if (forward) {
    size_t from = hex.visible_end > hex.visible_begin ? v->chunk_at(hex.visible_end - 1) : cursor;
    if (cursor != ActivityView::npos && (from == ActivityView::npos || cursor > from)) {
      from = cursor;
    }
    // Not in a region (a gap of a process): from the first region after it.
    if (from == ActivityView::npos) {
      for (size_t i = 0; i < v->chunk_count(); ++i) {
        if (v->chunk_range(i).address > hex.cursor) {
          from = i;
          break;
        }
      }
      if (from != ActivityView::npos) found = v->next_changed(from, since);
    } else {
      found = v->next_changed(from + 1, since);
    }
  } else {
    size_t from = v->chunk_at(hex.visible_begin);
    if (cursor != ActivityView::npos && (from == ActivityView::npos || cursor < from)) {
      from = cursor;
    }
    if (from == ActivityView::npos) {
      for (size_t i = v->chunk_count(); i-- > 0;) {
        if (v->chunk_range(i).end() <= hex.cursor) {
          found = v->previous_changed(i, since);
          break;
        }
      }
    } else if (from > 0) {
      found = v->previous_changed(from - 1, since);
    }
  }
  if (found == ActivityView::npos) {
    s.message = fmt::format("no change {} this in the last {:.0f} s", forward ? "after" : "before",
                            s.recent_s);
    return false;
  }
  s.message.clear();
  hex_view_move_cursor(hex, info,
                       {.address = v->chunk_range(found).address, .reveal = CursorReveal::center});
  return true;
}

std::string activity_status(const ActivityMapState& s) {
  if (!s.enabled) return {};
  if (!s.error.empty()) return "map: " + s.error;
  if (!s.view) return "sweeping...";
  const double period_s = static_cast<double>(s.view->sweep_period_ns()) / 1e9;
  const std::string period =
      period_s < 1.0 ? fmt::format("{:.0f} ms", period_s * 1e3) : fmt::format("{:.1f} s", period_s);
  return fmt::format("sweep {} ({:.0f} % CPU)", period, s.view->cpu_share() * 100.0);
}

}  // namespace memview::gui
