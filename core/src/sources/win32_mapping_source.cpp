// Win32 named file mappings (CreateFileMapping/OpenFileMapping) backed by the pagefile:
// "win:NAME", and on Windows a bare NAME. "Local\NAME" and "Global\NAME" are the session
// and global namespaces exactly as Windows defines them (a bare NAME is the session's).
//
// Opening asks for FILE_MAP_ALL_ACCESS and falls back to FILE_MAP_READ, saying why.
// Creating (what the first process of a two-process setup does) makes a pagefile-backed
// section of the given size with a security descriptor that grants access to the current
// user only. A named mapping has no "unlink": it disappears when the last handle to it is
// closed.
//
// Size: an opener only learns the page-rounded size of the view (VirtualQuery), so
// info().size_exact is false; the creator knows the exact size it asked for.
#if defined(_WIN32)

#include <algorithm>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "memview/source_spec.h"
#include "sources/win32_object_directory.h"
#include "sources/win32_util.h"
#include "sources/win32_view_source.h"

namespace memview {
namespace {

using detail::win_error;

constexpr size_t kMaxName = MAX_PATH;

// Validates a mapping name; keeps "Local\" and "Global\" as given (Windows resolves them).
Result<std::string> parse_win_name(std::string_view target) {
  if (target.empty()) return make_error(Errc::invalid_argument, "empty file-mapping name");
  std::string_view rest = target;
  for (std::string_view prefix : {"Local\\", "Global\\"}) {
    if (rest.starts_with(prefix)) {
      rest.remove_prefix(prefix.size());
      break;
    }
  }
  if (rest.empty()) {
    return make_error(Errc::invalid_argument,
                      fmt::format("file-mapping name '{}' has a namespace but no name", target));
  }
  if (rest.find('\\') != std::string_view::npos) {
    return make_error(Errc::invalid_argument,
                      fmt::format("bad file-mapping name '{}': a backslash is only allowed after "
                                  "the Local or Global namespace prefix",
                                  target));
  }
  for (char c : target) {
    if (static_cast<unsigned char>(c) < 0x20) {
      return make_error(Errc::invalid_argument, "file-mapping name contains a control character");
    }
  }
  if (detail::to_wide(target).size() > kMaxName) {
    return make_error(Errc::invalid_argument,
                      fmt::format("file-mapping name is {} characters long; the limit is {}",
                                  detail::to_wide(target).size(), kMaxName));
  }
  return std::string(target);
}

Error open_error(DWORD err, const std::string& name) {
  switch (err) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
      return make_error(Errc::not_found,
                        fmt::format("no file mapping named '{}' (a named mapping exists only while "
                                    "a process holds it; `memview-cli list` shows what is known)",
                                    name));
    case ERROR_ACCESS_DENIED:
      return make_error(Errc::permission,
                        fmt::format("permission denied opening file mapping '{}'", name));
    case ERROR_INVALID_HANDLE:
      return make_error(Errc::invalid_argument,
                        fmt::format("'{}' names another kind of object (event, mutex, ...), not a "
                                    "file mapping",
                                    name));
    default:
      return win_error(err, "cannot open file mapping '" + name + "'");
  }
}

SourceInfo make_info(const SourceSpec& spec) {
  SourceInfo info;
  info.spec = spec.text();
  info.kind = "win";
  info.name = spec.target;
  return info;
}

Result<SourcePtr> open_win(const SourceSpec& spec, const OpenOptions& options) {
  const std::string& name = spec.target;
  const std::wstring wname = detail::to_wide(name);
  bool writable = !options.read_only;
  std::string reason = options.read_only ? "opened read-only on request" : "";
  HANDLE h = nullptr;
  if (writable) {
    h = OpenFileMappingW(FILE_MAP_ALL_ACCESS, FALSE, wname.c_str());
    if (!h && GetLastError() == ERROR_ACCESS_DENIED) {
      writable = false;
      reason =
          "the mapping's security descriptor grants this user read access only "
          "(FILE_MAP_ALL_ACCESS denied, opened with FILE_MAP_READ)";
    }
  }
  if (!h) h = OpenFileMappingW(FILE_MAP_READ, FALSE, wname.c_str());
  if (!h) return open_error(GetLastError(), name);
  Result<std::unique_ptr<detail::Win32ViewSource>> src = detail::Win32ViewSource::create(
      h, INVALID_HANDLE_VALUE, writable, reason, 0, make_info(spec));
  if (!src && writable && src.error().code == Errc::permission) {
    // Access to the object was granted but a writable view was not: the section itself
    // is read-only (created with PAGE_READONLY, or a view of a read-only file).
    h = OpenFileMappingW(FILE_MAP_READ, FALSE, wname.c_str());
    if (!h) return open_error(GetLastError(), name);
    src = detail::Win32ViewSource::create(
        h, INVALID_HANDLE_VALUE, false,
        "the mapping was created read-only (a writable view was refused: " + src.error().message +
            ")",
        0, make_info(spec));
  }
  if (!src) return src.error();
  detail::remember_mapping_name(name, false);
  return SourcePtr(std::move(src.value()));
}

Result<SourcePtr> create_win(const SourceSpec& spec, const CreateOptions& options) {
  const std::string& name = spec.target;
  if (options.size == 0) return make_error(Errc::invalid_argument, "size must be greater than 0");
  Result<std::unique_ptr<detail::OwnerOnlySecurity>> security = detail::OwnerOnlySecurity::make();
  if (!security) return security.error();
  const std::wstring wname = detail::to_wide(name);
  HANDLE h = CreateFileMappingW(INVALID_HANDLE_VALUE, (*security)->attributes(), PAGE_READWRITE,
                                static_cast<DWORD>(options.size >> 32),
                                static_cast<DWORD>(options.size & 0xffffffffu), wname.c_str());
  const DWORD err = GetLastError();
  if (!h) {
    if (err == ERROR_INVALID_HANDLE) return open_error(err, name);
    return win_error(
        err, fmt::format("cannot create file mapping '{}' of {} bytes", name, options.size));
  }
  if (err == ERROR_ALREADY_EXISTS) {
    // CreateFileMapping opened the existing object instead: never take over someone's.
    if (options.exclusive) {
      CloseHandle(h);
      return make_error(Errc::exists,
                        fmt::format("file mapping '{}' already exists (open it instead)", name));
    }
    // Not exclusive: use the existing object as it is (its size is whatever its creator
    // chose, known here only page-rounded).
    Result<std::unique_ptr<detail::Win32ViewSource>> existing =
        detail::Win32ViewSource::create(h, INVALID_HANDLE_VALUE, true, "", 0, make_info(spec));
    if (!existing) return existing.error();
    detail::remember_mapping_name(name, false);
    return SourcePtr(std::move(existing.value()));
  }
  Result<std::unique_ptr<detail::Win32ViewSource>> src = detail::Win32ViewSource::create(
      h, INVALID_HANDLE_VALUE, true, "", options.size, make_info(spec));
  if (!src) return src.error();
  detail::remember_mapping_name(name, true);
  return SourcePtr(std::move(src.value()));
}

Status remove_win(const SourceSpec& spec) {
  return make_error(Errc::unsupported,
                    fmt::format("a Win32 named mapping cannot be removed: '{}' disappears when "
                                "the last process holding it closes it",
                                spec.target));
}

// Size (page-rounded) and owner of a named mapping, or nullopt when it does not exist now.
std::optional<DiscoveredObject> probe(const std::string& name) {
  HANDLE h = OpenFileMappingW(FILE_MAP_READ | READ_CONTROL, FALSE, detail::to_wide(name).c_str());
  if (!h) h = OpenFileMappingW(FILE_MAP_READ, FALSE, detail::to_wide(name).c_str());
  if (!h) return std::nullopt;
  DiscoveredObject obj;
  obj.kind = "win";
  obj.name = name;
  obj.spec = "win:" + name;
  obj.owner = detail::object_owner(h);
  if (Result<detail::MappedView> view = detail::map_whole_view(h, false, name); view) {
    obj.size = view->size;
    UnmapViewOfFile(view->base);
  }
  CloseHandle(h);
  return obj;
}

std::vector<DiscoveredObject> discover_win() {
  std::vector<DiscoveredObject> out;
  std::set<std::string> seen;
  auto add = [&](const std::string& name) {
    // "Local\X" and "X" are the same object; list it once, under the shorter name.
    const std::string key = name.starts_with("Local\\") ? name.substr(6) : name;
    if (!seen.insert(key).second) return;
    if (std::optional<DiscoveredObject> obj = probe(key)) out.push_back(std::move(*obj));
  };
  for (const detail::NamedSection& s : detail::list_named_sections()) add(s.name);
  for (const detail::RememberedName& n : detail::remembered_mapping_names()) add(n.name);
  return out;
}

SourceBackend win_backend() {
  SourceBackend b;
  b.scheme = "win";
  b.syntax = "win:NAME";
  b.description =
      "Win32 named file mapping (OpenFileMapping; Local\\ and Global\\ namespaces); a bare "
      "NAME means the same on Windows";
  b.bare_name_priority = 10;
  b.parse = parse_win_name;
  b.open = open_win;
  b.create = create_win;
  b.remove = remove_win;
  b.discover = discover_win;
  return b;
}

}  // namespace
}  // namespace memview

MEMVIEW_REGISTER_SOURCE(memview::win_backend())

#endif
