// Loads libclang with dlopen on first use and resolves the functions the layout engine calls.
#if MEMVIEW_HAVE_LIBCLANG

#include "layout/libclang_loader.h"

#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <type_traits>
#include <vector>

#include <fmt/format.h>

namespace memview::layout_detail {

namespace {

struct Loaded {
  LibClang table;
  Result<const LibClang*> result = Error{};
};

std::vector<std::string> candidates() {
  if (const char* env = std::getenv("MEMVIEW_LIBCLANG"); env && *env) return {env};
  std::vector<std::string> out;
#ifdef MEMVIEW_LIBCLANG_PATH
  out.push_back(MEMVIEW_LIBCLANG_PATH);
#endif
  for (const char* name : {"libclang-14.so.13", "libclang-14.so.1", "libclang.so"}) {
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
  }
  return out;
}

Result<const LibClang*> load(LibClang& table) {
  // LLVM's crash recovery would take over SIGBUS/SIGSEGV process-wide and, for a fault
  // outside libclang, uninstall itself and re-raise without the fault address, which
  // defeats the sources' guarded reads of shrinking mappings (core/src/fault_guard).
  // Reading memory safely matters more here than surviving a libclang bug. libclang reads
  // this variable in clang_createIndex; it is set before the library is even loaded.
  if (::setenv("LIBCLANG_DISABLE_CRASH_RECOVERY", "1", 1) != 0)
    return make_error(Errc::io,
                      "struct layouts need libclang: cannot set "
                      "LIBCLANG_DISABLE_CRASH_RECOVERY in the environment");

  const std::vector<std::string> names = candidates();
  void* handle = nullptr;
  std::string loaded_name, first_error;
  for (const std::string& name : names) {
    handle = ::dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle) {
      loaded_name = name;
      break;
    }
    // The first candidate is the one that should have worked: its reason is the useful one.
    if (first_error.empty()) {
      const char* why = ::dlerror();
      first_error = why ? why : "unknown dlopen error";
      // glibc says "<path>: <reason>": the message already names the path.
      if (first_error.rfind(name + ": ", 0) == 0) first_error.erase(0, name.size() + 2);
    }
  }
  if (!handle) {
    std::string msg =
        fmt::format("struct layouts need libclang: cannot load {}: {}", names.front(), first_error);
    if (names.size() > 1) {
      msg += " (also tried";
      for (size_t i = 1; i < names.size(); ++i) msg += (i > 1 ? ", " : " ") + names[i];
      msg += "; set MEMVIEW_LIBCLANG to libclang's path)";
    }
    return make_error(Errc::unsupported, std::move(msg));
  }

  std::string missing;
  size_t missing_count = 0;
  auto bind = [&](auto& fn, const char* symbol) {
    ::dlerror();  // clear a stale error
    void* sym = ::dlsym(handle, symbol);
    if (!sym) {
      if (++missing_count <= 3) missing += missing.empty() ? symbol : fmt::format(", {}", symbol);
      return;
    }
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(sym);
  };
#define MEMVIEW_LIBCLANG_BIND(name) bind(table.name, "clang_" #name);
  MEMVIEW_LIBCLANG_FUNCTIONS(MEMVIEW_LIBCLANG_BIND)
#undef MEMVIEW_LIBCLANG_BIND
  if (missing_count > 3) missing += fmt::format(" and {} more", missing_count - 3);
  if (!missing.empty()) {
    // Not dlclose'd: a library whose initialisers ran is safest left in place.
    return make_error(Errc::unsupported,
                      fmt::format("struct layouts need libclang: {} lacks {} (libclang 14 or "
                                  "newer is needed)",
                                  loaded_name, missing));
  }
  return static_cast<const LibClang*>(&table);
}

}  // namespace

const Result<const LibClang*>& load_libclang() {
  // A function-local static: initialised once, thread-safely, on the first parse.
  static const Loaded* loaded = [] {
    auto* l = new Loaded;  // never freed: libclang stays loaded for the process's life
    l->result = load(l->table);
    return l;
  }();
  return loaded->result;
}

}  // namespace memview::layout_detail

#endif  // MEMVIEW_HAVE_LIBCLANG
