#if defined(_WIN32)

#include "sources/win32_object_directory.h"

#include <vector>

#include "sources/win32_util.h"

namespace memview::detail {
namespace {

// The few native types needed, declared here: mingw's winternl.h does not carry the
// directory-object calls. Layouts as documented for NtQueryDirectoryObject.
struct UnicodeString {
  USHORT Length;
  USHORT MaximumLength;
  PWSTR Buffer;
};
struct ObjectAttributes {
  ULONG Length;
  HANDLE RootDirectory;
  UnicodeString* ObjectName;
  ULONG Attributes;
  PVOID SecurityDescriptor;
  PVOID SecurityQualityOfService;
};
struct ObjectDirectoryInformation {
  UnicodeString Name;
  UnicodeString TypeName;
};

using NTSTATUS_ = LONG;
using NtOpenDirectoryObjectFn = NTSTATUS_(NTAPI*)(PHANDLE, ACCESS_MASK, ObjectAttributes*);
using NtQueryDirectoryObjectFn = NTSTATUS_(NTAPI*)(HANDLE, PVOID, ULONG, BOOLEAN, BOOLEAN, PULONG,
                                                   PULONG);
using NtCloseFn = NTSTATUS_(NTAPI*)(HANDLE);

constexpr ACCESS_MASK kDirectoryQuery = 0x0001;
constexpr ULONG kObjCaseInsensitive = 0x40;
constexpr NTSTATUS_ kStatusMoreEntries = 0x00000105;
constexpr NTSTATUS_ kStatusNoMoreEntries = static_cast<NTSTATUS_>(0x8000001A);

struct Ntdll {
  NtOpenDirectoryObjectFn open = nullptr;
  NtQueryDirectoryObjectFn query = nullptr;
  NtCloseFn close = nullptr;
  bool ok() const { return open && query && close; }
};

const Ntdll& ntdll() {
  static const Ntdll fns = [] {
    Ntdll n;
    if (HMODULE m = GetModuleHandleW(L"ntdll.dll")) {
      n.open = reinterpret_cast<NtOpenDirectoryObjectFn>(
          reinterpret_cast<void*>(GetProcAddress(m, "NtOpenDirectoryObject")));
      n.query = reinterpret_cast<NtQueryDirectoryObjectFn>(
          reinterpret_cast<void*>(GetProcAddress(m, "NtQueryDirectoryObject")));
      n.close = reinterpret_cast<NtCloseFn>(reinterpret_cast<void*>(GetProcAddress(m, "NtClose")));
    }
    return n;
  }();
  return fns;
}

void list_directory(const std::wstring& path, const std::string& prefix,
                    std::vector<NamedSection>& out) {
  const Ntdll& nt = ntdll();
  if (!nt.ok()) return;
  UnicodeString us{static_cast<USHORT>(path.size() * sizeof(wchar_t)),
                   static_cast<USHORT>(path.size() * sizeof(wchar_t)),
                   const_cast<PWSTR>(path.c_str())};
  ObjectAttributes oa{sizeof(ObjectAttributes), nullptr, &us,
                      kObjCaseInsensitive,      nullptr, nullptr};
  HANDLE dir = nullptr;
  if (nt.open(&dir, kDirectoryQuery, &oa) < 0) return;
  std::vector<unsigned char> buffer(64 * 1024);
  ULONG context = 0;
  auto take = [&](const ObjectDirectoryInformation* entry) {
    const std::wstring_view type(entry->TypeName.Buffer, entry->TypeName.Length / sizeof(wchar_t));
    if (type != L"Section") return;
    const std::wstring_view name(entry->Name.Buffer, entry->Name.Length / sizeof(wchar_t));
    out.push_back({prefix + to_utf8(name)});
  };
  // Many entries per call; the array ends with an all-zero entry. Bounded: a directory
  // with more than a few thousand entries is listed in part.
  bool batched = true;
  for (int round = 0; round < 64; ++round) {
    ULONG returned = 0;
    const NTSTATUS_ status = nt.query(dir, buffer.data(), static_cast<ULONG>(buffer.size()), FALSE,
                                      round == 0, &context, &returned);
    if (status == kStatusNoMoreEntries) break;
    if (status < 0) {
      batched = round > 0;  // e.g. wine 8, which implements single-entry queries only
      break;
    }
    for (auto* e = reinterpret_cast<const ObjectDirectoryInformation*>(buffer.data());
         e->Name.Buffer != nullptr; ++e) {
      take(e);
    }
    if (status != kStatusMoreEntries) break;
  }
  if (!batched) {
    context = 0;
    for (int n = 0; n < 20000; ++n) {
      ULONG returned = 0;
      const NTSTATUS_ status = nt.query(dir, buffer.data(), static_cast<ULONG>(buffer.size()), TRUE,
                                        n == 0, &context, &returned);
      if (status < 0 || status == kStatusNoMoreEntries) break;
      take(reinterpret_cast<const ObjectDirectoryInformation*>(buffer.data()));
    }
  }
  nt.close(dir);
}

}  // namespace

std::vector<NamedSection> list_named_sections() {
  std::vector<NamedSection> out;
  DWORD session = 0;
  if (!ProcessIdToSessionId(GetCurrentProcessId(), &session)) session = 0;
  list_directory(L"\\Sessions\\" + std::to_wstring(session) + L"\\BaseNamedObjects", "", out);
  // Session 0 (services) uses \BaseNamedObjects itself as its local namespace.
  if (session != 0 || out.empty()) list_directory(L"\\BaseNamedObjects", "Global\\", out);
  return out;
}

}  // namespace memview::detail

#endif
