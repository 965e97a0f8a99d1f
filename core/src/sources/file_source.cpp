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

const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

Result<SourcePtr> open_file(const SourceSpec& spec, const OpenOptions& options) {
  const std::string& path = spec.target;
  // Only regular files are mapped; anything else is refused before it is opened (opening a
  // FIFO read-only blocks until a writer comes; a device can have effects).
  struct stat pre {};
  if (stat(path.c_str(), &pre) == 0 && !S_ISREG(pre.st_mode)) {
    return make_error(Errc::invalid_argument,
                      fmt::format("'{}' is {}, not a regular file: only regular files can be "
                                  "mapped",
                                  path, kind_of(pre.st_mode)));
  }
  bool writable = !options.read_only;
  std::string reason = options.read_only ? "opened read-only on request" : "";
  // O_NONBLOCK: should the path become a FIFO after the check, open still returns.
  int fd = open(path.c_str(), (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0 && writable && (errno == EACCES || errno == EPERM || errno == EROFS)) {
    const int err = errno;
    reason = err == EROFS ? "the file system is read-only" : "no write permission on the file";
    struct stat st {};
    if (err != EROFS && stat(path.c_str(), &st) == 0) {
      reason += fmt::format(" (mode {:04o}, owner {})", st.st_mode & 07777,
                            detail::owner_name(st.st_uid));
    }
    writable = false;
    fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
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
  const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, options.mode);
  if (fd < 0) {
    const int err = errno;
    if (err == EEXIST) {
      // Not exclusive: the existing file as it is (never resized: it is someone's).
      if (!options.exclusive) return open_file(spec, {});
      return make_error(Errc::exists, fmt::format("file '{}' already exists", path));
    }
    return detail::errno_error(err, "cannot create '" + path + "'");
  }
  SourceInfo info;
  info.spec = spec.text();
  info.kind = "file";
  info.name = path;
  return detail::finish_create(fd, options, path, "'" + path + "'", std::move(info),
                               [](const std::string& p) { unlink(p.c_str()); });
}

SourceBackend file_backend() {
  SourceBackend b;
  b.scheme = "file";
  b.syntax = "file:PATH";
  b.description = "a memory-mapped regular file";
  b.parse = parse_file_path;
  b.open = open_file;
  b.create = create_file;
  // No remove: a file is the user's data, never deleted by memview.
  return b;
}

}  // namespace
}  // namespace memview

MEMVIEW_REGISTER_SOURCE(memview::file_backend())

#endif
