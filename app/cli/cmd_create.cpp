// memview-cli create NAME SIZE [--mode OCTAL]: a new object of SIZE bytes, as a creating
// process makes it (shm_open + ftruncate; on Windows CreateFileMapping with a size). Never
// replaces an existing object.
#include <cstdio>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "cli_util.h"
#include "command.h"
#include "memview/numbers.h"
#include "memview/source_spec.h"
#include "memview/text_bytes.h"

namespace memview::cli {
namespace {

struct CreateCmdOptions {
  std::string name;
  std::string size;
  std::string mode = "0600";
};

int run_create(const CreateCmdOptions& opts) {
  Result<uint64_t> size = parse_u64(opts.size, "size");
  if (!size) return fail(size.error());
  if (size.value() == 0) return fail("size must be at least 1 byte");
  Result<uint32_t> mode = parse_mode(opts.mode);
  if (!mode) return fail(mode.error());

  CreateOptions create;
  create.size = size.value();
  create.mode = mode.value();
  create.exclusive = true;
  Result<SourcePtr> source = create_source(opts.name, create);
  if (!source) return fail(with_context("create", opts.name, source.error()));
  const SourceInfo& info = source.value()->info();
  if (!write_stdout(fmt::format("created {} ({} bytes, mode {:04o})\n", printable_text(info.spec),
                                info.size, create.mode))) {
    return kExitFailure;
  }
  if (info.kind == "win") {
    // A Win32 named mapping lives only while a handle to it is open: keep it until stopped,
    // as the process that creates one in a two-process setup does.
    install_stop_signals();
    if (!write_stdout("a Win32 named mapping exists while a process holds it: keeping it "
                      "until Ctrl-C\n") ||
        std::fflush(stdout) != 0) {
      return kExitFailure;
    }
    while (!stop_requested()) sleep_ms(100);
  }
  return 0;
}

void setup_create(CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<CreateCmdOptions>();
  CLI::App* sub =
      app.add_subcommand("create", "Create a new shared memory object (fails if it exists)");
  sub->add_option("NAME", opts->name, spec_help(SpecUse::create))->required();
  sub->add_option("SIZE", opts->size, "Size in bytes (decimal or 0x hex)")->required();
  sub->add_option("--mode", opts->mode,
                  "Permission bits in octal, 0 to 0777 (default 0600); set exactly as given: "
                  "the umask is not applied")
      ->type_name("OCTAL");
  sub->callback([opts, &exit_code] { exit_code = run_create(*opts); });
}

}  // namespace
}  // namespace memview::cli

MEMVIEW_CLI_COMMAND(memview::cli::setup_create)
