// Regular expressions over bytes (PCRE2's 8-bit library, JIT-compiled where PCRE2 has a
// JIT): the subject is the raw memory, so "\x00", "[\x80-\xff]" and "." match single
// bytes, whatever they encode. Matches do not overlap (the search goes on after each);
// empty matches are not reported.
//
// The memory is searched in 16 MiB blocks, each read with kRegexOverlap more bytes: a match
// that starts in a block is found when it ends at most kRegexOverlap bytes past the block's
// end. A longer match across a block boundary is missed or cut short there; everywhere
// else a match may be as long as its block allows.
//
// Builds without PCRE2 (the Windows cross build) refuse every pattern with one clear
// "not available in this build" error (regex_available() says so beforehand).
//
// Thread-safety: a ByteRegex is immutable once compiled and may be shared by threads;
// find_regex uses the Source on the calling thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "memview/find_pattern.h"
#include "memview/result.h"
#include "memview/source.h"

namespace memview {

inline constexpr uint64_t kRegexOverlap = 4096;

class ByteRegex;  // a compiled pattern

// False in builds without PCRE2.
bool regex_available();

// Compiles `pattern` (PCRE2 syntax; ignore_case: ASCII letters in either case). Errors:
// empty pattern; a syntax error, with its position ("bad regular expression at offset 3:
// missing closing parenthesis"); no PCRE2 in this build.
Result<std::shared_ptr<const ByteRegex>> compile_regex(std::string_view pattern, bool ignore_case);

// Every match's start in the ranges (empty: scan_ranges(source)), at most `limit` listed
// with their lengths (FindResult::lengths); count covers every match. Progress and
// cancellation as for find_pattern. Error: PCRE2 gave up on a block (its match or depth
// limit: the pattern backtracks too much), with the block's address.
Result<FindResult> find_regex(Source& source, const ByteRegex& regex, size_t limit,
                              WorkerContext* ctx = nullptr, std::vector<ByteRange> ranges = {});

}  // namespace memview
