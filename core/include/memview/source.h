// The one interface every kind of memory source implements (POSIX shm, mapped file,
// System V segment, process memory, remote gdb stub, Win32 named mapping).
//
// Addresses: a source exposes the byte range [info().base, info().base + info().size).
// For shared memory and files base is 0, so addresses are offsets into the object; for
// process memory they are the process's virtual addresses.
//
// Thread-safety: a Source is used by one thread at a time (the poller/editor thread).
// Different Source objects are independent.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "memview/result.h"

namespace memview {

struct ByteRange {
  uint64_t address = 0;
  uint64_t length = 0;
  uint64_t end() const { return address + length; }
  bool operator==(const ByteRange&) const = default;
};

struct SourceInfo {
  std::string spec;              // canonical spec, e.g. "shm:/name", "file:/tmp/x", "sysv:42"
  std::string kind;              // scheme of the backend: "shm", "file", "sysv", "pid", ...
  std::string name;              // short display name
  uint64_t base = 0;             // address of the first byte
  uint64_t size = 0;             // current size in bytes (as of the last refresh())
  bool size_exact = true;        // false where the OS only reports a page-rounded size
  bool writable = false;         // false: read-only, see read_only_reason
  std::string read_only_reason;  // why writing is not possible (empty when writable)
  // What the source is waiting for when its bytes lag behind (a source whose I/O runs on a
  // worker: "connecting...", "waiting for ... to answer"); empty while reads are current.
  std::string status;
};

// A change in the source itself, found by refresh().
struct SourceEvent {
  enum class Kind {
    resized,       // size changed: old_size -> new_size
    removed,       // the name is gone (unlinked/IPC_RMID); the mapping may still be readable
    exited,        // the process behind a pid: source ended
    disconnected,  // a remote link dropped
  };
  Kind kind = Kind::resized;
  uint64_t old_size = 0;
  uint64_t new_size = 0;
  std::string message;  // human-readable description
};

const char* event_kind_name(SourceEvent::Kind k);

// Outcome of a read: which parts of the requested range could not be read. Unreadable
// bytes in the output buffer are left as they were (callers must not show them as data).
struct ReadOutcome {
  std::vector<ByteRange> unreadable;  // sorted, non-overlapping, within the request
  std::string message;                // why (first reason), empty when all was read
  bool complete() const { return unreadable.empty(); }
};

// Receives runs of bytes whose value differs from a cached copy, during Source::diff().
// `index` is relative to the start of the diffed range.
using DiffSink = std::function<void(size_t index, size_t length)>;

// One piece of a gathered read: out.size() bytes from `address` into `out`.
struct ReadPiece {
  uint64_t address = 0;
  std::span<std::byte> out;
};

class EditQueue;  // editor.h

class Source {
 public:
  virtual ~Source() = default;
  Source() = default;
  Source(const Source&) = delete;
  Source& operator=(const Source&) = delete;

  virtual const SourceInfo& info() const = 0;

  // Copies [address, address + out.size()) into out. Never faults: bytes past the end of
  // a mapping that shrank, holes in a process, a dropped link are reported as unreadable.
  virtual ReadOutcome read(uint64_t address, std::span<std::byte> out) = 0;

  // Reads several pieces at once: outcome k is what read(pieces[k]) would return. For many
  // small ranges (a process's small mappings) a backend can batch them into one request
  // (pid: one process_vm_readv for up to IOV_MAX pieces); the default reads each in turn.
  virtual std::vector<ReadOutcome> read_pieces(std::span<const ReadPiece> pieces);

  // Compares [address, address + cache.size()) with `cache`, copies the bytes that differ
  // into `cache` and reports each differing run to `sink` (in ascending order). Bytes that
  // cannot be read are reported as unreadable and left untouched in cache. The default
  // reads into a scratch buffer and compares; mapped backends fuse the two in one pass.
  virtual ReadOutcome diff(uint64_t address, std::span<std::byte> cache, const DiffSink& sink);

  // Writes exactly `data` at address and nothing else. A naturally aligned 1/2/4/8-byte
  // write is one single store. Fails without writing anything when the range is not
  // entirely inside the source, the source is read-only, or the object is gone.
  virtual Status write(uint64_t address, std::span<const std::byte> data) = 0;

  // Atomically replaces the naturally aligned `width`-byte (1/2/4/8) little-endian-in-
  // memory value at address with `desired` if it equals `expected`. Returns whether it
  // swapped; on a failed swap `expected` receives the current value. Used for read-modify-
  // write of bitfields so a concurrent writer's neighbouring bits are not lost.
  virtual Result<bool> compare_exchange(uint64_t address, unsigned width, uint64_t& expected,
                                        uint64_t desired);

  // Re-checks the object: size changes and removal. Called once per poll; cheap (a few
  // syscalls, independent of the size). Updates info() and may remap internally.
  virtual std::vector<SourceEvent> refresh() = 0;

  // A source whose I/O runs on a worker (AsyncSource) runs edits there as well: the Editor
  // hands them to this queue instead of writing in place. nullptr (the default): writes
  // happen in place, on the caller's thread.
  virtual EditQueue* edit_queue() { return nullptr; }
};

using SourcePtr = std::unique_ptr<Source>;

// Helpers shared by backends.
// Clamps a request to [base, base+size); returns the unreadable parts outside it.
ReadOutcome outside_range(const SourceInfo& info, uint64_t address, uint64_t length);
// Error for a write that does not fit inside the source, or nullopt-like ok when it fits.
Status check_write_range(const SourceInfo& info, uint64_t address, uint64_t length);

}  // namespace memview
