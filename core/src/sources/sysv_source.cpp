// System V shared memory segments: "sysv:ID" (shmid) and "sysvkey:KEY" (shmget key).
#if defined(__linux__)

#include <sys/ipc.h>
#include <sys/shm.h>

#include <cerrno>
#include <climits>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "mem_ops.h"
#include "memview/numbers.h"
#include "memview/source_spec.h"
#include "sources/mapped_fd_source.h"
#include "sources/owner_name.h"

namespace memview {
namespace {

// A segment cannot shrink, and stays attached (readable) even after IPC_RMID until we
// detach, so reads need no fault guard.
class SysvSource final : public Source, public detail::InPlaceSource {
 public:
  SysvSource(int id, std::byte* addr, SourceInfo info)
      : id_(id), addr_(addr), info_(std::move(info)) {}
  ~SysvSource() override { shmdt(addr_); }

  const SourceInfo& info() const override { return info_; }

  ReadOutcome read(uint64_t address, std::span<std::byte> out) override {
    ReadOutcome outcome = outside_range(info_, address, out.size());
    if (address < info_.size) {
      detail::load_bytes(out.data(), addr_ + address,
                         static_cast<size_t>(std::min<uint64_t>(out.size(), info_.size - address)));
    }
    return outcome;
  }

  ReadOutcome diff(uint64_t address, std::span<std::byte> cache, const DiffSink& sink) override {
    ReadOutcome outcome = outside_range(info_, address, cache.size());
    if (address < info_.size) {
      const auto n = static_cast<size_t>(std::min<uint64_t>(cache.size(), info_.size - address));
      detail::PendingRun pending;
      detail::diff_into(
          cache.data(), addr_ + address, n,
          [](void* c, size_t i, size_t len) {
            const auto* s = static_cast<const DiffSink*>(c);
            if (*s) (*s)(i, len);
          },
          const_cast<DiffSink*>(&sink), pending);
    }
    return outcome;
  }

  // A segment never shrinks while attached: no guard needed.
  bool run_in_place(uint64_t address, uint64_t length, detail::InPlaceFn fn,
                    void* context) override {
    if (length == 0 || address >= info_.size || length > info_.size - address) return false;
    fn(context, addr_ + address, static_cast<size_t>(length));
    return true;
  }

  Status write(uint64_t address, std::span<const std::byte> data) override {
    if (Status s = check_write_range(info_, address, data.size()); !s) return s;
    detail::store_bytes(addr_ + address, data.data(), data.size());
    return {};
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
    return detail::compare_exchange_bytes(addr_ + address, width, expected, desired);
  }

  std::vector<SourceEvent> refresh() override {
    std::vector<SourceEvent> events;
    if (removed_) return events;
    shmid_ds ds{};
    const bool gone = shmctl(id_, IPC_STAT, &ds) != 0;
    if (gone || (ds.shm_perm.mode & SHM_DEST) != 0) {
      removed_ = true;
      SourceEvent e;
      e.kind = SourceEvent::Kind::removed;
      e.old_size = e.new_size = info_.size;
      e.message = fmt::format(
          "System V segment {} was marked for removal (IPC_RMID); its "
          "memory stays until the last process detaches",
          id_);
      events.push_back(std::move(e));
    }
    return events;
  }

 private:
  int id_;
  std::byte* addr_;
  SourceInfo info_;
  bool removed_ = false;
};

Result<std::string> parse_id(std::string_view target) {
  Result<uint64_t> id = parse_u64(target, "System V shared memory id");
  if (!id) return id.error();
  if (*id > INT_MAX) return make_error(Errc::invalid_argument, "System V id is too large");
  return std::to_string(*id);
}

Result<key_t> key_from_text(std::string_view text) {
  Result<int64_t> v = parse_i64(text, "System V key");
  if (!v) return v.error();
  if (*v < INT_MIN || *v > static_cast<int64_t>(UINT_MAX)) {
    return make_error(Errc::invalid_argument, "System V key does not fit in 32 bits");
  }
  const auto key = static_cast<key_t>(static_cast<uint32_t>(*v));
  if (key == IPC_PRIVATE) {
    return make_error(Errc::invalid_argument,
                      "key 0 is IPC_PRIVATE and names no segment; use sysv:ID instead");
  }
  return key;
}

Result<std::string> parse_key(std::string_view target) {
  Result<key_t> key = key_from_text(target);
  if (!key) return key.error();
  return fmt::format("0x{:08x}", static_cast<uint32_t>(*key));
}

Result<SourcePtr> attach(int id, const SourceSpec& spec, const OpenOptions& options) {
  shmid_ds ds{};
  if (shmctl(id, IPC_STAT, &ds) != 0) {
    const int err = errno;
    if (err == EINVAL || err == EIDRM) {
      return make_error(Errc::not_found, fmt::format("no System V segment with id {}", id));
    }
    if (err == EACCES) {
      return make_error(Errc::permission,
                        fmt::format("permission denied: System V segment {} is not readable "
                                    "by this user (`memview-cli list` shows its mode and owner)",
                                    id));
    }
    return detail::errno_error(err, fmt::format("cannot stat System V segment {}", id));
  }
  bool writable = !options.read_only;
  std::string reason = options.read_only ? "opened read-only on request" : "";
  void* addr = shmat(id, nullptr, writable ? 0 : SHM_RDONLY);
  if (addr == reinterpret_cast<void*>(-1) && writable && errno == EACCES) {
    reason = fmt::format("no write permission (mode {:04o}, owner {})", ds.shm_perm.mode & 0777,
                         detail::owner_name(ds.shm_perm.uid));
    writable = false;
    addr = shmat(id, nullptr, SHM_RDONLY);
  }
  if (addr == reinterpret_cast<void*>(-1)) {
    return detail::errno_error(errno, fmt::format("cannot attach System V segment {}", id));
  }
  SourceInfo info;
  info.spec = spec.text();
  info.kind = spec.scheme;
  info.name = spec.scheme == "sysv" ? fmt::format("sysv id {}", id)
                                    : fmt::format("sysv key {} (id {})", spec.target, id);
  info.size = ds.shm_segsz;
  info.writable = writable;
  info.read_only_reason = writable ? "" : reason;
  return SourcePtr(new SysvSource(id, static_cast<std::byte*>(addr), std::move(info)));
}

Result<SourcePtr> open_id(const SourceSpec& spec, const OpenOptions& options) {
  return attach(std::stoi(spec.target), spec, options);
}

Result<int> id_for_key(const std::string& target) {
  Result<key_t> key = key_from_text(target);
  if (!key) return key.error();
  const int id = shmget(*key, 0, 0);
  if (id < 0) {
    const int err = errno;
    if (err == ENOENT) {
      return make_error(Errc::not_found, fmt::format("no System V segment with key {}", target));
    }
    if (err == EACCES) {
      return make_error(Errc::permission,
                        fmt::format("permission denied for System V key {}", target));
    }
    return detail::errno_error(err, "shmget failed for key " + target);
  }
  return id;
}

Result<SourcePtr> open_key(const SourceSpec& spec, const OpenOptions& options) {
  Result<int> id = id_for_key(spec.target);
  if (!id) return id.error();
  return attach(*id, spec, options);
}

Result<SourcePtr> create_key(const SourceSpec& spec, const CreateOptions& options) {
  if (options.size == 0) return make_error(Errc::invalid_argument, "size must be greater than 0");
  Result<key_t> key = key_from_text(spec.target);
  if (!key) return key.error();
  const int id =
      shmget(*key, options.size, IPC_CREAT | IPC_EXCL | static_cast<int>(options.mode & 0777));
  if (id < 0) {
    const int err = errno;
    if (err == EEXIST) {
      // Not exclusive: the existing segment as it is.
      if (!options.exclusive) return open_key(spec, {});
      return make_error(Errc::exists,
                        fmt::format("a System V segment with key {} already exists", spec.target));
    }
    return detail::errno_error(err, "cannot create System V segment with key " + spec.target);
  }
  Result<SourcePtr> attached = attach(id, spec, {});
  // The segment was made here: a create that fails leaves nothing behind.
  if (!attached) shmctl(id, IPC_RMID, nullptr);
  return attached;
}

Status remove_id(int id) {
  if (shmctl(id, IPC_RMID, nullptr) != 0) {
    const int err = errno;
    if (err == EINVAL || err == EIDRM) {
      return make_error(Errc::not_found, fmt::format("no System V segment with id {}", id));
    }
    return detail::errno_error(err, fmt::format("cannot remove System V segment {}", id));
  }
  return {};
}

Status remove_by_id(const SourceSpec& spec) {
  return remove_id(std::stoi(spec.target));
}

Status remove_by_key(const SourceSpec& spec) {
  Result<int> id = id_for_key(spec.target);
  if (!id) return id.error();
  return remove_id(*id);
}

// /proc/sysvipc/shm columns: key shmid perms size cpid lpid nattch uid gid cuid cgid atime
// dtime ctime ...
std::vector<DiscoveredObject> discover_sysv() {
  std::vector<DiscoveredObject> out;
  std::ifstream in("/proc/sysvipc/shm");
  std::string line;
  if (!std::getline(in, line)) return out;  // header
  while (std::getline(in, line)) {
    std::istringstream row(line);
    long long key = 0;
    long long id = 0;
    std::string perms;
    unsigned long long size = 0;
    long long cpid = 0, lpid = 0, nattch = 0, uid = 0, gid = 0, cuid = 0, cgid = 0;
    long long atime = 0, dtime = 0, ctime = 0;
    if (!(row >> key >> id >> perms >> size >> cpid >> lpid >> nattch >> uid >> gid >> cuid >>
          cgid >> atime >> dtime >> ctime)) {
      continue;
    }
    DiscoveredObject obj;
    obj.kind = "sysv";
    obj.spec = fmt::format("sysv:{}", id);
    obj.name = key == 0 ? fmt::format("sysv id {} (private)", id)
                        : fmt::format("sysv id {} key 0x{:08x}", id,
                                      static_cast<uint32_t>(static_cast<int32_t>(key)));
    obj.size = size;
    obj.owner_uid = static_cast<uint32_t>(uid);
    obj.owner = detail::owner_name(static_cast<uid_t>(uid));
    // strtoul, not stoul: a malformed line must not throw out of discovery.
    obj.mode = static_cast<uint32_t>(std::strtoul(perms.c_str(), nullptr, 8)) & 0777;
    obj.attach_count = nattch;
    obj.modified_unix_ns = std::max({atime, dtime, ctime}) * 1000000000LL;
    out.push_back(std::move(obj));
  }
  return out;
}

SourceBackend sysv_backend() {
  SourceBackend b;
  b.scheme = "sysv";
  b.syntax = "sysv:ID";
  b.description = "System V shared memory segment by id";
  b.parse = parse_id;
  b.open = open_id;
  b.remove = remove_by_id;
  b.discover = discover_sysv;
  return b;
}

SourceBackend sysvkey_backend() {
  SourceBackend b;
  b.scheme = "sysvkey";
  b.syntax = "sysvkey:KEY";
  b.description = "System V shared memory segment by key";
  b.parse = parse_key;
  b.open = open_key;
  b.create = create_key;
  b.remove = remove_by_key;
  return b;
}

}  // namespace
}  // namespace memview

MEMVIEW_REGISTER_SOURCE(memview::sysv_backend())
MEMVIEW_REGISTER_SOURCE(memview::sysvkey_backend())

#endif
