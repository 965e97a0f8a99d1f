#if !defined(_WIN32)

#include "sources/mapped_fd_source.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace memview::detail {

Error errno_error(int err, const std::string& what) {
  Errc code = Errc::io;
  switch (err) {
    case ENOENT:
      code = Errc::not_found;
      break;
    case EACCES:
    case EPERM:
    case EROFS:
      code = Errc::permission;
      break;
    case EEXIST:
      code = Errc::exists;
      break;
    case EINVAL:
    case ENAMETOOLONG:
      code = Errc::invalid_argument;
      break;
    case EIDRM:
      code = Errc::removed;
      break;
    default:
      break;
  }
  return make_error(code, fmt::format("{}: {}", what, std::strerror(err)));
}

Result<SourcePtr> MappedFdSource::create(int fd, bool writable, std::string read_only_reason,
                                         std::string path, SourceInfo info) {
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    const int err = errno;
    close(fd);
    return errno_error(err, "cannot stat " + path);
  }
  std::unique_ptr<MappedFdSource> src(new MappedFdSource());
  src->fd_ = fd;
  src->path_ = std::move(path);
  src->dev_ = st.st_dev;
  src->ino_ = st.st_ino;
  src->info_ = std::move(info);
  src->info_.writable = writable;
  src->info_.read_only_reason = writable ? std::string() : std::move(read_only_reason);
  src->info_.base = 0;
  src->info_.size = static_cast<uint64_t>(st.st_size);
  if (Status mapped = src->map_to(src->info_.size); !mapped) return mapped.error();
  return SourcePtr(std::move(src));
}

Result<SourcePtr> finish_create(int fd, const CreateOptions& options, const std::string& path,
                                const std::string& what, SourceInfo info,
                                void (*remove_name)(const std::string& path)) {
  struct stat made {};
  const bool known = fstat(fd, &made) == 0;
  auto undo = [&](Error error) {
    struct stat now {};
    if (known && stat(path.c_str(), &now) == 0 && now.st_dev == made.st_dev &&
        now.st_ino == made.st_ino) {
      remove_name(path);
    }
    return error;
  };
  if (fchmod(fd, options.mode) != 0) {
    const int err = errno;
    close(fd);
    return undo(
        errno_error(err, fmt::format("cannot set the mode of {} to {:04o}", what, options.mode)));
  }
  if (ftruncate(fd, static_cast<off_t>(options.size)) != 0) {
    const int err = errno;
    close(fd);
    return undo(errno_error(err, fmt::format("cannot size {} to {} bytes", what, options.size)));
  }
  Result<SourcePtr> source = MappedFdSource::create(fd, true, "", path, std::move(info));
  if (!source) {
    return undo(make_error(source.error().code, fmt::format("{} ({} bytes); it was not created",
                                                            source.error().message, options.size)));
  }
  return source;
}

MappedFdSource::~MappedFdSource() {
  if (map_) munmap(map_, map_len_);
  if (fd_ >= 0) close(fd_);
}

Status MappedFdSource::map_to(uint64_t size) {
  if (size == map_len_) return {};
  std::byte* fresh = nullptr;
  if (size > 0) {
    const int prot = PROT_READ | (info_.writable ? PROT_WRITE : 0);
    void* p = mmap(nullptr, size, prot, MAP_SHARED, fd_, 0);
    if (p == MAP_FAILED) return errno_error(errno, "cannot map " + info_.name);
    fresh = static_cast<std::byte*>(p);
  }
  if (map_) munmap(map_, map_len_);
  map_ = fresh;
  map_len_ = size;
  return {};
}

Result<uint64_t> MappedFdSource::current_size() const {
  struct stat st {};
  if (fstat(fd_, &st) != 0) return errno_error(errno, "cannot stat " + info_.name);
  return static_cast<uint64_t>(st.st_size);
}

ReadOutcome MappedFdSource::read(uint64_t address, std::span<std::byte> out) {
  return view().read_object(info_.size, address, out, "the object shrank under the read");
}

ReadOutcome MappedFdSource::diff(uint64_t address, std::span<std::byte> cache,
                                 const DiffSink& sink) {
  return view().diff_object(info_.size, address, cache, sink, "the object shrank under the read");
}

bool MappedFdSource::run_in_place(uint64_t address, uint64_t length, InPlaceFn fn, void* context) {
  return view().run_in_place(info_.size, address, length, fn, context);
}

Status MappedFdSource::write(uint64_t address, std::span<const std::byte> data) {
  if (Status s = check_write_range(info_, address, data.size()); !s) return s;
  if (data.empty()) return {};
  // The last poll's size may be stale: a write past the real end would fault half-way.
  Result<uint64_t> size = current_size();
  if (!size) return size.error();
  if (address + data.size() > *size || address + data.size() > map_len_) {
    return make_error(Errc::out_of_range,
                      fmt::format("the object is now {} bytes; write of {} byte(s) at 0x{:x} "
                                  "not done (nothing written)",
                                  *size, data.size(), address));
  }
  if (const std::optional<uint64_t> fault = view().store(address, data)) {
    return make_error(Errc::removed,
                      fmt::format("the object shrank during the write at 0x{:x}; bytes from "
                                  "0x{:x} on were not written",
                                  address, *fault));
  }
  return {};
}

Result<bool> MappedFdSource::compare_exchange(uint64_t address, unsigned width, uint64_t& expected,
                                              uint64_t desired) {
  if (width != 1 && width != 2 && width != 4 && width != 8) {
    return make_error(Errc::invalid_argument, fmt::format("compare-and-swap width {} is not "
                                                          "1, 2, 4 or 8",
                                                          width));
  }
  if (address % width != 0) {
    return make_error(
        Errc::invalid_argument,
        fmt::format("compare-and-swap at 0x{:x} is not {}-byte aligned", address, width));
  }
  if (Status s = check_write_range(info_, address, width); !s) return s.error();
  Result<uint64_t> size = current_size();
  if (!size) return size.error();
  if (address + width > *size || address + width > map_len_) {
    return make_error(Errc::out_of_range,
                      fmt::format("the object is now {} bytes; nothing written", *size));
  }
  const std::optional<bool> swapped = view().compare_exchange(address, width, expected, desired);
  if (!swapped) return make_error(Errc::removed, "the object shrank during compare-and-swap");
  return *swapped;
}

std::vector<SourceEvent> MappedFdSource::refresh() {
  std::vector<SourceEvent> events;
  if (Result<uint64_t> size = current_size(); size && *size != info_.size) {
    SourceEvent e;
    e.kind = SourceEvent::Kind::resized;
    e.old_size = info_.size;
    e.new_size = *size;
    e.message = fmt::format("{} was resized from {} to {} bytes", info_.name, info_.size, *size);
    // Grow the mapping to see new bytes; a shrink keeps it (guarded reads report the
    // missing tail as unreadable), so nothing needs to be unmapped under a reader.
    if (*size > map_len_) {
      if (Status s = map_to(*size); !s) e.message += " (" + s.error().message + ")";
    }
    info_.size = *size;
    events.push_back(std::move(e));
  }
  if (!removed_) {
    struct stat st {};
    const bool gone = stat(path_.c_str(), &st) != 0;
    if (gone || st.st_ino != ino_ || st.st_dev != dev_) {
      removed_ = true;
      SourceEvent e;
      e.kind = SourceEvent::Kind::removed;
      e.old_size = e.new_size = info_.size;
      e.message = gone ? fmt::format(
                             "{} was removed (its name is gone; the memory stays "
                             "readable here until closed)",
                             info_.name)
                       : fmt::format(
                             "{} was replaced by a new object of the same name "
                             "(reopen to see it)",
                             info_.name);
      events.push_back(std::move(e));
    }
  }
  return events;
}

}  // namespace memview::detail

#endif
