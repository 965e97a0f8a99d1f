#include "guarded_view.h"

#if defined(_WIN32)
#include <windows.h>
#else
#include <unistd.h>
#endif

#include <algorithm>

#include <fmt/format.h>

#include "fault_guard.h"
#include "mem_ops.h"

namespace memview::detail {

uint64_t system_page_size() {
#if defined(_WIN32)
  static const uint64_t size = [] {
    SYSTEM_INFO si;
    GetSystemInfo(&si);
    return static_cast<uint64_t>(si.dwPageSize);
  }();
#else
  static const uint64_t size = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
#endif
  return size;
}

namespace {

void forward_run(void* context, size_t index, size_t length) {
  const auto* sink = static_cast<const DiffSink*>(context);
  if (*sink) (*sink)(index, length);
}

// The jobs run inside run_guarded(): plain data, no owning objects (a fault abandons them).
struct LoadJob {
  std::byte* out;
  const std::byte* live;
  size_t n;
  static void run(void* c) {
    auto* j = static_cast<LoadJob*>(c);
    load_bytes(j->out, j->live, j->n);
  }
  void on_fault() {}
};

struct DiffJob {
  std::byte* cache;
  const std::byte* live;
  size_t n;
  const DiffSink* sink;
  PendingRun pending;
  static void run(void* c) {
    auto* j = static_cast<DiffJob*>(c);
    diff_into(j->cache, j->live, j->n, forward_run, const_cast<DiffSink*>(j->sink), j->pending);
  }
  // Committed to the cache but not yet reported when the fault hit: report it now.
  void on_fault() {
    if (pending.length != 0)
      forward_run(const_cast<DiffSink*>(sink), pending.start, pending.length);
    pending.length = 0;
  }
};

// Runs Job::run over [offset, offset + n), shrinking the range to the part before the
// faulting page when the view lost pages under us. Returns how many leading bytes were
// processed completely.
template <class Job>
uint64_t guarded_prefix(const GuardedView& view, uint64_t offset, uint64_t n, Job& job) {
  uint64_t len = n;
  for (int attempt = 0; attempt < 4 && len > 0; ++attempt) {
    job.n = static_cast<size_t>(len);
    const std::optional<uintptr_t> fault = run_guarded(view.base, view.length, &Job::run, &job);
    if (!fault) return len;
    job.on_fault();
    const uintptr_t start = reinterpret_cast<uintptr_t>(view.base + offset);
    const uintptr_t fault_page = *fault & ~static_cast<uintptr_t>(system_page_size() - 1);
    len = fault_page > start ? std::min<uint64_t>(len, fault_page - start) : 0;
  }
  return len;
}

}  // namespace

uint64_t GuardedView::load(uint64_t offset, std::span<std::byte> out) const {
  if (out.empty()) return 0;
  LoadJob job{out.data(), base + offset, 0};
  return guarded_prefix(*this, offset, out.size(), job);
}

uint64_t GuardedView::diff(uint64_t offset, std::span<std::byte> cache,
                           const DiffSink& sink) const {
  if (cache.empty()) return 0;
  DiffJob job{cache.data(), base + offset, 0, &sink, {}};
  return guarded_prefix(*this, offset, cache.size(), job);
}

namespace {

// Clamps [address, address + length) to the object's mapped bytes, runs `pass` on the part
// inside, and reports what it could not cover: the tail past the end, or past a fault.
template <class Pass>
ReadOutcome object_pass(const GuardedView& view, uint64_t object_size, uint64_t address,
                        uint64_t length, const char* fault_reason, Pass pass) {
  ReadOutcome outcome;
  const uint64_t limit = std::min(object_size, view.length);
  const uint64_t n = address >= limit ? 0 : std::min(length, limit - address);
  if (n < length) {
    outcome.unreadable.push_back({address + n, length - n});
    outcome.message = fmt::format("past the end of the object ({} bytes)", object_size);
  }
  if (n == 0) return outcome;
  const uint64_t done = pass(static_cast<size_t>(n));
  if (done < n) {
    outcome.unreadable.assign(1, ByteRange{address + done, length - done});
    outcome.message = fault_reason;
  }
  return outcome;
}

}  // namespace

ReadOutcome GuardedView::read_object(uint64_t object_size, uint64_t address,
                                     std::span<std::byte> out, const char* fault_reason) const {
  return object_pass(*this, object_size, address, out.size(), fault_reason,
                     [&](size_t n) { return load(address, out.first(n)); });
}

ReadOutcome GuardedView::diff_object(uint64_t object_size, uint64_t address,
                                     std::span<std::byte> cache, const DiffSink& sink,
                                     const char* fault_reason) const {
  return object_pass(*this, object_size, address, cache.size(), fault_reason,
                     [&](size_t n) { return diff(address, cache.first(n), sink); });
}

bool GuardedView::run_in_place(uint64_t object_size, uint64_t address, uint64_t n, InPlaceFn fn,
                               void* context) const {
  const uint64_t limit = std::min(object_size, length);
  if (n == 0 || address >= limit || n > limit - address) return false;
  struct InPlaceJob {
    InPlaceFn fn;
    void* context;
    const std::byte* data;
    size_t n;
  } job{fn, context, base + address, static_cast<size_t>(n)};
  const std::optional<uintptr_t> fault = run_guarded(
      base, length,
      [](void* c) {
        auto* j = static_cast<InPlaceJob*>(c);
        j->fn(j->context, j->data, j->n);
      },
      &job);
  return !fault;
}

std::optional<uint64_t> GuardedView::store(uint64_t offset, std::span<const std::byte> data) const {
  struct StoreJob {
    std::byte* dst;
    const std::byte* data;
    size_t n;
  } job{base + offset, data.data(), data.size()};
  const std::optional<uintptr_t> fault = run_guarded(
      base, length,
      [](void* c) {
        auto* j = static_cast<StoreJob*>(c);
        store_bytes(j->dst, j->data, j->n);
      },
      &job);
  if (!fault) return std::nullopt;
  return static_cast<uint64_t>(*fault - reinterpret_cast<uintptr_t>(base));
}

std::optional<bool> GuardedView::compare_exchange(uint64_t offset, unsigned width,
                                                  uint64_t& expected, uint64_t desired) const {
  struct CasJob {
    std::byte* dst;
    unsigned width;
    uint64_t* expected;
    uint64_t desired;
    bool swapped;
  } job{base + offset, width, &expected, desired, false};
  const std::optional<uintptr_t> fault = run_guarded(
      base, length,
      [](void* c) {
        auto* j = static_cast<CasJob*>(c);
        j->swapped = compare_exchange_bytes(j->dst, j->width, *j->expected, j->desired);
      },
      &job);
  if (fault) return std::nullopt;
  return job.swapped;
}

}  // namespace memview::detail
