// The pid: source's direct path to another process's shared mappings: each MAP_SHARED
// mapping of a regular file or shared memory object (POSIX shm, System V, memfd, shared
// anonymous memory) is mapped into this process too, through /proc/PID/map_files, so
// that reading it is a memcpy, a naturally aligned 1/2/4/8-byte write is one store, and
// compare-and-swap is truly atomic against the other process. Private memory (heap,
// stack, globals) cannot be shared this way and goes through process_vm_readv.
//
// Opening map_files needs CAP_SYS_ADMIN; without it nothing is mapped and every access
// takes the syscall path. Device mappings are never mapped (their mmap has side effects).
//
// Thread-safety: one thread, like the Source that owns it.
#pragma once

#if defined(__linux__)

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "guarded_view.h"
#include "memview/process_maps.h"
#include "memview/result.h"

namespace memview::detail {

class ProcessSharedMaps {
 public:
  struct Entry {
    uint64_t start = 0;  // the target's mapping [start, end)
    uint64_t end = 0;
    uint64_t offset = 0;  // identity: file offset, device, inode
    std::string device;
    uint64_t inode = 0;
    std::byte* local = nullptr;  // our mapping of the same pages
    bool writable = false;
  };

  ProcessSharedMaps(pid_t pid, bool writable) : pid_(pid), writable_(writable) {}
  ~ProcessSharedMaps();
  ProcessSharedMaps(const ProcessSharedMaps&) = delete;
  ProcessSharedMaps& operator=(const ProcessSharedMaps&) = delete;

  // Brings the mappings in step with a fresh read of /proc/PID/maps: unmaps those whose
  // region is gone or now maps something else, maps new eligible ones.
  void sync(const std::vector<MapRegion>& maps);

  // The entry containing address, or nullptr.
  const Entry* find(uint64_t address) const;
  // Start of the first entry above address (~0 when none): where a syscall read should
  // stop so that the direct path takes over.
  uint64_t next_start(uint64_t address) const;

  // Copies [address, address + n) of one entry. False when the pages fault (the object
  // was truncated): the caller falls back to the syscall path, which reports precisely.
  bool load(const Entry& e, uint64_t address, std::byte* out, size_t n) const;
  // Source::diff on [address, address + n) of one entry in one fused pass (mem_ops'
  // diff_into). False on a fault: every byte already copied into cache was reported to
  // sink; the caller redoes the rest through the syscall path.
  bool diff(const Entry& e, uint64_t address, std::byte* cache, size_t n,
            const std::function<void(size_t, size_t)>& sink) const;
  // One store for a naturally aligned 1/2/4/8-byte value. Errc::removed on a fault.
  Status store(const Entry& e, uint64_t address, const std::byte* data, size_t n) const;
  Result<bool> compare_exchange(const Entry& e, uint64_t address, unsigned width,
                                uint64_t& expected, uint64_t desired) const;

  size_t size() const { return entries_.size(); }

 private:
  using Sink = std::function<void(size_t, size_t)>;
  static GuardedView view(const Entry& e) { return {e.local, e.end - e.start}; }
  std::optional<Entry> map_region(const MapRegion& r);
  void unmap(Entry& e);

  pid_t pid_;
  bool writable_;
  bool refused_ = false;        // map_files is not open to us: stop trying
  std::vector<Entry> entries_;  // sorted by start
};

}  // namespace memview::detail

#endif
