// Names, paths and specs are bytes, not text: a POSIX shared memory name, a file path or a
// /proc/PID/maps path may hold any byte but '/' and NUL, including invalid UTF-8 and
// newlines. These helpers say whether bytes are valid UTF-8 and turn them into one line of
// valid UTF-8 for people (tables, messages). memview/json_bytes.h builds the reversible
// JSON form on top of them.
//
// Thread-safety: free functions, no shared state.
#pragma once

#include <string>
#include <string_view>

#include "memview/result.h"

namespace memview {

// True when `bytes` is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates,
// nothing above U+10FFFF), the rule JSON libraries enforce.
bool is_valid_utf8(std::string_view bytes);

// One printable line of valid UTF-8: control characters become \n, \r, \t or \xNN, and
// every byte that is not part of valid UTF-8 becomes \xNN. Valid UTF-8 text without
// control characters is returned unchanged. For display and messages only; backslashes
// are kept as they are (Windows paths stay readable), so it is not meant to be decoded.
std::string printable_text(std::string_view bytes);

// Valid UTF-8 with every byte that is not part of valid UTF-8 replaced by U+FFFD.
std::string lossy_utf8(std::string_view bytes);

// Lower-case hex, two digits per byte, no separators ("6162ff").
std::string hex_encode(std::string_view bytes);
// The inverse of hex_encode (either case). Errors: odd length or a non-hex digit.
Result<std::string> hex_decode(std::string_view hex);

}  // namespace memview
