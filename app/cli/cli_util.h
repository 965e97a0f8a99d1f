// Helpers shared by memview-cli's subcommands: error lines, opening sources, ranges,
// stop signals and output.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "memview/result.h"
#include "memview/source.h"
#include "memview/source_spec.h"

namespace memview::cli {

// Exit codes: 0 success, 1 the operation failed, 2 the command line was malformed.
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// Prints the one "error: ..." line on stderr (control characters and invalid UTF-8 in the
// message escaped, see memview/text_bytes.h) and returns kExitFailure.
int fail(std::string_view message);
int fail(const Error& error);
template <class... Args>
int failf(fmt::format_string<Args...> f, Args&&... args) {
  return fail(fmt::format(f, std::forward<Args>(args)...));
}

// "cannot <verb> 'spec': message", unless the core's message already starts with
// "cannot" (then it names the object itself and the prefix would only repeat it).
Error with_context(std::string_view verb, std::string_view spec, const Error& error);

// "Source: NAME, shm:NAME, file:PATH, ..., pid:..., gdb:..." from the backend registry: the
// help of every SPEC argument ("Object: ..." for create/remove, with the backends that can).
std::string spec_help(SpecUse use = SpecUse::open);

// "LABEL NAME, shm:NAME, ..." with only the kinds `accept` takes, for a subcommand that
// handles some kinds of source (who, who-writes); says so when this platform has none.
std::string spec_help(std::string_view label, bool (*accept)(std::string_view scheme));

// Opens a source (read-write with fallback to read-only unless read_only). The error
// names the spec so the user sees which object was meant.
Result<SourcePtr> open_spec(std::string_view spec, bool read_only);

// A window [offset, offset + length) inside the object.
struct Window {
  uint64_t offset = 0;
  uint64_t length = 0;
};

// Parses optional --offset/--length texts (decimal or 0x) and checks them against the
// object: the window must lie entirely inside [base, base + size). A missing length means
// "to the end of the object".
Result<Window> resolve_window(const SourceInfo& info, const std::optional<std::string>& offset,
                              const std::optional<std::string>& length);

// Checks that [address, address + length) lies inside the object.
Status check_inside(const SourceInfo& info, uint64_t address, uint64_t length,
                    std::string_view what);

// SIGINT/SIGTERM set a flag instead of killing the process, so loops end cleanly.
void install_stop_signals();
bool stop_requested();
// How many stop signals arrived so far.
int stop_signal_count();
// Sleeps up to `ms` milliseconds; returns early when a stop signal arrives.
void sleep_ms(uint64_t ms);

// Writes all of `data` to stdout. Returns false on a write error (e.g. a closed pipe).
bool write_stdout(std::string_view data);

}  // namespace memview::cli
