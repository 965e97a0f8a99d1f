// Who maps this: the processes that have a shared memory object, a mapped file or a System
// V segment mapped, found by the object's identity in every /proc/PID/maps (device and
// inode for shm objects and files; the segment id for System V, whose /SYSVKEY lines carry
// the id as their inode). For a pid: spec, the process itself, plus every other process
// that maps the same object when the range lies in a shared mapping.
//
// Each process comes with what /proc tells about it (pid, command line, user), where the
// object is mapped in it (address ranges, permissions, offset into the object) and whether
// this user can open those bytes as pid:PID@ADDR+LEN. Processes whose memory map this user
// may not read (another user's, without CAP_SYS_PTRACE) are listed apart, with what is
// known of them and why no more can be.
//
// Linux only; elsewhere who_maps() returns Errc::unsupported ("not available on Windows").
// Scanning reads every /proc/PID/maps: it takes milliseconds to tens of milliseconds, so
// front ends call it from a worker, never from the frame.
//
// Thread-safety: free functions without shared state; callable from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "memview/result.h"
#include "memview/worker.h"

namespace memview {

// The object as /proc/PID/maps identifies it.
struct MappedObject {
  std::string spec;        // canonical spec asked about ("shm:/name", "file:/p", "sysv:7")
  std::string path;        // what maps lines show: "/dev/shm/name", "/p", "/SYSV0000abcd"
  uint32_t dev_major = 0;  // device of the inode (as maps prints it)
  uint32_t dev_minor = 0;
  uint64_t inode = 0;      // the inode; for System V the segment id
  bool sysv = false;       // a System V segment (matched by path prefix + id)
  bool anonymous = false;  // private memory of one process (pid: outside shared mappings)
  // System V only: attaches the kernel counts (shm_nattch); more than the mappings found
  // means some attaching processes could not be inspected.
  std::optional<uint64_t> attach_count;
};

// One mapping of the object in a process.
struct ObjectMapping {
  uint64_t start = 0;  // the process's virtual addresses [start, end)
  uint64_t end = 0;
  uint64_t object_offset = 0;  // offset into the object of `start`
  std::string perms;           // "rw-s"
  bool write = false;

  uint64_t size() const { return end - start; }
  // The address in this process of object offset `offset`, if this mapping covers it.
  std::optional<uint64_t> address_of(uint64_t offset) const;
  // "pid:PID@0xSTART+0xSIZE": the same bytes opened through the process.
  std::string spec(int64_t pid) const;
};

struct MappingProcess {
  int64_t pid = 0;
  std::string command;  // /proc/PID/cmdline, arguments joined by spaces ("[comm]" if empty)
  uint32_t uid = 0;     // effective uid
  std::string user;     // its name, or the uid as text
  bool self = false;    // this memview process
  std::vector<ObjectMapping> mappings;  // in address order
  // Whether this user can read the process's memory (pid:PID@... opens): probed with a
  // one-byte process_vm_readv. When not, cannot_open says why and how to fix it.
  bool can_open = false;
  std::string cannot_open;
};

// A process whose memory map this user may not read: what /proc still shows.
struct UninspectedProcess {
  int64_t pid = 0;
  std::string command;
  uint32_t uid = 0;
  std::string user;
  std::string reason;  // why its maps cannot be read
};

struct WhoMaps {
  MappedObject object;
  // pid: specs only: the offset into the object of the range's first byte (the same byte
  // in every other process is at mapping.address_of(offset)).
  std::optional<uint64_t> pid_offset;
  std::vector<MappingProcess> processes;        // by pid
  std::vector<UninspectedProcess> uninspected;  // by pid
  // One line on the uninspected processes for people ("12 processes of other users (root:
  // 11, messagebus: 1) could not be inspected: ..."), empty when there are none.
  std::string uninspected_summary() const;
};

// Scans /proc for the processes mapping the object `spec` names. Errors: a malformed spec,
// an object that does not exist (not_found), a kind of spec that has no mappings (gdb:),
// unsupported on Windows.
Result<WhoMaps> who_maps(std::string_view spec);

// Whether who_maps() (and who-writes) can look up specs of this scheme: shared memory
// objects, mapped files, System V segments and processes on Linux; nothing elsewhere.
bool who_maps_supports(std::string_view scheme);

// who_maps() repeated on a worker, for a viewer's status bar and Attached panel: the first
// scan at once, then one every interval_ns; each result (or the scan's error) is published.
// The frame reads `latest` and never waits on /proc.
struct WhoMapsScan {
  Result<WhoMaps> result = make_error(Errc::io, "not scanned yet");
  int64_t scanned_ns = 0;  // memview::now_ns() when the scan finished
};
struct WhoMapsJob {
  std::unique_ptr<Worker> worker;
  std::shared_ptr<Published<WhoMapsScan>> latest;
};
WhoMapsJob start_who_maps_scans(std::string spec, int64_t interval_ns = 2'000'000'000);

}  // namespace memview
