// Mapped files on Windows: "file:PATH" (a mapping backed by a file: CreateFileMapping(hFile,
// ...)).
// The file is opened read-write (falling back to read-only with the reason), mapped with
// an unnamed section of its current size, and re-mapped when it grows. Windows does not let
// a mapped file shrink, so the size is exact and only grows; deleting the file (allowed by
// FILE_SHARE_DELETE) is reported as removal.
#if defined(_WIN32)

#include <optional>

#include <fmt/format.h>

#include "memview/source_spec.h"
#include "sources/win32_util.h"
#include "sources/win32_view_source.h"

namespace memview {
namespace {

using detail::win_error;

Result<std::string> parse_win_path(std::string_view target) {
  if (target.empty()) return make_error(Errc::invalid_argument, "empty file path");
  if (target.find('\0') != std::string_view::npos) {
    return make_error(Errc::invalid_argument, "file path contains a NUL character");
  }
  const std::wstring wide = detail::to_wide(target);
  const DWORD n = GetFullPathNameW(wide.c_str(), 0, nullptr, nullptr);
  if (n == 0) return win_error(GetLastError(), fmt::format("bad file path '{}'", target));
  std::wstring full(n, L'\0');
  const DWORD m = GetFullPathNameW(wide.c_str(), n, full.data(), nullptr);
  full.resize(m);
  return detail::to_utf8(full);
}

struct FileId {
  DWORD volume = 0;
  DWORD high = 0;
  DWORD low = 0;
  bool operator==(const FileId&) const = default;
};

std::optional<FileId> file_id(HANDLE file) {
  BY_HANDLE_FILE_INFORMATION fi{};
  if (!GetFileInformationByHandle(file, &fi)) return std::nullopt;
  return FileId{fi.dwVolumeSerialNumber, fi.nFileIndexHigh, fi.nFileIndexLow};
}

Result<uint64_t> file_size(HANDLE file, const std::string& path) {
  LARGE_INTEGER size{};
  if (!GetFileSizeEx(file, &size)) return win_error(GetLastError(), "cannot stat " + path);
  return static_cast<uint64_t>(size.QuadPart);
}

// An unnamed section over the whole file as it is now; nullptr for an empty file (Windows
// cannot map zero bytes).
Result<HANDLE> section_for(HANDLE file, bool writable, uint64_t size, const std::string& path) {
  if (size == 0) return HANDLE(nullptr);
  HANDLE s =
      CreateFileMappingW(file, nullptr, writable ? PAGE_READWRITE : PAGE_READONLY, 0, 0, nullptr);
  if (!s) return win_error(GetLastError(), "cannot create a file mapping of " + path);
  return s;
}

Result<SourcePtr> finish(HANDLE file, bool writable, std::string reason, const SourceSpec& spec) {
  const std::string& path = spec.target;
  Result<uint64_t> size = file_size(file, path);
  if (!size) {
    CloseHandle(file);
    return size.error();
  }
  Result<HANDLE> section = section_for(file, writable, *size, path);
  if (!section) {
    CloseHandle(file);
    return section.error();
  }
  const std::optional<FileId> id = file_id(file);
  SourceInfo info;
  info.spec = spec.text();
  info.kind = "file";
  info.name = path;
  detail::Win32ViewSource::Hooks hooks;
  bool removed = false;
  hooks.refresh = [path, id, removed](detail::Win32ViewSource& src) mutable {
    std::vector<SourceEvent> events;
    SourceInfo& inf = src.mutable_info();
    if (Result<uint64_t> now = file_size(src.file(), path); now && *now != inf.size) {
      SourceEvent e;
      e.kind = SourceEvent::Kind::resized;
      e.old_size = inf.size;
      e.new_size = *now;
      e.message = fmt::format("{} was resized from {} to {} bytes", path, inf.size, *now);
      if (*now > inf.size) {
        // A section's size is fixed at creation: map a new one over the grown file.
        Result<HANDLE> grown = section_for(src.file(), inf.writable, *now, path);
        Status s = grown ? src.remap(*grown, *now) : Status(grown.error());
        if (!s) e.message += " (" + s.error().message + ")";
      } else {
        inf.size = *now;
      }
      events.push_back(std::move(e));
    }
    if (!removed) {
      // Deleted while open: Windows keeps the name until the last handle closes and marks
      // the file delete-pending; a name that is gone or names another file counts too.
      FILE_STANDARD_INFO standard{};
      const bool pending =
          GetFileInformationByHandleEx(src.file(), FileStandardInfo, &standard, sizeof(standard)) &&
          standard.DeletePending;
      HANDLE again = CreateFileW(detail::to_wide(path).c_str(), 0,
                                 FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                                 OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr);
      std::optional<FileId> now_id;
      if (again != INVALID_HANDLE_VALUE) {
        now_id = file_id(again);
        CloseHandle(again);
      }
      const bool gone =
          again == INVALID_HANDLE_VALUE &&
          (GetLastError() == ERROR_FILE_NOT_FOUND || GetLastError() == ERROR_PATH_NOT_FOUND ||
           GetLastError() == ERROR_ACCESS_DENIED);  // delete pending
      const bool replaced = now_id && id && !(*now_id == *id);
      if (pending || gone || replaced) {
        removed = true;
        SourceEvent e;
        e.kind = SourceEvent::Kind::removed;
        e.old_size = e.new_size = inf.size;
        e.message = gone ? fmt::format(
                               "{} was deleted (the memory stays readable here until "
                               "closed)",
                               path)
                         : fmt::format("{} was replaced by a new file (reopen to see it)", path);
        events.push_back(std::move(e));
      }
    }
    return events;
  };
  Result<std::unique_ptr<detail::Win32ViewSource>> src = detail::Win32ViewSource::create(
      *section, file, writable, std::move(reason), *size, std::move(info), std::move(hooks));
  if (!src) return src.error();
  // The file's size is exact (and 0 for an empty file, which has no view yet).
  src.value()->mutable_info().size = *size;
  src.value()->mutable_info().size_exact = true;
  if (*size > src.value()->view_size()) src.value()->mutable_info().size = src.value()->view_size();
  return SourcePtr(std::move(src.value()));
}

constexpr DWORD kShareAll = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE;

Result<SourcePtr> open_file(const SourceSpec& spec, const OpenOptions& options) {
  const std::string& path = spec.target;
  const std::wstring wpath = detail::to_wide(path);
  bool writable = !options.read_only;
  std::string reason = options.read_only ? "opened read-only on request" : "";
  HANDLE f = INVALID_HANDLE_VALUE;
  if (writable) {
    f = CreateFileW(wpath.c_str(), GENERIC_READ | GENERIC_WRITE, kShareAll, nullptr, OPEN_EXISTING,
                    FILE_ATTRIBUTE_NORMAL, nullptr);
    const DWORD err = f == INVALID_HANDLE_VALUE ? GetLastError() : ERROR_SUCCESS;
    if (err == ERROR_ACCESS_DENIED) {
      writable = false;
      const DWORD attrs = GetFileAttributesW(wpath.c_str());
      reason = attrs != INVALID_FILE_ATTRIBUTES && (attrs & FILE_ATTRIBUTE_READONLY)
                   ? "the file has the read-only attribute"
                   : "no write access to the file";
    } else if (err == ERROR_SHARING_VIOLATION) {
      writable = false;
      reason = "another process has the file open and does not share write access";
    }
  }
  if (f == INVALID_HANDLE_VALUE) {
    f = CreateFileW(wpath.c_str(), GENERIC_READ, kShareAll, nullptr, OPEN_EXISTING,
                    FILE_ATTRIBUTE_NORMAL, nullptr);
  }
  if (f == INVALID_HANDLE_VALUE) {
    const DWORD err = GetLastError();
    if (err == ERROR_FILE_NOT_FOUND || err == ERROR_PATH_NOT_FOUND) {
      return make_error(Errc::not_found, fmt::format("no file '{}'", path));
    }
    return win_error(err, "cannot open file '" + path + "'");
  }
  const DWORD attrs = GetFileAttributesW(wpath.c_str());
  if (attrs != INVALID_FILE_ATTRIBUTES && (attrs & FILE_ATTRIBUTE_DIRECTORY)) {
    CloseHandle(f);
    return make_error(Errc::invalid_argument, fmt::format("'{}' is a directory", path));
  }
  return finish(f, writable, std::move(reason), spec);
}

Result<SourcePtr> create_file(const SourceSpec& spec, const CreateOptions& options) {
  const std::string& path = spec.target;
  if (options.size == 0) return make_error(Errc::invalid_argument, "size must be greater than 0");
  Result<std::unique_ptr<detail::OwnerOnlySecurity>> security = detail::OwnerOnlySecurity::make();
  if (!security) return security.error();
  HANDLE f = CreateFileW(detail::to_wide(path).c_str(), GENERIC_READ | GENERIC_WRITE, kShareAll,
                         (*security)->attributes(), options.exclusive ? CREATE_NEW : OPEN_ALWAYS,
                         FILE_ATTRIBUTE_NORMAL, nullptr);
  if (f == INVALID_HANDLE_VALUE) {
    const DWORD err = GetLastError();
    if (err == ERROR_FILE_EXISTS || err == ERROR_ALREADY_EXISTS) {
      return make_error(Errc::exists, fmt::format("file '{}' already exists", path));
    }
    return win_error(err, "cannot create file '" + path + "'");
  }
  LARGE_INTEGER size;
  size.QuadPart = static_cast<LONGLONG>(options.size);
  if (!SetFilePointerEx(f, size, nullptr, FILE_BEGIN) || !SetEndOfFile(f)) {
    const DWORD err = GetLastError();
    CloseHandle(f);
    if (options.exclusive) DeleteFileW(detail::to_wide(path).c_str());
    return win_error(err, fmt::format("cannot size file '{}' to {} bytes", path, options.size));
  }
  Result<SourcePtr> made = finish(f, true, "", spec);
  // A create that fails leaves nothing behind (finish closed the handle).
  if (!made && options.exclusive) DeleteFileW(detail::to_wide(path).c_str());
  return made;
}

SourceBackend file_backend() {
  SourceBackend b;
  b.scheme = "file";
  b.syntax = "file:PATH";
  b.description = "a memory-mapped file (CreateFileMapping of the file)";
  b.parse = parse_win_path;
  b.open = open_file;
  b.create = create_file;
  // No remove: a file is the user's data, never deleted by memview.
  return b;
}

}  // namespace
}  // namespace memview

MEMVIEW_REGISTER_SOURCE(memview::file_backend())

#endif
