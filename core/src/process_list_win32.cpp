// list_processes() on Windows: a Toolhelp snapshot of the processes. The owner is not
// looked up (it needs a handle to each process, which most refuse to a normal user).
#if defined(_WIN32)

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include <tlhelp32.h>  // after windows.h, which it needs

#include <algorithm>

#include "memview/process_list.h"
#include "sources/win32_util.h"

namespace memview {

std::vector<ProcessEntry> list_processes() {
  std::vector<ProcessEntry> out;
  HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
  if (snap == INVALID_HANDLE_VALUE) return out;
  PROCESSENTRY32W e{};
  e.dwSize = sizeof(e);
  for (BOOL more = Process32FirstW(snap, &e); more; more = Process32NextW(snap, &e)) {
    if (e.th32ProcessID == 0) continue;  // the idle process has no memory to read
    ProcessEntry p;
    p.pid = e.th32ProcessID;
    p.name = detail::to_utf8(e.szExeFile);
    p.command = p.name;
    if (HANDLE h = OpenProcess(PROCESS_VM_READ | PROCESS_QUERY_INFORMATION, FALSE, p.pid)) {
      p.readable = true;
      CloseHandle(h);
    }
    out.push_back(std::move(p));
  }
  CloseHandle(snap);
  std::sort(out.begin(), out.end(),
            [](const ProcessEntry& a, const ProcessEntry& b) { return a.pid < b.pid; });
  return out;
}

}  // namespace memview

#endif
