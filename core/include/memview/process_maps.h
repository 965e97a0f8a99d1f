// The memory map of a Linux process (/proc/PID/maps) and the reasons the OS may refuse
// access to another process's memory, for the pid: source and its front ends.
//
// Thread-safety: free functions without shared state; callable from any thread.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "memview/result.h"

namespace memview {

struct MapRegion {
  uint64_t start = 0;  // first address
  uint64_t end = 0;    // one past the last address
  bool read = false;
  bool write = false;
  bool exec = false;
  bool shared = false;  // 's' (MAP_SHARED) rather than 'p' (private, copy-on-write)
  uint64_t offset = 0;  // offset into the mapped file
  std::string device;   // "fe:00"
  uint64_t inode = 0;
  std::string path;  // file path, "[heap]", "[stack]", "[vdso]", ... or empty (anonymous)

  uint64_t size() const { return end - start; }
  std::string perms() const;  // "rw-p"
  bool is_heap() const { return path == "[heap]"; }
  bool is_stack() const;    // "[stack]" and the old per-thread "[stack:TID]"
  bool is_deleted() const;  // the file was unlinked (" (deleted)" suffix)
  // A short tag for listings: "heap", "stack", "vdso", "vvar", "vsyscall", "shm" (a POSIX
  // or System V shared memory object), "shared" (another MAP_SHARED mapping), "file",
  // "anon".
  std::string kind() const;
  // The memview spec that opens the mapped object itself when it is one of memview's
  // named objects: "shm:/NAME" for /dev/shm/NAME, "sysvkey:0xKEY" for a System V segment
  // with a key, "file:PATH" for a shared file mapping; empty otherwise.
  std::string object_spec() const;
};

// Parses the text of /proc/PID/maps. Lines that do not parse are skipped (the format is
// the kernel's; nothing here trusts it to be well formed). Result is in file order
// (ascending addresses).
std::vector<MapRegion> parse_proc_maps(std::string_view text);

// Reads /proc/PID/maps. Errc::not_found when the process does not exist, Errc::permission
// (with an explanation, see explain_access_denied) when the OS refuses.
Result<std::vector<MapRegion>> read_process_maps(pid_t pid);

// The region containing `address`, or the first region after it (nullptr when none):
// `regions` must be sorted by address (as parse_proc_maps returns them).
const MapRegion* region_at_or_after(const std::vector<MapRegion>& regions, uint64_t address);

// One sentence explaining why this process may not read or write `pid`'s memory and how to
// fix it: another user's process, Yama's ptrace_scope (with its current value and the
// sysctl to change it), a non-dumpable (e.g. setuid) process, missing CAP_SYS_PTRACE.
std::string explain_access_denied(pid_t pid);

// Yama's /proc/sys/kernel/yama/ptrace_scope, or nullopt when Yama is not enabled.
std::optional<int> yama_ptrace_scope();

// The top of the user address space of `pid` as seen from its mappings: 2^47 on x86-64
// with 4-level page tables (2^56 with 5-level, 2^48 on arm64/riscv64 Sv48) — the smallest
// of those covering every mapping except [vsyscall], which lives in kernel space.
uint64_t user_address_space_top(const std::vector<MapRegion>& regions);

}  // namespace memview
