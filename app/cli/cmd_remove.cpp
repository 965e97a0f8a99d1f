// memview-cli remove NAME: unlinks an object (shm_unlink, IPC_RMID). Processes that have
// it mapped keep their mapping; the name is gone. file:, pid: and gdb: specs are refused
// (the core's file backend has no remove: memview never deletes a user's file).
#include <memory>
#include <string>

#include <fmt/format.h>

#include "cli_util.h"
#include "command.h"
#include "memview/source_spec.h"
#include "memview/text_bytes.h"

namespace memview::cli {
namespace {

struct RemoveOptions {
  std::string name;
};

int run_remove(const RemoveOptions& opts) {
  Result<SourceSpec> spec = parse_source_spec(opts.name);
  if (!spec) return fail(with_context("remove", opts.name, spec.error()));
  Status removed = remove_source(opts.name);
  if (!removed) return fail(with_context("remove", opts.name, removed.error()));
  if (!write_stdout(fmt::format("removed {}\n", printable_text(spec->text())))) return kExitFailure;
  return 0;
}

void setup_remove(CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<RemoveOptions>();
  CLI::App* sub = app.add_subcommand(
      "remove", "Remove (unlink) a shared memory object; never a file, a process or a target");
  sub->add_option("NAME", opts->name, spec_help(SpecUse::remove))->required();
  sub->callback([opts, &exit_code] { exit_code = run_remove(*opts); });
}

}  // namespace
}  // namespace memview::cli

MEMVIEW_CLI_COMMAND(memview::cli::setup_remove)
