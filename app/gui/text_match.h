// Case-insensitive text matching for the views' filter boxes and completion (ASCII case
// folding: paths, type names and specs are matched as typed, without locale rules).
#pragma once

#include <string_view>

namespace memview::gui {

// Whether `needle` occurs in `hay` ignoring ASCII case; an empty needle always does.
bool contains_ci(std::string_view hay, std::string_view needle);
// Whether `hay` starts with `prefix` ignoring ASCII case; an empty prefix always does.
bool starts_with_ci(std::string_view hay, std::string_view prefix);

}  // namespace memview::gui
