// Another process's memory on Windows: "pid:PID", "pid:PID@ADDR+LEN", "pid:PID@ADDR-END",
// "pid:PID:REGION" (the same syntax as on Linux, see process_source.cpp).
//
//  - pid:PID         the whole user address space (base 0, size 2^47); holes are unreadable.
//  - pid:PID@A+N     the N bytes at virtual address A.
//  - pid:PID:REGION  one mapping: an address inside it, or a (unique substring of a) mapped
//                    file's path as GetMappedFileName reports it ("\Device\...\app.exe");
//                    resolved once at open.
//
// Reads walk the range with VirtualQueryEx and copy each committed, readable stretch with
// ReadProcessMemory; writes check the whole range is committed and writable first, then
// use one WriteProcessMemory (a kernel copy: nothing is written when the check fails, but
// unlike a mapped view an aligned 8-byte write is not promised to be a single store).
// Opening asks for read-write access and falls back to read-only with the reason.
#if defined(_WIN32)

#include <algorithm>
#include <climits>

#include <fmt/format.h>

#include "memview/numbers.h"
#include "memview/process_maps.h"
#include "memview/source_spec.h"
#include "sources/pid_spec.h"
#include "sources/range_suffix.h"
#include "sources/win32_util.h"

namespace memview {
namespace {

using detail::PidTarget;
using detail::resolve_pid_region;

bool readable(const MEMORY_BASIC_INFORMATION& m) {
  return m.State == MEM_COMMIT && !(m.Protect & (PAGE_NOACCESS | PAGE_GUARD)) && m.Protect != 0;
}

bool writable(const MEMORY_BASIC_INFORMATION& m) {
  return readable(m) && (m.Protect & (PAGE_READWRITE | PAGE_WRITECOPY | PAGE_EXECUTE_READWRITE |
                                      PAGE_EXECUTE_WRITECOPY));
}

class Win32ProcessSource final : public Source {
 public:
  Win32ProcessSource(HANDLE process, DWORD pid, SourceInfo info)
      : pid_(pid), process_(process), info_(std::move(info)) {}
  ~Win32ProcessSource() override { CloseHandle(process_); }

  const SourceInfo& info() const override { return info_; }

  ReadOutcome read(uint64_t address, std::span<std::byte> out) override {
    ReadOutcome outcome = outside_range(info_, address, out.size());
    const uint64_t lo = std::max(address, info_.base);
    const uint64_t hi = std::min(address + out.size(), info_.base + info_.size);
    uint64_t at = lo;
    auto unreadable = [&](uint64_t from, uint64_t to, const char* why) {
      if (!outcome.unreadable.empty() && outcome.unreadable.back().end() == from) {
        outcome.unreadable.back().length += to - from;
      } else {
        outcome.unreadable.push_back({from, to - from});
      }
      if (outcome.message.empty()) outcome.message = why;
    };
    while (at < hi) {
      MEMORY_BASIC_INFORMATION m{};
      if (VirtualQueryEx(process_, reinterpret_cast<const void*>(at), &m, sizeof(m)) != sizeof(m)) {
        unreadable(at, hi, exited() ? "the process has exited" : "beyond the address space");
        break;
      }
      const uint64_t end = std::min(hi, reinterpret_cast<uint64_t>(m.BaseAddress) + m.RegionSize);
      if (!readable(m)) {
        unreadable(at, end, "not mapped or not readable in the process");
      } else {
        SIZE_T got = 0;
        const BOOL ok =
            ReadProcessMemory(process_, reinterpret_cast<const void*>(at),
                              out.data() + (at - address), static_cast<SIZE_T>(end - at), &got);
        if (!ok && got < end - at) {
          unreadable(at + got, end, "the process's memory changed under the read");
        }
      }
      at = end;
    }
    std::sort(outcome.unreadable.begin(), outcome.unreadable.end(),
              [](const ByteRange& a, const ByteRange& b) { return a.address < b.address; });
    return outcome;
  }

  Status write(uint64_t address, std::span<const std::byte> data) override {
    if (Status s = check_write_range(info_, address, data.size()); !s) return s;
    if (data.empty()) return {};
    // Nothing is written unless every byte is committed and writable now.
    for (uint64_t at = address; at < address + data.size();) {
      MEMORY_BASIC_INFORMATION m{};
      if (VirtualQueryEx(process_, reinterpret_cast<const void*>(at), &m, sizeof(m)) != sizeof(m) ||
          !writable(m)) {
        return make_error(Errc::permission,
                          fmt::format("0x{:x} is not writable memory in process {} (nothing "
                                      "written)",
                                      at, pid_));
      }
      at = reinterpret_cast<uint64_t>(m.BaseAddress) + m.RegionSize;
    }
    SIZE_T done = 0;
    if (!WriteProcessMemory(process_, reinterpret_cast<void*>(address), data.data(), data.size(),
                            &done) ||
        done != data.size()) {
      return detail::win_error(GetLastError(),
                               fmt::format("write of {} byte(s) at 0x{:x} in process {} failed "
                                           "after {} byte(s)",
                                           data.size(), address, pid_, done));
    }
    return {};
  }

  std::vector<SourceEvent> refresh() override {
    std::vector<SourceEvent> events;
    if (!exit_reported_ && exited()) {
      exit_reported_ = true;
      DWORD code = 0;
      GetExitCodeProcess(process_, &code);
      SourceEvent e;
      e.kind = SourceEvent::Kind::exited;
      e.old_size = e.new_size = info_.size;
      e.message = fmt::format("process {} exited (code {})", pid_, code);
      events.push_back(std::move(e));
    }
    return events;
  }

 private:
  bool exited() const { return WaitForSingleObject(process_, 0) == WAIT_OBJECT_0; }

  DWORD pid_;
  HANDLE process_;
  SourceInfo info_;
  bool exit_reported_ = false;
};

Result<SourcePtr> open_pid(const SourceSpec& spec, const OpenOptions& options) {
  Result<PidTarget> target = detail::parse_pid_target(spec.target);
  if (!target) return target.error();
  const DWORD pid = target->pid;
  constexpr DWORD kRead = PROCESS_VM_READ | PROCESS_QUERY_INFORMATION | SYNCHRONIZE;
  constexpr DWORD kWrite = PROCESS_VM_WRITE | PROCESS_VM_OPERATION;
  bool can_write = !options.read_only;
  std::string reason = options.read_only ? "opened read-only on request" : "";
  HANDLE process = can_write ? OpenProcess(kRead | kWrite, FALSE, pid) : nullptr;
  if (!process && can_write && GetLastError() == ERROR_ACCESS_DENIED) {
    can_write = false;
    reason = fmt::format("no write access to process {} (PROCESS_VM_WRITE denied)", pid);
  }
  if (!process) process = OpenProcess(kRead, FALSE, pid);
  if (!process) {
    const DWORD err = GetLastError();
    if (err == ERROR_INVALID_PARAMETER) {
      return make_error(Errc::not_found, fmt::format("no process with id {}", pid));
    }
    if (err == ERROR_ACCESS_DENIED) return make_error(Errc::permission, explain_access_denied(pid));
    return detail::win_error(err, fmt::format("cannot open process {}", pid));
  }
  SourceInfo info;
  info.spec = spec.text();
  info.kind = "pid";
  info.writable = can_write;
  info.read_only_reason = can_write ? std::string() : reason;
  wchar_t image[MAX_PATH * 2];
  DWORD image_len = MAX_PATH * 2;
  std::string exe;
  if (QueryFullProcessImageNameW(process, 0, image, &image_len)) {
    exe = detail::to_utf8(std::wstring_view(image, image_len));
    if (const size_t slash = exe.find_last_of("\\/"); slash != std::string::npos) {
      exe = exe.substr(slash + 1);
    }
  }
  switch (target->mode) {
    case PidTarget::Mode::whole:
      info.base = 0;
      info.size = uint64_t{1} << 47;  // the x64 user address space
      info.name = fmt::format("{} ({})", pid, exe);
      break;
    case PidTarget::Mode::range:
      info.base = target->range.address;
      info.size = target->range.length;
      info.name = fmt::format("{} ({}) @0x{:x}", pid, exe, info.base);
      break;
    case PidTarget::Mode::region: {
      Result<std::vector<MapRegion>> maps = read_process_maps(static_cast<pid_t>(pid));
      if (!maps) {
        CloseHandle(process);
        return maps.error();
      }
      Result<ByteRange> r = resolve_pid_region(*maps, target->region, pid);
      if (!r) {
        CloseHandle(process);
        return r.error();
      }
      info.base = r->address;
      info.size = r->length;
      info.name = fmt::format("{} ({}) {}", pid, exe, target->region);
      break;
    }
  }
  return SourcePtr(std::make_unique<Win32ProcessSource>(process, pid, std::move(info)));
}

SourceBackend pid_backend() {
  SourceBackend b;
  b.scheme = "pid";
  b.syntax = "pid:PID[@ADDR+LEN|@ADDR-END|:REGION]";
  b.description =
      "another process's memory (ReadProcessMemory/WriteProcessMemory); a range or one "
      "mapping by address or path";
  b.parse = detail::canonical_pid_target;
  b.open = open_pid;
  return b;
}

}  // namespace
}  // namespace memview

MEMVIEW_REGISTER_SOURCE(memview::pid_backend())

#endif
