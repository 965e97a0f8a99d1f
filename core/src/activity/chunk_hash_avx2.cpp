// XXH3-64 compiled for AVX2 (x86 only). Only xxhash.h is included, inside the target region,
// so no inline function shared with other translation units is emitted with AVX2 code.
#include "activity/chunk_hash.h"

#if defined(__x86_64__) || defined(__i386__)

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2")
#endif

#ifndef XXH_INLINE_ALL
#define XXH_INLINE_ALL
#endif
// xxhash.h includes <immintrin.h> only when the compiler flags say AVX2: include it here.
#include <immintrin.h>
#define XXH_VECTOR 2  // XXH_AVX2
#include <xxhash.h>

namespace memview::detail {

uint64_t chunk_hash_avx2(const void* data, size_t length) {
  return XXH3_64bits(data, length);
}

}  // namespace memview::detail

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

#endif
