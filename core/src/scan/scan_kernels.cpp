// The scan's compare loops. Each 64 positions are compared into a byte array first (a
// loop without branches or cross-iteration dependencies, which the compiler vectorises),
// and packed into the result word only when any matched: for `= v` over random data
// almost no word needs packing.
#include <bit>
#include <cmath>
#include <cstring>
#include <type_traits>

#include "scan/scan_kernels.h"

namespace memview::scan_detail {
namespace {

template <class T>
struct Bits;
template <>
struct Bits<float> {
  using type = uint32_t;
};
template <>
struct Bits<double> {
  using type = uint64_t;
};

// std::byteswap is C++23; the builtins are in GCC and clang (and mingw's GCC).
inline uint16_t swap_bytes(uint16_t v) {
  return __builtin_bswap16(v);
}
inline uint32_t swap_bytes(uint32_t v) {
  return __builtin_bswap32(v);
}
inline uint64_t swap_bytes(uint64_t v) {
  return __builtin_bswap64(v);
}

template <class T, bool Swap>
inline T load(const std::byte* p) {
  if constexpr (!Swap) {
    T v;
    std::memcpy(&v, p, sizeof(T));
    return v;
  } else if constexpr (std::is_floating_point_v<T>) {
    typename Bits<T>::type u;
    std::memcpy(&u, p, sizeof(T));
    u = swap_bytes(u);
    return std::bit_cast<T>(u);
  } else {
    T v;
    std::memcpy(&v, p, sizeof(T));
    if constexpr (sizeof(T) == 1) {
      return v;
    } else {
      return static_cast<T>(swap_bytes(static_cast<std::make_unsigned_t<T>>(v)));
    }
  }
}

// Packs 64 flags (0/1) into a word; nonzero only when some flag is set.
inline uint64_t pack(const uint8_t* flags, size_t n) {
  uint64_t any = 0;
  for (size_t i = 0; i < 64; i += 8) {
    uint64_t w;
    std::memcpy(&w, flags + i, 8);
    any |= w;
  }
  if (any == 0) return 0;
  if (n == 64) {
    bool all = true;
    for (size_t i = 0; i < 64; i += 8) {
      uint64_t w;
      std::memcpy(&w, flags + i, 8);
      all = all && w == 0x0101010101010101ULL;
    }
    if (all) return ~uint64_t{0};  // "unchanged" over static memory: every word is full
  }
  uint64_t m = 0;
  for (size_t i = 0; i < n; ++i) m |= static_cast<uint64_t>(flags[i]) << i;
  return m;
}

template <class T, bool Swap, size_t Step, class F>
void run_fixed(const LaneJob& j, F f) {
  alignas(64) uint8_t flags[64];
  const size_t words = words_for(j.npos);
  for (size_t w = 0; w < words; ++w) {
    const size_t base = w * 64;
    const size_t n = j.npos - base < 64 ? j.npos - base : 64;
    uint64_t in = j.in_bits ? j.in_bits[w] : ~uint64_t{0};
    if (n < 64) in &= (uint64_t{1} << n) - 1;
    if (in == 0) {
      j.out_bits[w] = 0;
      continue;
    }
    const std::byte* cur = j.cur + base * Step;
    const std::byte* old = j.old + base * Step;
    if (n == 64) {
      for (size_t i = 0; i < 64; ++i) {
        flags[i] = f(load<T, Swap>(cur + i * Step), load<T, Swap>(old + i * Step)) ? 1 : 0;
      }
    } else {
      std::memset(flags, 0, sizeof flags);
      for (size_t i = 0; i < n; ++i) {
        flags[i] = f(load<T, Swap>(cur + i * Step), load<T, Swap>(old + i * Step)) ? 1 : 0;
      }
    }
    j.out_bits[w] = pack(flags, n) & in;
  }
}

template <class T, bool Swap, class F>
void run(const LaneJob& j, F f) {
  if (j.step == sizeof(T)) {
    run_fixed<T, Swap, sizeof(T)>(j, f);
  } else {
    run_fixed<T, Swap, 1>(j, f);
  }
}

template <class T>
bool same_bits(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    return std::bit_cast<typename Bits<T>::type>(a) == std::bit_cast<typename Bits<T>::type>(b);
  } else {
    return a == b;
  }
}

// Integer kernels: wrap-around arithmetic for by-n (as the program's own arithmetic would).
template <class T, bool Swap>
void int_kernel(const Operand& o, const LaneJob& j) {
  using U = std::make_unsigned_t<T>;
  const auto a = static_cast<T>(o.a);
  const auto b = static_cast<T>(o.b);
  const auto ua = static_cast<U>(o.a);
  switch (o.op) {
    case ScanOp::eq:
      return run<T, Swap>(j, [a](T v, T) { return v == a; });
    case ScanOp::ne:
      return run<T, Swap>(j, [a](T v, T) { return v != a; });
    case ScanOp::lt:
      return run<T, Swap>(j, [a](T v, T) { return v < a; });
    case ScanOp::gt:
      return run<T, Swap>(j, [a](T v, T) { return v > a; });
    case ScanOp::range: {
      const T lo = a < b ? a : b;
      const T hi = a < b ? b : a;
      return run<T, Swap>(j, [lo, hi](T v, T) { return v >= lo && v <= hi; });
    }
    case ScanOp::unknown:
      return run<T, Swap>(j, [](T, T) { return true; });
    case ScanOp::changed:
      return run<T, Swap>(j, [](T v, T p) { return v != p; });
    case ScanOp::unchanged:
      return run<T, Swap>(j, [](T v, T p) { return v == p; });
    case ScanOp::increased:
      return run<T, Swap>(j, [](T v, T p) { return v > p; });
    case ScanOp::decreased:
      return run<T, Swap>(j, [](T v, T p) { return v < p; });
    case ScanOp::increased_by:
      return run<T, Swap>(j, [ua](T v, T p) {
        return static_cast<U>(v) == static_cast<U>(static_cast<U>(p) + ua);
      });
    case ScanOp::decreased_by:
      return run<T, Swap>(j, [ua](T v, T p) {
        return static_cast<U>(v) == static_cast<U>(static_cast<U>(p) - ua);
      });
  }
}

template <class T, bool Swap>
void float_kernel(const Operand& o, const LaneJob& j) {
  const double lo = o.lo;
  const double hi = o.hi;
  const double delta = o.delta;
  const double slack = o.slack;
  switch (o.op) {
    case ScanOp::eq:
    case ScanOp::range:
      return run<T, Swap>(j, [lo, hi](T v, T) {
        const auto d = static_cast<double>(v);
        return d >= lo && d <= hi;
      });
    case ScanOp::ne:
      return run<T, Swap>(j, [lo, hi](T v, T) {
        const auto d = static_cast<double>(v);
        return d == d && (d < lo || d > hi);  // nan is not a number "other than v"
      });
    case ScanOp::lt:
      return run<T, Swap>(j, [lo](T v, T) { return static_cast<double>(v) < lo; });
    case ScanOp::gt:
      return run<T, Swap>(j, [lo](T v, T) { return static_cast<double>(v) > lo; });
    case ScanOp::unknown:
      return run<T, Swap>(j, [](T, T) { return true; });
    case ScanOp::changed:
      return run<T, Swap>(j, [](T v, T p) { return !same_bits(v, p); });
    case ScanOp::unchanged:
      return run<T, Swap>(j, [](T v, T p) { return same_bits(v, p); });
    case ScanOp::increased:
      return run<T, Swap>(j, [](T v, T p) { return v > p; });
    case ScanOp::decreased:
      return run<T, Swap>(j, [](T v, T p) { return v < p; });
    case ScanOp::increased_by:
      return run<T, Swap>(j, [delta, slack](T v, T p) {
        const double want = static_cast<double>(static_cast<T>(p + static_cast<T>(delta)));
        return std::fabs(static_cast<double>(v) - want) <= slack;
      });
    case ScanOp::decreased_by:
      return run<T, Swap>(j, [delta, slack](T v, T p) {
        const double want = static_cast<double>(static_cast<T>(p - static_cast<T>(delta)));
        return std::fabs(static_cast<double>(v) - want) <= slack;
      });
  }
}

template <bool Swap>
LaneKernel pick(ScalarType type) {
  switch (type) {
    case ScalarType::u8:
      return &int_kernel<uint8_t, Swap>;
    case ScalarType::i8:
      return &int_kernel<int8_t, Swap>;
    case ScalarType::u16:
      return &int_kernel<uint16_t, Swap>;
    case ScalarType::i16:
      return &int_kernel<int16_t, Swap>;
    case ScalarType::u32:
      return &int_kernel<uint32_t, Swap>;
    case ScalarType::i32:
      return &int_kernel<int32_t, Swap>;
    case ScalarType::u64:
      return &int_kernel<uint64_t, Swap>;
    case ScalarType::i64:
      return &int_kernel<int64_t, Swap>;
    case ScalarType::f32:
      return &float_kernel<float, Swap>;
    case ScalarType::f64:
      return &float_kernel<double, Swap>;
  }
  return nullptr;
}

}  // namespace

LaneKernel select_kernel(ScalarType type, ScanOp /*op*/, Endian endian) {
  // The condition is dispatched inside the kernel, once per call (outside the loops).
  return endian == Endian::big ? pick<true>(type) : pick<false>(type);
}

}  // namespace memview::scan_detail
