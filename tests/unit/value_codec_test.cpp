#include "memview/value_codec.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "memview/numbers.h"

namespace memview {
namespace {

std::string hex(const std::vector<std::byte>& b) {
  return format_hex_bytes(b.data(), b.size());
}

std::string enc(ScalarType t, std::string_view text, Endian e = Endian::little) {
  Result<std::vector<std::byte>> r = encode_scalar(t, text, e);
  return r.ok() ? hex(r.value()) : "error: " + r.error().message;
}

TEST(ValueCodec, SizesAndNames) {
  EXPECT_EQ(scalar_size(ScalarType::u8), 1u);
  EXPECT_EQ(scalar_size(ScalarType::i16), 2u);
  EXPECT_EQ(scalar_size(ScalarType::f32), 4u);
  EXPECT_EQ(scalar_size(ScalarType::u64), 8u);
  EXPECT_STREQ(scalar_name(ScalarType::i32), "i32");
  EXPECT_EQ(scalar_from_name("u16"), ScalarType::u16);
  EXPECT_EQ(scalar_from_name("uint32"), ScalarType::u32);
  EXPECT_EQ(scalar_from_name("int8_t"), ScalarType::i8);
  EXPECT_EQ(scalar_from_name("float"), ScalarType::f32);
  EXPECT_EQ(scalar_from_name("double"), ScalarType::f64);
  EXPECT_EQ(scalar_from_name("F64"), ScalarType::f64);
  EXPECT_FALSE(scalar_from_name("u128").has_value());
  EXPECT_FALSE(scalar_from_name("").has_value());
  for (ScalarType t :
       {ScalarType::u8, ScalarType::i8, ScalarType::u16, ScalarType::i16, ScalarType::u32,
        ScalarType::i32, ScalarType::u64, ScalarType::i64, ScalarType::f32, ScalarType::f64}) {
    EXPECT_EQ(scalar_from_name(scalar_name(t)), t);
  }
}

TEST(ValueCodec, IntegersBothEndians) {
  EXPECT_EQ(enc(ScalarType::u32, "0xdeadbeef"), "ef be ad de");
  EXPECT_EQ(enc(ScalarType::u32, "0xdeadbeef", Endian::big), "de ad be ef");
  EXPECT_EQ(enc(ScalarType::u16, "258"), "02 01");
  EXPECT_EQ(enc(ScalarType::u16, "258", Endian::big), "01 02");
  EXPECT_EQ(enc(ScalarType::i32, "-2"), "fe ff ff ff");
  EXPECT_EQ(enc(ScalarType::i8, "-128"), "80");
  EXPECT_EQ(enc(ScalarType::i16, "-0x10", Endian::big), "ff f0");
  EXPECT_EQ(enc(ScalarType::u64, "18446744073709551615"), "ff ff ff ff ff ff ff ff");
  EXPECT_EQ(enc(ScalarType::i64, "-9223372036854775808", Endian::big), "80 00 00 00 00 00 00 00");
  EXPECT_EQ(enc(ScalarType::u8, "255"), "ff");
}

TEST(ValueCodec, OutOfRangeIsAnErrorNeverTruncated) {
  struct Case {
    ScalarType t;
    const char* text;
  };
  for (const Case& c : {Case{ScalarType::u8, "256"},
                        Case{ScalarType::u8, "-1"},
                        Case{ScalarType::i8, "128"},
                        Case{ScalarType::i8, "-129"},
                        Case{ScalarType::i8, "0xff"},
                        Case{ScalarType::u16, "65536"},
                        Case{ScalarType::i16, "32768"},
                        Case{ScalarType::u32, "0x100000000"},
                        Case{ScalarType::i32, "2147483648"},
                        Case{ScalarType::i32, "-2147483649"},
                        Case{ScalarType::u64, "18446744073709551616"},
                        Case{ScalarType::i64, "9223372036854775808"},
                        Case{ScalarType::f32, "1e39"},
                        Case{ScalarType::f32, "-1e39"},
                        Case{ScalarType::f32, "1e-50"},
                        Case{ScalarType::f64, "1e309"},
                        Case{ScalarType::f64, "1e-400"},
                        Case{ScalarType::u32, "12x"},
                        Case{ScalarType::f64, "1.5x"},
                        Case{ScalarType::f32, ""},
                        Case{ScalarType::u16, ""},
                        Case{ScalarType::i32, "1.5"}}) {
    Result<std::vector<std::byte>> r = encode_scalar(c.t, c.text, Endian::little);
    ASSERT_FALSE(r.ok()) << scalar_name(c.t) << " accepted '" << c.text << "'";
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
    EXPECT_FALSE(r.error().message.empty());
  }
  // The message says which type the value did not fit.
  Result<std::vector<std::byte>> r = encode_scalar(ScalarType::u8, "300", Endian::little);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("u8"), std::string::npos) << r.error().message;
}

TEST(ValueCodec, Floats) {
  EXPECT_EQ(enc(ScalarType::f32, "1"), "00 00 80 3f");
  EXPECT_EQ(enc(ScalarType::f32, "1", Endian::big), "3f 80 00 00");
  EXPECT_EQ(enc(ScalarType::f64, "-2.5"), "00 00 00 00 00 00 04 c0");
  EXPECT_EQ(enc(ScalarType::f64, "0x1p3"), enc(ScalarType::f64, "8"));
  // FLT_MAX written the way it prints is in range even though the decimal is a hair above.
  EXPECT_EQ(enc(ScalarType::f32, "3.4028235e+38"), "ff ff 7f 7f");
  Result<std::vector<std::byte>> inf = encode_scalar(ScalarType::f32, "inf", Endian::little);
  ASSERT_TRUE(inf.ok());
  EXPECT_EQ(decode_scalar(ScalarType::f32, inf.value(), Endian::little), "inf");
  Result<std::vector<std::byte>> ninf = encode_scalar(ScalarType::f64, "-inf", Endian::little);
  ASSERT_TRUE(ninf.ok());
  EXPECT_EQ(decode_scalar(ScalarType::f64, ninf.value(), Endian::little), "-inf");
  Result<std::vector<std::byte>> nan = encode_scalar(ScalarType::f64, "nan", Endian::big);
  ASSERT_TRUE(nan.ok());
  EXPECT_EQ(decode_scalar(ScalarType::f64, nan.value(), Endian::big), "nan");
}

TEST(ValueCodec, DecodeIntegers) {
  const std::vector<std::byte> b = {std::byte{0xff}, std::byte{0xfe}, std::byte{0x01},
                                    std::byte{0x80}};
  EXPECT_EQ(decode_scalar(ScalarType::u8, b, Endian::little), "255");
  EXPECT_EQ(decode_scalar(ScalarType::i8, b, Endian::little), "-1");
  EXPECT_EQ(decode_scalar(ScalarType::u16, b, Endian::little), "65279");
  EXPECT_EQ(decode_scalar(ScalarType::u16, b, Endian::big), "65534");
  EXPECT_EQ(decode_scalar(ScalarType::i16, b, Endian::big), "-2");
  EXPECT_EQ(decode_scalar(ScalarType::u32, b, Endian::little), "2147614463");
  EXPECT_EQ(decode_scalar(ScalarType::i32, b, Endian::little), "-2147352833");
  // Too few bytes: a marker, never a read past the span.
  EXPECT_EQ(decode_scalar(ScalarType::u64, b, Endian::little), "?");
}

TEST(ValueCodec, FloatTextIsShortestRoundTrip) {
  EXPECT_EQ(
      decode_scalar(ScalarType::f64, encode_scalar(ScalarType::f64, "0.1", Endian::little).value(),
                    Endian::little),
      "0.1");
  EXPECT_EQ(
      decode_scalar(ScalarType::f32, encode_scalar(ScalarType::f32, "0.1", Endian::little).value(),
                    Endian::little),
      "0.1");
  std::mt19937_64 rng(12345);
  for (int i = 0; i < 2000; ++i) {
    const uint64_t bits64 = rng();
    const double d = std::bit_cast<double>(bits64);
    const float f = std::bit_cast<float>(static_cast<uint32_t>(bits64));
    for (Endian e : {Endian::little, Endian::big}) {
      std::vector<std::byte> raw(8);
      store_uint(raw, bits64, e);
      const std::string text = decode_scalar(ScalarType::f64, raw, e);
      Result<std::vector<std::byte>> back = encode_scalar(ScalarType::f64, text, e);
      ASSERT_TRUE(back.ok()) << text << ": " << back.error().message;
      if (!std::isnan(d)) {
        EXPECT_EQ(load_uint(back.value(), e), bits64) << text;
      }

      std::vector<std::byte> raw32(4);
      store_uint(raw32, static_cast<uint32_t>(bits64), e);
      const std::string text32 = decode_scalar(ScalarType::f32, raw32, e);
      Result<std::vector<std::byte>> back32 = encode_scalar(ScalarType::f32, text32, e);
      ASSERT_TRUE(back32.ok()) << text32 << ": " << back32.error().message;
      if (!std::isnan(f)) {
        EXPECT_EQ(load_uint(back32.value(), e), static_cast<uint32_t>(bits64)) << text32;
      }
    }
  }
}

TEST(ValueCodec, IntegerRoundTripAllTypes) {
  std::mt19937_64 rng(777);
  for (ScalarType t : {ScalarType::u8, ScalarType::i8, ScalarType::u16, ScalarType::i16,
                       ScalarType::u32, ScalarType::i32, ScalarType::u64, ScalarType::i64}) {
    const size_t n = scalar_size(t);
    for (int i = 0; i < 500; ++i) {
      std::vector<std::byte> raw(n);
      store_uint(raw, rng(), Endian::big);
      for (Endian e : {Endian::little, Endian::big}) {
        const std::string text = decode_scalar(t, raw, e);
        Result<std::vector<std::byte>> back = encode_scalar(t, text, e);
        ASSERT_TRUE(back.ok()) << scalar_name(t) << " " << text;
        EXPECT_EQ(back.value(), raw) << scalar_name(t) << " " << text;
      }
    }
  }
}

TEST(ValueCodec, LoadStoreUint) {
  std::vector<std::byte> b(8);
  store_uint(b, 0x0102030405060708ull, Endian::little);
  EXPECT_EQ(hex(b), "08 07 06 05 04 03 02 01");
  EXPECT_EQ(load_uint(b, Endian::little), 0x0102030405060708ull);
  EXPECT_EQ(load_uint(b, Endian::big), 0x0807060504030201ull);
  std::vector<std::byte> three(3);
  store_uint(three, 0xabcdef, Endian::big);
  EXPECT_EQ(hex(three), "ab cd ef");
  EXPECT_EQ(load_uint(three, Endian::big), 0xabcdefu);
  EXPECT_EQ(load_uint(three, Endian::little), 0xefcdabu);
  // Bits beyond the width are dropped by store (the caller chose the width).
  std::vector<std::byte> one(1);
  store_uint(one, 0x1234, Endian::little);
  EXPECT_EQ(hex(one), "34");
  // Matches the machine's own layout on this (little-endian) host.
  uint32_t native = 0;
  std::vector<std::byte> four(4);
  store_uint(four, 0xcafef00d, Endian::little);
  std::memcpy(&native, four.data(), 4);
  if constexpr (std::endian::native == std::endian::little) {
    EXPECT_EQ(native, 0xcafef00du);
  }
}

}  // namespace
}  // namespace memview
