// Who maps this: a scan of every /proc/PID/maps for the object a spec names.
#include "memview/who_maps.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#if defined(__linux__)
#include <fcntl.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "memview/process_maps.h"
#include "memview/source_spec.h"
#include "sources/owner_name.h"
#include "sources/pid_spec.h"
#include "who/proc_facts.h"
#endif

namespace memview {

std::optional<uint64_t> ObjectMapping::address_of(uint64_t offset) const {
  if (offset < object_offset || offset - object_offset >= size()) return std::nullopt;
  return start + (offset - object_offset);
}

std::string ObjectMapping::spec(int64_t pid) const {
  return fmt::format("pid:{}@0x{:x}+0x{:x}", pid, start, size());
}

std::string WhoMaps::uninspected_summary() const {
  if (uninspected.empty()) return {};
  std::map<std::string, size_t> by_user;
  for (const UninspectedProcess& p : uninspected) ++by_user[p.user];
  std::string users;
  for (const auto& [user, n] : by_user) {
    users += fmt::format("{}{}: {}", users.empty() ? "" : ", ", user, n);
  }
  return fmt::format(
      "{} process{} ({}) could not be inspected: a process's memory map is readable only by "
      "its owner, root, or with CAP_SYS_PTRACE (and not across some container boundaries)",
      uninspected.size(), uninspected.size() == 1 ? "" : "es", users);
}

bool who_maps_supports(std::string_view scheme) {
#if defined(__linux__)
  // The kinds identify() below knows how to find in /proc/PID/maps.
  for (const std::string_view s : {"shm", "file", "sysv", "sysvkey", "pid"}) {
    if (scheme == s) return true;
  }
#else
  (void)scheme;
#endif
  return false;
}

#if defined(__linux__)
namespace {

// "fe:01" -> (0xfe, 0x01)
bool parse_device(std::string_view text, uint32_t& major_out, uint32_t& minor_out) {
  const size_t colon = text.find(':');
  if (colon == std::string_view::npos) return false;
  const std::string_view a = text.substr(0, colon);
  const std::string_view b = text.substr(colon + 1);
  return std::from_chars(a.data(), a.data() + a.size(), major_out, 16).ec == std::errc() &&
         std::from_chars(b.data(), b.data() + b.size(), minor_out, 16).ec == std::errc();
}

bool same_object(const MappedObject& o, const MapRegion& r) {
  if (o.sysv) return r.path.rfind("/SYSV", 0) == 0 && r.inode == o.inode;
  if (r.inode != o.inode || r.inode == 0) return false;
  uint32_t maj = 0;
  uint32_t min = 0;
  return parse_device(r.device, maj, min) && maj == o.dev_major && min == o.dev_minor;
}

// The device and inode the kernel prints in maps for the file at `path`. Mapping one page
// of it here and reading our own maps gives exactly what other processes' maps show, also
// on overlay file systems where stat() reports the overlay's device; stat() is the
// fallback for files this user cannot open or that are empty.
Status identify_file(const std::string& path, MappedObject& object) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    const int err = errno;
    return make_error(err == ENOENT   ? Errc::not_found
                      : err == EACCES ? Errc::permission
                                      : Errc::io,
                      fmt::format("cannot find {}: {}", path, std::strerror(err)));
  }
  if (!S_ISREG(st.st_mode)) {
    return make_error(Errc::invalid_argument, fmt::format("{} is not a regular file", path));
  }
  object.dev_major = major(st.st_dev);
  object.dev_minor = minor(st.st_dev);
  object.inode = st.st_ino;
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return {};
  void* page = st.st_size > 0 ? mmap(nullptr, 4096, PROT_READ, MAP_SHARED, fd, 0) : MAP_FAILED;
  close(fd);
  if (page == MAP_FAILED) return {};
  if (Result<std::vector<MapRegion>> maps = read_process_maps(getpid()); maps) {
    const auto start = reinterpret_cast<uint64_t>(page);
    for (const MapRegion& r : *maps) {
      uint32_t maj = 0;
      uint32_t min = 0;
      if (r.start == start && parse_device(r.device, maj, min)) {
        object.dev_major = maj;
        object.dev_minor = min;
        object.inode = r.inode;
      }
    }
  }
  munmap(page, 4096);
  return {};
}

Status identify_sysv(int id, MappedObject& object) {
  object.sysv = true;
  object.inode = static_cast<uint64_t>(id);
  shmid_ds ds{};
  if (shmctl(id, IPC_STAT, &ds) == 0) {
    object.attach_count = ds.shm_nattch;
    object.path = fmt::format("/SYSV{:08x}", static_cast<uint32_t>(ds.shm_perm.__key));
  } else if (errno == EINVAL || errno == EIDRM) {
    return make_error(Errc::not_found, fmt::format("no System V segment with id {}", id));
  } else {
    object.path = "/SYSV";  // EACCES: the key is not known, the id still matches
  }
  return {};
}

// The object behind a pid: spec: the shared mapping holding the range's first byte, or the
// process's private memory.
Status identify_pid(const SourceSpec& spec, MappedObject& object, std::optional<uint64_t>& offset,
                    std::vector<MappingProcess>& only) {
  Result<detail::PidTarget> target = detail::parse_pid_target(spec.target);
  if (!target) return target.error();
  const auto pid = static_cast<pid_t>(target->pid);
  Result<std::vector<MapRegion>> maps = read_process_maps(pid);
  if (!maps) return maps.error();
  uint64_t address = 0;
  if (target->mode == detail::PidTarget::Mode::range) address = target->range.address;
  if (target->mode == detail::PidTarget::Mode::region) {
    Result<ByteRange> span = detail::resolve_pid_region(*maps, target->region, target->pid);
    if (!span) return span.error();
    address = span->address;
  }
  const MapRegion* r = region_at_or_after(*maps, address);
  const bool inside = r != nullptr && r->start <= address;
  if (inside && r->inode != 0 && (r->shared || r->path.rfind("/SYSV", 0) == 0)) {
    object.path = r->path;
    object.inode = r->inode;
    object.sysv = r->path.rfind("/SYSV", 0) == 0;
    parse_device(r->device, object.dev_major, object.dev_minor);
    offset = address - r->start + r->offset;
    if (object.sysv) {
      shmid_ds ds{};
      if (shmctl(static_cast<int>(r->inode), IPC_STAT, &ds) == 0)
        object.attach_count = ds.shm_nattch;
    }
    return {};
  }
  // Private memory (or the whole address space): only this process has it.
  object.anonymous = true;
  object.path = inside ? r->path : std::string();
  MappingProcess p;
  p.pid = pid;
  if (inside) {
    ObjectMapping m;
    m.start = r->start;
    m.end = r->end;
    m.object_offset = r->start;
    m.perms = r->perms();
    m.write = r->write;
    p.mappings.push_back(std::move(m));
  }
  only.push_back(std::move(p));
  return {};
}

Status identify(const SourceSpec& spec, MappedObject& object, std::optional<uint64_t>& offset,
                std::vector<MappingProcess>& only) {
  object.spec = spec.text();
  if (spec.scheme == "shm") {
    object.path = "/dev/shm" + spec.target;
    Status s = identify_file(object.path, object);
    if (!s && s.error().code == Errc::not_found) {
      return make_error(Errc::not_found,
                        fmt::format("no POSIX shared memory object named '{}'", spec.target));
    }
    return s;
  }
  if (spec.scheme == "file") {
    object.path = spec.target;
    return identify_file(object.path, object);
  }
  if (spec.scheme == "sysv") return identify_sysv(std::stoi(spec.target), object);
  if (spec.scheme == "sysvkey") {
    const auto key = static_cast<key_t>(std::stoul(spec.target, nullptr, 16));
    const int id = shmget(key, 0, 0);
    if (id < 0) {
      const int err = errno;
      if (err == ENOENT) {
        return make_error(Errc::not_found,
                          fmt::format("no System V segment with key {}", spec.target));
      }
      return make_error(
          err == EACCES ? Errc::permission : Errc::io,
          fmt::format("cannot look up System V key {}: {}", spec.target, std::strerror(err)));
    }
    return identify_sysv(id, object);
  }
  if (spec.scheme == "pid") return identify_pid(spec, object, offset, only);
  return make_error(Errc::unsupported,
                    fmt::format("who maps a {} source cannot be known: it works for shared memory "
                                "(shm:, file:, sysv:, sysvkey:) and processes (pid:)",
                                spec.scheme));
}

// A one-byte read tells whether this user may read the process's memory at all.
void probe_open(MappingProcess& p) {
  if (p.mappings.empty()) {
    p.can_open = false;
    p.cannot_open = "nothing mapped";
    return;
  }
  char byte = 0;
  iovec local{&byte, 1};
  iovec remote{reinterpret_cast<void*>(p.mappings.front().start), 1};
  const ssize_t n = process_vm_readv(static_cast<pid_t>(p.pid), &local, 1, &remote, 1, 0);
  const int err = errno;
  p.can_open = n == 1 || (n < 0 && err == EFAULT);  // EFAULT: allowed, page not readable
  if (!p.can_open) {
    p.cannot_open =
        err == ESRCH ? "the process exited" : explain_access_denied(static_cast<pid_t>(p.pid));
  }
}

void describe(MappingProcess& p) {
  const auto pid = static_cast<pid_t>(p.pid);
  p.command = detail::process_command(pid);
  const std::optional<uid_t> uid = detail::process_euid(pid);
  p.uid = uid.value_or(0);
  p.user = uid ? detail::owner_name(*uid) : "?";
  p.self = pid == getpid();
  probe_open(p);
}

std::string uninspected_reason(pid_t pid, std::optional<uid_t> uid) {
  const uid_t me = geteuid();
  if (uid && *uid != me) {
    return fmt::format(
        "owned by {} (uid {}): its memory map is readable only by that user, root, "
        "or with CAP_SYS_PTRACE",
        detail::owner_name(*uid), *uid);
  }
  return explain_access_denied(pid);
}

void scan(const MappedObject& object, WhoMaps& out) {
  for (const pid_t pid : detail::list_pids()) {
    Result<std::vector<MapRegion>> maps = read_process_maps(pid);
    if (!maps) {
      if (maps.error().code != Errc::permission) continue;  // exited meanwhile
      UninspectedProcess u;
      u.pid = pid;
      u.command = detail::process_command(pid);
      const std::optional<uid_t> uid = detail::process_euid(pid);
      u.uid = uid.value_or(0);
      u.user = uid ? detail::owner_name(*uid) : "?";
      u.reason = uninspected_reason(pid, uid);
      out.uninspected.push_back(std::move(u));
      continue;
    }
    MappingProcess p;
    p.pid = pid;
    for (const MapRegion& r : *maps) {
      if (!same_object(object, r)) continue;
      ObjectMapping m;
      m.start = r.start;
      m.end = r.end;
      m.object_offset = r.offset;
      m.perms = r.perms();
      m.write = r.write;
      p.mappings.push_back(std::move(m));
    }
    if (p.mappings.empty()) continue;
    describe(p);
    out.processes.push_back(std::move(p));
  }
}

}  // namespace

Result<WhoMaps> who_maps(std::string_view text) {
  Result<SourceSpec> spec = parse_source_spec(text);
  if (!spec) return spec.error();
  WhoMaps out;
  std::vector<MappingProcess> only;
  if (Status s = identify(*spec, out.object, out.pid_offset, only); !s) return s.error();
  if (out.object.anonymous) {
    for (MappingProcess& p : only) describe(p);
    out.processes = std::move(only);
    return out;
  }
  scan(out.object, out);
  return out;
}

#else

Result<WhoMaps> who_maps(std::string_view) {
  return make_error(Errc::unsupported, "who maps this is not available on Windows");
}

#endif

}  // namespace memview
