// Addresses of a live process to module, function and file:line (elfutils libdwfl).
#if defined(__linux__)

#include "who/symbolizer.h"

#if defined(MEMVIEW_HAVE_ELFUTILS)
#include <cxxabi.h>
#include <elfutils/libdwfl.h>

#include <cstdlib>
#endif

#include "memview/clock.h"

namespace memview::detail {

#if defined(MEMVIEW_HAVE_ELFUTILS)
namespace {

// The standard callbacks: ELF files by the paths in /proc/PID/maps (or from the process's
// memory for the vDSO and deleted files), debug information next to them or in
// /usr/lib/debug (build-id, .gnu_debuglink).
const Dwfl_Callbacks kCallbacks = {
    dwfl_linux_proc_find_elf,
    dwfl_standard_find_debuginfo,
    nullptr,
    nullptr,
};

constexpr int64_t kRereportNs = 500'000'000;

std::string demangle(const char* name) {
  if (name == nullptr) return {};
  if (name[0] == '_' && name[1] == 'Z') {
    int status = 0;
    char* out = abi::__cxa_demangle(name, nullptr, nullptr, &status);
    if (status == 0 && out != nullptr) {
      std::string s(out);
      std::free(out);
      return s;
    }
    std::free(out);
  }
  return name;
}

}  // namespace

struct Symbolizer::Process {
  Dwfl* dwfl = nullptr;
  int64_t reported_ns = 0;
  std::unordered_map<uint64_t, CodeLocation> cache;

  ~Process() {
    if (dwfl != nullptr) dwfl_end(dwfl);
  }

  void report(pid_t pid) {
    reported_ns = now_ns();
    if (dwfl == nullptr) dwfl = dwfl_begin(&kCallbacks);
    if (dwfl == nullptr) return;
    dwfl_report_begin(dwfl);
    dwfl_linux_proc_report(dwfl, pid);
    dwfl_report_end(dwfl, nullptr, nullptr);
  }

  CodeLocation lookup(pid_t pid, uint64_t address) {
    CodeLocation loc;
    if (dwfl == nullptr) return loc;
    Dwfl_Module* mod = dwfl_addrmodule(dwfl, address);
    if (mod == nullptr && now_ns() - reported_ns > kRereportNs) {
      report(pid);  // a module loaded since (dlopen)
      mod = dwfl == nullptr ? nullptr : dwfl_addrmodule(dwfl, address);
    }
    if (mod == nullptr) return loc;
    const char* mainfile = nullptr;
    const char* name =
        dwfl_module_info(mod, nullptr, nullptr, nullptr, nullptr, nullptr, &mainfile, nullptr);
    loc.module = name != nullptr ? name : (mainfile != nullptr ? mainfile : "");
    GElf_Off offset = 0;
    GElf_Sym sym{};
    const char* fn = dwfl_module_addrinfo(mod, address, &offset, &sym, nullptr, nullptr, nullptr);
    if (fn != nullptr) {
      loc.function = demangle(fn);
      loc.function_offset = offset;
    }
    if (Dwfl_Line* line = dwfl_module_getsrc(mod, address)) {
      int lineno = 0;
      int column = 0;
      const char* file = dwfl_lineinfo(line, nullptr, &lineno, &column, nullptr, nullptr);
      if (file != nullptr) {
        loc.file = file;
        loc.line = lineno;
        loc.column = column;
      }
    }
    return loc;
  }
};

Symbolizer::Symbolizer() = default;
Symbolizer::~Symbolizer() = default;

const CodeLocation& Symbolizer::resolve(pid_t pid, uint64_t address) {
  std::unique_ptr<Process>& p = processes_[pid];
  if (!p) {
    p = std::make_unique<Process>();
    p->report(pid);
  }
  auto it = p->cache.find(address);
  if (it != p->cache.end()) return it->second;
  return p->cache.emplace(address, p->lookup(pid, address)).first->second;
}

void Symbolizer::forget(pid_t pid) {
  processes_.erase(pid);
}

#else

struct Symbolizer::Process {};

Symbolizer::Symbolizer() = default;
Symbolizer::~Symbolizer() = default;

const CodeLocation& Symbolizer::resolve(pid_t, uint64_t) {
  static const CodeLocation kNone;
  return kNone;
}

void Symbolizer::forget(pid_t) {}

#endif

}  // namespace memview::detail

#endif
