// run_guarded() for Windows (fault_guard.h), built with mingw-w64.
//
// Why a vectored exception handler and not the alternatives:
//  - __try/__except is an MSVC extension that mingw's g++ does not have.
//  - ReadProcessMemory(GetCurrentProcess()) never faults, but it is a system call per read
//    (under wine a wineserver round trip), it cannot do the fused compare-and-copy diff in
//    one pass, and WriteProcessMemory does not promise that an aligned 8-byte write is one
//    store: it would break the single-store and never-torn promises of Source::write.
//  - IsBadReadPtr/VirtualQuery before each access is racy and IsBadReadPtr is deprecated.
// A vectored handler sees an access violation or in-page error (a file-backed view whose
// file became unreadable; an uncommitted page of a SEC_RESERVE section) first. When the
// address lies in the guarded range of the faulting thread, the handler does not unwind
// anything itself: it rewrites the thread's context so that, when Windows resumes the
// thread (EXCEPTION_CONTINUE_EXECUTION, i.e. NtContinue, a clean exit from the exception
// dispatcher), it "calls" recover(), which __builtin_longjmp()s back to run_guarded().
// Faults elsewhere are left to the next handler (EXCEPTION_CONTINUE_SEARCH).
#if defined(_WIN32)

#include "fault_guard.h"

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include <mutex>

namespace memview::detail {
namespace {

struct GuardState {
  void* jump[5];  // __builtin_setjmp buffer
  uintptr_t lo = 0;
  uintptr_t hi = 0;
  volatile LONG active = 0;
  volatile uintptr_t fault = 0;
};

thread_local GuardState* t_guard = nullptr;

[[noreturn]] __attribute__((noinline)) void recover() {
  __builtin_longjmp(t_guard->jump, 1);
}

LONG CALLBACK on_exception(EXCEPTION_POINTERS* info) {
  const EXCEPTION_RECORD* rec = info->ExceptionRecord;
  if (rec->ExceptionCode != EXCEPTION_ACCESS_VIOLATION &&
      rec->ExceptionCode != EXCEPTION_IN_PAGE_ERROR) {
    return EXCEPTION_CONTINUE_SEARCH;
  }
  GuardState* g = t_guard;
  if (!g || !g->active || rec->NumberParameters < 2) return EXCEPTION_CONTINUE_SEARCH;
  const auto address = static_cast<uintptr_t>(rec->ExceptionInformation[1]);
  if (address < g->lo || address >= g->hi) return EXCEPTION_CONTINUE_SEARCH;
  g->active = 0;
  g->fault = address;
#if defined(_M_X64) || defined(__x86_64__)
  CONTEXT* ctx = info->ContextRecord;
  // Leave room below the faulting frame and enter recover() as a call would: the stack
  // pointer 16-byte aligned minus the return address slot (Windows x64 has no red zone,
  // and recover() may use the 32-byte home area above its return address).
  const DWORD64 sp = ((ctx->Rsp - 512) & ~static_cast<DWORD64>(15)) - 8;
  ctx->Rsp = sp;
  ctx->Rip = reinterpret_cast<DWORD64>(&recover);
  return EXCEPTION_CONTINUE_EXECUTION;
#else
#error "fault_guard_win32.cpp supports x86-64 only"
#endif
}

void install_handler() {
  // First in the chain: the guarded range is ours, nobody else should see those faults.
  AddVectoredExceptionHandler(1, on_exception);
}

}  // namespace

std::optional<uintptr_t> run_guarded(const void* lo, size_t length, GuardedFn fn, void* context) {
  static std::once_flag once;
  std::call_once(once, install_handler);
  GuardState state;
  state.lo = reinterpret_cast<uintptr_t>(lo);
  state.hi = state.lo + length;
  t_guard = &state;
  if (__builtin_setjmp(state.jump) == 0) {
    state.active = 1;
    fn(context);
    state.active = 0;
    t_guard = nullptr;
    return std::nullopt;
  }
  t_guard = nullptr;
  return static_cast<uintptr_t>(state.fault);
}

}  // namespace memview::detail

#endif
