#include "text_match.h"

#include <algorithm>
#include <cctype>

namespace memview::gui {

namespace {

bool same_ci(char a, char b) {
  return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
}

}  // namespace

bool contains_ci(std::string_view hay, std::string_view needle) {
  if (needle.empty()) return true;
  return std::search(hay.begin(), hay.end(), needle.begin(), needle.end(), same_ci) != hay.end();
}

bool starts_with_ci(std::string_view hay, std::string_view prefix) {
  return hay.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), hay.begin(), same_ci);
}

}  // namespace memview::gui
