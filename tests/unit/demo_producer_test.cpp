#include <cstring>
#include <vector>

#include <gtest/gtest.h>

#include "memview/demo_producer.h"
#include "memview/source_spec.h"
#include "telemetry.h"
#include "test_names.h"

using namespace memview;

TEST(DemoProducer, WritesTelemetryThatAReaderSees) {
  DemoOptions options;
  options.name = test_support::unique_name("demo");
  Result<std::unique_ptr<DemoProducer>> demo = DemoProducer::start(options);
  ASSERT_TRUE(demo) << demo.error().message;
  Result<SourcePtr> src = open_source((*demo)->spec());
  ASSERT_TRUE(src);
  telemetry t{};
  auto bytes = std::span(reinterpret_cast<std::byte*>(&t), sizeof t);
  ASSERT_TRUE((*src)->read(0, bytes).complete());
  EXPECT_STREQ(t.magic, "MEMVIEW");
  EXPECT_EQ(t.frame, 1u);
  for (int i = 1; i <= 40; ++i) (*demo)->step(i * 0.016);
  ASSERT_TRUE((*src)->read(0, bytes).complete());
  EXPECT_EQ(t.frame, 41u);
  EXPECT_EQ(t.counters[0], 41u);
  EXPECT_GE(t.log_count, 2u);
  EXPECT_NE(std::strstr(t.log[0].text, "#0"), nullptr);
  // The scratch area is left for the user.
  const std::byte mark[] = {std::byte{0xab}};
  ASSERT_TRUE((*src)->write(offsetof(telemetry, scratch), mark));
  (*demo)->step(1.0);
  ASSERT_TRUE((*src)->read(0, bytes).complete());
  EXPECT_EQ(t.scratch[0], 0xab);
  const std::string spec = (*demo)->spec();
  demo->reset();
  EXPECT_EQ(open_source(spec).error().code, Errc::not_found);
}

TEST(DemoProducer, NeverReplacesSomeoneElsesObject) {
  const std::string name = test_support::unique_name("demo-precious");
  Result<SourcePtr> precious = create_source(name, CreateOptions{.size = 128});
  ASSERT_TRUE(precious) << precious.error().message;
  const std::byte mark[] = {std::byte{0xde}, std::byte{0xad}};
  ASSERT_TRUE((*precious)->write(0, mark));
  DemoOptions options;
  options.name = name;
  Result<std::unique_ptr<DemoProducer>> demo = DemoProducer::start(options);
  ASSERT_FALSE(demo);
  EXPECT_EQ(demo.error().code, Errc::exists);
  // Still the same object, same bytes.
  EXPECT_TRUE((*precious)->refresh().empty());
  std::byte got[2] = {};
  ASSERT_TRUE((*precious)->read(0, got).complete());
  EXPECT_EQ(got[0], mark[0]);
  EXPECT_EQ(got[1], mark[1]);
  EXPECT_TRUE(remove_source(name));
}

TEST(DemoProducer, LeavesAnObjectThatReplacedItsOwn) {
  DemoOptions options;
  options.name = test_support::unique_name("demo-swapped");
  Result<std::unique_ptr<DemoProducer>> demo = DemoProducer::start(options);
  ASSERT_TRUE(demo) << demo.error().message;
  ASSERT_TRUE(remove_source((*demo)->spec()));
  Result<SourcePtr> other = create_source((*demo)->spec(), CreateOptions{.size = 100});
  ASSERT_TRUE(other) << other.error().message;
  EXPECT_FALSE((*demo)->stop());
  EXPECT_TRUE(open_source((*demo)->spec())) << "the demo removed the replacement";
  EXPECT_TRUE(remove_source((*demo)->spec()));
}
