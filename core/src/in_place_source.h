// Sources whose bytes lie in this process's memory (a mapped shm object, file, System V
// segment or Win32 view) also implement this internal interface, so a scan can compare
// those bytes where they are instead of copying them first (find it with dynamic_cast).
// Internal to the core: the public Source interface stays as it is.
#pragma once

#include <cstddef>
#include <cstdint>

namespace memview::detail {

// Work run over the bytes where they lie. It must own nothing and take no locks: a fault
// (the object shrank) abandons it half-way.
using InPlaceFn = void (*)(void* context, const std::byte* data, size_t length);

class InPlaceSource {
 public:
  virtual ~InPlaceSource() = default;
  // Runs fn once over [address, address + length) in this process's mapping. Returns false
  // when the range is not entirely inside it or a fault (the object shrank) cut fn short;
  // fn may then have run partly, and the caller falls back to Source::read(), which reports
  // what is unreadable. The bytes may change while fn runs (another process writes them).
  virtual bool run_in_place(uint64_t address, uint64_t length, InPlaceFn fn, void* context) = 0;

 protected:
  InPlaceSource() = default;
  InPlaceSource(const InPlaceSource&) = default;
  InPlaceSource& operator=(const InPlaceSource&) = default;
};

}  // namespace memview::detail
