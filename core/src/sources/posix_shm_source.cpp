// POSIX shared memory objects (shm_open): "NAME", "/NAME" or "shm:NAME".
#if defined(__linux__) || defined(__unix__)

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "memview/source_spec.h"
#include "sources/mapped_fd_source.h"
#include "sources/owner_name.h"

namespace memview {
namespace {

constexpr const char* kShmDir = "/dev/shm/";

Result<std::string> parse_shm_name(std::string_view target) {
  std::string_view name = target;
  if (!name.empty() && name.front() == '/') name.remove_prefix(1);
  if (name.empty()) return make_error(Errc::invalid_argument, "empty shared memory name");
  if (name.find('/') != std::string_view::npos) {
    return make_error(
        Errc::invalid_argument,
        fmt::format("bad shared memory name '{}': only one leading '/' is allowed", target));
  }
  if (name == "." || name == "..") {
    return make_error(Errc::invalid_argument, fmt::format("bad shared memory name '{}'", target));
  }
  if (name.size() > NAME_MAX) {
    return make_error(Errc::invalid_argument,
                      fmt::format("shared memory name is {} characters long; the limit is {}",
                                  name.size(), NAME_MAX));
  }
  if (name.find('\0') != std::string_view::npos) {
    return make_error(Errc::invalid_argument, "shared memory name contains a NUL character");
  }
  return "/" + std::string(name);
}

std::string describe_access(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return {};
  return fmt::format(" (mode {:04o}, owner {})", st.st_mode & 07777, detail::owner_name(st.st_uid));
}

Result<SourcePtr> open_shm(const SourceSpec& spec, const OpenOptions& options) {
  const std::string& name = spec.target;  // canonical "/name"
  const std::string path = kShmDir + name.substr(1);
  // Anyone may put a FIFO or a directory into /dev/shm: refuse it before opening (a FIFO
  // opened read-only would block until a writer comes).
  struct stat pre {};
  if (lstat(path.c_str(), &pre) == 0 && !S_ISREG(pre.st_mode)) {
    return make_error(Errc::invalid_argument,
                      fmt::format("'{}' in {} is not a shared memory object (not a regular "
                                  "file)",
                                  name, kShmDir));
  }
  bool writable = !options.read_only;
  std::string reason = options.read_only ? "opened read-only on request" : "";
  int fd = shm_open(name.c_str(), (writable ? O_RDWR : O_RDONLY) | O_NONBLOCK, 0);
  if (fd < 0 && writable && (errno == EACCES || errno == EPERM || errno == EROFS)) {
    reason = "no write permission" + describe_access(path);
    writable = false;
    fd = shm_open(name.c_str(), O_RDONLY | O_NONBLOCK, 0);
  }
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT) {
      return make_error(Errc::not_found, fmt::format("no POSIX shared memory object named '{}' "
                                                     "(`memview-cli list` shows what exists)",
                                                     name));
    }
    if (err == EACCES || err == EPERM) {
      return make_error(Errc::permission,
                        fmt::format("permission denied opening shared memory '{}'{}", name,
                                    describe_access(path)));
    }
    return detail::errno_error(err, "cannot open shared memory '" + name + "'");
  }
  SourceInfo info;
  info.spec = spec.text();
  info.kind = "shm";
  info.name = name;
  return detail::MappedFdSource::create(fd, writable, std::move(reason), path, std::move(info));
}

Result<SourcePtr> create_shm(const SourceSpec& spec, const CreateOptions& options) {
  const std::string& name = spec.target;
  if (options.size == 0) {
    return make_error(Errc::invalid_argument, "size must be greater than 0");
  }
  const int fd = shm_open(name.c_str(), O_RDWR | O_CREAT | O_EXCL, options.mode);
  if (fd < 0) {
    const int err = errno;
    if (err == EEXIST) {
      // Not exclusive: the existing object as it is (never resized: it is someone's).
      if (!options.exclusive) return open_shm(spec, {});
      return make_error(Errc::exists,
                        fmt::format("shared memory '{}' already exists (remove it first or "
                                    "open it)",
                                    name));
    }
    return detail::errno_error(err, "cannot create shared memory '" + name + "'");
  }
  SourceInfo info;
  info.spec = spec.text();
  info.kind = "shm";
  info.name = name;
  return detail::finish_create(
      fd, options, kShmDir + name.substr(1), "shared memory '" + name + "'", std::move(info),
      [](const std::string& path) {
        // path is /dev/shm/NAME; shm_unlink takes "/NAME".
        shm_unlink(path.substr(std::string_view(kShmDir).size() - 1).c_str());
      });
}

Status remove_shm(const SourceSpec& spec) {
  if (shm_unlink(spec.target.c_str()) != 0) {
    const int err = errno;
    if (err == ENOENT) {
      return make_error(Errc::not_found,
                        fmt::format("no POSIX shared memory object named '{}'", spec.target));
    }
    return detail::errno_error(err, "cannot remove shared memory '" + spec.target + "'");
  }
  return {};
}

std::vector<DiscoveredObject> discover_shm() {
  std::vector<DiscoveredObject> out;
  DIR* dir = opendir(kShmDir);
  if (!dir) return out;
  while (const dirent* entry = readdir(dir)) {
    const std::string_view name = entry->d_name;
    // POSIX semaphores live in /dev/shm as "sem.NAME"; they are not shared memory objects.
    if (name == "." || name == ".." || name.starts_with("sem.")) continue;
    struct stat st {};
    const std::string path = std::string(kShmDir) + entry->d_name;
    if (lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    DiscoveredObject obj;
    obj.kind = "shm";
    obj.name = "/" + std::string(name);
    obj.spec = "shm:" + obj.name;
    obj.size = static_cast<uint64_t>(st.st_size);
    obj.owner_uid = st.st_uid;
    obj.owner = detail::owner_name(st.st_uid);
    obj.mode = st.st_mode & 07777;
    obj.modified_unix_ns =
        static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    out.push_back(std::move(obj));
  }
  closedir(dir);
  return out;
}

SourceBackend shm_backend() {
  SourceBackend b;
  b.scheme = "shm";
  b.syntax = "shm:NAME";
  b.description = "POSIX shared memory object (shm_open); a bare NAME means the same";
  b.bare_name_priority = 10;
  b.parse = parse_shm_name;
  b.open = open_shm;
  b.create = create_shm;
  b.remove = remove_shm;
  b.discover = discover_shm;
  return b;
}

}  // namespace
}  // namespace memview

MEMVIEW_REGISTER_SOURCE(memview::shm_backend())

#endif
