#include "fault_guard.h"

#if defined(_WIN32)
// Windows: a vectored exception handler in fault_guard_win32.cpp.
#else

#include <csetjmp>
#include <csignal>
#include <mutex>

namespace memview::detail {
namespace {

struct GuardState {
  sigjmp_buf jump;
  uintptr_t lo = 0;
  uintptr_t hi = 0;
  volatile sig_atomic_t active = 0;
  volatile uintptr_t fault = 0;
};

thread_local GuardState* t_guard = nullptr;
struct sigaction g_previous_bus;
struct sigaction g_previous_segv;

void forward(int sig, siginfo_t* info, void* ucontext) {
  const struct sigaction& prev = sig == SIGBUS ? g_previous_bus : g_previous_segv;
  if (prev.sa_flags & SA_SIGINFO) {
    if (prev.sa_sigaction) prev.sa_sigaction(sig, info, ucontext);
    return;
  }
  if (prev.sa_handler == SIG_IGN) return;
  if (prev.sa_handler == SIG_DFL) {
    // Returning re-executes the faulting access, which now takes the default action.
    signal(sig, SIG_DFL);
    return;
  }
  prev.sa_handler(sig);
}

void on_fault(int sig, siginfo_t* info, void* ucontext) {
  GuardState* g = t_guard;
  const auto address = reinterpret_cast<uintptr_t>(info->si_addr);
  if (g && g->active && address >= g->lo && address < g->hi) {
    g->active = 0;
    g->fault = address;
    siglongjmp(g->jump, 1);
  }
  forward(sig, info, ucontext);
}

void install_handlers() {
  struct sigaction action {};
  action.sa_sigaction = on_fault;
  sigemptyset(&action.sa_mask);
  // SA_NODEFER: the signal stays unblocked after we jump out, so sigsetjmp need not save
  // the signal mask (which would cost a syscall per guarded call).
  action.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
  sigaction(SIGBUS, &action, &g_previous_bus);
  sigaction(SIGSEGV, &action, &g_previous_segv);
}

}  // namespace

std::optional<uintptr_t> run_guarded(const void* lo, size_t length, GuardedFn fn, void* context) {
  static std::once_flag once;
  std::call_once(once, install_handlers);
  GuardState state;
  state.lo = reinterpret_cast<uintptr_t>(lo);
  state.hi = state.lo + length;
  t_guard = &state;
  if (sigsetjmp(state.jump, 0) == 0) {
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
