// Decoding and encoding field values, path resolution, bitfield units and JSON export/import.
// The struct under test is declared twice from one macro: compiled here by g++ (which sets
// and reads the members) and pasted as text into the engine, so every expectation comes
// from the compiler, not from this file.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "memview/layout.h"

namespace memview {
namespace {

#define MV_STR2(...) #__VA_ARGS__
#define MV_STR(...) MV_STR2(__VA_ARGS__)
#define MV_ENUM_DECL enum color { RED, GREEN, BLUE = 7, NEG = -2 }
#define MV_VALUES_DECL         \
  struct vals {                \
    int8_t i8;                 \
    uint8_t u8;                \
    int16_t i16;               \
    uint16_t u16;              \
    int32_t i32;               \
    uint32_t u32;              \
    int64_t i64;               \
    uint64_t u64;              \
    bool b;                    \
    float f;                   \
    double d;                  \
    long double ld;            \
    void* p;                   \
    enum color col;            \
    char text[8];              \
    int sb : 5;                \
    unsigned ub : 11;          \
    unsigned long long w : 40; \
    enum color cb : 4;         \
    uint32_t arr[3];           \
    struct pair {              \
      uint16_t lo, hi;         \
    } pairs[2];                \
    struct {                   \
      uint8_t x, y;            \
    } pos;                     \
  }
MV_ENUM_DECL;
MV_VALUES_DECL;

const char* const kDecls = "#include <stdint.h>\n#include <stdbool.h>\n" MV_STR(
    MV_ENUM_DECL) ";\n" MV_STR(MV_VALUES_DECL) ";\n";

class LayoutValues : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!layout_parser_available()) GTEST_SKIP() << "built without libclang";
    Result<Declarations> d = parse_declarations(kDecls);
    ASSERT_TRUE(d.ok()) << d.error().message;
    Result<Layout> l = d->layout("struct vals");
    ASSERT_TRUE(l.ok()) << l.error().message;
    layout_ = *l;
    ASSERT_EQ(layout_.size, sizeof(vals));
  }
  const Field& f(const char* path) {
    const Field* p = layout_.find(path);
    EXPECT_NE(p, nullptr) << path;
    static Field none;
    return p ? *p : none;
  }
  std::string text(const vals& v, const char* path) {
    Result<FieldValue> r = decode_field(f(path), bytes_of(v));
    EXPECT_TRUE(r.ok()) << path << ": " << (r.ok() ? "" : r.error().message);
    return r ? r->text : "";
  }
  static std::span<const std::byte> bytes_of(const vals& v) {
    return {reinterpret_cast<const std::byte*>(&v), sizeof v};
  }
  static std::span<std::byte> bytes_of(vals& v) {
    return {reinterpret_cast<std::byte*>(&v), sizeof v};
  }
  Layout layout_;
};

vals sample() {
  vals v;
  std::memset(&v, 0, sizeof v);
  v.i8 = -128;
  v.u8 = 255;
  v.i16 = -12345;
  v.u16 = 65535;
  v.i32 = INT32_MIN;
  v.u32 = 4000000000u;
  v.i64 = INT64_MIN;
  v.u64 = UINT64_MAX;
  v.b = true;
  v.f = 1.5f;
  v.d = -0.1;
  v.ld = 2.5L;
  v.p = reinterpret_cast<void*>(uintptr_t{0x7ffd12345678});
  v.col = BLUE;
  std::memcpy(v.text, "hi\n\x01", 5);
  v.sb = -7;
  v.ub = 1234;
  v.w = 0xABCDEF1234ull;
  v.cb = GREEN;
  v.arr[0] = 1;
  v.arr[1] = 2;
  v.arr[2] = 3;
  v.pairs[1].hi = 9;
  v.pos.y = 200;
  return v;
}

TEST_F(LayoutValues, DecodesWhatTheCompilerWrote) {
  const vals v = sample();
  EXPECT_EQ(text(v, "i8"), "-128");
  EXPECT_EQ(text(v, "u8"), "255");
  EXPECT_EQ(text(v, "i16"), "-12345");
  EXPECT_EQ(text(v, "u16"), "65535");
  EXPECT_EQ(text(v, "i32"), "-2147483648");
  EXPECT_EQ(text(v, "u32"), "4000000000");
  EXPECT_EQ(text(v, "i64"), "-9223372036854775808");
  EXPECT_EQ(text(v, "u64"), "18446744073709551615");
  EXPECT_EQ(text(v, "b"), "true");
  EXPECT_EQ(text(v, "f"), "1.5");
  EXPECT_EQ(text(v, "d"), "-0.1");
  EXPECT_EQ(text(v, "ld"), "2.5");
  EXPECT_EQ(text(v, "p"), "0x00007ffd12345678");
  EXPECT_EQ(text(v, "col"), "BLUE");
  EXPECT_EQ(text(v, "text"), "hi\\n\\x01");
  EXPECT_EQ(text(v, "sb"), "-7");
  EXPECT_EQ(text(v, "ub"), "1234");
  EXPECT_EQ(text(v, "w"), std::to_string(0xABCDEF1234ull));
  EXPECT_EQ(text(v, "cb"), "GREEN");
  EXPECT_EQ(text(v, "arr"), "[1, 2, 3]");
  EXPECT_EQ(text(v, "pairs"), "[{lo: 0, hi: 0}, {lo: 0, hi: 9}]");
  EXPECT_EQ(text(v, "pos"), "{...}");
  EXPECT_EQ(text(v, "pos.y"), "200");

  Result<FieldValue> sb = decode_field(f("sb"), bytes_of(v));
  EXPECT_EQ(sb->integer, -7);
  EXPECT_EQ(sb->bits, 0x19u);  // -7 in 5 bits
  Result<FieldValue> col = decode_field(f("col"), bytes_of(v));
  ASSERT_NE(col->enumerator, nullptr);
  EXPECT_EQ(col->enumerator->value, 7);
  EXPECT_DOUBLE_EQ(decode_field(f("d"), bytes_of(v))->number, -0.1);
}

TEST_F(LayoutValues, EnumValuesWithoutAConstantDecodeAsNumbers) {
  vals v = sample();
  v.col = NEG;
  EXPECT_EQ(text(v, "col"), "NEG");
  v.col = static_cast<color>(3);
  EXPECT_EQ(text(v, "col"), "3");
  v.cb = static_cast<color>(-1);  // -1 in the 4-bit field
  EXPECT_EQ(text(v, "cb"), "-1");
}

TEST_F(LayoutValues, EncodesWhatTheCompilerReads) {
  vals v;
  std::memset(&v, 0, sizeof v);
  auto set = [&](const char* path, const char* value) {
    Status st = encode_field(f(path), value, bytes_of(v));
    EXPECT_TRUE(st.ok()) << path << "=" << value << ": " << (st.ok() ? "" : st.error().message);
  };
  set("i8", "-128");
  set("u8", "0xff");
  set("i16", "-0x10");
  set("u32", "4000000000");
  set("i64", "-9223372036854775808");
  set("u64", "18446744073709551615");
  set("b", "TRUE");
  set("f", "0.25");
  set("d", "1e300");
  set("ld", "-3.5");
  set("p", "0x1000");
  set("col", "NEG");
  set("text", "a\\tb\\x41");
  set("sb", "-16");
  set("ub", "2047");
  set("w", "0xFFFFFFFFFF");
  set("cb", "BLUE");
  set("pos.x", "17");
  Result<Field> a1 = resolve_field(layout_, "arr[1]");
  ASSERT_TRUE(a1.ok());
  ASSERT_TRUE(encode_field(*a1, "77", bytes_of(v)).ok());
  Result<Field> hi = resolve_field(layout_, "pairs[1].hi");
  ASSERT_TRUE(hi.ok()) << hi.error().message;
  ASSERT_TRUE(encode_field(*hi, "65535", bytes_of(v)).ok());

  EXPECT_EQ(v.i8, -128);
  EXPECT_EQ(v.u8, 255);
  EXPECT_EQ(v.i16, -16);
  EXPECT_EQ(v.u32, 4000000000u);
  EXPECT_EQ(v.i64, INT64_MIN);
  EXPECT_EQ(v.u64, UINT64_MAX);
  EXPECT_TRUE(v.b);
  EXPECT_EQ(v.f, 0.25f);
  EXPECT_EQ(v.d, 1e300);
  EXPECT_EQ(v.ld, -3.5L);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(v.p), 0x1000u);
  EXPECT_EQ(v.col, NEG);
  EXPECT_EQ(std::string(v.text, 4), "a\tbA");
  EXPECT_EQ(v.text[4], '\0');
  EXPECT_EQ(v.sb, -16);
  EXPECT_EQ(v.ub, 2047u);
  EXPECT_EQ(v.w, 0xFFFFFFFFFFull);
  EXPECT_EQ(v.cb, BLUE);
  EXPECT_EQ(v.pos.x, 17);
  EXPECT_EQ(v.arr[1], 77u);
  EXPECT_EQ(v.pairs[1].hi, 65535);
  EXPECT_EQ(v.pairs[1].lo, 0);
}

TEST_F(LayoutValues, TextRoundTripsAndZeroFills) {
  vals v;
  std::memset(&v, 0x55, sizeof v);
  ASSERT_TRUE(encode_field(f("text"), "x\\\\y\\0z", bytes_of(v)).ok());
  EXPECT_EQ(std::memcmp(v.text, "x\\y\0z\0\0\0", 8), 0);
  EXPECT_EQ(text(v, "text"), "x\\\\y");                                // stops at the NUL
  ASSERT_TRUE(encode_field(f("text"), "12345678", bytes_of(v)).ok());  // exactly fills, no NUL
  EXPECT_EQ(text(v, "text"), "12345678");
}

TEST_F(LayoutValues, BitfieldWritesChangeOnlyTheirOwnBits) {
  std::mt19937_64 rng(42);
  for (const char* path : {"sb", "ub", "w", "cb"}) {
    // The field's bits, as the compiler places them.
    vals mask_obj;
    std::memset(&mask_obj, 0, sizeof mask_obj);
    if (std::string(path) == "sb") mask_obj.sb = -1;
    if (std::string(path) == "ub") mask_obj.ub = 0x7ff;
    if (std::string(path) == "w") mask_obj.w = 0xFFFFFFFFFFull;
    if (std::string(path) == "cb") mask_obj.cb = static_cast<color>(-1);
    for (int round = 0; round < 50; ++round) {
      vals v;
      auto* raw = reinterpret_cast<unsigned char*>(&v);
      for (size_t i = 0; i < sizeof v; ++i) raw[i] = static_cast<unsigned char>(rng());
      vals before = v;
      ASSERT_TRUE(encode_field(f(path), "1", bytes_of(v)).ok()) << path;
      const auto* m = reinterpret_cast<const unsigned char*>(&mask_obj);
      const auto* b = reinterpret_cast<const unsigned char*>(&before);
      for (size_t i = 0; i < sizeof v; ++i) {
        ASSERT_EQ(raw[i] & ~m[i], b[i] & ~m[i]) << path << " touched byte " << i;
      }
      EXPECT_EQ(text(v, path), std::string(path) == "cb" ? "GREEN" : "1");
    }
  }
}

TEST_F(LayoutValues, BadValuesAreErrorsAndLeaveBytesAlone) {
  const vals v0 = sample();
  const struct {
    const char* path;
    const char* value;
  } bad[] = {
      {"i8", "128"},         {"i8", "-129"},         {"u8", "-1"},
      {"u8", "256"},         {"u16", "1x"},          {"u64", "18446744073709551616"},
      {"i32", ""},           {"sb", "16"},           {"sb", "-17"},
      {"ub", "2048"},        {"w", "0x10000000000"}, {"b", "2"},
      {"b", "yes"},          {"f", "1e39"},          {"f", "abc"},
      {"d", "1e999"},        {"col", "PURPLE"},      {"cb", "8"},
      {"text", "123456789"}, {"text", "bad\\q"},     {"arr", "1"},
      {"pos", "1"},          {"pairs", "{}"},
  };
  for (const auto& c : bad) {
    vals v;
    std::memcpy(&v, &v0, sizeof v);  // padding included: every byte is compared below
    Status st = encode_field(f(c.path), c.value, bytes_of(v));
    EXPECT_FALSE(st.ok()) << c.path << "=" << c.value;
    if (!st.ok()) {
      EXPECT_NE(st.error().message.find(c.path), std::string::npos) << st.error().message;
    }
    const std::span<const std::byte> after = bytes_of(v), before = bytes_of(v0);
    EXPECT_TRUE(std::equal(after.begin(), after.end(), before.begin()))
        << c.path << "=" << c.value << " wrote bytes";
  }
}

TEST_F(LayoutValues, DecodeNeedsTheBytesOfTheField) {
  const vals v = sample();
  const Field& last = f("pos.y");
  Result<FieldValue> r = decode_field(last, bytes_of(v).first(last.offset));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::out_of_range);
  std::vector<std::byte> small(4);
  EXPECT_FALSE(encode_field(last, "1", small).ok());
}

TEST_F(LayoutValues, HostileFieldDescriptionsAreRefused) {
  std::vector<std::byte> buf(64);
  Field f1;
  f1.path = "x";
  f1.kind = FieldKind::signed_int;
  f1.size = 16;  // no 16-byte integers
  EXPECT_FALSE(decode_field(f1, buf).ok());
  f1.size = 4;
  f1.bit_width = 70;
  EXPECT_FALSE(decode_field(f1, buf).ok());
  EXPECT_FALSE(encode_field(f1, "1", buf).ok());
  Field arr;
  arr.path = "a";
  arr.kind = FieldKind::array;
  arr.size = 8;
  arr.count = 2;  // no element description
  EXPECT_FALSE(decode_field(arr, buf).ok());
  Field far;
  far.path = "far";
  far.kind = FieldKind::unsigned_int;
  far.size = 8;
  far.offset = UINT64_MAX - 3;
  far.bit_offset = 0;
  EXPECT_FALSE(decode_field(far, buf).ok());
}

TEST_F(LayoutValues, ResolvesPathsWithIndices) {
  Result<Field> e = resolve_field(layout_, "pairs[1].hi");
  ASSERT_TRUE(e.ok()) << e.error().message;
  EXPECT_EQ(e->offset, offsetof(vals, pairs) + sizeof(vals::pair) + offsetof(vals::pair, hi));
  EXPECT_EQ(e->path, "pairs[1].hi");
  Result<Field> a = resolve_field(layout_, "arr[0x2]");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->offset, offsetof(vals, arr) + 8);
  EXPECT_EQ(resolve_field(layout_, "arr[3]").error().code, Errc::out_of_range);
  EXPECT_EQ(resolve_field(layout_, "nope").error().code, Errc::not_found);
  for (const char* bad : {"", ".i8", "i8.x", "arr[", "arr[]", "arr[1", "arr[z]", "i8[0]",
                          "pairs[0]..lo", "pairs[0]lo", "pos.", "[0]"}) {
    EXPECT_FALSE(resolve_field(layout_, bad).ok()) << bad;
  }
  Result<std::vector<Field>> sub = resolve_subtree(layout_, "pos");
  ASSERT_TRUE(sub.ok());
  ASSERT_EQ(sub->size(), 3u);
  EXPECT_EQ((*sub)[2].path, "pos.y");
  EXPECT_EQ((*sub)[2].offset, offsetof(vals, pos) + 1);
  Result<std::vector<Field>> el = resolve_subtree(layout_, "pairs[1]");
  ASSERT_TRUE(el.ok());
  ASSERT_EQ(el->size(), 3u);
  EXPECT_EQ((*el)[1].path, "pairs[1].lo");
  EXPECT_EQ((*el)[1].offset, offsetof(vals, pairs) + sizeof(vals::pair));
  Result<Field> elem = element_field(f("arr"), 2);
  ASSERT_TRUE(elem.ok());
  EXPECT_EQ(elem->path, "arr[2]");
  EXPECT_FALSE(element_field(f("i8"), 0).ok());
}

TEST_F(LayoutValues, TreeHelpersForTheGui) {
  // pre-order walk: pos's subtree is pos.x, pos.y
  const size_t pos = static_cast<size_t>(layout_.find("pos") - layout_.fields.data());
  EXPECT_EQ(layout_.subtree_end(pos), pos + 3);
  EXPECT_EQ(layout_.subtree_end(0), 1u);
  EXPECT_EQ(layout_.subtree_end(999), layout_.fields.size());
  // hovering a byte finds the innermost field; padding finds nothing
  EXPECT_EQ(layout_.fields[layout_.innermost_at(offsetof(vals, pos) + 1)].path, "pos.y");
  EXPECT_EQ(layout_.fields[layout_.innermost_at(offsetof(vals, d) + 7)].path, "d");
  ASSERT_GT(offsetof(vals, i32), offsetof(vals, u16) + 2);  // padding before i32
  EXPECT_EQ(layout_.innermost_at(offsetof(vals, u16) + 2), -1);
  EXPECT_EQ(layout_.innermost_at(sizeof(vals)), -1);
  const FieldBytes sb = field_bytes(f("sb"));
  EXPECT_EQ(sb.end - sb.first, 1u);
  const FieldBytes w = field_bytes(f("w"));
  EXPECT_EQ(w.first, f("w").bit_offset / 8);
  EXPECT_EQ(w.end, (f("w").bit_offset + 40 + 7) / 8);
  EXPECT_EQ(field_bytes(f("arr")).end - field_bytes(f("arr")).first, sizeof(vals::arr));
}

TEST_F(LayoutValues, EncodeFieldBytesForAnEditor) {
  Result<std::vector<std::byte>> b = encode_field_bytes(f("u16"), "0x1234");
  ASSERT_TRUE(b.ok());
  ASSERT_EQ(b->size(), 2u);
  uint16_t v = 0;
  std::memcpy(&v, b->data(), 2);
  EXPECT_EQ(v, 0x1234);
  Result<std::vector<std::byte>> t = encode_field_bytes(f("text"), "ab");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->size(), 8u);
  EXPECT_EQ((*t)[2], std::byte{0});
  EXPECT_FALSE(encode_field_bytes(f("sb"), "1").ok());  // bitfield: use write_field
  EXPECT_FALSE(encode_field_bytes(f("u16"), "70000").ok());
}

TEST(LayoutBitfieldUnits, NaturallyAlignedUnitsInsideTheObject) {
  Field f;
  f.path = "bf";
  f.kind = FieldKind::unsigned_int;
  f.size = 4;
  f.bit_offset = 35;  // byte 4, bit 3
  f.offset = 4;
  f.bit_width = 4;
  std::vector<BitfieldUnit> u = bitfield_units(f, 0x1000, 0x1000, 0x2000);
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].address, 0x1004u);
  EXPECT_EQ(u[0].width, 1u);
  EXPECT_EQ(u[0].shift, 3u);
  EXPECT_EQ(u[0].mask, 0x78u);
  // 6 bits from bit 6: crosses a byte, stays in a 2-byte unit
  f.bit_offset = 38;
  f.bit_width = 6;
  u = bitfield_units(f, 0x1000, 0x1000, 0x2000);
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].address, 0x1004u);
  EXPECT_EQ(u[0].width, 2u);
  EXPECT_EQ(u[0].shift, 6u);
  // an odd base address changes the units
  u = bitfield_units(f, 0x1001, 0x1000, 0x2000);
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].address, 0x1004u);
  EXPECT_EQ(u[0].width, 4u);
  EXPECT_EQ(u[0].shift, 14u);
  // a packed field across an 8-byte boundary: two units, pieces in order
  f.size = 8;
  f.bit_offset = 60;
  f.offset = 7;
  f.bit_width = 10;
  u = bitfield_units(f, 0x1000, 0x1000, 0x2000);
  ASSERT_EQ(u.size(), 2u);
  EXPECT_EQ(u[0].address, 0x1007u);
  EXPECT_EQ(u[0].width, 1u);
  EXPECT_EQ(u[0].field_bit, 0u);
  EXPECT_EQ(u[1].address, 0x1008u);
  EXPECT_EQ(u[1].width, 1u);
  EXPECT_EQ(u[1].field_bit, 4u);
  EXPECT_EQ(u[1].mask, 0x3fu);
  // the 4-byte unit that would cover bytes 0x1ffd..0x1ffe reaches past an object ending
  // at 0x1fff: the field is written byte by byte instead
  f.size = 4;
  f.bit_offset = 4;
  f.offset = 0;
  f.bit_width = 8;
  u = bitfield_units(f, 0x1ffd, 0x1000, 0x2000);
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].address, 0x1ffcu);
  EXPECT_EQ(u[0].width, 4u);
  u = bitfield_units(f, 0x1ffd, 0x1000, 0x1fff);
  ASSERT_EQ(u.size(), 2u);
  EXPECT_EQ(u[0].address, 0x1ffdu);
  EXPECT_EQ(u[0].width, 1u);
  EXPECT_EQ(u[1].address, 0x1ffeu);
  EXPECT_EQ(u[1].field_bit, 4u);
}

TEST_F(LayoutValues, JsonRoundTripIsExact) {
  const std::string full = layout_to_json(layout_, LayoutJson::full);
  Result<Layout> back = layout_from_json(full);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(layout_to_json(*back, LayoutJson::full), full);
  ASSERT_EQ(back->fields.size(), layout_.fields.size());
  const Field* col = back->find("col");
  ASSERT_NE(col, nullptr);
  EXPECT_EQ(col->constants().size(), 4u);
  // and it decodes the same bytes the same way
  const vals v = sample();
  for (size_t i = 0; i < layout_.fields.size(); ++i) {
    Result<FieldValue> a = decode_field(layout_.fields[i], bytes_of(v));
    Result<FieldValue> b = decode_field(back->fields[i], bytes_of(v));
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(a->text, b->text) << layout_.fields[i].path;
  }
}

TEST_F(LayoutValues, BriefJsonHasTheIssueShape) {
  const std::string brief = layout_to_json(layout_, LayoutJson::brief);
  EXPECT_EQ(brief.rfind("{\"type\":\"struct vals\",\"size\":" + std::to_string(sizeof(vals)) +
                            ",\"align\":16,\"fields\":[{\"path\":\"i8\",\"offset\":0,"
                            "\"bit_offset\":0,\"bit_width\":null,\"size\":1,\"type\":\"int8_t\","
                            "\"count\":null}",
                        0),
            0u)
      << brief.substr(0, 200);
  EXPECT_NE(brief.find("{\"path\":\"arr\",\"offset\":" + std::to_string(offsetof(vals, arr))),
            std::string::npos);
  EXPECT_NE(brief.find("\"bit_width\":5,"), std::string::npos);
  // brief is for people and scripts, not for import
  EXPECT_FALSE(layout_from_json(brief).ok());
}

TEST_F(LayoutValues, CorruptJsonIsRejected) {
  const std::string full = layout_to_json(layout_, LayoutJson::full);
  auto replaced = [&](const std::string& from, const std::string& to) {
    std::string s = full;
    const size_t p = s.find(from);
    EXPECT_NE(p, std::string::npos) << from;
    if (p != std::string::npos) s.replace(p, from.size(), to);
    return s;
  };
  const std::string cases[] = {
      "",
      "[]",
      "{\"format\":\"memview.layout\",\"version\":2}",
      full.substr(0, full.size() / 2),
      replaced("\"size\":" + std::to_string(sizeof(vals)), "\"size\":4"),  // fields outside
      replaced("\"kind\":\"signed_int\"", "\"kind\":\"quantum\""),
      replaced("\"offset\":0,", "\"offset\":-1,"),
      replaced("\"bit_width\":5", "\"bit_width\":99"),
      replaced("\"bit_width\":5", "\"bit_width\":\"5\""),
      replaced("\"align\":16", "\"align\":3"),
      replaced("\"parent\":-1", "\"parent\":5"),
      replaced("\"count\":3", "\"count\":4"),
      replaced("\"kind\":\"text\"", "\"kind\":\"record\""),
  };
  for (const std::string& c : cases) {
    Result<Layout> r = layout_from_json(c);
    EXPECT_FALSE(r.ok()) << c.substr(0, 120);
    if (!r.ok()) {
      EXPECT_EQ(r.error().message.rfind("layout JSON", 0), 0u) << r.error().message;
    }
  }
}

TEST(LayoutKinds, NamesRoundTrip) {
  for (FieldKind k : {FieldKind::signed_int, FieldKind::unsigned_int, FieldKind::boolean,
                      FieldKind::floating, FieldKind::enumeration, FieldKind::pointer,
                      FieldKind::text, FieldKind::array, FieldKind::record, FieldKind::opaque}) {
    EXPECT_EQ(field_kind_from_name(field_kind_name(k)), k);
  }
  EXPECT_FALSE(field_kind_from_name("int").has_value());
}

}  // namespace
}  // namespace memview
