#include <gtest/gtest.h>

#include "memview/source_spec.h"

using namespace memview;

TEST(SourceSpec, SchemesAreRecognised) {
  EXPECT_EQ(parse_source_spec("shm:foo")->text(), "shm:/foo");
  EXPECT_EQ(parse_source_spec("foo")->text(), "shm:/foo");
  // Names are bytes: leading and trailing blanks are part of the name.
  EXPECT_EQ(parse_source_spec("/foo \n")->text(), "shm:/foo \n");
  EXPECT_EQ(parse_source_spec("sysv:0x10")->text(), "sysv:16");
  EXPECT_EQ(parse_source_spec("sysvkey:4660")->text(), "sysvkey:0x00001234");
  EXPECT_EQ(parse_source_spec("file:/tmp/../tmp/x")->text(), "file:/tmp/x");
}

TEST(SourceSpec, UnknownSchemeIsABareName) {
  // ':' is legal in a shm name; only registered schemes are prefixes.
  Result<SourceSpec> s = parse_source_spec("weird:name");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->text(), "shm:/weird:name");
}

TEST(SourceSpec, EmptyIsAnError) {
  EXPECT_FALSE(parse_source_spec(""));
  EXPECT_FALSE(parse_source_spec("   "));
  EXPECT_FALSE(parse_source_spec(" \n\t"));
}

TEST(SourceSpec, EveryBackendHasASyntaxAndDescription) {
  ASSERT_GE(source_backends().size(), 4u);
  for (const SourceBackend& b : source_backends()) {
    EXPECT_STRNE(b.scheme, "");
    EXPECT_STRNE(b.syntax, "");
    EXPECT_STRNE(b.description, "");
    EXPECT_NE(b.open, nullptr);
  }
}
