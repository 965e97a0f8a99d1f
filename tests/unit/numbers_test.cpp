#include "memview/numbers.h"

#include <gtest/gtest.h>

#include <limits>

namespace memview {
namespace {

std::vector<std::byte> bytes(std::initializer_list<unsigned> v) {
  std::vector<std::byte> out;
  for (unsigned b : v) out.push_back(static_cast<std::byte>(b));
  return out;
}

TEST(ParseU64, DecimalAndHex) {
  EXPECT_EQ(parse_u64("0").value(), 0u);
  EXPECT_EQ(parse_u64("4096").value(), 4096u);
  EXPECT_EQ(parse_u64("0x1000").value(), 4096u);
  EXPECT_EQ(parse_u64("0X1000").value(), 4096u);
  EXPECT_EQ(parse_u64("0xDeadBeef").value(), 0xdeadbeefu);
  EXPECT_EQ(parse_u64("  17 \t").value(), 17u);
  EXPECT_EQ(parse_u64("+5").value(), 5u);
  EXPECT_EQ(parse_u64("0010").value(), 10u);  // leading zeros are decimal, not octal
}

TEST(ParseU64, Limits) {
  EXPECT_EQ(parse_u64("18446744073709551615").value(), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(parse_u64("0xffffffffffffffff").value(), std::numeric_limits<uint64_t>::max());
  EXPECT_FALSE(parse_u64("18446744073709551616").ok());
  EXPECT_FALSE(parse_u64("0x10000000000000000").ok());
  EXPECT_FALSE(parse_u64("99999999999999999999999").ok());
}

TEST(ParseU64, RejectsJunk) {
  for (const char* bad : {"", "  ", "-1", "-0x10", "0x", "12a", "0xg", "1_000", "1'000", "1.5",
                          "1e3", "x10", "10 20", "--1"}) {
    Result<uint64_t> r = parse_u64(bad, "offset");
    ASSERT_FALSE(r.ok()) << "accepted '" << bad << "'";
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
    // The message names the value so the user knows which argument is wrong.
    EXPECT_NE(r.error().message.find("offset"), std::string::npos) << r.error().message;
  }
}

TEST(ParseU64, MessageForNegative) {
  Result<uint64_t> r = parse_u64("-4", "size");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("negative"), std::string::npos);
}

TEST(ParseI64, SignedValues) {
  EXPECT_EQ(parse_i64("-1").value(), -1);
  EXPECT_EQ(parse_i64("-0x10").value(), -16);
  EXPECT_EQ(parse_i64("0x7fffffffffffffff").value(), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(parse_i64("-9223372036854775808").value(), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(parse_i64("-0x8000000000000000").value(), std::numeric_limits<int64_t>::min());
  EXPECT_FALSE(parse_i64("9223372036854775808").ok());
  EXPECT_FALSE(parse_i64("-9223372036854775809").ok());
  EXPECT_FALSE(parse_i64("-").ok());
  EXPECT_FALSE(parse_i64("").ok());
  EXPECT_FALSE(parse_i64("- 1").ok());
}

TEST(ParseMode, Octal) {
  EXPECT_EQ(parse_mode("600").value(), 0600u);
  EXPECT_EQ(parse_mode("0644").value(), 0644u);
  EXPECT_EQ(parse_mode("777").value(), 0777u);
  EXPECT_EQ(parse_mode("0").value(), 0u);
  for (const char* bad :
       {"", "8", "0x1ff", "17777", "rw", "-600", "6 00", "4777", "1000", "2755", "7777"}) {
    EXPECT_FALSE(parse_mode(bad).ok()) << bad;
  }
}

TEST(ParseHexBytes, Forms) {
  const auto expect = bytes({0xde, 0xad, 0xbe, 0xef});
  EXPECT_EQ(parse_hex_bytes("deadbeef").value(), expect);
  EXPECT_EQ(parse_hex_bytes("de ad be ef").value(), expect);
  EXPECT_EQ(parse_hex_bytes("DE:AD:BE:EF").value(), expect);
  EXPECT_EQ(parse_hex_bytes("0xdeadbeef").value(), expect);
  EXPECT_EQ(parse_hex_bytes("  dead beef  ").value(), expect);
  EXPECT_EQ(parse_hex_bytes("00").value(), bytes({0}));
}

TEST(ParseHexBytes, Errors) {
  for (const char* bad : {"", "   ", "abc", "d e", "zz", "de ad b", "0x", "dead beefg", "1 2"}) {
    Result<std::vector<std::byte>> r = parse_hex_bytes(bad);
    ASSERT_FALSE(r.ok()) << "accepted '" << bad << "'";
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
    EXPECT_FALSE(r.error().message.empty());
  }
}

TEST(FormatHexBytes, RoundTrip) {
  const auto b = bytes({0x00, 0x7f, 0x80, 0xff, 0x0a});
  EXPECT_EQ(format_hex_bytes(b.data(), b.size()), "00 7f 80 ff 0a");
  EXPECT_EQ(format_hex_bytes(b.data(), b.size(), ':'), "00:7f:80:ff:0a");
  EXPECT_EQ(format_hex_bytes(b.data(), 0), "");
  EXPECT_EQ(parse_hex_bytes(format_hex_bytes(b.data(), b.size())).value(), b);
  // Every byte value survives a round trip.
  std::vector<std::byte> all;
  for (unsigned i = 0; i < 256; ++i) all.push_back(static_cast<std::byte>(i));
  EXPECT_EQ(parse_hex_bytes(format_hex_bytes(all.data(), all.size())).value(), all);
}

TEST(FormatCopies, CArrayAndPrintableText) {
  const auto b = bytes({0xde, 0xad, 0x41, 0x00, 0x0a});
  EXPECT_EQ(format_c_array(b.data(), b.size()), "{0xde, 0xad, 0x41, 0x00, 0x0a}");
  EXPECT_EQ(format_c_array(b.data(), 0), "{}");
  std::vector<std::byte> row(17, std::byte{1});
  EXPECT_EQ(format_c_array(row.data(), row.size()).find(",\n 0x01"), 16 * 6 - 1)
      << "a line break after 16 bytes";
  EXPECT_EQ(format_printable(b.data(), b.size()), "..A.\n");
  const auto text = bytes({'h', 'i', '\t', 0x7f, 0x80});
  EXPECT_EQ(format_printable(text.data(), text.size()), "hi\t..");
}

}  // namespace
}  // namespace memview
