// Memory-mapped regular files: "file:PATH" (the POSIX side of a mapping backed by a file,
// CreateFileMapping(hFile, ...) on Windows).
#if !defined(_WIN32)

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include <fmt/format.h>

#include "memview/source_spec.h"
#include "sources/mapped_fd_source.h"
#include "sources/owner_name.h"

namespace memview {
namespace {

Result<std::string> parse_file_path(std::string_view target) {
  if (target.empty()) return make_error(Errc::invalid_argument, "file: needs a path");
  if (target.find('\0') != std::string_view::npos) {
    return make_error(Errc::invalid_argument, "file path contains a NUL character");
  }
  std::error_code ec;
  std::filesystem::path p = std::filesystem::absolute(std::filesystem::path(target), ec);
  if (ec) return make_error(Errc::invalid_argument, fmt::format("bad path '{}'", target));
  return p.lexically_normal().string();
}

Result<SourcePtr> open_file(const SourceSpec& spec, const OpenOptions& options) {
  const std::string& path = spec.target;
  bool writable = !options.read_only;
  std::string reason = options.read_only ? "opened read-only on request" : "";
  int fd = open(path.c_str(), (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
  if (fd < 0 && writable && (errno == EACCES || errno == EPERM || errno == EROFS)) {
    const int err = errno;
    reason = err == EROFS ? "the file system is read-only" : "no write permission on the file";
    struct stat st {};
    if (err != EROFS && stat(path.c_str(), &st) == 0) {
      reason += fmt::format(" (mode {:04o}, owner {})", st.st_mode & 07777,
                            detail::owner_name(st.st_uid));
    }
    writable = false;
    fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  }
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT) return make_error(Errc::not_found, fmt::format("no file '{}'", path));
    if (err == EISDIR) {
      return make_error(Errc::invalid_argument,
                        fmt::format("'{}' is a directory, not a regular file", path));
    }
    return detail::errno_error(err, "cannot open '" + path + "'");
  }
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return make_error(Errc::invalid_argument,
                      fmt::format("'{}' is not a regular file and cannot be mapped", path));
  }
  SourceInfo info;
  info.spec = spec.text();
  info.kind = "file";
  info.name = path;
  return detail::MappedFdSource::create(fd, writable, std::move(reason), path, std::move(info));
}

Result<SourcePtr> create_file(const SourceSpec& spec, const CreateOptions& options) {
  if (options.size == 0) return make_error(Errc::invalid_argument, "size must be greater than 0");
  const std::string& path = spec.target;
  const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | (options.exclusive ? O_EXCL : 0),
                      options.mode);
  if (fd < 0) {
    const int err = errno;
    if (err == EEXIST) {
      return make_error(Errc::exists, fmt::format("file '{}' already exists", path));
    }
    return detail::errno_error(err, "cannot create '" + path + "'");
  }
  fchmod(fd, options.mode);
  if (ftruncate(fd, static_cast<off_t>(options.size)) != 0) {
    const int err = errno;
    close(fd);
    unlink(path.c_str());
    return detail::errno_error(err,
                               fmt::format("cannot size '{}' to {} bytes", path, options.size));
  }
  SourceInfo info;
  info.spec = spec.text();
  info.kind = "file";
  info.name = path;
  return detail::MappedFdSource::create(fd, true, "", path, std::move(info));
}

Status remove_file(const SourceSpec& spec) {
  if (unlink(spec.target.c_str()) != 0) {
    return detail::errno_error(errno, "cannot remove '" + spec.target + "'");
  }
  return {};
}

SourceBackend file_backend() {
  SourceBackend b;
  b.scheme = "file";
  b.syntax = "file:PATH";
  b.description = "a memory-mapped regular file";
  b.parse = parse_file_path;
  b.open = open_file;
  b.create = create_file;
  b.remove = remove_file;
  return b;
}

}  // namespace
}  // namespace memview

MEMVIEW_REGISTER_SOURCE(memview::file_backend())

#endif
