// What a sweep or a snapshot covers: the whole object, a range of it, or a process's readable
// mappings (shared by the activity sweeper and snapshots).
#include <algorithm>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "memview/activity.h"
#include "memview/process_maps.h"
#include "sources/pid_spec.h"

namespace memview {
namespace {

// [vvar] and [vsyscall] are readable in the maps but refuse process_vm_readv and /proc/PID/mem.
bool sweepable(const MapRegion& r) {
  return r.read && r.path != "[vvar]" && r.path != "[vsyscall]" && r.path != "[vvar_vclock]";
}

Result<std::vector<SweepRegion>> process_regions(const SourceInfo& info, ByteRange clip) {
  const std::string_view target = std::string_view(info.spec).substr(info.spec.find(':') + 1);
  Result<detail::PidTarget> pid = detail::parse_pid_target(target);
  if (!pid) return pid.error();
  Result<std::vector<MapRegion>> maps = read_process_maps(static_cast<pid_t>(pid->pid));
  if (!maps) return maps.error();
  std::vector<SweepRegion> out;
  for (const MapRegion& r : *maps) {
    if (!sweepable(r)) continue;
    const uint64_t lo = std::max(r.start, clip.address);
    const uint64_t hi = std::min(r.end, clip.end());
    if (lo >= hi) continue;
    // Adjacent mappings of one file stay separate: each is named and may vanish on its own.
    out.push_back(SweepRegion{lo, hi - lo, r.path});
  }
  return out;
}

}  // namespace

Result<std::vector<SweepRegion>> sweep_regions(const Source& source,
                                               std::optional<ByteRange> range) {
  const SourceInfo& info = source.info();
  ByteRange clip{info.base, info.size};
  if (range) {
    const uint64_t lo = std::max(clip.address, range->address);
    const uint64_t hi = std::min(clip.end(), range->end());
    if (lo >= hi) {
      return make_error(
          Errc::out_of_range,
          fmt::format("range 0x{:x}+0x{:x} is outside '{}' (0x{:x}+0x{:x})", range->address,
                      range->length, info.spec, info.base, info.size));
    }
    clip = ByteRange{lo, hi - lo};
  }
  if (info.kind == "pid") return process_regions(info, clip);
  if (clip.length == 0) return std::vector<SweepRegion>{};
  return std::vector<SweepRegion>{SweepRegion{clip.address, clip.length, {}}};
}

}  // namespace memview
