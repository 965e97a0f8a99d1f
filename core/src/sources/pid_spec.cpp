#include "sources/pid_spec.h"

#include <climits>

#include <fmt/format.h>

#include "memview/numbers.h"
#include "sources/range_suffix.h"

namespace memview::detail {

namespace {
#if defined(_WIN32)
constexpr uint64_t kMaxPid = UINT32_MAX;  // a DWORD
#else
constexpr uint64_t kMaxPid = INT_MAX;  // a pid_t
#endif
}  // namespace

std::string PidTarget::text() const {
  switch (mode) {
    case Mode::whole:
      return std::to_string(pid);
    case Mode::range:
      return fmt::format("{}@{}", pid, format_range_suffix(range));
    case Mode::region:
      return fmt::format("{}:{}", pid, region);
  }
  return {};
}

Result<PidTarget> parse_pid_target(std::string_view text) {
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0) {
    return make_error(Errc::invalid_argument,
                      fmt::format("bad process spec '{}': expected PID, PID@ADDR+LEN, "
                                  "PID@ADDR-END or PID:REGION",
                                  text));
  }
  Result<uint64_t> pid = parse_u64(text.substr(0, digits), "process id");
  if (!pid) return pid.error();
  if (*pid == 0 || *pid > kMaxPid) {
    return make_error(Errc::invalid_argument, fmt::format("bad process id {}", *pid));
  }
  PidTarget t;
  t.pid = static_cast<uint32_t>(*pid);
  std::string_view rest = text.substr(digits);
  if (rest.empty()) return t;
  if (rest.front() == '@') {
    Result<ByteRange> r = parse_range_suffix(rest.substr(1));
    if (!r) return r.error();
    t.mode = PidTarget::Mode::range;
    t.range = *r;
    return t;
  }
  if (rest.front() == ':') {
    rest.remove_prefix(1);
    if (rest.empty()) {
      return make_error(Errc::invalid_argument,
                        "empty region name after 'pid:PID:' (e.g. [heap], [stack], libc)");
    }
    for (char c : rest) {
      if (static_cast<unsigned char>(c) < 0x20) {
        return make_error(Errc::invalid_argument, "region name contains a control character");
      }
    }
    t.mode = PidTarget::Mode::region;
    t.region = std::string(rest);
    return t;
  }
  return make_error(Errc::invalid_argument,
                    fmt::format("bad process spec '{}': after the process id comes nothing, "
                                "'@ADDR+LEN', '@ADDR-END' or ':REGION'",
                                text));
}

Result<std::string> canonical_pid_target(std::string_view text) {
  Result<PidTarget> t = parse_pid_target(text);
  if (!t) return t.error();
  return t->text();
}

}  // namespace memview::detail
