#include "sources/pid_spec.h"

#include <algorithm>
#include <climits>
#include <set>

#include <fmt/format.h>

#include "memview/numbers.h"
#include "memview/process_maps.h"
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

Result<ByteRange> resolve_pid_region(const std::vector<MapRegion>& maps, const std::string& region,
                                     uint64_t pid) {
  if (Result<uint64_t> addr = parse_u64(region, "address"); addr) {
    const MapRegion* r = region_at_or_after(maps, *addr);
    if (!r || r->start > *addr) {
      return make_error(Errc::not_found,
                        fmt::format("address 0x{:x} is not mapped in process {}", *addr, pid));
    }
    return ByteRange{r->start, r->size()};
  }
  std::string path;
  for (const MapRegion& r : maps) {
    if (r.path == region) path = region;
  }
  if (path.empty()) {
    std::set<std::string> candidates;
    for (const MapRegion& r : maps) {
      if (!r.path.empty() && r.path.find(region) != std::string::npos) candidates.insert(r.path);
    }
    if (candidates.empty()) {
      return make_error(Errc::not_found, fmt::format("no mapping of process {} matches '{}' "
                                                     "(`memview-cli regions pid:{}` lists them)",
                                                     pid, region, pid));
    }
    if (candidates.size() > 1) {
      std::string list;
      size_t shown = 0;
      for (const std::string& c : candidates) {
        if (shown++ == 5) {
          list += ", ...";
          break;
        }
        list += (list.empty() ? "" : ", ") + c;
      }
      return make_error(Errc::invalid_argument,
                        fmt::format("'{}' matches {} mappings of process {} ({}); give more of "
                                    "the path",
                                    region, candidates.size(), pid, list));
    }
    path = *candidates.begin();
  }
  uint64_t lo = ~uint64_t{0};
  uint64_t hi = 0;
  for (const MapRegion& r : maps) {
    if (r.path != path) continue;
    lo = std::min(lo, r.start);
    hi = std::max(hi, r.end);
  }
  return ByteRange{lo, hi - lo};
}

}  // namespace memview::detail
