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

TEST(SourceSpec, SyntaxTextComesFromTheRegistry) {
  const std::string open = source_spec_syntax();
  EXPECT_EQ(open.rfind("NAME, shm:NAME, ", 0), 0u) << open;  // a bare NAME, what it means
  for (const SourceBackend& b : source_backends()) {
    EXPECT_NE(open.find(b.syntax), std::string::npos) << b.syntax << " missing in " << open;
    const std::string removable = source_spec_syntax(SpecUse::remove);
    EXPECT_EQ(removable.find(b.syntax) != std::string::npos, b.remove != nullptr) << b.syntax;
    const std::string creatable = source_spec_syntax(SpecUse::create);
    EXPECT_EQ(creatable.find(b.syntax) != std::string::npos, b.create != nullptr) << b.syntax;
  }
  EXPECT_NE(open.find("pid:PID"), std::string::npos);
  EXPECT_NE(open.find("gdb:HOST:PORT"), std::string::npos);
  EXPECT_EQ(source_spec_syntax(SpecUse::open, " | ").find(", "), std::string::npos);
}

TEST(SourceSpec, SyntaxTextOfSomeKindsOnly) {
  const std::string files =
      source_spec_syntax([](std::string_view scheme) { return scheme == "file"; });
  EXPECT_EQ(files, "file:PATH");  // no bare NAME: the kind a bare name means is not taken
  const std::string none = source_spec_syntax([](std::string_view) { return false; });
  EXPECT_EQ(none, "");
  const std::string all = source_spec_syntax([](std::string_view) { return true; }, " | ");
  EXPECT_EQ(all, source_spec_syntax(SpecUse::open, " | "));
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
