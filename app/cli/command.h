// Subcommand registration for memview-cli: each cmd_*.cpp adds its subcommand to the app
// from a static registrar, so a new subcommand is one new file.
#pragma once

#include <functional>
#include <vector>

#include <CLI/CLI.hpp>

namespace memview::cli {

// A subcommand's setup: adds itself to `app` and stores its callback. The callback returns
// the process exit code; errors are printed by the command as one "error: ..." line.
using CommandSetup = std::function<void(CLI::App& app, int& exit_code)>;

bool register_command(CommandSetup setup);
std::vector<CommandSetup>& registered_commands();

}  // namespace memview::cli

#define MEMVIEW_CLI_CONCAT_INNER(a, b) a##b
#define MEMVIEW_CLI_CONCAT(a, b) MEMVIEW_CLI_CONCAT_INNER(a, b)
// __COUNTER__, not __LINE__: the Windows build compiles all cmd_*.cpp as one unity
// translation unit, where two files may register on the same line.
#define MEMVIEW_CLI_COMMAND(setup_fn)                                             \
  namespace {                                                                     \
  [[maybe_unused]] const bool MEMVIEW_CLI_CONCAT(memview_cli_cmd_, __COUNTER__) = \
      ::memview::cli::register_command(setup_fn);                                 \
  }
