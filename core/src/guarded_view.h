// A view of memory that another process can shrink, truncate or unmap under us (a mapped
// shm object or file, a Win32 section view, another process's shared mapping mapped here).
// Every operation runs under run_guarded(): a fault becomes a short count or an empty
// result instead of a crash. One implementation for every mapped backend.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "in_place_source.h"
#include "memview/source.h"

namespace memview::detail {

uint64_t system_page_size();

struct GuardedView {
  std::byte* base = nullptr;
  uint64_t length = 0;

  // Copies [offset, offset + out.size()) into out. Returns how many leading bytes were
  // copied: a fault cuts the copy at the faulting page (the part before it is retried).
  uint64_t load(uint64_t offset, std::span<std::byte> out) const;

  // Source::diff over [offset, offset + cache.size()) in one fused pass; returns how many
  // leading bytes were compared, like load(). Every byte committed to the cache has been
  // reported to sink, even when a fault cut the pass short.
  uint64_t diff(uint64_t offset, std::span<std::byte> cache, const DiffSink& sink) const;

  // Writes data at offset (one store when naturally aligned 1/2/4/8 bytes). Returns the
  // offset at which a fault stopped the write, or nullopt when it completed.
  std::optional<uint64_t> store(uint64_t offset, std::span<const std::byte> data) const;

  // Atomic compare-and-swap of a naturally aligned 1/2/4/8-byte value (the caller checks
  // alignment). nullopt on a fault; otherwise whether it swapped.
  std::optional<bool> compare_exchange(uint64_t offset, unsigned width, uint64_t& expected,
                                       uint64_t desired) const;

  // Source::read and Source::diff of a backend whose object starts at offset 0 of the view
  // and is `object_size` bytes long: bytes past min(object_size, length) are reported as
  // past the end, and a fault cuts the rest with `fault_reason`.
  ReadOutcome read_object(uint64_t object_size, uint64_t address, std::span<std::byte> out,
                          const char* fault_reason) const;
  ReadOutcome diff_object(uint64_t object_size, uint64_t address, std::span<std::byte> cache,
                          const DiffSink& sink, const char* fault_reason) const;

  // detail::InPlaceSource of such a backend: false when the range is not inside
  // min(object_size, length) or a fault cut fn short.
  bool run_in_place(uint64_t object_size, uint64_t address, uint64_t n, InPlaceFn fn,
                    void* context) const;
};

}  // namespace memview::detail
