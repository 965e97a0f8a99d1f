// The memory map of a Windows process (VirtualQueryEx) in the shape of /proc/PID/maps, for
// the pid: source and `memview-cli regions` on Windows. The portable parts (parsing,
// MapRegion helpers) are in process_maps.cpp.
#if defined(_WIN32)

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include <psapi.h>  // after windows.h, which it needs

#include <fmt/format.h>

#include "memview/process_maps.h"
#include "sources/win32_util.h"

namespace memview {

Result<std::vector<MapRegion>> read_process_maps(pid_t pid) {
  if (pid <= 0) return make_error(Errc::invalid_argument, fmt::format("bad process id {}", pid));
  HANDLE process =
      OpenProcess(PROCESS_QUERY_INFORMATION | PROCESS_VM_READ, FALSE, static_cast<DWORD>(pid));
  if (!process) {
    const DWORD err = GetLastError();
    if (err == ERROR_INVALID_PARAMETER) {
      return make_error(Errc::not_found, fmt::format("no process with id {}", pid));
    }
    if (err == ERROR_ACCESS_DENIED) return make_error(Errc::permission, explain_access_denied(pid));
    return detail::win_error(err, fmt::format("cannot open process {}", pid));
  }
  std::vector<MapRegion> out;
  uint64_t address = 0;
  MEMORY_BASIC_INFORMATION mbi{};
  // Bounded: a 64-bit address space has at most a few hundred thousand regions in practice.
  for (int n = 0; n < 1'000'000; ++n) {
    if (VirtualQueryEx(process, reinterpret_cast<const void*>(address), &mbi, sizeof(mbi)) !=
        sizeof(mbi)) {
      break;
    }
    const auto start = reinterpret_cast<uint64_t>(mbi.BaseAddress);
    const uint64_t end = start + mbi.RegionSize;
    if (mbi.State == MEM_COMMIT) {
      MapRegion r;
      r.start = start;
      r.end = end;
      const DWORD p = mbi.Protect & 0xff;
      r.read = !(p & PAGE_NOACCESS) && p != 0;
      r.write = (p & (PAGE_READWRITE | PAGE_WRITECOPY | PAGE_EXECUTE_READWRITE |
                      PAGE_EXECUTE_WRITECOPY)) != 0;
      r.exec = (p & (PAGE_EXECUTE | PAGE_EXECUTE_READ | PAGE_EXECUTE_READWRITE |
                     PAGE_EXECUTE_WRITECOPY)) != 0;
      r.shared = mbi.Type == MEM_MAPPED && !(p & (PAGE_WRITECOPY | PAGE_EXECUTE_WRITECOPY));
      if (mbi.Type == MEM_MAPPED || mbi.Type == MEM_IMAGE) {
        wchar_t name[MAX_PATH * 2];
        const DWORD len = GetMappedFileNameW(process, mbi.BaseAddress, name, MAX_PATH * 2);
        if (len > 0) r.path = detail::to_utf8(std::wstring_view(name, len));
      }
      out.push_back(std::move(r));
    }
    if (end <= address) break;
    address = end;
  }
  CloseHandle(process);
  return out;
}

std::optional<int> yama_ptrace_scope() {
  return std::nullopt;
}

std::string explain_access_denied(pid_t pid) {
  return fmt::format(
      "permission denied: process {} belongs to another user or runs at a higher integrity "
      "level (elevated, a service or protected process); run memview as that user or from an "
      "elevated prompt",
      pid);
}

}  // namespace memview

#endif
