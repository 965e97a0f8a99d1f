#include "byte_compare.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace memview::detail {
namespace {

size_t naive_prefix(const std::byte* a, const std::byte* b, size_t n) {
  size_t i = 0;
  while (i < n && a[i] == b[i]) ++i;
  return i;
}

TEST(EqualPrefix, FindsTheFirstDifferenceAtEveryPositionAndAlignment) {
  std::mt19937 rng(7);
  std::vector<std::byte> a(1200), b;
  for (std::byte& x : a) x = static_cast<std::byte>(rng());
  // Lengths around every vector width, unaligned starts, one difference anywhere.
  for (size_t start : {0u, 1u, 7u, 31u, 33u}) {
    for (size_t n :
         {0u, 1u, 15u, 16u, 17u, 31u, 32u, 33u, 63u, 64u, 127u, 128u, 129u, 300u, 1000u}) {
      b = a;
      EXPECT_EQ(equal_prefix(a.data() + start, b.data() + start, n), n);
      for (size_t d = 0; d < n; ++d) {
        b = a;
        b[start + d] ^= std::byte{0x01};
        ASSERT_EQ(equal_prefix(a.data() + start, b.data() + start, n), d)
            << "start " << start << " n " << n;
        // A second, later difference does not hide the first.
        if (d + 5 < n) {
          b[start + d + 5] ^= std::byte{0x80};
          ASSERT_EQ(equal_prefix(a.data() + start, b.data() + start, n), d);
        }
      }
    }
  }
}

TEST(EqualPrefix, MatchesNaiveOnRandomData) {
  std::mt19937 rng(11);
  for (int round = 0; round < 2000; ++round) {
    const size_t n = rng() % 5000;
    std::vector<std::byte> a(n), b(n);
    for (size_t i = 0; i < n; ++i) a[i] = b[i] = static_cast<std::byte>(rng());
    for (int k = 0, m = static_cast<int>(rng() % 3); k < m && n > 0; ++k) {
      b[rng() % n] = static_cast<std::byte>(rng());
    }
    ASSERT_EQ(equal_prefix(a.data(), b.data(), n), naive_prefix(a.data(), b.data(), n));
  }
}

}  // namespace
}  // namespace memview::detail
