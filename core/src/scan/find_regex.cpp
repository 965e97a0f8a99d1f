// Regular expressions over bytes with PCRE2 (8-bit library). Compiled with
// MEMVIEW_HAVE_PCRE2 only where the library is linked (core/CMakeLists.txt); elsewhere every
// pattern is refused with one clear error.
#include "memview/find_regex.h"

#include <algorithm>
#include <string>

#include <fmt/format.h>

#include "memview/scan.h"
#include "memview/worker.h"
#include "scan/find_blocks.h"

#ifdef MEMVIEW_HAVE_PCRE2
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#endif

namespace memview {

#ifdef MEMVIEW_HAVE_PCRE2

class ByteRegex {
 public:
  explicit ByteRegex(pcre2_code* code) : code_(code) {}
  ~ByteRegex() { pcre2_code_free(code_); }
  ByteRegex(const ByteRegex&) = delete;
  ByteRegex& operator=(const ByteRegex&) = delete;
  const pcre2_code* code() const { return code_; }

 private:
  pcre2_code* code_;
};

namespace {

std::string regex_error_text(int code) {
  PCRE2_UCHAR buf[256];
  if (pcre2_get_error_message(code, buf, sizeof buf) < 0) return fmt::format("error {}", code);
  return reinterpret_cast<const char*>(buf);
}

struct RegexMatchData {
  pcre2_match_data* data;
  explicit RegexMatchData(const pcre2_code* code)
      : data(pcre2_match_data_create_from_pattern(code, nullptr)) {}
  ~RegexMatchData() { pcre2_match_data_free(data); }
  RegexMatchData(const RegexMatchData&) = delete;
  RegexMatchData& operator=(const RegexMatchData&) = delete;
};

// The matches starting in buf[0, length) (buf holds `extent` >= length bytes from `at`), from
// `resume` on (the end of the previous block's last match, absolute): a match found across
// the boundary is not found again, in part, by the next block.
Status regex_block(const ByteRegex& re, std::span<const std::byte> buf, uint64_t length,
                   uint64_t at, const ReadOutcome& outcome, size_t limit, FindResult& out,
                   RegexMatchData& md, uint64_t& resume) {
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(buf.data());
  size_t start = resume > at ? static_cast<size_t>(resume - at) : 0;
  while (start < length) {
    const int rc = pcre2_match(re.code(), subject, buf.size(), start, 0, md.data, nullptr);
    if (rc == PCRE2_ERROR_NOMATCH) return {};
    if (rc < 0) {
      return make_error(Errc::invalid_argument,
                        fmt::format("the regular expression gave up at 0x{:x}: {}", at + start,
                                    regex_error_text(rc)));
    }
    const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md.data);
    const size_t begin = ov[0], end = ov[1];
    if (begin >= length) return {};  // the next block finds it
    start = end > begin ? end : begin + 1;
    if (end == begin) continue;
    resume = at + end;
    const bool readable =
        outcome.complete() ||
        std::none_of(outcome.unreadable.begin(), outcome.unreadable.end(), [&](const ByteRange& u) {
          return u.address < at + end && u.end() > at + begin;
        });
    if (!readable) continue;
    if (out.addresses.size() < limit) {
      out.addresses.push_back(at + begin);
      out.lengths.push_back(static_cast<uint32_t>(std::min<size_t>(end - begin, UINT32_MAX)));
      out.longest = std::max<uint64_t>(out.longest, end - begin);
    }
    ++out.count;
  }
  return {};
}

}  // namespace

bool regex_available() {
  return true;
}

Result<std::shared_ptr<const ByteRegex>> compile_regex(std::string_view pattern, bool ignore_case) {
  if (pattern.empty()) return make_error(Errc::invalid_argument, "the regular expression is empty");
  int code = 0;
  PCRE2_SIZE offset = 0;
  const uint32_t options = ignore_case ? PCRE2_CASELESS : 0;
  pcre2_code* re = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                 options, &code, &offset, nullptr);
  if (!re) {
    return make_error(Errc::invalid_argument, fmt::format("bad regular expression at offset {}: {}",
                                                          offset, regex_error_text(code)));
  }
  // The JIT is an optimisation: without it (no JIT on this CPU) PCRE2 interprets.
  (void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
  return std::shared_ptr<const ByteRegex>(std::make_shared<ByteRegex>(re));
}

Result<FindResult> find_regex(Source& source, const ByteRegex& regex, size_t limit,
                              WorkerContext* ctx, std::vector<ByteRange> ranges) {
  RegexMatchData md(regex.code());
  if (!md.data) return make_error(Errc::io, "out of memory for the regular expression's matches");
  FindResult out;
  uint64_t resume = 0;  // where the last listed match ended: overlapping blocks never list twice
  auto visit = [&](const scan_detail::FindBlock& b) -> Status {
    if (b.at == b.range.address) resume = b.at;
    return regex_block(regex, b.bytes, b.length, b.at, b.outcome, limit, out, md, resume);
  };
  if (Status s =
          scan_detail::walk_find_blocks(source, std::move(ranges), kRegexOverlap, ctx, out, visit);
      !s) {
    return s.error();
  }
  return out;
}

#else  // no PCRE2 in this build

class ByteRegex {};

bool regex_available() {
  return false;
}

Result<std::shared_ptr<const ByteRegex>> compile_regex(std::string_view, bool) {
  return make_error(Errc::unsupported,
                    "regular expressions are not available in this build (built without PCRE2)");
}

Result<FindResult> find_regex(Source&, const ByteRegex&, size_t, WorkerContext*,
                              std::vector<ByteRange>) {
  return make_error(Errc::unsupported,
                    "regular expressions are not available in this build (built without PCRE2)");
}

#endif

}  // namespace memview
