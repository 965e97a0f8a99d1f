// Another process's memory (Linux): "pid:PID", "pid:PID@ADDR+LEN", "pid:PID@ADDR-END",
// "pid:PID:REGION".
//
//  - pid:PID           the whole user address space: base 0, size = top of user space, so
//                      addresses are the process's virtual addresses; unmapped holes are
//                      unreadable.
//  - pid:PID@A+N       the N bytes at virtual address A (A-E: up to, not including, E).
//  - pid:PID:REGION    one mapping by name: "[heap]", "[stack]", a path or a unique
//                      substring of one ("libc.so"), or an address inside it ("0x7f12...").
//                      All mappings of that path together (a library's text, data, ...).
//                      The range follows the mapping when it grows or shrinks (resized).
//
// Reads use process_vm_readv (one syscall per readable stretch; a partial read marks where
// a hole starts, /proc/PID/maps says where it ends), writes pwrite /proc/PID/mem. Neither
// attaches with ptrace, so both work while a debugger holds the process stopped.
// The process's MAP_SHARED mappings (shm objects, shared files, memfds) are mapped into
// this process as well when the OS allows it (process_shared_maps.h): reads are then a
// memcpy, aligned writes one store and compare-and-swap atomic, as for a shm: source.
#if defined(__linux__)

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>
#include <fstream>

#include <fmt/format.h>

#include "memview/numbers.h"
#include "memview/process_maps.h"
#include "memview/source_spec.h"
#include "sources/pid_spec.h"
#include "sources/process_shared_maps.h"
#include "sources/range_suffix.h"

namespace memview {
namespace {

constexpr uint64_t kPage = 4096;
// Maps older than this are re-read before a hole is skipped: a mapping created meanwhile
// is then seen within this delay.
constexpr int64_t kMapsMaxAgeNs = 100'000'000;
// A region spec re-checks its extent (heap and stack grow), and the shared mappings are
// re-validated against /proc/PID/maps, at most this often.
constexpr int64_t kRegionRecheckNs = 250'000'000;
// One batched process_vm_readv: at most IOV_MAX pieces and this many bytes.
constexpr size_t kMaxBatchPieces = IOV_MAX;
constexpr uint64_t kMaxBatchBytes = uint64_t{1} << 30;

int64_t mono_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

using detail::PidTarget;
using detail::resolve_pid_region;

std::string process_name(pid_t pid) {
  std::ifstream in(fmt::format("/proc/{}/comm", pid));
  std::string name;
  std::getline(in, name);
  return name;
}

// Field 22 of /proc/PID/stat: the start time, which tells a reused pid from the original.
uint64_t start_time(pid_t pid) {
  std::ifstream in(fmt::format("/proc/{}/stat", pid));
  std::string stat;
  std::getline(in, stat);
  const size_t paren = stat.rfind(')');  // comm may contain spaces and parentheses
  if (paren == std::string::npos) return 0;
  std::string_view rest = std::string_view(stat).substr(paren + 1);
  // After ')' come fields 3.. separated by single spaces; start time is field 22.
  int field = 2;
  size_t pos = 0;
  while (field < 22 && pos != std::string_view::npos) {
    pos = rest.find(' ', pos + 1);
    ++field;
  }
  if (pos == std::string_view::npos) return 0;
  return std::strtoull(std::string(rest.substr(pos + 1, 24)).c_str(), nullptr, 10);
}

class ProcessSource final : public Source {
 public:
  ProcessSource(PidTarget target, int pidfd, int mem_fd, uint64_t started,
                std::vector<MapRegion> maps, SourceInfo info)
      : target_(std::move(target)),
        pidfd_(pidfd),
        mem_fd_(mem_fd),
        start_time_(started),
        maps_(std::move(maps)),
        maps_read_ns_(mono_ns()),
        region_checked_ns_(maps_read_ns_),
        info_(std::move(info)),
        shared_(target_.pid, info_.writable) {
    shared_.sync(maps_);
  }

  ~ProcessSource() override {
    if (pidfd_ >= 0) close(pidfd_);
    if (mem_fd_ >= 0) close(mem_fd_);
  }

  const SourceInfo& info() const override { return info_; }

  ReadOutcome read(uint64_t address, std::span<std::byte> out) override {
    if (out.size() > ~uint64_t{0} - address) {
      ReadOutcome r;
      r.unreadable.push_back({address, ~uint64_t{0} - address});
      r.message = "the range runs past the end of the address space";
      return r;
    }
    ReadOutcome outcome = outside_range(info_, address, out.size());
    const uint64_t lo = std::max(address, info_.base);
    const uint64_t hi = std::min(address + out.size(), info_.base + info_.size);
    if (lo < hi) read_inside(address, out.data(), lo, hi, outcome);
    normalise(outcome);
    return outcome;
  }

  // Pieces of private memory go to the kernel together, up to IOV_MAX per call (a scan of a
  // process with thousands of small mappings makes one syscall per thousand, not one each).
  // A piece that holds a shared mapping, reaches outside the range, or where a batch stopped
  // short (a hole) is read alone by read(), which finds and explains its holes.
  std::vector<ReadOutcome> read_pieces(std::span<const ReadPiece> pieces) override {
    std::vector<ReadOutcome> out(pieces.size());
    std::vector<iovec> local;
    std::vector<iovec> remote;
    size_t i = 0;
    while (i < pieces.size()) {
      local.clear();
      remote.clear();
      uint64_t batch_bytes = 0;
      for (size_t j = i; j < pieces.size() && local.size() < kMaxBatchPieces; ++j) {
        const ReadPiece& p = pieces[j];
        if (!batchable(p) || batch_bytes + p.out.size() > kMaxBatchBytes) break;
        batch_bytes += p.out.size();
        local.push_back({p.out.data(), p.out.size()});
        remote.push_back(
            {reinterpret_cast<void*>(static_cast<uintptr_t>(p.address)), p.out.size()});
      }
      if (local.size() <= 1) {
        out[i] = read(pieces[i].address, pieces[i].out);
        ++i;
        continue;
      }
      const ssize_t n = process_vm_readv(target_.pid, local.data(), local.size(), remote.data(),
                                         remote.size(), 0);
      if (n < 0 && errno == EINTR) continue;
      uint64_t got = n > 0 ? static_cast<uint64_t>(n) : 0;
      const size_t end = i + local.size();
      for (; i < end && got >= pieces[i].out.size(); ++i) got -= pieces[i].out.size();
      if (i < end) {  // the batch stopped inside piece i: the rest of it alone
        const ReadPiece& p = pieces[i];
        out[i] = read(p.address + got, p.out.subspan(static_cast<size_t>(got)));
        ++i;
      }
    }
    return out;
  }

  // Shared mappings mapped here are diffed in one fused pass; the rest reads and compares.
  ReadOutcome diff(uint64_t address, std::span<std::byte> cache, const DiffSink& sink) override {
    if (shared_.size() == 0 || exited_) return Source::diff(address, cache, sink);
    ReadOutcome total;
    const uint64_t end = address + cache.size();
    const uint64_t lo = info_.base;
    const uint64_t hi = info_.base + info_.size;
    uint64_t pos = address;
    while (pos < end) {
      const auto* e = (pos >= lo && pos < hi) ? shared_.find(pos) : nullptr;
      uint64_t stop = e ? std::min(end, e->end) : std::min(end, shared_.next_start(pos));
      if (pos < lo) stop = std::min(stop, lo);
      if (pos < hi) stop = std::min(stop, hi);
      const size_t at = static_cast<size_t>(pos - address);
      const auto piece = cache.subspan(at, static_cast<size_t>(stop - pos));
      const DiffSink shifted = [&sink, at](size_t i, size_t n) {
        if (sink) sink(at + i, n);
      };
      if (!e || !shared_.diff(*e, pos, piece.data(), piece.size(), shifted)) {
        ReadOutcome r = Source::diff(pos, piece, shifted);
        total.unreadable.insert(total.unreadable.end(), r.unreadable.begin(), r.unreadable.end());
        if (total.message.empty()) total.message = std::move(r.message);
      }
      pos = stop;
    }
    normalise(total);
    return total;
  }

  Status write(uint64_t address, std::span<const std::byte> data) override {
    if (Status s = check_write_range(info_, address, data.size()); !s) return s;
    if (data.empty()) return {};
    if (exited_) return gone_error();
    // Everything must be mapped before anything is written: a write that stopped at a
    // hole halfway would be a partial write.
    reload_maps();
    uint64_t pos = address;
    const uint64_t end = address + data.size();
    while (pos < end) {
      const MapRegion* r = region_at_or_after(maps_, pos);
      if (!r || r->start > pos) {
        return make_error(
            Errc::out_of_range,
            fmt::format("0x{:x} is not mapped in process {}: nothing written", pos, target_.pid));
      }
      pos = r->end;
    }
    if (const auto* e = shared_.find(address);
        e && e->writable && data.size() <= e->end - address) {
      return shared_.store(*e, address, data.data(), data.size());  // one store when aligned
    }
    if (address > static_cast<uint64_t>(INT64_MAX)) {
      return make_error(Errc::out_of_range, "address is beyond what /proc/PID/mem can reach");
    }
    // One pwrite: the kernel copies the bytes in one go (a naturally aligned 1/2/4/8-byte
    // value is stored whole by its copy routine on x86-64).
    const ssize_t n = pwrite(mem_fd_, data.data(), data.size(), static_cast<off_t>(address));
    if (n == static_cast<ssize_t>(data.size())) return {};
    const int err = n < 0 ? errno : EIO;
    if (err == ESRCH || (n <= 0 && process_gone())) return gone_error();
    if (n > 0) {
      return make_error(Errc::io, fmt::format("wrote only {} of {} bytes at 0x{:x} in process "
                                              "{} (the mapping changed during the write)",
                                              n, data.size(), address, target_.pid));
    }
    if (err == EACCES || err == EPERM) {
      return make_error(Errc::permission, explain_access_denied(target_.pid));
    }
    return make_error(
        Errc::io, fmt::format("cannot write {} bytes at 0x{:x} in process {}: {}{}", data.size(),
                              address, target_.pid, std::strerror(err),
                              err == EIO || err == EFAULT
                                  ? " (the page refuses writes, e.g. a read-only shared "
                                    "mapping)"
                                  : ""));
  }

  Result<bool> compare_exchange(uint64_t address, unsigned width, uint64_t& expected,
                                uint64_t desired) override {
    if ((width != 1 && width != 2 && width != 4 && width != 8) || address % width != 0) {
      return make_error(Errc::invalid_argument,
                        fmt::format("compare-and-swap needs a naturally aligned 1/2/4/8-byte "
                                    "value (got {} bytes at 0x{:x})",
                                    width, address));
    }
    if (Status s = check_write_range(info_, address, width); !s) return s.error();
    if (exited_ || process_gone()) return gone_error();
    reload_maps();
    const auto* e = shared_.find(address);
    if (!e || !e->writable) {
      return make_error(Errc::unsupported,
                        fmt::format("atomic compare-and-swap in process {} works only in its "
                                    "writable shared mappings (MAP_SHARED, mapped here through "
                                    "/proc/PID/map_files with CAP_SYS_ADMIN); 0x{:x} is not in "
                                    "one",
                                    target_.pid, address));
    }
    return shared_.compare_exchange(*e, address, width, expected, desired);
  }

  std::vector<SourceEvent> refresh() override {
    std::vector<SourceEvent> events;
    if (exited_) return events;
    if (process_gone()) {
      exited_ = true;
      SourceEvent e;
      e.kind = SourceEvent::Kind::exited;
      e.old_size = e.new_size = info_.size;
      e.message = fmt::format("process {} ({}) exited", target_.pid, comm_or_pid());
      events.push_back(std::move(e));
      return events;
    }
    const bool recheck = mono_ns() - region_checked_ns_ >= kRegionRecheckNs;
    if (recheck) {
      region_checked_ns_ = mono_ns();
      reload_maps();
    }
    if (target_.mode == PidTarget::Mode::region && recheck) {
      Result<ByteRange> span = resolve_pid_region(maps_, target_.region, target_.pid);
      if (span && (span->address != info_.base || span->length != info_.size)) {
        SourceEvent e;
        e.kind = SourceEvent::Kind::resized;
        e.old_size = info_.size;
        e.new_size = span->length;
        e.message = fmt::format(
            "mapping '{}' of process {} is now 0x{:x}..0x{:x} ({} bytes, "
            "was {})",
            target_.region, target_.pid, span->address, span->end(), span->length, info_.size);
        info_.base = span->address;
        info_.size = span->length;
        events.push_back(std::move(e));
      } else if (!span && !region_gone_) {
        region_gone_ = true;
        SourceEvent e;
        e.kind = SourceEvent::Kind::removed;
        e.old_size = e.new_size = info_.size;
        e.message = fmt::format("mapping '{}' of process {} is gone (unmapped)", target_.region,
                                target_.pid);
        events.push_back(std::move(e));
      }
    }
    return events;
  }

  void set_comm(std::string comm) { comm_ = std::move(comm); }

 private:
  // Reads [lo, hi) into out (which starts at `address`), recording holes in outcome.
  void read_inside(uint64_t address, std::byte* out, uint64_t lo, uint64_t hi,
                   ReadOutcome& outcome) {
    if (exited_) {
      add_unreadable(outcome, lo, hi, gone_message());
      return;
    }
    bool maps_fresh = false;
    uint64_t pos = lo;
    while (pos < hi) {
      // Shared mappings mapped here are copied directly; the syscall stops where one starts.
      uint64_t stop = std::min(hi, shared_.next_start(pos));
      if (const auto* e = shared_.find(pos)) {
        stop = std::min(hi, e->end);
        if (shared_.load(*e, pos, out + (pos - address), static_cast<size_t>(stop - pos))) {
          pos = stop;
          continue;
        }
        // The object shrank under the mapping: the syscall reports the pages precisely.
      }
      const uint64_t want = std::min<uint64_t>(stop - pos, SSIZE_MAX);
      iovec local{out + (pos - address), static_cast<size_t>(want)};
      iovec remote{reinterpret_cast<void*>(static_cast<uintptr_t>(pos)), static_cast<size_t>(want)};
      ssize_t n = process_vm_readv(target_.pid, &local, 1, &remote, 1, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n > 0) {
        pos += static_cast<uint64_t>(n);
        continue;  // a short read: the loop's next call fails at the hole and handles it
      }
      const int err = n < 0 ? errno : EFAULT;
      if (err == ESRCH || (err != EFAULT && err != EIO && process_gone())) {
        add_unreadable(outcome, pos, hi, gone_message());
        return;
      }
      if (err == EPERM || err == EACCES) {
        add_unreadable(outcome, pos, hi, explain_access_denied(target_.pid));
        return;
      }
      if (err != EFAULT && err != EIO && err != ENOMEM) {
        add_unreadable(outcome, pos, hi,
                       fmt::format("cannot read process {}: {}", target_.pid, std::strerror(err)));
        return;
      }
      // A hole starts at pos. Where it ends: the next readable mapping (per maps no older
      // than kMapsMaxAgeNs), or the next page when maps claim pos is readable (a file
      // mapping past the end of its file, a page the kernel refuses).
      const MapRegion* r = region_at_or_after(maps_, pos);
      bool inside_readable = r && r->start <= pos && r->read;
      if (!inside_readable && !maps_fresh && mono_ns() - maps_read_ns_ > kMapsMaxAgeNs) {
        reload_maps();
        maps_fresh = true;
        r = region_at_or_after(maps_, pos);
        inside_readable = r && r->start <= pos && r->read;
      }
      uint64_t hole_end = hi;
      std::string why;
      if (inside_readable) {
        hole_end = std::min(hi, (pos / kPage + 1) * kPage);
        why = fmt::format("page at 0x{:x} of {} cannot be read", pos / kPage * kPage,
                          r->path.empty() ? std::string("an anonymous mapping") : r->path);
      } else {
        while (r && !r->read) {
          if (r->start <= pos)
            why = fmt::format("mapping at 0x{:x} is not readable ({})", r->start, r->perms());
          const size_t i = static_cast<size_t>(r - maps_.data()) + 1;
          r = i < maps_.size() ? &maps_[i] : nullptr;
        }
        if (r) hole_end = std::min(hi, std::max(r->start, pos + 1));
        if (why.empty()) why = fmt::format("0x{:x} is not mapped in process {}", pos, target_.pid);
      }
      add_unreadable(outcome, pos, hole_end, why);
      pos = hole_end;
    }
  }

  // A piece the batched path may take: inside the range and clear of shared mappings.
  bool batchable(const ReadPiece& p) const {
    const uint64_t n = p.out.size();
    if (exited_ || n > kMaxBatchBytes || p.address < info_.base) return false;
    if (p.address - info_.base > info_.size || n > info_.size - (p.address - info_.base))
      return false;
    return shared_.size() == 0 ||
           (shared_.find(p.address) == nullptr && shared_.next_start(p.address) >= p.address + n);
  }

  static void add_unreadable(ReadOutcome& outcome, uint64_t from, uint64_t to, std::string why) {
    if (from >= to) return;
    if (!outcome.unreadable.empty() && outcome.unreadable.back().end() == from) {
      outcome.unreadable.back().length += to - from;
    } else {
      outcome.unreadable.push_back({from, to - from});
    }
    if (outcome.message.empty()) outcome.message = std::move(why);
  }

  // outside_range() reports the part below base first and the part above the end last;
  // read_inside() appended its holes after both: sort and merge.
  static void normalise(ReadOutcome& outcome) {
    auto& u = outcome.unreadable;
    if (u.size() < 2) return;
    std::sort(u.begin(), u.end(),
              [](const ByteRange& a, const ByteRange& b) { return a.address < b.address; });
    std::vector<ByteRange> merged;
    for (const ByteRange& r : u) {
      if (!merged.empty() && merged.back().end() >= r.address) {
        merged.back().length = std::max(merged.back().end(), r.end()) - merged.back().address;
      } else {
        merged.push_back(r);
      }
    }
    u = std::move(merged);
  }

  void reload_maps() {
    Result<std::vector<MapRegion>> maps = read_process_maps(target_.pid);
    maps_read_ns_ = mono_ns();
    if (maps) {
      maps_ = std::move(maps.value());
      shared_.sync(maps_);
    }
  }

  bool process_gone() {
    if (pidfd_ >= 0) {
      pollfd p{pidfd_, POLLIN, 0};
      return poll(&p, 1, 0) > 0;  // a pidfd becomes readable when the process exits
    }
    if (kill(target_.pid, 0) != 0 && errno == ESRCH) return true;
    return start_time(target_.pid) != start_time_;  // the pid now names another process
  }

  std::string comm_or_pid() const { return comm_.empty() ? std::to_string(target_.pid) : comm_; }
  std::string gone_message() const {
    return fmt::format("process {} ({}) exited", target_.pid, comm_or_pid());
  }
  Error gone_error() const {
    return make_error(Errc::removed, gone_message() + ": nothing written");
  }

  PidTarget target_;
  int pidfd_;
  int mem_fd_;
  uint64_t start_time_;
  std::vector<MapRegion> maps_;
  int64_t maps_read_ns_;
  int64_t region_checked_ns_;
  SourceInfo info_;
  std::string comm_;
  bool exited_ = false;
  bool region_gone_ = false;
  detail::ProcessSharedMaps shared_;  // after info_: built from its writable flag
};

int open_pidfd(pid_t pid) {
#if defined(SYS_pidfd_open)
  return static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
#else
  (void)pid;
  errno = ENOSYS;
  return -1;
#endif
}

Result<SourcePtr> open_pid(const SourceSpec& spec, const OpenOptions& options) {
  Result<PidTarget> parsed = detail::parse_pid_target(spec.target);
  if (!parsed) return parsed.error();
  PidTarget target = std::move(parsed.value());
  const pid_t pid = target.pid;

  int pidfd = open_pidfd(pid);
  if (pidfd < 0 && errno == ESRCH) {
    return make_error(Errc::not_found, fmt::format("no process with id {}", pid));
  }
  if (pidfd >= 0) fcntl(pidfd, F_SETFD, FD_CLOEXEC);
  const uint64_t started = start_time(pid);
  auto close_pidfd = [&] {
    if (pidfd >= 0) close(pidfd);
  };

  Result<std::vector<MapRegion>> maps = read_process_maps(pid);
  if (!maps) {
    close_pidfd();
    return maps.error();
  }

  const std::string mem_path = fmt::format("/proc/{}/mem", pid);
  bool writable = !options.read_only;
  std::string reason = options.read_only ? "opened read-only on request" : "";
  int mem_fd = open(mem_path.c_str(), (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
  if (mem_fd < 0 && writable && (errno == EACCES || errno == EPERM || errno == EROFS)) {
    writable = false;
    reason = "/proc/" + std::to_string(pid) + "/mem refuses writes: " + std::strerror(errno);
    mem_fd = open(mem_path.c_str(), O_RDONLY | O_CLOEXEC);
  }
  if (mem_fd < 0) {
    const int err = errno;
    close_pidfd();
    if (err == ENOENT || err == ESRCH) {
      return make_error(Errc::not_found, fmt::format("no process with id {}", pid));
    }
    if (err == EACCES || err == EPERM) {
      return make_error(Errc::permission, explain_access_denied(pid));
    }
    return make_error(Errc::io, fmt::format("cannot open {}: {}", mem_path, std::strerror(err)));
  }

  // process_vm_readv checks permission with the real uid, /proc/PID/mem with the fs uid:
  // probe once so that a refusal is an open error, not a view full of unreadable bytes.
  for (const MapRegion& r : *maps) {
    if (!r.read || r.path == "[vvar]" || r.path == "[vsyscall]") continue;
    std::byte probe{};
    iovec local{&probe, 1};
    iovec remote{reinterpret_cast<void*>(static_cast<uintptr_t>(r.start)), 1};
    if (process_vm_readv(pid, &local, 1, &remote, 1, 0) < 0 &&
        (errno == EPERM || errno == EACCES)) {
      close(mem_fd);
      close_pidfd();
      return make_error(Errc::permission, explain_access_denied(pid));
    }
    break;
  }

  const std::string comm = process_name(pid);
  SourceInfo info;
  info.spec = "pid:" + target.text();
  info.kind = "pid";
  info.writable = writable;
  info.read_only_reason = writable ? "" : reason;
  const std::string who =
      comm.empty() ? fmt::format("pid {}", pid) : fmt::format("{} (pid {})", comm, pid);
  switch (target.mode) {
    case PidTarget::Mode::whole:
      info.base = 0;
      info.size = user_address_space_top(*maps);
      info.name = who;
      break;
    case PidTarget::Mode::range:
      info.base = target.range.address;
      info.size = target.range.length;
      info.name = fmt::format("{} 0x{:x}..0x{:x}", who, target.range.address, target.range.end());
      break;
    case PidTarget::Mode::region: {
      Result<ByteRange> span = resolve_pid_region(*maps, target.region, pid);
      if (!span) {
        close(mem_fd);
        close_pidfd();
        return span.error();
      }
      info.base = span->address;
      info.size = span->length;
      info.name = fmt::format("{} {}", who, target.region);
      break;
    }
  }
  auto src = std::make_unique<ProcessSource>(std::move(target), pidfd, mem_fd, started,
                                             std::move(maps.value()), std::move(info));
  src->set_comm(comm);
  return SourcePtr(std::move(src));
}

SourceBackend pid_backend() {
  SourceBackend b;
  b.scheme = "pid";
  b.syntax = "pid:PID[@ADDR+LEN|@ADDR-END|:REGION]";
  b.description =
      "memory of a running process: whole address space, an address range, or one mapping "
      "([heap], [stack], a file name)";
  b.parse = detail::canonical_pid_target;
  b.open = open_pid;
  return b;
}

}  // namespace
}  // namespace memview

MEMVIEW_REGISTER_SOURCE(memview::pid_backend())

#endif
