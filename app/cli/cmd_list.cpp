// memview-cli list [--json]: every shared memory object the backends can discover.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli_util.h"
#include "command.h"
#include "memview/discovery.h"
#include "memview/json_bytes.h"
#include "memview/text_bytes.h"
#include "object_format.h"

namespace memview::cli {
namespace {

struct ListOptions {
  bool json = false;
};

int run_list(const ListOptions& opts) {
  std::vector<DiscoveredObject> objects = discover_all();
  std::sort(objects.begin(), objects.end(),
            [](const DiscoveredObject& a, const DiscoveredObject& b) {
              return a.kind != b.kind ? a.kind < b.kind : a.name < b.name;
            });

  std::string out;
  if (opts.json) {
    nlohmann::json array = nlohmann::json::array();
    for (const DiscoveredObject& o : objects) array.push_back(to_json(o));
    out = json_dump(array, 2) + "\n";
  } else {
    // Names may hold newlines or invalid UTF-8: one escaped line per object.
    for (DiscoveredObject& o : objects) {
      o.spec = printable_text(o.spec);
      o.owner = printable_text(o.owner);
    }
    size_t spec_width = 4;
    size_t owner_width = 5;
    for (const DiscoveredObject& o : objects) {
      spec_width = std::max(spec_width, o.spec.size());
      owner_width = std::max(owner_width, o.owner.size());
    }
    out += fmt::format("{:<{}}  {:>12}  {:<{}}  {:<4}  {:>6}  {}\n", "SPEC", spec_width, "SIZE",
                       "OWNER", owner_width, "MODE", "ATTACH", "MODIFIED");
    for (const DiscoveredObject& o : objects) {
      const std::string attach = o.attach_count >= 0 ? std::to_string(o.attach_count) : "-";
      out += fmt::format("{:<{}}  {:>12}  {:<{}}  {:<4}  {:>6}  {}\n", o.spec, spec_width, o.size,
                         o.owner, owner_width, format_mode(o.mode), attach,
                         format_unix_ns(o.modified_unix_ns));
    }
  }
  if (!write_stdout(out)) return kExitFailure;
  return 0;
}

void setup_list(CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<ListOptions>();
  CLI::App* sub = app.add_subcommand(
      "list",
      "List POSIX shared memory objects and System V segments (size, owner, mode, "
      "attach count, last modification)");
  sub->add_flag("--json", opts->json, "Print a JSON array instead of a table");
  sub->callback([opts, &exit_code] { exit_code = run_list(*opts); });
}

}  // namespace
}  // namespace memview::cli

MEMVIEW_CLI_COMMAND(memview::cli::setup_list)
