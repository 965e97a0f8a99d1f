#include "memview/file_read.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

namespace memview {

namespace {

const char* kind_of(std::filesystem::file_type t) {
  switch (t) {
    case std::filesystem::file_type::directory:
      return "a directory";
    case std::filesystem::file_type::fifo:
      return "a FIFO (named pipe)";
    case std::filesystem::file_type::character:
      return "a character device";
    case std::filesystem::file_type::block:
      return "a block device";
    case std::filesystem::file_type::socket:
      return "a socket";
    default:
      return "not a regular file";
  }
}

Error too_big(const std::string& path, uint64_t size, uint64_t cap, std::string_view what) {
  return make_error(Errc::invalid_argument,
                    fmt::format("{} {} is {} bytes, more than the {}-byte limit for a {}", what,
                                path, size, cap, what));
}

}  // namespace

Result<uint64_t> check_regular_file(const std::string& path, uint64_t max_bytes,
                                    std::string_view what) {
  if (path.empty()) return make_error(Errc::invalid_argument, fmt::format("{}: empty path", what));
  std::error_code ec;
  const std::filesystem::file_status st = std::filesystem::status(path, ec);
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory || ec == std::errc::not_a_directory) {
      return make_error(Errc::not_found, fmt::format("{} {}: no such file", what, path));
    }
    if (ec == std::errc::permission_denied) {
      return make_error(Errc::permission, fmt::format("{} {}: permission denied", what, path));
    }
    return make_error(Errc::io, fmt::format("{} {}: {}", what, path, ec.message()));
  }
  if (st.type() == std::filesystem::file_type::not_found) {
    return make_error(Errc::not_found, fmt::format("{} {}: no such file", what, path));
  }
  if (st.type() != std::filesystem::file_type::regular) {
    return make_error(Errc::invalid_argument, fmt::format("{} {} is {}, not a regular file", what,
                                                          path, kind_of(st.type())));
  }
  const uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) return make_error(Errc::io, fmt::format("{} {}: {}", what, path, ec.message()));
  if (max_bytes != 0 && size > max_bytes) return too_big(path, size, max_bytes, what);
  return size;
}

Result<std::string> read_file_capped(const std::string& path, uint64_t max_bytes,
                                     std::string_view what) {
  Result<uint64_t> size = check_regular_file(path, max_bytes, what);
  if (!size) return size.error();
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    if (err == EACCES || err == EPERM) {
      return make_error(Errc::permission, fmt::format("{} {}: permission denied", what, path));
    }
    return make_error(Errc::io, fmt::format("cannot open {} {}: {}", what, path,
                                            err != 0 ? std::strerror(err) : "unknown error"));
  }
  // Read in bounded steps: the file may grow (or be swapped for another) after the check.
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
  if (in.bad()) return make_error(Errc::io, fmt::format("error reading {} {}", what, path));
  return text;
}

}  // namespace memview
