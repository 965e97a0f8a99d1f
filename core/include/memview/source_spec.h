// One syntax for "what to open", shared by every front end:
//   NAME | shm:NAME        POSIX shared memory ("name" and "/name" are the same object)
//   file:PATH              a memory-mapped regular file
//   sysv:ID | sysvkey:KEY  System V shared memory segment by id or by key (decimal or 0x)
//   pid:PID, gdb:HOST:PORT, win:NAME   added by their backends
//
// Each kind of source is one backend file that registers a SourceBackend with
// MEMVIEW_REGISTER_SOURCE; callers only ever go through the functions below.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "memview/discovery.h"
#include "memview/result.h"
#include "memview/source.h"

namespace memview {

struct SourceSpec {
  std::string scheme;  // registered backend scheme, e.g. "shm"
  std::string target;  // the part after "scheme:" (normalised by the backend's parser)
  std::string text() const { return scheme + ":" + target; }
};

struct OpenOptions {
  bool read_only = false;  // user asked for read-only; otherwise read-write with fallback
};

struct CreateOptions {
  uint64_t size = 0;
  uint32_t mode = 0600;
  bool exclusive = true;  // fail if it already exists (never clobber someone's object)
};

struct SourceBackend {
  const char* scheme = "";       // "shm"
  const char* syntax = "";       // "shm:NAME" (for help texts)
  const char* description = "";  // one line
  // Higher wins for a bare spec without "scheme:" (the platform's native named mapping).
  int bare_name_priority = -1;
  // open(), read() and write() may wait long on something outside this machine (a network
  // link, a debug probe): front ends with a frame loop run this backend's I/O on a worker
  // (open_source_nonblocking in async_source.h) and never call it from the frame.
  bool blocking_io = false;
  // Validates and normalises the target; returns the canonical target or an error.
  Result<std::string> (*parse)(std::string_view target) = nullptr;
  Result<SourcePtr> (*open)(const SourceSpec& spec, const OpenOptions& options) = nullptr;
  // For blocking_io backends: what open() would report in info(), worked out from the spec
  // alone without any I/O (shown until the open on the worker finishes). nullptr: spec,
  // kind and name from the spec, base and size 0.
  SourceInfo (*describe)(const SourceSpec& spec, const OpenOptions& options) = nullptr;
  // Optional operations; nullptr means unsupported for this kind.
  Result<SourcePtr> (*create)(const SourceSpec& spec, const CreateOptions& options) = nullptr;
  Status (*remove)(const SourceSpec& spec) = nullptr;
  std::vector<DiscoveredObject> (*discover)() = nullptr;
};

// What a spec is for: opening, or the optional create/remove operations.
enum class SpecUse { open, create, remove };

// The spec syntaxes of the registered backends that support `use`, for help and error
// texts: "NAME" and the syntax of the backend a bare name means first, then the others in
// registration order ("NAME, shm:NAME, file:PATH, gdb:HOST:PORT[...], pid:PID[...], ...").
std::string source_spec_syntax(SpecUse use = SpecUse::open, std::string_view separator = ", ");

// The same text for the openable backends whose scheme `accept` takes: the help of a
// front end that handles only some kinds of source (who, who-writes).
std::string source_spec_syntax(bool (*accept)(std::string_view scheme),
                               std::string_view separator = ", ");

// Registration (used by MEMVIEW_REGISTER_SOURCE at static-initialisation time).
bool register_source_backend(const SourceBackend& backend);
const std::vector<SourceBackend>& source_backends();
const SourceBackend* find_source_backend(std::string_view scheme);

// Parses "scheme:target" or a bare name, exactly as given (names are bytes: nothing is
// trimmed; a spec of blanks only is an error). Never throws; errors say what is wrong.
Result<SourceSpec> parse_source_spec(std::string_view text);

Result<SourcePtr> open_source(std::string_view spec, const OpenOptions& options = {});
Result<SourcePtr> open_source(const SourceSpec& spec, const OpenOptions& options = {});
Result<SourcePtr> create_source(std::string_view spec, const CreateOptions& options);
Status remove_source(std::string_view spec);

}  // namespace memview

#define MEMVIEW_CONCAT_INNER(a, b) a##b
#define MEMVIEW_CONCAT(a, b) MEMVIEW_CONCAT_INNER(a, b)
// Registers a backend from its own .cpp file. memview_core is linked whole-archive so the
// registration is never dropped by the linker.
#define MEMVIEW_REGISTER_SOURCE(backend_expr)                                 \
  namespace {                                                                 \
  [[maybe_unused]] const bool MEMVIEW_CONCAT(memview_registered_, __LINE__) = \
      ::memview::register_source_backend(backend_expr);                       \
  }
