// memview-cli layout --header FILE --type NAME [--std STD] [-I DIR] [-D X=Y] [--json]
// [--full] | layout --header FILE --list | layout --layout-json FILE: the compiler-exact
// layout of a struct, union or class (libclang), the types a header declares, or a layout
// exported earlier (builds without libclang).
#include <memory>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli_util.h"
#include "command.h"
#include "layout_args.h"
#include "memview/json_bytes.h"
#include "memview/layout.h"
#include "memview/text_bytes.h"

namespace memview::cli {
namespace {

struct LayoutCmdOptions {
  LayoutArgs args;
  bool json = false;
  bool full = false;
  bool list = false;
};

std::string text_table(const Layout& layout) {
  std::string out = fmt::format("{}: size {}, align {}\n", layout.type, layout.size, layout.align);
  out += fmt::format("{:<8} {:<9} {:>6}  {:<24} {}\n", "offset", "bits", "size", "type", "field");
  for (const Field& f : layout.fields) {
    std::string bits = f.bit_width ? fmt::format("{}:{}", f.bit_offset % 8, f.bit_width) : "";
    std::string name = std::string(size_t{f.depth} * 2, ' ') + f.name;
    if (f.count) name += *f.count ? fmt::format("[{}]", *f.count) : "[]";
    out += fmt::format("0x{:04x}   {:<9} {:>6}  {:<24} {}\n", f.offset, bits, f.size, f.type, name);
  }
  return out;
}

int run_layout(const LayoutCmdOptions& o) {
  if (o.list) {
    if (!o.args.header) return fail("--header FILE is required");
    ParseOptions options;
    options.standard = o.args.standard;
    options.include_dirs = o.args.include_dirs;
    options.defines = o.args.defines;
    Result<Declarations> decls = parse_header_file(*o.args.header, options);
    if (!decls) return fail(first_line(decls.error()));
    std::string out;
    if (o.json) {
      nlohmann::json arr = nlohmann::json::array();
      for (const TypeEntry& t : decls->types()) {
        arr.push_back({{"name", json_from_bytes(t.name)},
                       {"kind", t.kind},
                       {"size", t.size},
                       {"file", json_from_bytes(t.file)},
                       {"line", t.line},
                       {"in_main_file", t.in_main_file}});
      }
      out = json_dump(arr, 2) + "\n";
    } else {
      for (const TypeEntry& t : decls->types()) {
        if (!t.in_main_file) continue;
        out += fmt::format("{:<32} {:>8}  {}:{}\n", printable_text(t.name), t.size,
                           printable_text(t.file), t.line);
      }
    }
    return write_stdout(out) ? 0 : kExitFailure;
  }
  if (o.full && !o.json) return fail("--full goes with --json");
  Result<Layout> layout = load_layout(o.args);
  if (!layout) return fail(first_line(layout.error()));
  std::string out;
  if (o.json) {
    out = layout_to_json(*layout, o.full ? LayoutJson::full : LayoutJson::brief, 2) + "\n";
  } else {
    out = text_table(*layout);
  }
  return write_stdout(out) ? 0 : kExitFailure;
}

void setup_layout(CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<LayoutCmdOptions>();
  CLI::App* sub = app.add_subcommand(
      "layout", "Show the compiler-exact layout of a struct/union/class from a C/C++ header");
  add_layout_options(sub, opts->args, /*allow_json_file=*/true);
  sub->add_flag("--json", opts->json, "Print JSON: type, size, align, fields[]");
  sub->add_flag("--full", opts->full,
                "With --json: everything needed to reuse the layout (read/write --layout-json)");
  sub->add_flag("--list", opts->list, "List the types the header declares instead");
  sub->callback([opts, &exit_code] { exit_code = run_layout(*opts); });
}

}  // namespace
}  // namespace memview::cli

MEMVIEW_CLI_COMMAND(memview::cli::setup_layout)
