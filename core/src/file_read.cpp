#include "memview/file_read.h"

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#if defined(_WIN32)
#include <fstream>
#else
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

#include "memview/text_bytes.h"

namespace memview {

namespace {

// Paths in messages: one printable line whatever bytes they hold.
std::string shown(const std::string& path) {
  return printable_text(path);
}

Error too_big(const std::string& path, uint64_t size, uint64_t cap, std::string_view what) {
  return make_error(Errc::invalid_argument,
                    fmt::format("{} {} is {} bytes, more than the {}-byte limit for a {}", what,
                                shown(path), size, cap, what));
}

Error not_regular(const std::string& path, const char* kind, std::string_view what) {
  return make_error(Errc::invalid_argument,
                    fmt::format("{} {} is {}, not a regular file", what, shown(path), kind));
}

Error errno_error(int err, const std::string& path, std::string_view what) {
  if (err == ENOENT || err == ENOTDIR) {
    return make_error(Errc::not_found, fmt::format("{} {}: no such file", what, shown(path)));
  }
  if (err == EACCES || err == EPERM) {
    return make_error(Errc::permission, fmt::format("{} {}: permission denied", what, shown(path)));
  }
  return make_error(Errc::io, fmt::format("{} {}: {}", what, shown(path), std::strerror(err)));
}

#if !defined(_WIN32)

const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

// stat() first (a device or FIFO is never opened: opening one can block or have effects),
// then open without blocking and check that the opened file is that regular file.
Result<int> open_regular(const std::string& path, uint64_t max_bytes, std::string_view what) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return errno_error(errno, path, what);
  if (!S_ISREG(st.st_mode)) return not_regular(path, kind_of(st.st_mode), what);
  if (max_bytes != 0 && static_cast<uint64_t>(st.st_size) > max_bytes) {
    return too_big(path, static_cast<uint64_t>(st.st_size), max_bytes, what);
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return errno_error(errno, path, what);
  struct stat opened {};
  if (::fstat(fd, &opened) != 0 || !S_ISREG(opened.st_mode)) {
    const mode_t mode = opened.st_mode;
    ::close(fd);
    return not_regular(path, kind_of(mode), what);  // swapped for something else meanwhile
  }
  return fd;
}

#endif

}  // namespace

Result<uint64_t> check_regular_file(const std::string& path, uint64_t max_bytes,
                                    std::string_view what) {
  if (path.empty()) return make_error(Errc::invalid_argument, fmt::format("{}: empty path", what));
#if defined(_WIN32)
  std::error_code ec;
  const std::filesystem::file_status st = std::filesystem::status(path, ec);
  if (ec || st.type() == std::filesystem::file_type::not_found) {
    if (!ec || ec == std::errc::no_such_file_or_directory || ec == std::errc::not_a_directory) {
      return make_error(Errc::not_found, fmt::format("{} {}: no such file", what, shown(path)));
    }
    if (ec == std::errc::permission_denied) {
      return make_error(Errc::permission,
                        fmt::format("{} {}: permission denied", what, shown(path)));
    }
    return make_error(Errc::io, fmt::format("{} {}: {}", what, shown(path), ec.message()));
  }
  if (st.type() == std::filesystem::file_type::directory) {
    return not_regular(path, "a directory", what);
  }
  if (st.type() != std::filesystem::file_type::regular) {
    return not_regular(path, "not a regular file", what);
  }
  const uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) return make_error(Errc::io, fmt::format("{} {}: {}", what, shown(path), ec.message()));
  if (max_bytes != 0 && size > max_bytes) return too_big(path, size, max_bytes, what);
  return size;
#else
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return errno_error(errno, path, what);
  if (!S_ISREG(st.st_mode)) return not_regular(path, kind_of(st.st_mode), what);
  const auto size = static_cast<uint64_t>(st.st_size);
  if (max_bytes != 0 && size > max_bytes) return too_big(path, size, max_bytes, what);
  return size;
#endif
}

Result<std::string> read_file_capped(const std::string& path, uint64_t max_bytes,
                                     std::string_view what) {
  if (path.empty()) return make_error(Errc::invalid_argument, fmt::format("{}: empty path", what));
#if defined(_WIN32)
  Result<uint64_t> size = check_regular_file(path, max_bytes, what);
  if (!size) return size.error();
  std::ifstream in(path, std::ios::binary);
  if (!in) return errno_error(errno != 0 ? errno : EIO, path, what);
  std::string text;
  text.reserve(static_cast<size_t>(*size));
  char buf[1 << 16];
  while (in) {
    in.read(buf, sizeof buf);
    const std::streamsize got = in.gcount();
    if (got <= 0) break;
    if (max_bytes != 0 && text.size() + static_cast<uint64_t>(got) > max_bytes) {
      return too_big(path, text.size() + static_cast<uint64_t>(got), max_bytes, what);
    }
    text.append(buf, static_cast<size_t>(got));
  }
  if (in.bad()) return make_error(Errc::io, fmt::format("error reading {} {}", what, shown(path)));
  return text;
#else
  Result<int> fd = open_regular(path, max_bytes, what);
  if (!fd) return fd.error();
  // Read in bounded steps up to the cap: the file may grow while it is read.
  std::string text;
  char buf[1 << 16];
  for (;;) {
    const ssize_t got = ::read(*fd, buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      const int err = errno;
      ::close(*fd);
      return make_error(
          Errc::io, fmt::format("error reading {} {}: {}", what, shown(path), std::strerror(err)));
    }
    if (got == 0) break;
    if (max_bytes != 0 && text.size() + static_cast<uint64_t>(got) > max_bytes) {
      ::close(*fd);
      return too_big(path, text.size() + static_cast<uint64_t>(got), max_bytes, what);
    }
    text.append(buf, static_cast<size_t>(got));
  }
  ::close(*fd);
  return text;
#endif
}

Status check_readable_file(const std::string& path, uint64_t max_bytes, std::string_view what) {
#if defined(_WIN32)
  Result<std::string> text = read_file_capped(path, max_bytes, what);
  if (!text) return text.error();
  return {};
#else
  if (path.empty()) return make_error(Errc::invalid_argument, fmt::format("{}: empty path", what));
  Result<int> fd = open_regular(path, max_bytes, what);
  if (!fd) return fd.error();
  ::close(*fd);
  return {};
#endif
}

}  // namespace memview
