#include "byte_compare.h"

#include <cstdint>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define MEMVIEW_X86 1
#endif

namespace memview::detail {

namespace {

// Exact position inside a short tail (or a block known to differ somewhere).
size_t finish(const std::byte* a, const std::byte* b, size_t i, size_t n) {
  for (; i + 8 <= n; i += 8) {
    uint64_t x, y;
    std::memcpy(&x, a + i, 8);
    std::memcpy(&y, b + i, 8);
    if (x != y) break;
  }
  for (; i < n; ++i) {
    if (a[i] != b[i]) return i;
  }
  return n;
}

size_t prefix_words(const std::byte* a, const std::byte* b, size_t n) {
  return finish(a, b, 0, n);
}

#if MEMVIEW_X86
#define MEMVIEW_AVX2 __attribute__((target("avx2"), always_inline)) inline
MEMVIEW_AVX2 __m256i eq32(const std::byte* a, const std::byte* b) {
  return _mm256_cmpeq_epi8(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(a)),
                           _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b)));
}
inline __m128i eq16(const std::byte* a, const std::byte* b) {
  return _mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a)),
                        _mm_loadu_si128(reinterpret_cast<const __m128i*>(b)));
}

// 128 bytes per iteration: four 32-byte compares folded into one test. Measured on the
// project's machine at ~0.96x the time of a memcpy of the same length (glibc's memcmp:
// ~1.3x; 8-byte words: ~2.4x).
__attribute__((target("avx2"))) size_t prefix_avx2(const std::byte* a, const std::byte* b,
                                                   size_t n) {
  size_t i = 0;
  if (n >= 64) {
    // One unaligned compare, then continue from a 32-byte boundary of `a`: after a
    // difference the caller resumes mid-line, and loads straddling cache lines cost
    // about half the speed. (The tracker's cache has the same alignment as the live
    // window, so aligning `a` aligns both.)
    const auto mask = static_cast<uint32_t>(_mm256_movemask_epi8(eq32(a, b)));
    if (mask != 0xffffffffu) return static_cast<size_t>(__builtin_ctz(~mask));
    i = 32 - (reinterpret_cast<uintptr_t>(a) & 31);
  }
  for (; i + 128 <= n; i += 128) {
    const __m256i all = _mm256_and_si256(
        _mm256_and_si256(eq32(a + i, b + i), eq32(a + i + 32, b + i + 32)),
        _mm256_and_si256(eq32(a + i + 64, b + i + 64), eq32(a + i + 96, b + i + 96)));
    if (_mm256_movemask_epi8(all) != -1) break;
  }
  for (; i + 32 <= n; i += 32) {
    const auto mask = static_cast<uint32_t>(_mm256_movemask_epi8(eq32(a + i, b + i)));
    if (mask != 0xffffffffu) return i + static_cast<size_t>(__builtin_ctz(~mask));
  }
  return finish(a, b, i, n);
}

size_t prefix_sse2(const std::byte* a, const std::byte* b, size_t n) {
  size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    const __m128i all =
        _mm_and_si128(_mm_and_si128(eq16(a + i, b + i), eq16(a + i + 16, b + i + 16)),
                      _mm_and_si128(eq16(a + i + 32, b + i + 32), eq16(a + i + 48, b + i + 48)));
    if (_mm_movemask_epi8(all) != 0xffff) break;
  }
  for (; i + 16 <= n; i += 16) {
    const auto mask = static_cast<uint32_t>(_mm_movemask_epi8(eq16(a + i, b + i)));
    if (mask != 0xffffu) return i + static_cast<size_t>(__builtin_ctz(~mask & 0xffffu));
  }
  return finish(a, b, i, n);
}
#endif

using PrefixFn = size_t (*)(const std::byte*, const std::byte*, size_t);

PrefixFn choose() {
#if MEMVIEW_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2")) return prefix_avx2;
  if (__builtin_cpu_supports("sse2")) return prefix_sse2;
#endif
  return prefix_words;
}

}  // namespace

size_t equal_prefix(const std::byte* a, const std::byte* b, size_t n) {
  // A function-local static: safe to call from other static initialisers.
  static const PrefixFn impl = choose();
  return impl(a, b, n);
}

}  // namespace memview::detail
