// Trigger expressions: parse errors with their column, every operator, and/or/not, rising
// edges, layout paths through the resolver, binding to the sampled ranges.
#include "memview/trigger.h"

#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace memview {
namespace {

using State = std::vector<std::vector<std::byte>>;

State with_u32(uint32_t at, uint32_t value, State s = {std::vector<std::byte>(64)}) {
  std::memcpy(s[0].data() + at, &value, sizeof value);
  return s;
}

Trigger parsed(const std::string& text) {
  Result<Trigger> t = Trigger::parse(text);
  EXPECT_TRUE(t.ok()) << text << ": " << (t.ok() ? "" : t.error().message);
  Trigger out = std::move(*t);
  EXPECT_TRUE(out.bind({{0x100, 64}}).ok());
  return out;
}

// Feeds the values of the u32 at 0x110 and returns on which samples the trigger fired.
std::vector<size_t> fires(const std::string& text, const std::vector<uint32_t>& values) {
  Trigger t = parsed(text);
  std::vector<size_t> out;
  for (size_t i = 0; i < values.size(); ++i) {
    if (t.evaluate(with_u32(0x10, values[i]))) out.push_back(i);
  }
  return out;
}

TEST(Trigger, Comparisons) {
  using V = std::vector<size_t>;
  EXPECT_EQ(fires("u32@0x110 > 100", {5, 101, 102, 7, 200}), (V{1, 4}));
  EXPECT_EQ(fires("u32@0x110 >= 100", {100, 5}), (V{0}));
  EXPECT_EQ(fires("u32@0x110 == 7", {7, 7, 8, 7}), (V{0, 3}));
  EXPECT_EQ(fires("u32@0x110 != 7", {7, 8, 9, 7}), (V{1}));
  EXPECT_EQ(fires("u32@0x110 < 3", {5, 2, 1}), (V{1}));
  EXPECT_EQ(fires("u32@0x110 <= 3", {3}), (V{0}));
  EXPECT_EQ(fires("u32@0x110 changed", {1, 1, 2, 3, 3}), (V{2, 3}));
  EXPECT_EQ(fires("u32@0x110 crosses above 10", {11, 9, 10, 11, 20, 9, 12}), (V{3, 6}));
  EXPECT_EQ(fires("u32@0x110 crosses below 10", {9, 11, 9, 12, 10, 3}), (V{2, 5}));
  EXPECT_EQ(fires("u32@0x110 crosses 10", {5, 15, 5}), (V{1, 2}));
  EXPECT_EQ(fires("u32@0x110 bit 3 set", {0, 8, 9, 1, 8}), (V{1, 4}));
  EXPECT_EQ(fires("u32@0x110 bit 0 cleared", {1, 0, 2, 3}), (V{1}));
  EXPECT_EQ(fires("i32@0x110 < 0", {1, 0xffffffffu}), (V{1}));
  EXPECT_EQ(fires("u32@0x110 > 1.5", {1, 2}), (V{1}));
  EXPECT_EQ(fires("u32@0x110 == 0x10", {16}), (V{0}));
}

TEST(Trigger, AndOrNotEvaluateEveryCondition) {
  using V = std::vector<size_t>;
  EXPECT_EQ(fires("u32@0x110 > 5 and u32@0x110 < 10", {1, 6, 7, 11, 8}), (V{1, 4}));
  EXPECT_EQ(fires("u32@0x110 == 1 || u32@0x110 == 3", {1, 2, 3}), (V{0, 2}));
  EXPECT_EQ(fires("not u32@0x110 == 1", {1, 2}), (V{1}));
  EXPECT_EQ(fires("!(u32@0x110 == 1 or u32@0x110 == 2) && u32@0x110 changed", {1, 2, 3}), (V{2}));
  // "changed" sees every sample even when the left side of "and" is false.
  EXPECT_EQ(fires("u32@0x110 > 100 and u32@0x110 changed", {1, 200, 200, 300}), (V{1, 3}));
}

TEST(Trigger, FloatsBytesAndDescribe) {
  Trigger t = parsed("f64@0x100 > 2.5 or bytes@0x120+4 changed");
  State s = {std::vector<std::byte>(64)};
  EXPECT_FALSE(t.evaluate(s));
  double d = 3.0;
  std::memcpy(s[0].data(), &d, sizeof d);
  EXPECT_TRUE(t.evaluate(s));
  EXPECT_EQ(t.describe(s), "f64@0x100 = 3, bytes@0x120+4 = 00 00 00 00");
  EXPECT_EQ(t.operands().size(), 2u);
}

TEST(Trigger, ErrorsNameTheColumn) {
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"", "at column 1: the trigger is empty"},
      {"u32@0x40 >", "at column 11: expected a number"},
      {"u32@0x40 > x", "at column 12: expected a number"},
      {"u33@0x40 > 1", "at column 1: unknown type 'u33'"},
      {"u32@zz > 1", "at column 5: expected an address"},
      {"u32@0x40 ~ 1", "at column 10: expected changed"},
      {"u32@0x40 > 1 and", "at column 17: expected a field"},
      {"(u32@0x40 > 1", "at column 14: expected ')'"},
      {"u32@0x40 > 1 u8@1 changed", "at column 14: expected 'and', 'or' or the end"},
      {"bytes@0x40+4 > 1", "at column 14: raw bytes can only be tested with 'changed'"},
      {"bytes@0x40 changed", "at column 1: expected bytes@ADDRESS+LENGTH"},
      {"u8@0 bit 8 set", "at column 10: expected a bit number"},
      {"u8@0 bit 1 on", "at column 12: expected 'set' or 'cleared'"},
      {"speed > 1", "at column 1: 'speed' is not a typed address"},
  };
  for (const Case& c : cases) {
    Result<Trigger> t = Trigger::parse(c.text);
    ASSERT_FALSE(t.ok()) << c.text;
    EXPECT_NE(t.error().message.find(c.message), std::string::npos)
        << c.text << " -> " << t.error().message;
  }
  std::string deep(200, '(');
  EXPECT_FALSE(Trigger::parse(deep + "u8@0 changed").ok());
}

TEST(Trigger, PathsGoThroughTheResolver) {
  const TriggerResolver resolver = [](std::string_view path) -> Result<TriggerOperand> {
    if (path == "telemetry.speed_kmh") return TriggerOperand{0x110, 4, ScalarType::u32};
    return make_error(Errc::not_found, "no field '" + std::string(path) + "'");
  };
  Result<Trigger> t = Trigger::parse("telemetry.speed_kmh > 100", resolver);
  ASSERT_TRUE(t.ok());
  ASSERT_TRUE(t->bind({{0x100, 64}}).ok());
  EXPECT_FALSE(t->evaluate(with_u32(0x10, 100)));
  EXPECT_TRUE(t->evaluate(with_u32(0x10, 101)));
  Result<Trigger> bad = Trigger::parse("u8@0 changed or nope == 1", resolver);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("at column 17: no field 'nope'"), std::string::npos);
}

TEST(Trigger, BindRefusesOperandsOutsideTheRanges) {
  Result<Trigger> t = Trigger::parse("u32@0x13e changed");
  ASSERT_TRUE(t.ok());
  Status bound = t->bind({{0x100, 64}});
  ASSERT_FALSE(bound.ok());
  EXPECT_NE(bound.error().message.find("not inside the recorded ranges"), std::string::npos);
  EXPECT_TRUE(t->bind({{0x100, 64}, {0x13c, 8}}).ok());
}

}  // namespace
}  // namespace memview
