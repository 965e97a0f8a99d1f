// Reading the files memview is handed (workspaces, layout JSON, batch files, settings,
// headers, recordings, snapshots, scan states): only regular files, only up to a size cap
// the caller states, with a message that says what is wrong. A FIFO, a device (/dev/zero),
// a directory or a file that grows past the cap while it is read is refused, never read
// without limit.
//
// Thread-safety: free functions, no shared state.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "memview/result.h"

namespace memview {

// Caps for the kinds of text files memview reads whole.
inline constexpr uint64_t kMaxTextFileBytes = 64ull << 20;     // workspaces, settings, batch files
inline constexpr uint64_t kMaxLayoutFileBytes = 256ull << 20;  // layout JSON (--full can be big)
inline constexpr uint64_t kMaxHeaderBytes = 64ull << 20;       // a C/C++ header handed to clang

// Checks that `path` names a regular file of at most max_bytes (0: no cap) without opening
// it (opening a FIFO would block). `what` names the file in messages ("workspace", "layout
// file"). Returns its size.
Result<uint64_t> check_regular_file(const std::string& path, uint64_t max_bytes,
                                    std::string_view what);

// Reads a whole regular file of at most max_bytes. Errors: not_found (with the path),
// permission (permission denied, with the path), invalid_argument (not a regular file: says
// which kind it is; too big: says the size and the cap), io (read error). Anything that is
// not a regular file is refused before it is opened; the file is opened without blocking.
Result<std::string> read_file_capped(const std::string& path, uint64_t max_bytes,
                                     std::string_view what);

// What read_file_capped checks, and that the file can be opened for reading (says
// "permission denied" with the path), without reading it: for files another library reads.
Status check_readable_file(const std::string& path, uint64_t max_bytes, std::string_view what);

}  // namespace memview
