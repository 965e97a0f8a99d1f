// The activity map's chunk hash: XXH3-64 (libxxhash), with its AVX2 code path chosen at run
// time where the CPU has AVX2 (Debian's library is built for plain x86-64, SSE2). Both give
// the same value for the same bytes: XXH3 is defined independently of the vector width.
#pragma once

#include <cstddef>
#include <cstdint>

namespace memview::detail {

uint64_t chunk_hash(const std::byte* data, size_t length);

// The AVX2 build of XXH3-64 (chunk_hash_avx2.cpp); call only where the CPU has AVX2.
uint64_t chunk_hash_avx2(const void* data, size_t length);

}  // namespace memview::detail
