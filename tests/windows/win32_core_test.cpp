// Tests of the Windows backends inside one process (run under wine by wine_tests.py):
// spec parsing, GetLastError -> Errc, create/open semantics, size rounding, discovery,
// file growth and deletion, and the fault guard on real access violations: a page of a
// source's own view is made PAGE_NOACCESS with VirtualProtect, which faults under wine as
// on Windows (wine does not fault on uncommitted SEC_RESERVE pages, so that is not used).
//
// Prints "PASS name", "FAIL name: why" or "SKIP name: why" per test and exits 1 if any failed.
#include <windows.h>

#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "fault_guard.h"
#include "memview/discovery.h"
#include "memview/source_spec.h"

using namespace memview;

namespace {

struct Failure {
  std::string what;
};

// A test whose premise this system does not provide (said with the reason, never a pass).
struct Skip {
  std::string why;
};

#define CHECK(cond)                                                                              \
  do {                                                                                           \
    if (!(cond)) throw Failure{std::string(#cond) + " (line " + std::to_string(__LINE__) + ")"}; \
  } while (0)
#define CHECK_MSG(cond, msg)                                                                   \
  do {                                                                                         \
    if (!(cond))                                                                               \
      throw Failure{std::string(#cond) + ": " + (msg) + " (line " + std::to_string(__LINE__) + \
                    ")"};                                                                      \
  } while (0)

std::string unique(const char* base) {
  return std::string(base) + "-" + std::to_string(GetCurrentProcessId());
}

std::vector<std::byte> bytes(std::initializer_list<int> v) {
  std::vector<std::byte> out;
  for (int b : v) out.push_back(static_cast<std::byte>(b));
  return out;
}

// The address of the view a Source mapped: the one MEM_MAPPED allocation (other than
// `except`) whose first bytes equal `magic`.
std::byte* find_view(const void* except, const char* magic) {
  MEMORY_BASIC_INFORMATION mbi{};
  auto* p = static_cast<std::byte*>(nullptr);
  while (VirtualQuery(p, &mbi, sizeof(mbi)) == sizeof(mbi)) {
    if (mbi.Type == MEM_MAPPED && mbi.State == MEM_COMMIT &&
        mbi.BaseAddress == mbi.AllocationBase && mbi.BaseAddress != except &&
        (mbi.Protect & (PAGE_READWRITE | PAGE_READONLY)) &&
        std::memcmp(mbi.BaseAddress, magic, std::strlen(magic)) == 0) {
      return static_cast<std::byte*>(mbi.BaseAddress);
    }
    p = static_cast<std::byte*>(mbi.BaseAddress) + mbi.RegionSize;
  }
  return nullptr;
}

// -----------------------------------------------------------------------------------------

void spec_parsing() {
  Result<SourceSpec> s = parse_source_spec("MyFileMappingObject");
  CHECK(s && s->scheme == "win" && s->target == "MyFileMappingObject");
  s = parse_source_spec("win:Local\\Obj");
  CHECK(s && s->target == "Local\\Obj");
  s = parse_source_spec("Global\\Obj");
  CHECK(s && s->scheme == "win" && s->target == "Global\\Obj");
  for (const char* bad : {"win:", "a\\b", "Local\\", "Global\\x\\y", "Other\\x"}) {
    Result<SourceSpec> r = parse_source_spec(bad);
    CHECK_MSG(!r && r.error().code == Errc::invalid_argument, bad);
  }
  CHECK(!parse_source_spec("win:" + std::string(300, 'x')));
  s = parse_source_spec("file:C:\\dir\\..\\x.bin");
  CHECK_MSG(s && s->target == "C:\\x.bin", s ? s->target : s.error().message);
}

void errors_match_linux_categories() {
  Result<SourcePtr> r = open_source("memview-test-does-not-exist");
  CHECK(!r && r.error().code == Errc::not_found);
  CHECK(r.error().message.find("no file mapping named") != std::string::npos);
  // A name that belongs to an event, not a mapping.
  const std::string ev = unique("memview-test-event");
  HANDLE e = CreateEventA(nullptr, FALSE, FALSE, ev.c_str());
  CHECK(e != nullptr);
  r = open_source(ev);
  CHECK_MSG(!r && r.error().code == Errc::invalid_argument, r ? "opened" : r.error().message);
  CHECK(r.error().message.find("another kind of object") != std::string::npos);
  CloseHandle(e);
  r = open_source("file:C:\\memview\\no\\such\\file.bin");
  CHECK(!r && r.error().code == Errc::not_found);
  CHECK(!remove_source("win:x") && remove_source("win:x").error().code == Errc::unsupported);
}

void create_open_sizes() {
  const std::string name = unique("memview-test-create");
  CreateOptions co;
  co.size = 5000;
  Result<SourcePtr> created = create_source(name, co);
  CHECK_MSG(created, created ? "" : created.error().message);
  const SourceInfo& ci = (*created)->info();
  CHECK(ci.size == 5000 && ci.size_exact && ci.writable && ci.kind == "win");
  // Exclusive: the second create fails and never takes over the object.
  Result<SourcePtr> again = create_source(name, co);
  CHECK(!again && again.error().code == Errc::exists);
  // An opener sees the page-rounded size.
  Result<SourcePtr> opened = open_source("win:Local\\" + name);
  CHECK_MSG(opened, opened ? "" : opened.error().message);
  CHECK((*opened)->info().size == 8192 && !(*opened)->info().size_exact);
  CHECK((*opened)->info().writable);
  // Bytes cross between the two views; aligned stores and compare-and-swap.
  CHECK((*created)->write(8, bytes({1, 2, 3, 4, 5, 6, 7, 8})));
  std::vector<std::byte> got(8);
  CHECK((*opened)->read(8, got).complete() && got == bytes({1, 2, 3, 4, 5, 6, 7, 8}));
  uint64_t expected = 0x0807060504030201ull;
  Result<bool> swapped = (*opened)->compare_exchange(8, 8, expected, 42);
  CHECK(swapped && *swapped);
  expected = 0;
  swapped = (*opened)->compare_exchange(8, 8, expected, 7);
  CHECK(swapped && !*swapped && expected == 42);
  // Writes outside the object fail and write nothing.
  CHECK(!(*created)->write(4999, bytes({1, 2})));
  CHECK((*opened)->write(8190, bytes({9, 9})));  // inside the page-rounded view: allowed
  ReadOutcome out = (*created)->read(4990, std::span<std::byte>(got.data(), 8));
  CHECK(out.complete());
  out = (*created)->read(4996, std::span<std::byte>(got.data(), 8));
  CHECK(!out.complete() && out.unreadable.size() == 1 && out.unreadable[0].address == 5000);
  CHECK((*created)->refresh().empty());
  // create with size 0 is refused.
  CreateOptions zero;
  CHECK(!create_source(unique("memview-zero"), zero));
}

void discovery_lists_created_and_directory_objects() {
  const std::string name = unique("memview-test-discover");
  CreateOptions co;
  co.size = 4096;
  Result<SourcePtr> created = create_source(name, co);
  CHECK(created);
  // Made with plain Win32 calls, not memview's: found through the object directory.
  const std::string foreign = unique("memview-test-foreign");
  HANDLE h =
      CreateFileMappingA(INVALID_HANDLE_VALUE, nullptr, PAGE_READWRITE, 0, 100, foreign.c_str());
  CHECK(h != nullptr);
  bool mine = false, theirs = false;
  std::string listed;
  for (const DiscoveredObject& o : discover_all()) {
    listed += o.spec + "(" + std::to_string(o.size) + ") ";
    if (o.name == name) mine = o.spec == "win:" + name && o.size == 4096;
    if (o.name == foreign) theirs = o.size == 4096;
  }
  CHECK_MSG(mine, listed);
  CHECK_MSG(theirs, listed);
  CloseHandle(h);
}

void fault_guard_catches_access_violations() {
  // Plain memory: page 2 inaccessible.
  auto* mem = static_cast<std::byte*>(
      VirtualAlloc(nullptr, 8192, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE));
  CHECK(mem != nullptr);
  DWORD old = 0;
  CHECK(VirtualProtect(mem + 4096, 4096, PAGE_NOACCESS, &old));
  struct Job {
    std::byte* src;
    std::byte out[8192];
  } job{mem, {}};
  std::optional<uintptr_t> fault = detail::run_guarded(
      mem, 8192,
      [](void* c) {
        auto* j = static_cast<Job*>(c);
        std::memcpy(j->out, j->src, 8192);
      },
      &job);
  CHECK(fault && *fault >= reinterpret_cast<uintptr_t>(mem + 4096) &&
        *fault < reinterpret_cast<uintptr_t>(mem + 8192));
  // The guard is reusable and a clean run reports nothing.
  fault = detail::run_guarded(
      mem, 8192,
      [](void* c) { std::memcpy(static_cast<Job*>(c)->out, static_cast<Job*>(c)->src, 4096); },
      &job);
  CHECK(!fault);
  // Many faults in a row (the handler leaves the thread in a sane state each time).
  for (int i = 0; i < 200; ++i) {
    fault = detail::run_guarded(
        mem, 8192,
        [](void* c) {
          volatile std::byte* p = static_cast<Job*>(c)->src + 5000;
          (void)*p;
        },
        &job);
    CHECK(fault.has_value());
  }
  VirtualFree(mem, 0, MEM_RELEASE);
}

void source_read_diff_write_survive_a_faulting_view() {
  const std::string name = unique("memview-test-fault");
  CreateOptions co;
  co.size = 16384;
  Result<SourcePtr> src = create_source(name, co);
  CHECK(src);
  const char* magic = "fault-test-magic";
  CHECK((*src)->write(0, std::as_bytes(std::span(magic, std::strlen(magic)))));
  std::byte* view = find_view(nullptr, magic);
  CHECK(view != nullptr);
  DWORD old = 0;
  CHECK(VirtualProtect(view + 8192, 4096, PAGE_NOACCESS, &old));
  std::vector<std::byte> buf(16384);
  ReadOutcome r = (*src)->read(0, buf);
  CHECK(!r.complete() && r.unreadable[0].address == 8192);
  CHECK(std::memcmp(buf.data(), magic, std::strlen(magic)) == 0);
  // Reads that start in the bad page are wholly unreadable; after it, fine.
  r = (*src)->read(8200, std::span<std::byte>(buf.data(), 16));
  CHECK(!r.complete() && r.unreadable[0].address == 8200);
  r = (*src)->read(12288, std::span<std::byte>(buf.data(), 16));
  CHECK(r.complete());
  // Diff: changes before the bad page are reported, the rest is unreadable.
  std::vector<std::byte> cache(12288);
  size_t reported = 0;
  r = (*src)->diff(0, cache, [&](size_t, size_t n) { reported += n; });
  CHECK(!r.complete() && r.unreadable[0].address == 8192 && reported >= std::strlen(magic) - 2);
  // A write into the bad page fails and writes nothing; around it works.
  CHECK(!(*src)->write(8190, bytes({1, 2, 3, 4})));
  std::vector<std::byte> two(2);
  CHECK((*src)->read(8190, two).complete() && two == bytes({0, 0}));
  CHECK((*src)->write(100, bytes({7})));
  CHECK(VirtualProtect(view + 8192, 4096, PAGE_READWRITE, &old));
}

void file_source_grows_and_is_renamed() {
  char tmp_dir[MAX_PATH];
  GetTempPathA(MAX_PATH, tmp_dir);
  const std::string path = std::string(tmp_dir) + unique("memview-test-file") + ".bin";
  CreateOptions co;
  co.size = 100;
  Result<SourcePtr> src = create_source("file:" + path, co);
  CHECK_MSG(src, src ? "" : src.error().message);
  CHECK((*src)->info().size == 100 && (*src)->info().size_exact);
  CHECK(!create_source("file:" + path, co));  // exclusive
  CHECK((*src)->write(99, bytes({0x5a})));
  // Another writer extends the file: refresh reports it and the new bytes are readable.
  HANDLE f = CreateFileA(path.c_str(), GENERIC_READ | GENERIC_WRITE,
                         FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                         OPEN_EXISTING, 0, nullptr);
  CHECK(f != INVALID_HANDLE_VALUE);
  SetFilePointer(f, 0, nullptr, FILE_END);
  DWORD written = 0;
  const char more[5] = {'m', 'o', 'r', 'e', '!'};
  CHECK(WriteFile(f, more, 5, &written, nullptr) && written == 5);
  CloseHandle(f);
  std::vector<SourceEvent> ev = (*src)->refresh();
  CHECK(ev.size() == 1 && ev[0].kind == SourceEvent::Kind::resized && ev[0].new_size == 105);
  std::vector<std::byte> got(6);
  CHECK((*src)->read(99, got).complete());
  CHECK(got == bytes({0x5a, 'm', 'o', 'r', 'e', '!'}));
  // Renamed away (wine defers a DeleteFile of an open file to its last close, so the name
  // is moved instead): reported once as removed; the view stays readable.
  const std::string moved = path + ".moved";
  CHECK(MoveFileA(path.c_str(), moved.c_str()));
  ev = (*src)->refresh();
  CHECK_MSG(ev.size() == 1 && ev[0].kind == SourceEvent::Kind::removed,
            std::to_string(ev.size()) + (ev.empty() ? "" : " " + ev[0].message));
  CHECK((*src)->refresh().empty());
  CHECK((*src)->read(99, got).complete());
  CHECK((*src)->write(0, bytes({1})));  // still the same (renamed) file
  src = Result<SourcePtr>(make_error(Errc::io, "closed"));
  // memview never deletes files: remove refuses, the file stays.
  Status refused = remove_source("file:" + moved);
  CHECK(!refused && refused.error().code == Errc::unsupported);
  CHECK(GetFileAttributesA(moved.c_str()) != INVALID_FILE_ATTRIBUTES);
  CHECK(DeleteFileA(moved.c_str()));
}

void file_shared_without_write_falls_back_to_read_only() {
  char tmp_dir[MAX_PATH];
  GetTempPathA(MAX_PATH, tmp_dir);
  const std::string path = std::string(tmp_dir) + unique("memview-test-share") + ".bin";
  // Another holder that lets others read but not write.
  HANDLE f = CreateFileA(path.c_str(), GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ, nullptr,
                         CREATE_ALWAYS, 0, nullptr);
  CHECK(f != INVALID_HANDLE_VALUE);
  DWORD written = 0;
  CHECK(WriteFile(f, "shared read", 11, &written, nullptr));
  Result<SourcePtr> src = open_source("file:" + path);
  CHECK_MSG(src, src ? "" : src.error().message);
  CHECK(!(*src)->info().writable);
  CHECK_MSG((*src)->info().read_only_reason.find("does not share write") != std::string::npos,
            (*src)->info().read_only_reason);
  std::vector<std::byte> got(6);
  CHECK((*src)->read(0, got).complete() && std::memcmp(got.data(), "shared", 6) == 0);
  Status w = (*src)->write(0, bytes({1}));
  CHECK(!w && w.error().code == Errc::permission);
  src = Result<SourcePtr>(make_error(Errc::io, "closed"));
  CloseHandle(f);
  DeleteFileA(path.c_str());
}

void read_only_file_falls_back_with_reason() {
  char tmp_dir[MAX_PATH];
  GetTempPathA(MAX_PATH, tmp_dir);
  const std::string path = std::string(tmp_dir) + unique("memview-test-ro") + ".bin";
  HANDLE f = CreateFileA(path.c_str(), GENERIC_WRITE, 0, nullptr, CREATE_ALWAYS, 0, nullptr);
  CHECK(f != INVALID_HANDLE_VALUE);
  DWORD written = 0;
  CHECK(WriteFile(f, "read only", 9, &written, nullptr));
  CloseHandle(f);
  CHECK(SetFileAttributesA(path.c_str(), FILE_ATTRIBUTE_READONLY));
  // Wine running as root opens such a file for writing anyway (the attribute becomes Unix
  // permission bits, which root ignores); Windows refuses it.
  HANDLE probe = CreateFileA(path.c_str(), GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE,
                             nullptr, OPEN_EXISTING, 0, nullptr);
  if (probe != INVALID_HANDLE_VALUE) {
    CloseHandle(probe);
    SetFileAttributesA(path.c_str(), FILE_ATTRIBUTE_NORMAL);
    DeleteFileA(path.c_str());
    throw Skip{"this system opens a read-only file for writing (wine as root)"};
  }
  Result<SourcePtr> src = open_source("file:" + path);
  CHECK_MSG(src, src ? "" : src.error().message);
  CHECK(!(*src)->info().writable);
  CHECK_MSG((*src)->info().read_only_reason.find("read-only") != std::string::npos,
            (*src)->info().read_only_reason);
  Status w = (*src)->write(0, bytes({1}));
  CHECK(!w && w.error().code == Errc::permission);
  src = Result<SourcePtr>(make_error(Errc::io, "closed"));
  SetFileAttributesA(path.c_str(), FILE_ATTRIBUTE_NORMAL);
  DeleteFileA(path.c_str());
}

void pid_source_reads_and_writes_process_memory() {
  // This process's own memory through pid:, as another process would see it.
  auto* mem = static_cast<std::byte*>(
      VirtualAlloc(nullptr, 8192, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE));
  CHECK(mem != nullptr);
  std::memcpy(mem, "process memory!", 16);
  DWORD old = 0;
  CHECK(VirtualProtect(mem + 4096, 4096, PAGE_NOACCESS, &old));
  const std::string spec = "pid:" + std::to_string(GetCurrentProcessId()) + "@" +
                           std::to_string(reinterpret_cast<uintptr_t>(mem)) + "+8192";
  Result<SourcePtr> src = open_source(spec);
  CHECK_MSG(src, src ? "" : src.error().message);
  CHECK((*src)->info().kind == "pid" && (*src)->info().writable &&
        (*src)->info().base == reinterpret_cast<uintptr_t>(mem) && (*src)->info().size == 8192);
  const uint64_t base = (*src)->info().base;
  std::vector<std::byte> got(8192);
  ReadOutcome r = (*src)->read(base, got);
  CHECK(std::memcmp(got.data(), "process memory!", 16) == 0);
  CHECK(r.unreadable.size() == 1 && r.unreadable[0].address == base + 4096 &&
        r.unreadable[0].length == 4096);
  CHECK((*src)->write(base + 8, bytes({'M', 'E', 'M'})));
  CHECK(std::memcmp(mem, "process MEMory!", 16) == 0);
  // A write that touches the inaccessible page writes nothing.
  CHECK(!(*src)->write(base + 4094, bytes({1, 2, 3, 4})));
  CHECK(mem[4094] == std::byte{0} && mem[4095] == std::byte{0});
  CHECK(!(*src)->write(base + 8192, bytes({1})));  // outside the range
  CHECK((*src)->refresh().empty());
  // The whole address space, and a region by address.
  Result<SourcePtr> whole = open_source("pid:" + std::to_string(GetCurrentProcessId()));
  CHECK(whole && (*whole)->info().base == 0 && (*whole)->info().size == (uint64_t{1} << 47));
  std::vector<std::byte> eight(8);
  CHECK((*whole)->read(reinterpret_cast<uintptr_t>(mem), eight).complete());
  CHECK(!(*whole)->read(0, eight).complete());  // page 0 is never mapped
  Result<SourcePtr> region = open_source("pid:" + std::to_string(GetCurrentProcessId()) + ":" +
                                         std::to_string(reinterpret_cast<uintptr_t>(mem)));
  CHECK_MSG(region, region ? "" : region.error().message);
  CHECK((*region)->info().base == reinterpret_cast<uintptr_t>(mem));
  VirtualFree(mem, 0, MEM_RELEASE);
  // Errors.
  Result<SourcePtr> none = open_source("pid:4000000000");
  CHECK_MSG(!none && none.error().code == Errc::not_found, none ? "opened" : none.error().message);
  CHECK(!parse_source_spec("pid:12x"));
  CHECK(!parse_source_spec("pid:0"));
  // A process that exits is reported once.
  STARTUPINFOA si{};
  si.cb = sizeof(si);
  PROCESS_INFORMATION pi{};
  char cmd[] = "cmd.exe /c exit 3";
  CHECK(CreateProcessA(nullptr, cmd, nullptr, nullptr, FALSE, CREATE_SUSPENDED, nullptr, nullptr,
                       &si, &pi));
  Result<SourcePtr> child = open_source("pid:" + std::to_string(pi.dwProcessId));
  CHECK_MSG(child, child ? "" : child.error().message);
  CHECK((*child)->refresh().empty());
  ResumeThread(pi.hThread);
  WaitForSingleObject(pi.hProcess, 20000);
  std::vector<SourceEvent> ev = (*child)->refresh();
  CHECK(ev.size() == 1 && ev[0].kind == SourceEvent::Kind::exited &&
        ev[0].message.find("code 3") != std::string::npos);
  CHECK((*child)->refresh().empty());
  CloseHandle(pi.hThread);
  CloseHandle(pi.hProcess);
}

}  // namespace

int main() {
  const std::vector<std::pair<const char*, std::function<void()>>> tests = {
      {"spec_parsing", spec_parsing},
      {"errors_match_linux_categories", errors_match_linux_categories},
      {"create_open_sizes", create_open_sizes},
      {"discovery_lists_created_and_directory_objects",
       discovery_lists_created_and_directory_objects},
      {"fault_guard_catches_access_violations", fault_guard_catches_access_violations},
      {"source_read_diff_write_survive_a_faulting_view",
       source_read_diff_write_survive_a_faulting_view},
      {"file_source_grows_and_is_renamed", file_source_grows_and_is_renamed},
      {"file_shared_without_write_falls_back_to_read_only",
       file_shared_without_write_falls_back_to_read_only},
      {"read_only_file_falls_back_with_reason", read_only_file_falls_back_with_reason},
      {"pid_source_reads_and_writes_process_memory", pid_source_reads_and_writes_process_memory},
  };
  int failed = 0;
  for (const auto& [name, fn] : tests) {
    try {
      fn();
      std::printf("PASS %s\n", name);
    } catch (const Failure& f) {
      ++failed;
      std::printf("FAIL %s: %s\n", name, f.what.c_str());
    } catch (const Skip& s) {
      std::printf("SKIP %s: %s\n", name, s.why.c_str());
    }
    std::fflush(stdout);
  }
  return failed == 0 ? 0 : 1;
}
