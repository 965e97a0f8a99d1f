// Guarded access to mapped memory: a SIGBUS/SIGSEGV raised while touching a registered
// address range returns control to the caller instead of killing the process. A read past
// the end of a file or shm object that another process truncated raises SIGBUS; this is
// how sources keep the promise that read() never faults.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace memview::detail {

using GuardedFn = void (*)(void* context);

// Runs fn(context). If a fault occurs at an address inside [lo, lo + length) while it runs,
// fn is abandoned (no destructors run inside fn: keep it free of owning objects) and the
// faulting address is returned. Faults elsewhere go to the previous handler as before.
// Thread-safe; nesting on one thread is not supported.
std::optional<uintptr_t> run_guarded(const void* lo, size_t length, GuardedFn fn, void* context);

}  // namespace memview::detail
