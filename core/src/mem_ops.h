// Hot loops over mapped memory, kept free of owning objects so they can run under
// run_guarded() and be abandoned at a fault.
#pragma once

#include <cstddef>
#include <cstdint>

namespace memview::detail {

using RunSink = void (*)(void* context, size_t index, size_t length);

// A differing run already copied into the cache but not yet reported. Kept in memory (not
// registers) so that a caller whose diff_into() was abandoned at a fault can still report
// it: the cache is never updated without the change reaching the sink eventually.
struct PendingRun {
  volatile size_t start = 0;
  volatile size_t length = 0;
};

// Compares live[0..n) with cache[0..n): copies each differing run into cache and reports it
// to sink in ascending order. Reads the live bytes once, 32 at a time where they agree; a
// block that differs is loaded whole before anything is committed to the cache, so a fault
// while loading leaves the cache consistent with what was reported plus `pending`.
void diff_into(std::byte* cache, const volatile std::byte* live, size_t n, RunSink sink,
               void* context, PendingRun& pending);

// Stores data into dst. A naturally aligned 1/2/4/8-byte store is one single store.
void store_bytes(volatile std::byte* dst, const std::byte* data, size_t n);

// Copies live bytes out of a shared mapping.
void load_bytes(std::byte* out, const volatile std::byte* live, size_t n);

// Atomic compare-and-swap of a naturally aligned 1/2/4/8-byte value.
bool compare_exchange_bytes(volatile std::byte* dst, unsigned width, uint64_t& expected,
                            uint64_t desired);

}  // namespace memview::detail
