// memview-cli: every subcommand is a cmd_*.cpp that registers itself (command.h); main
// only builds the parser, runs it, and turns parse errors into one "error:" line.
#include <csignal>
#include <cstdio>
#include <exception>
#include <new>
#include <string>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "cli_util.h"
#include "command.h"

namespace {

int run_cli(int argc, char** argv) {
  // A closed pipe (`memview-cli dump X | head`) becomes a write error, not a signal death.
#if defined(SIGPIPE)
  std::signal(SIGPIPE, SIG_IGN);
#endif

  // The source kinds come from the backend registry (what this build and platform has).
  CLI::App app{
      "memview-cli: list, inspect, dump, edit and watch named shared memory.\n"
      "Sources: " +
          memview::source_spec_syntax() +
          ".\n"
          "Offsets and sizes accept decimal and 0x hex.",
      "memview-cli"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Print help for every subcommand");
  app.set_version_flag("--version", "memview-cli " MEMVIEW_VERSION);

  int exit_code = 0;
  for (const memview::cli::CommandSetup& setup : memview::cli::registered_commands()) {
    setup(app, exit_code);
  }

  // CLI11 would only say "A subcommand is required" for a misspelt one; name it instead.
  if (argc > 1 && argv[1][0] != '-') {
    std::string names;
    bool known = false;
    for (const CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
      known = known || sub->get_name() == argv[1];
      names += (names.empty() ? "" : ", ") + sub->get_name();
    }
    if (!known) {
      fmt::print(stderr, "error: unknown subcommand '{}' (one of: {})\n", argv[1], names);
      fmt::print(stderr, "Run 'memview-cli --help' for usage.\n");
      return memview::cli::kExitUsage;
    }
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --help-all, --version
    std::string hint = "memview-cli --help";
    for (const CLI::App* sub : app.get_subcommands()) {
      hint = fmt::format("memview-cli {} --help", sub->get_name());
    }
    std::fflush(stdout);
    fmt::print(stderr, "error: {}\n", e.what());
    fmt::print(stderr, "Run '{}' for usage.\n", hint);
    return memview::cli::kExitUsage;
  } catch (const std::bad_alloc&) {
    // Commands check the sizes they are given; this is the last line of defence.
    return memview::cli::fail(
        "out of memory: the request needs more memory than this machine gives (try a smaller "
        "range, count or file)");
  } catch (const std::exception& e) {
    // The core never throws; this catches the unexpected in the CLI itself so the user
    // still gets one line instead of an abort.
    return memview::cli::failf("internal error: {}", e.what());
  }
  std::fflush(stdout);
  if (std::ferror(stdout)) {
    return exit_code != 0 ? exit_code : memview::cli::kExitFailure;
  }
  return exit_code;
}

}  // namespace

// Whatever escapes (an allocation failure, a library's exception) ends the program with
// one "error:" line instead of std::terminate's abort.
int main(int argc, char** argv) {
  try {
    return run_cli(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: internal error: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "error: internal error\n");
  }
  return 1;
}
