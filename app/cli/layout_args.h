// Options shared by the layout, read and write subcommands: where a struct layout comes
// from (--header FILE --type NAME with --std/-I/-D, or --layout-json FILE exported by
// `layout --json --full`).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "memview/file_read.h"
#include "memview/layout.h"

namespace memview::cli {

struct LayoutArgs {
  std::optional<std::string> header;
  std::optional<std::string> type;
  std::optional<std::string> layout_json;
  std::string standard;  // empty: the compiler's default (memview::default_standard)
  std::vector<std::string> include_dirs;
  std::vector<std::string> defines;
};

inline void add_layout_options(CLI::App* sub, LayoutArgs& a, bool allow_json_file) {
  sub->add_option("--header", a.header, "C/C++ header declaring the type");
  sub->add_option("--type", a.type, "Type: 'struct foo', 'union u', a typedef name, a class");
  sub->add_option("--std", a.standard,
                  fmt::format("Language standard: c11, c17, gnu11, c++17, gnu++20, ... (default: "
                              "what gcc/g++ use with no -std: {}, or {} for a C++ header name "
                              "such as .hpp, .hh, .hxx)",
                              kDefaultCStandard, kDefaultCxxStandard));
  sub->add_option("-I,--include-dir", a.include_dirs, "Add an include directory")
      ->allow_extra_args(false);
  sub->add_option("-D,--define", a.defines, "Define a macro: X or X=Y")->allow_extra_args(false);
  if (allow_json_file) {
    sub->add_option("--layout-json", a.layout_json,
                    "Use a layout exported by 'layout --json --full' instead of --header/--type");
  }
}

// An Error's message is one line per clang error: the CLI shows the first and a count.
inline std::string first_line(const Error& e) {
  const size_t nl = e.message.find('\n');
  if (nl == std::string::npos) return e.message;
  size_t more = 0;
  for (size_t p = nl; p != std::string::npos; p = e.message.find('\n', p + 1)) ++more;
  return fmt::format("{} (and {} more)", e.message.substr(0, nl), more);
}

inline Result<Layout> load_layout(const LayoutArgs& a) {
  if (a.layout_json) {
    if (a.header || a.type)
      return make_error(Errc::invalid_argument, "give either --layout-json or --header/--type");
    Result<std::string> text = read_file_capped(*a.layout_json, kMaxLayoutFileBytes, "layout file");
    if (!text) return text.error();
    return layout_from_json(*text);
  }
  if (!a.header) return make_error(Errc::invalid_argument, "--header FILE is required");
  if (!a.type) return make_error(Errc::invalid_argument, "--type NAME is required");
  ParseOptions options;
  options.standard = a.standard;
  options.include_dirs = a.include_dirs;
  options.defines = a.defines;
  return layout_from_header(*a.header, *a.type, options);
}

}  // namespace memview::cli
