// Finding where two byte ranges start to differ, as fast as the CPU allows: the inner loop
// of every poll (a window of live memory against the tracker's last values).
#pragma once

#include <cstddef>

namespace memview::detail {

// Length of the longest common prefix of a[0..n) and b[0..n): n when they are equal,
// otherwise the index of the first differing byte. Uses AVX2 where the CPU has it (chosen
// once at run time), SSE2 or 8-byte words otherwise. Holds no state and owns nothing, so
// it may be abandoned by the fault guard mid-way.
size_t equal_prefix(const std::byte* a, const std::byte* b, size_t n);

}  // namespace memview::detail
