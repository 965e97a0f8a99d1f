// The subcommand registry behind MEMVIEW_CLI_COMMAND.
#include "command.h"

namespace memview::cli {

std::vector<CommandSetup>& registered_commands() {
  // Function-local so registration from other files' static initialisers is order-safe.
  static std::vector<CommandSetup> commands;
  return commands;
}

bool register_command(CommandSetup setup) {
  registered_commands().push_back(std::move(setup));
  return true;
}

}  // namespace memview::cli
