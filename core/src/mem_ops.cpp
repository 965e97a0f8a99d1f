#include "mem_ops.h"

#include "byte_compare.h"

#include <cstring>

namespace memview::detail {

namespace {
// Another process may write the bytes while we read them; plain loads through a
// const-casted pointer are what the hardware does anyway, and memcpy keeps them fast.
inline const std::byte* bare(const volatile std::byte* p) {
  return const_cast<const std::byte*>(p);
}
inline std::byte* bare(volatile std::byte* p) {
  return const_cast<std::byte*>(p);
}

inline uint64_t load64(const std::byte* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
}  // namespace

void diff_into(std::byte* cache, const volatile std::byte* live_v, size_t n, RunSink sink,
               void* context, PendingRun& pending) {
  const std::byte* live = bare(live_v);
  pending.length = 0;
  size_t i = 0;
  while (i < n) {
    // Fastest path: skip the agreeing prefix with the widest compares the CPU has (the
    // 8-byte loop below alone ran at ~1/4 of memcpy's speed; see byte_compare.h).
    i += equal_prefix(live + i, cache + i, n - i);
    if (i >= n) break;
    // Fast path: 32 bytes at a time while everything agrees.
    while (i + 32 <= n) {
      const uint64_t d = (load64(live + i) ^ load64(cache + i)) |
                         (load64(live + i + 8) ^ load64(cache + i + 8)) |
                         (load64(live + i + 16) ^ load64(cache + i + 16)) |
                         (load64(live + i + 24) ^ load64(cache + i + 24));
      if (d != 0) break;
      i += 32;
    }
    if (i >= n) break;
    // Slow path over one block: snapshot it (each live byte read once, so the value stored
    // is the value compared), then commit the differing bytes and extend/emit runs.
    const size_t len = n - i < 32 ? n - i : 32;
    std::byte block[32];
    std::memcpy(block, live + i, len);
    for (size_t k = 0; k < len; ++k) {
      if (block[k] == cache[i + k]) continue;
      cache[i + k] = block[k];
      const size_t at = i + k;
      if (pending.length != 0 && pending.start + pending.length == at) {
        pending.length = pending.length + 1;
      } else {
        if (pending.length != 0) sink(context, pending.start, pending.length);
        pending.start = at;
        pending.length = 1;
      }
    }
    i += len;
  }
  if (pending.length != 0) {
    sink(context, pending.start, pending.length);
    pending.length = 0;
  }
}

void store_bytes(volatile std::byte* dst_v, const std::byte* data, size_t n) {
  std::byte* dst = bare(dst_v);
  const auto addr = reinterpret_cast<uintptr_t>(dst);
  switch (n) {
    case 1:
      __atomic_store_n(reinterpret_cast<uint8_t*>(dst), static_cast<uint8_t>(data[0]),
                       __ATOMIC_RELAXED);
      return;
    case 2:
      if (addr % 2 == 0) {
        uint16_t v;
        std::memcpy(&v, data, 2);
        __atomic_store_n(reinterpret_cast<uint16_t*>(dst), v, __ATOMIC_RELAXED);
        return;
      }
      break;
    case 4:
      if (addr % 4 == 0) {
        uint32_t v;
        std::memcpy(&v, data, 4);
        __atomic_store_n(reinterpret_cast<uint32_t*>(dst), v, __ATOMIC_RELAXED);
        return;
      }
      break;
    case 8:
      if (addr % 8 == 0) {
        uint64_t v;
        std::memcpy(&v, data, 8);
        __atomic_store_n(reinterpret_cast<uint64_t*>(dst), v, __ATOMIC_RELAXED);
        return;
      }
      break;
    default:
      break;
  }
  std::memcpy(dst, data, n);
}

void load_bytes(std::byte* out, const volatile std::byte* live, size_t n) {
  std::memcpy(out, bare(live), n);
}

bool compare_exchange_bytes(volatile std::byte* dst_v, unsigned width, uint64_t& expected,
                            uint64_t desired) {
  std::byte* dst = bare(dst_v);
  switch (width) {
    case 1: {
      auto e = static_cast<uint8_t>(expected);
      const bool ok = __atomic_compare_exchange_n(reinterpret_cast<uint8_t*>(dst), &e,
                                                  static_cast<uint8_t>(desired), false,
                                                  __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
      expected = e;
      return ok;
    }
    case 2: {
      auto e = static_cast<uint16_t>(expected);
      const bool ok = __atomic_compare_exchange_n(reinterpret_cast<uint16_t*>(dst), &e,
                                                  static_cast<uint16_t>(desired), false,
                                                  __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
      expected = e;
      return ok;
    }
    case 4: {
      auto e = static_cast<uint32_t>(expected);
      const bool ok = __atomic_compare_exchange_n(reinterpret_cast<uint32_t*>(dst), &e,
                                                  static_cast<uint32_t>(desired), false,
                                                  __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
      expected = e;
      return ok;
    }
    default: {
      uint64_t e = expected;
      const bool ok = __atomic_compare_exchange_n(reinterpret_cast<uint64_t*>(dst), &e, desired,
                                                  false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
      expected = e;
      return ok;
    }
  }
}

}  // namespace memview::detail
