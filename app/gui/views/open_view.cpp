#include "views/open_view.h"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <cctype>
#include <ctime>

#include <fmt/format.h>

#include "memview/text_bytes.h"
#include "text_match.h"
#include "views/status_bar.h"
#include "words.h"

namespace memview::gui {

namespace {

std::string format_time(int64_t unix_ns) {
  if (unix_ns <= 0) return "-";
  const std::time_t t = static_cast<std::time_t>(unix_ns / 1'000'000'000);
  std::tm tm{};
#if defined(_WIN32)
  localtime_s(&tm, &t);
#else
  localtime_r(&t, &tm);
#endif
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

bool matches(const DiscoveredObject& o, const std::string& needle) {
  return contains_ci(o.spec, needle) || contains_ci(o.name, needle);
}

struct CallbackData {
  OpenViewState* state;
};

int input_callback(ImGuiInputTextCallbackData* data) {
  auto* cd = static_cast<CallbackData*>(data->UserData);
  OpenViewState& s = *cd->state;
  if (data->EventFlag == ImGuiInputTextFlags_CallbackCompletion) {
    const std::string text(data->Buf, static_cast<size_t>(data->BufTextLen));
    const std::string done = apply_completion(text, s.completions);
    if (done != text) {
      data->DeleteChars(0, data->BufTextLen);
      data->InsertChars(0, done.c_str());
    }
  } else if (data->EventFlag == ImGuiInputTextFlags_CallbackHistory) {
    if (s.visible.empty()) return 0;
    const int n = static_cast<int>(s.visible.size());
    if (data->EventKey == ImGuiKey_DownArrow) s.selected = std::min(n - 1, s.selected + 1);
    if (data->EventKey == ImGuiKey_UpArrow) s.selected = std::max(0, s.selected - 1);
    const std::string& spec = s.objects[static_cast<size_t>(s.visible[s.selected])].spec;
    data->DeleteChars(0, data->BufTextLen);
    data->InsertChars(0, spec.c_str());
  }
  return 0;
}

}  // namespace

std::vector<std::string> complete_spec(const std::string& text,
                                       const std::vector<DiscoveredObject>& objects,
                                       const std::vector<std::string>& recent) {
  std::vector<std::string> prefix, inner;
  auto consider = [&](const std::string& spec, const std::string& name) {
    if (std::find(prefix.begin(), prefix.end(), spec) != prefix.end() ||
        std::find(inner.begin(), inner.end(), spec) != inner.end()) {
      return;
    }
    std::string_view bare = name;
    if (!bare.empty() && bare[0] == '/') bare.remove_prefix(1);
    if (starts_with_ci(spec, text)) {
      prefix.push_back(spec);
    } else if (contains_ci(spec, text) || contains_ci(bare, text)) {
      inner.push_back(spec);
    }
  };
  for (const std::string& r : recent) consider(r, r);
  for (const DiscoveredObject& o : objects) consider(o.spec, o.name);
  prefix.insert(prefix.end(), inner.begin(), inner.end());
  return prefix;
}

std::string apply_completion(const std::string& text, const std::vector<std::string>& candidates) {
  if (candidates.empty()) return text;
  // Common prefix of the candidates that start with the text.
  std::vector<const std::string*> starting;
  for (const std::string& c : candidates) {
    if (c.rfind(text, 0) == 0) starting.push_back(&c);
  }
  if (!starting.empty()) {
    std::string common = *starting[0];
    for (const std::string* c : starting) {
      size_t k = 0;
      while (k < common.size() && k < c->size() && common[k] == (*c)[k]) ++k;
      common.resize(k);
    }
    if (common.size() > text.size()) return common;
  }
  return candidates.front();
}

namespace {

// Rediscovers the objects on the machine when asked, or when the last look is too old.
void refresh_objects(OpenViewState& s, int64_t now_ns) {
  if (!s.refresh_now &&
      now_ns - s.last_discovery_ns < static_cast<int64_t>(s.discovery_interval_s * 1e9)) {
    return;
  }
  s.objects = discover_all();
  std::sort(s.objects.begin(), s.objects.end(),
            [](const DiscoveredObject& a, const DiscoveredObject& b) { return a.spec < b.spec; });
  s.last_discovery_ns = now_ns;
  s.refresh_now = false;
}

std::string trimmed(std::string spec) {
  // A pasted name often carries a newline or spaces.
  while (!spec.empty() && std::isspace(static_cast<unsigned char>(spec.back()))) spec.pop_back();
  size_t first = 0;
  while (first < spec.size() && std::isspace(static_cast<unsigned char>(spec[first]))) ++first;
  return spec.substr(first);
}

// The spec box with Tab completion and Up/Down through the table, "Open", "read-only".
void draw_spec_box(OpenViewState& s, OpenRequest& req) {
  if (s.focus_input) {
    ImGui::SetKeyboardFocusHere();
    s.focus_input = false;
  }
  CallbackData cd{&s};
  const ImGuiStyle& st = ImGui::GetStyle();
  const float button_w = ImGui::CalcTextSize("Open").x + st.FramePadding.x * 2;
  const float check_w =
      ImGui::CalcTextSize("read-only").x + ImGui::GetFrameHeight() + st.ItemInnerSpacing.x;
  ImGui::SetNextItemWidth(std::max(
      200.0f, ImGui::GetContentRegionAvail().x - button_w - check_w - st.ItemSpacing.x * 2));
  const bool enter = ImGui::InputTextWithHint(
      "##spec", "NAME, or a spec as listed below   (Tab completes)", &s.spec_text,
      ImGuiInputTextFlags_EnterReturnsTrue | ImGuiInputTextFlags_CallbackCompletion |
          ImGuiInputTextFlags_CallbackHistory,
      input_callback, &cd);
  ImGui::SameLine();
  const bool clicked = ImGui::Button("Open");
  ImGui::SameLine();
  ImGui::Checkbox("read-only", &s.read_only);
  if (!enter && !clicked) return;
  const std::string spec = trimmed(s.spec_text);
  if (spec.empty()) {
    s.error = "type a source spec first, or pick an object below";
    s.focus_input = true;
    return;
  }
  req.open = true;
  req.spec = spec;
  req.options.read_only = s.read_only;
}

// Under the box: why the last open failed, the completions, the spec syntaxes, and the
// recent sources as buttons.
void draw_hints(OpenViewState& s, const Settings& settings, const Palette& pal, OpenRequest& req) {
  if (!s.error.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, pal.error_text);
    ImGui::TextWrapped("%s", s.error.c_str());
    ImGui::PopStyleColor();
  }
  const ImVec4 dim = ImGui::ColorConvertU32ToFloat4(pal.dim_text);
  if (!s.spec_text.empty() && !s.completions.empty()) {
    std::string line = "Tab: ";
    for (size_t i = 0; i < s.completions.size() && i < 6; ++i) {
      line += (i ? "  " : "") + printable_text(s.completions[i]);
    }
    if (s.completions.size() > 6) line += fmt::format("  (+{})", s.completions.size() - 6);
    ImGui::TextColored(dim, "%s", line.c_str());
  }
  if (const std::string syntax = source_spec_syntax(SpecUse::open, "   "); !syntax.empty()) {
    ImGui::TextColored(dim, "Specs: %s", syntax.c_str());
  }
  if (settings.recent.empty()) return;
  ImGui::Spacing();
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted("Recent:");
  for (size_t i = 0; i < settings.recent.size() && i < 8; ++i) {
    ImGui::SameLine();
    ImGui::PushID(static_cast<int>(i));
    if (ImGui::Button(printable_text(settings.recent[i]).c_str())) {
      req.open = true;
      req.spec = settings.recent[i];
      req.options.read_only = s.read_only;
    }
    ImGui::PopID();
  }
}

// The rows the table shows: those matching the typed spec, or all when none match.
bool filter_objects(OpenViewState& s) {
  s.visible.clear();
  for (size_t i = 0; i < s.objects.size(); ++i) {
    if (matches(s.objects[i], s.spec_text)) s.visible.push_back(static_cast<int>(i));
  }
  const bool filtered = !s.spec_text.empty() && !s.visible.empty();
  if (!filtered) {
    s.visible.clear();
    for (size_t i = 0; i < s.objects.size(); ++i) s.visible.push_back(static_cast<int>(i));
  }
  if (s.selected >= static_cast<int>(s.visible.size())) s.selected = -1;
  return filtered;
}

// One object of the table; a click on its name opens it.
void draw_object_row(OpenViewState& s, size_t k, OpenRequest& req) {
  const DiscoveredObject& o = s.objects[static_cast<size_t>(s.visible[k])];
  ImGui::TableNextRow();
  ImGui::TableSetColumnIndex(0);
  ImGui::PushID(static_cast<int>(k));
  // Names are bytes: shown escaped on one line (a newline, invalid UTF-8).
  if (ImGui::Selectable(printable_text(o.name).c_str(), s.selected == static_cast<int>(k),
                        ImGuiSelectableFlags_SpanAllColumns)) {
    req.open = true;
    req.spec = o.spec;
    req.options.read_only = s.read_only;
    s.spec_text = o.spec;
  }
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", printable_text(o.spec).c_str());
  ImGui::PopID();
  ImGui::TableSetColumnIndex(1);
  ImGui::TextUnformatted(o.kind.c_str());
  ImGui::TableSetColumnIndex(2);
  ImGui::TextUnformatted(human_size(o.size).c_str());
  ImGui::TableSetColumnIndex(3);
  ImGui::TextUnformatted(printable_text(o.owner).c_str());
  ImGui::TableSetColumnIndex(4);
  ImGui::Text("%04o", o.mode & 07777);
  ImGui::TableSetColumnIndex(5);
  if (o.attach_count >= 0) {
    ImGui::Text("%lld", static_cast<long long>(o.attach_count));
  } else {
    ImGui::TextUnformatted("-");
  }
  ImGui::TableSetColumnIndex(6);
  ImGui::TextUnformatted(format_time(o.modified_unix_ns).c_str());
}

// The live table of the shared memory objects on the machine.
void draw_objects(OpenViewState& s, const Palette& pal, OpenRequest& req) {
  const bool filtered = filter_objects(s);
  ImGui::AlignTextToFramePadding();
  s.count_text = fmt::format("Objects on this machine: {}", s.objects.size());
  if (filtered) s.count_text += " (" + counted(s.visible.size(), "match", "matches") + ")";
  ImGui::TextUnformatted(s.count_text.c_str());
  ImGui::SameLine();
  if (ImGui::SmallButton("Refresh")) s.refresh_now = true;

  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV |
                                ImGuiTableFlags_BordersOuterH | ImGuiTableFlags_ScrollY |
                                ImGuiTableFlags_Resizable | ImGuiTableFlags_SizingStretchProp;
  if (!ImGui::BeginTable("##objects", 7, flags, ImVec2(0, 0))) return;
  ImGui::TableSetupScrollFreeze(0, 1);
  ImGui::TableSetupColumn("name", ImGuiTableColumnFlags_WidthStretch, 3.0f);
  ImGui::TableSetupColumn("kind", ImGuiTableColumnFlags_WidthStretch, 0.6f);
  ImGui::TableSetupColumn("size", ImGuiTableColumnFlags_WidthStretch, 1.0f);
  ImGui::TableSetupColumn("owner", ImGuiTableColumnFlags_WidthStretch, 0.8f);
  ImGui::TableSetupColumn("mode", ImGuiTableColumnFlags_WidthStretch, 0.6f);
  ImGui::TableSetupColumn("attached", ImGuiTableColumnFlags_WidthStretch, 0.6f);
  ImGui::TableSetupColumn("modified", ImGuiTableColumnFlags_WidthStretch, 1.6f);
  ImGui::TableHeadersRow();
  for (size_t k = 0; k < s.visible.size(); ++k) draw_object_row(s, k, req);
  if (s.objects.empty()) {
    ImGui::TableNextRow();
    ImGui::TableSetColumnIndex(0);
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(pal.dim_text),
                       "no shared memory objects found");
  }
  ImGui::EndTable();
}

}  // namespace

OpenRequest draw_open_view(OpenViewState& s, const Settings& settings, const Palette& pal,
                           int64_t now_ns) {
  OpenRequest req;
  refresh_objects(s, now_ns);
  s.completions = complete_spec(s.spec_text, s.objects, settings.recent);
  ImGui::Spacing();
  ImGui::TextUnformatted(
      "Open a shared memory object, a mapped file, a System V segment or a process's memory");
  ImGui::Spacing();
  draw_spec_box(s, req);
  draw_hints(s, settings, pal, req);
  ImGui::Spacing();
  ImGui::Separator();
  draw_objects(s, pal, req);
  return req;
}

}  // namespace memview::gui
