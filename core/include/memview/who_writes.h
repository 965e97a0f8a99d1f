// Who writes here: hardware write breakpoints on a few bytes, in every thread of every
// process that maps them, sampled without stopping anyone.
//
// How: perf_event_open(PERF_TYPE_BREAKPOINT, HW_BREAKPOINT_W) per thread and CPU, at that
// process's own address of the watched bytes (shm/file/sysv: every process that maps the
// object, found as who_maps() finds them and re-checked every second; pid: that process).
// Events are inherited by threads the watched threads create later, so a new thread is
// watched from its first instruction; /proc/PID/task is re-scanned as a safety net. Each
// write traps once: the kernel counts it (exact counts) and writes a sample (thread,
// instruction pointer, time) into a ring buffer memview drains; nobody is stopped. The
// instruction pointer is resolved to module, function and source file:line with elfutils
// (libdwfl, reading the live process's own modules). x86 data breakpoints trap after the
// store, so the sampled IP is the instruction after the store: the location shown is that
// of the byte before it, which belongs to the store itself.
//
// Everything is detached when the watch stops: breakpoints live in file descriptors the
// worker owns, so cancelling or destroying the worker closes them, and the kernel closes
// them when memview exits however it exits (SIGKILL included). Nothing is left attached.
//
// Linux only; elsewhere the worker fails with Errc::unsupported ("not available on
// Windows").
//
// Thread-safety: plan_write_watches is a pure function. start_who_writes returns a Worker
// and a Published table; both are safe to use from any thread, and reading the table never
// waits on the worker's /proc scans or ring buffers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "memview/result.h"
#include "memview/worker.h"

namespace memview {

// x86-64 has four debug address registers (DR0-DR3): at most four watches per thread.
inline constexpr unsigned kMaxWriteWatches = 4;

// One hardware watch: `length` bytes (1, 2, 4 or 8) at `address`, aligned to its length.
// The address is in the source's coordinates: an offset for shm:/file:/sysv:, a virtual
// address for pid:.
struct WriteWatch {
  uint64_t address = 0;
  unsigned length = 0;
  bool operator==(const WriteWatch&) const = default;
};

// Splits [address, address + length) into the fewest aligned 1/2/4/8-byte watches.
// Refuses (invalid_argument, with the reason) an empty range, a range that wraps, or one
// that needs more than max_watches watches.
Result<std::vector<WriteWatch>> plan_write_watches(uint64_t address, uint64_t length,
                                                   unsigned max_watches = kMaxWriteWatches);

struct WhoWritesOptions {
  std::string spec;                           // what to watch: shm:, file:, sysv:, sysvkey:, pid:
  std::vector<WriteWatch> watches;            // from plan_write_watches (1..kMaxWriteWatches)
  int64_t thread_rescan_ns = 100'000'000;     // /proc/PID/task safety net
  int64_t process_rescan_ns = 1'000'000'000;  // processes that map the object later
  int64_t publish_interval_ns = 50'000'000;   // how often the table is republished
  unsigned ring_pages = 64;  // ring buffer per CPU, in pages (power of two); halved as
                             // needed when the locked-memory limit refuses it
};

// Where a write came from: the store instruction, resolved in the writer's own modules.
struct CodeLocation {
  std::string module;    // the ELF file ("/usr/lib/x86_64-linux-gnu/libc.so.6"); empty: none
  std::string function;  // demangled symbol; empty when the module has none there
  uint64_t function_offset = 0;  // of the store instruction's last byte from the symbol
  std::string file;              // source file as DWARF names it; empty without debug information
  int line = 0;                  // 0: no line information
  int column = 0;
};

// One writer: a store instruction in one thread, for one watch.
struct WriterRow {
  unsigned watch = 0;  // index into WhoWritesTable::watches
  int64_t pid = 0;
  int64_t tid = 0;
  std::string process;   // the process's command name (comm)
  std::string thread;    // the thread's name, read again while it writes (renames show)
  uint64_t ip = 0;       // sampled instruction pointer: the instruction after the store
  CodeLocation where;    // of the store itself
  uint64_t count = 0;    // writes sampled from here (exact unless the table reports lost)
  int64_t first_ns = 0;  // memview::now_ns() time base
  int64_t last_ns = 0;
  // The watched bytes as read right after this row's last hit was processed (a writer
  // that wrote again meanwhile shows its newer value); empty when unreadable.
  std::vector<std::byte> value;
};

struct WatchAddress {
  unsigned watch = 0;
  uint64_t address = 0;  // the process's own virtual address of the watched bytes
  bool operator==(const WatchAddress&) const = default;
};

struct AttachedProcess {
  int64_t pid = 0;
  std::string command;
  std::vector<WatchAddress> addresses;
  size_t threads = 0;  // live threads carrying the breakpoints
  uint64_t hits = 0;   // writes the kernel counted in this process (exact, all watches)
  bool exited = false;
  bool detached = false;  // unmapped the object (or exited): its breakpoints are closed
  std::string error;      // why it is not (fully) watched
};

enum class WhoWritesPhase {
  attaching,  // resolving processes and opening breakpoints
  watching,   // breakpoints open, samples flowing
  stopped,    // everything closed
};

const char* who_writes_phase_name(WhoWritesPhase p);

struct WhoWritesTable {
  std::string spec;
  std::vector<WriteWatch> watches;
  WhoWritesPhase phase = WhoWritesPhase::attaching;
  std::vector<AttachedProcess> processes;  // by pid
  std::vector<WriterRow> rows;             // most writes first
  uint64_t hits = 0;     // exact: the kernel's counters over every process and watch
  uint64_t samples = 0;  // hits attributed to rows
  // Hits with no sample (ring buffer full, or throttled): in hits, not rows. Once the
  // phase is stopped, hits == samples + lost exactly.
  uint64_t lost = 0;
  std::vector<std::string> notes;  // what could not be watched, and why
  std::string values_note;         // why values are not shown, when they are not
  int64_t started_ns = 0;
  int64_t updated_ns = 0;

  // Processes currently carrying breakpoints.
  size_t attached_count() const;
};

struct WhoWritesJob {
  std::unique_ptr<Worker> worker;
  std::shared_ptr<Published<WhoWritesTable>> table;
};

// Starts watching on a worker. The job resolves the processes, opens the breakpoints and
// publishes the table (phase watching) every publish_interval_ns while anything changed.
// When no breakpoint can be opened at all, the worker fails with an error that explains
// the fix (perf_event_paranoid, CAP_PERFMON / CAP_SYS_PTRACE, another user's process, no
// hardware breakpoints in this environment, debug registers in use). cancel() or
// destroying the worker closes every breakpoint; the last table published has phase
// stopped and the final exact counts.
WhoWritesJob start_who_writes(WhoWritesOptions options);

// Whether write breakpoints fire here: a self-test watches a word of this process and
// writes it a few times. Fails (unsupported, saying so) when the breakpoint opens but counts
// none of the writes: the CPU or its hypervisor does not deliver debug exceptions, as on
// some virtual machines, and every watch would count nothing. Ok when they fire, and also
// when the breakpoint cannot be opened at all (the watch's own attach explains that case).
// The watch runs it after attaching and fails with its error. Safe from any thread.
Status check_write_breakpoints_fire();

}  // namespace memview
