#include "views/overlay_form.h"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "source_offsets.h"
#include "text_match.h"
#include "words.h"

namespace memview::gui {

namespace {

// "" is the compiler's default: gnu17, or gnu++17 for a C++ header name (default_standard).
constexpr const char* kStandards[] = {"",      "gnu17", "c11",     "c17",  "gnu11",
                                      "c++14", "c++17", "gnu++17", "c++20"};

const char* standard_label(const std::string& standard) {
  return standard.empty() ? "default" : standard.c_str();
}

ImVec4 col4(ImU32 c) {
  return ImGui::ColorConvertU32ToFloat4(c);
}

// What to parse: a header path or pasted text, with the parser's options. Returns whether
// the user asked to load it.
bool draw_declarations(OverlayFormState& f, float cw) {
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
  } else {
    ImGui::InputTextMultiline("##paste", &f.pasted,
                              ImVec2(-FLT_MIN, ImGui::GetTextLineHeight() * 7),
                              ImGuiInputTextFlags_AllowTabInput);
    f.paste_box = WidgetRect::last_item();
    load |= ImGui::Button("Parse");
  }
  f.load_button = WidgetRect::last_item();
  // Options: language standard, include directories, definitions.
  ImGui::SetNextItemWidth(cw * 10);
  if (ImGui::BeginCombo("std", standard_label(f.standard))) {
    for (const char* s : kStandards) {
      if (ImGui::Selectable(standard_label(s), f.standard == s)) f.standard = s;
    }
    ImGui::EndCombo();
  }
  if (ImGui::IsItemHovered()) {
    ImGui::SetTooltip("default: what gcc/g++ use with no -std (%s; %s for .hpp, .hh, .hxx)",
                      kDefaultCStandard, kDefaultCxxStandard);
  }
  ImGui::SameLine();
  ImGui::SetNextItemWidth(cw * 18);
  ImGui::InputTextWithHint("-I", "include dirs", &f.include_dirs);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(cw * 16);
  ImGui::InputTextWithHint("-D", "NAME=VALUE", &f.defines);
  return load;
}

// The origin the form describes, or a message saying what is missing.
void request_load(OverlayFormState& f, OverlayFormAction& act) {
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
    return;
  }
  act.load = true;
  act.origin = std::move(o);
  f.message.clear();
}

// The parses made so far, newest first: pick one (the latest until the user picks).
void draw_parses(OverlayFormState& f, DeclLibrary& library, const Palette& pal) {
  const auto& sets = library.sets();
  if (!f.set && !sets.empty()) f.set = sets.back();
  if (sets.empty()) return;
  ImGui::Separator();
  ImGui::TextColored(col4(pal.dim_text), "parsed:");
  for (size_t i = sets.size(); i-- > 0;) {
    const auto& set = sets[i];
    ImGui::PushID(static_cast<int>(i));
    std::string label = set->origin().display_name();
    if (set->parsing()) {
      label += "  parsing...";
    } else if (set->ok()) {
      label += fmt::format("  {}, {:.0f} ms", counted(set->types().size(), "type", "types"),
                           set->parse_ms());
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

// Keeps the picked type one of the parse's (the first of the main file by default).
void keep_type_valid(OverlayFormState& f, const std::vector<TypeEntry>& types) {
  for (const auto& t : types) {
    if (t.name == f.type_name) return;
  }
  f.type_name.clear();
  for (const auto& t : types) {
    if (t.in_main_file) {
      f.type_name = t.name;
      return;
    }
  }
  if (!types.empty()) f.type_name = types.front().name;
}

// The type combo, with a filter box that has the keyboard while it is open.
void draw_type_picker(OverlayFormState& f, const std::vector<TypeEntry>& types, const Palette& pal,
                      float cw) {
  keep_type_valid(f, types);
  ImGui::SetNextItemWidth(-cw * 6);
  const bool open = ImGui::BeginCombo(
      "type", f.type_name.empty() ? "(no struct or union types)" : f.type_name.c_str(),
      ImGuiComboFlags_HeightLarge);
  f.type_combo = WidgetRect::last_item();
  if (!open) return;
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
    if (enter && !picked) {  // Enter takes the first match
      f.type_name = t.name;
      picked = true;
      ImGui::CloseCurrentPopup();
    }
    ImGui::PushStyleColor(ImGuiCol_Text, t.in_main_file ? pal.text : pal.dim_text);
    if (ImGui::Selectable(fmt::format("{}  ({})", t.name, bytes_text(t.size)).c_str(),
                          t.name == f.type_name)) {
      f.type_name = t.name;
    }
    ImGui::PopStyleColor();
  }
  ImGui::EndCombo();
}

// Where and how many; "Place overlay" asks the App to place the picked type there.
void draw_placement(OverlayFormState& f, const SourceInfo* info, uint64_t cursor, float cw,
                    OverlayFormAction& act) {
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
  if (!place) return;
  if (!info) {
    f.message = "open a source first";
    f.message_is_error = true;
    return;
  }
  Result<uint64_t> at =
      f.at_cursor ? Result<uint64_t>(cursor) : parse_source_offset(f.offset_text, *info);
  if (!at.ok()) {
    f.message = at.error().message;
    f.message_is_error = true;
    return;
  }
  act.place = true;
  act.address = at.value();
  act.count = static_cast<uint64_t>(f.count);
  f.message.clear();
}

// "An overlay of T is already there": place another, or not.
void draw_duplicate_question(OverlayFormState& f, const Palette& pal, OverlayFormAction& act) {
  if (f.duplicate_of.empty()) return;
  ImGui::PushStyleColor(ImGuiCol_Text, pal.error_text);
  ImGui::TextWrapped("The overlay '%s' already shows %s here. Place another?",
                     f.duplicate_of.c_str(), f.type_name.c_str());
  ImGui::PopStyleColor();
  if (ImGui::Button("Place another")) {
    act.place = act.confirmed = true;
    act.address = f.pending_address;
    act.count = f.pending_count;
    f.duplicate_of.clear();
  }
  f.place_again_button = WidgetRect::last_item();
  ImGui::SameLine();
  if (ImGui::Button("Cancel")) f.duplicate_of.clear();
  f.cancel_button = WidgetRect::last_item();
}

// The chosen parse: still parsing, its errors, or a type to place.
void draw_chosen_parse(OverlayFormState& f, const SourceInfo* info, uint64_t cursor,
                       const Palette& pal, float cw, OverlayFormAction& act) {
  if (!f.set) return;
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
    draw_type_picker(f, f.set->types(), pal, cw);
    draw_placement(f, info, cursor, cw, act);
    if (act.place) f.duplicate_of.clear();  // a new placement replaces the question
    draw_duplicate_question(f, pal, act);
  }
}

}  // namespace

OverlayFormAction draw_overlay_form(OverlayFormState& f, DeclLibrary& library,
                                    const SourceInfo* info, uint64_t cursor, const Palette& pal) {
  OverlayFormAction act;
  const float cw = ImGui::CalcTextSize("0").x;
  if (draw_declarations(f, cw)) request_load(f, act);
  draw_parses(f, library, pal);
  draw_chosen_parse(f, info, cursor, pal, cw, act);
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
