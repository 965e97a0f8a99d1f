#include "memview/json_bytes.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace memview {
namespace {

TEST(TextBytes, Utf8ValidationMatchesTheJsonLibrary) {
  // Every string nlohmann::json accepts for dump() must be "valid" here and vice versa:
  // otherwise json_from_bytes would hand dump() a string it throws on.
  std::mt19937 rng(7);
  const std::string pieces[] = {
      "a",    "\n",       "\xc3\xa9",     "\xe2\x82\xac",     "\xf0\x9f\x98\x80", "\xff",
      "\xfe", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe0\x80\xaf",     "\x80",
      "\xc3", "\xe2\x82", "\x7f"};
  for (int round = 0; round < 20000; ++round) {
    std::string s;
    const int n = static_cast<int>(rng() % 6);
    for (int k = 0; k < n; ++k) s += pieces[rng() % std::size(pieces)];
    if (round % 3 == 0) s.push_back(static_cast<char>(rng() % 256));
    bool dump_ok = true;
    try {
      (void)nlohmann::json(s).dump();
    } catch (const nlohmann::json::type_error&) {
      dump_ok = false;
    }
    ASSERT_EQ(is_valid_utf8(s), dump_ok) << hex_encode(s);
  }
}

TEST(JsonBytes, ValidUtf8StaysAPlainString) {
  const nlohmann::json j = json_from_bytes("shm:/caf\xc3\xa9");
  ASSERT_TRUE(j.is_string());
  EXPECT_EQ(j.get<std::string>(), "shm:/caf\xc3\xa9");
}

TEST(JsonBytes, InvalidBytesRoundTripThroughText) {
  const std::string name = "shm:/bad\xff\xfename\nwith newline";
  const nlohmann::json j = json_from_bytes(name);
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j["hex"], hex_encode(name));
  EXPECT_EQ(j["text"], "shm:/bad\xef\xbf\xbd\xef\xbf\xbdname\nwith newline");
  // Serialised and parsed again, as a file or a socket would carry it.
  const nlohmann::json back = nlohmann::json::parse(json_dump(j));
  Result<std::string> bytes = bytes_from_json(back, "spec");
  ASSERT_TRUE(bytes) << bytes.error().message;
  EXPECT_EQ(*bytes, name);
}

TEST(JsonBytes, EveryByteStringRoundTrips) {
  std::mt19937 rng(11);
  for (int round = 0; round < 2000; ++round) {
    std::string s(rng() % 40, '\0');
    for (char& c : s) c = static_cast<char>(rng() % 256);
    const std::string text = json_dump(nlohmann::ordered_json::array({json_from_bytes(s)}));
    const auto parsed = nlohmann::ordered_json::parse(text);
    Result<std::string> back = bytes_from_json(parsed[0], "x");
    ASSERT_TRUE(back) << back.error().message;
    ASSERT_EQ(*back, s);
  }
}

TEST(JsonBytes, ReadersRefuseWhatIsNotAName) {
  EXPECT_FALSE(bytes_from_json(nlohmann::json(5), "spec"));
  EXPECT_FALSE(bytes_from_json(nlohmann::json::object(), "spec"));
  EXPECT_FALSE(bytes_from_json(nlohmann::json{{"hex", "abc"}}, "spec"));  // odd length
  Result<std::string> bad = bytes_from_json(nlohmann::json{{"hex", "zz"}}, "sources[2].spec");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("sources[2].spec"), std::string::npos);
}

TEST(TextBytes, PrintableTextIsOneLineOfValidUtf8) {
  EXPECT_EQ(printable_text("plain caf\xc3\xa9"), "plain caf\xc3\xa9");
  EXPECT_EQ(printable_text("a\nb\tc\rd"), "a\\nb\\tc\\rd");
  EXPECT_EQ(printable_text("bad\xff\xfe"), "bad\\xff\\xfe");
  EXPECT_EQ(printable_text(std::string("nul\0x", 5)), "nul\\x00x");
  EXPECT_EQ(printable_text("\x1b[31m"), "\\x1b[31m");  // no terminal escapes pass through
  std::mt19937 rng(3);
  for (int round = 0; round < 2000; ++round) {
    std::string s(rng() % 30, '\0');
    for (char& c : s) c = static_cast<char>(rng() % 256);
    const std::string p = printable_text(s);
    ASSERT_TRUE(is_valid_utf8(p));
    ASSERT_EQ(p.find('\n'), std::string::npos);
  }
}

TEST(TextBytes, HexRoundTrip) {
  EXPECT_EQ(hex_encode("a\xff"), "61ff");
  EXPECT_EQ(*hex_decode("61FF"), "a\xff");
  EXPECT_FALSE(hex_decode("6"));
  EXPECT_FALSE(hex_decode("6g"));
}

}  // namespace
}  // namespace memview
