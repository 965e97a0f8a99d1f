#include "activity/chunk_hash.h"

#include <xxhash.h>

namespace memview::detail {
namespace {

using HashFn = uint64_t (*)(const void*, size_t);

uint64_t hash_portable(const void* data, size_t length) {
  return XXH3_64bits(data, length);
}

HashFn pick() {
#if defined(__x86_64__) || defined(__i386__)
  if (__builtin_cpu_supports("avx2")) return chunk_hash_avx2;
#endif
  return hash_portable;
}

}  // namespace

uint64_t chunk_hash(const std::byte* data, size_t length) {
  static const HashFn fn = pick();  // chosen once, thread-safe initialisation
  return fn(data, length);
}

}  // namespace memview::detail
