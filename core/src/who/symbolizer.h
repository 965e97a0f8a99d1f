// Instruction addresses of live processes to module + function + source file:line, with
// elfutils' libdwfl reading the process's own modules (the files /proc/PID/maps names,
// their separate debug information where installed). Nothing is attached: the process
// keeps running. Results are cached per process and address, so a hot store costs one
// hash lookup after its first hit. A module loaded after the process was first reported
// (dlopen) is found by re-reporting, at most once per half second per process.
//
// Linux only; built without elfutils (MEMVIEW_HAVE_ELFUTILS unset) resolve() returns an
// empty location.
//
// Thread-safety: one Symbolizer per thread (the who-writes worker owns one).
#pragma once

#if defined(__linux__)

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <unordered_map>

#include "memview/who_writes.h"

namespace memview::detail {

class Symbolizer {
 public:
  Symbolizer();
  ~Symbolizer();
  Symbolizer(const Symbolizer&) = delete;
  Symbolizer& operator=(const Symbolizer&) = delete;

  // The code at `address` in process `pid` (for a trap-after-store IP, pass ip - 1: the
  // last byte of the store). The reference stays valid until forget(pid).
  const CodeLocation& resolve(pid_t pid, uint64_t address);
  // Drops what is cached for an exited process.
  void forget(pid_t pid);

 private:
  struct Process;
  std::unordered_map<pid_t, std::unique_ptr<Process>> processes_;
};

}  // namespace memview::detail

#endif
