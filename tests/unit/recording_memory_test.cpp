// In-memory recordings (the viewer's Record button): no file, the blocks published as an
// image that reads like a file, closed on time even without a change, and saved whole.
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "memview/recording.h"

namespace memview {
namespace {

std::string temp_path(const char* stem) {
  return (std::filesystem::temp_directory_path() /
          (std::string("memview-recmem-") + stem + "-" + std::to_string(getpid())))
      .string();
}

RecordingHeader header_of(uint64_t length) {
  RecordingHeader h;
  h.spec = "shm:/x";
  h.ranges = {{0x100, length}};
  return h;
}

TEST(RecordingInMemory, ImageReadsLikeTheFileAndSavesWhole) {
  const std::string never = temp_path("never");
  RecordingWriterOptions o;
  o.in_memory = true;
  o.block_ns = 1000;
  auto w = RecordingWriter::create(never, header_of(16), o);
  ASSERT_TRUE(w.ok());
  EXPECT_FALSE(std::filesystem::exists(never));
  ASSERT_TRUE((*w)->start(0, {std::vector<std::byte>(16)}).ok());
  for (int i = 1; i <= 10; ++i) {
    const std::byte b{static_cast<unsigned char>(i)};
    const RecordedRun run{0, static_cast<uint64_t>(i), std::span(&b, 1)};
    ASSERT_TRUE((*w)->add_sample(int64_t{i} * 500, std::span(&run, 1)).ok());
  }
  // A quiet stretch longer than block_ns closes the open block: its changes are in the
  // image without waiting for another change.
  ASSERT_TRUE((*w)->add_sample(20'000, {}).ok());
  RecordingImage image = (*w)->image();
  ASSERT_FALSE(image.blocks.empty());
  Result<Recording> r = Recording::from_image(image);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->truncated());
  Result<RecordedState> end = r->state_at(1'000'000);
  ASSERT_TRUE(end.ok());
  for (int i = 1; i <= 10; ++i) EXPECT_EQ(end->ranges[0][static_cast<size_t>(i)], std::byte(i));
  Result<RecordedState> mid = r->state_at(2'600);  // samples at 500..2500: bytes 1..5
  ASSERT_TRUE(mid.ok());
  EXPECT_EQ(mid->ranges[0][5], std::byte{5});
  EXPECT_EQ(mid->ranges[0][6], std::byte{0});
  Result<std::optional<int64_t>> next = r->next_change({0, 6, 1}, 2'600);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->value_or(-1), 3'000);

  ASSERT_TRUE((*w)->finish().ok());
  EXPECT_FALSE(std::filesystem::exists(never));
  const std::string saved = temp_path("saved");
  ASSERT_TRUE((*w)->image().save(saved).ok());
  EXPECT_FALSE(std::filesystem::exists(saved + ".part"));
  Result<Recording> f = Recording::open(saved);
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_FALSE(f->truncated()) << f->truncation();
  EXPECT_EQ(f->blocks().size(), (*w)->image().blocks.size());
  Result<RecordedState> again = f->state_at(2'600);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->ranges, mid->ranges);
  std::filesystem::remove(saved);
}

TEST(RecordingInMemory, SaveIntoAMissingDirectorySaysSoAndLeavesNothing) {
  RecordingWriterOptions o;
  o.in_memory = true;
  auto w = RecordingWriter::create("", header_of(4), o);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->start(0, {std::vector<std::byte>(4)}).ok());
  ASSERT_TRUE((*w)->finish().ok());
  const std::string bad = temp_path("no-such-dir") + "/x.mvrec";
  Status st = (*w)->image().save(bad);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("cannot create"), std::string::npos) << st.error().message;
  EXPECT_FALSE(std::filesystem::exists(bad));
}

}  // namespace
}  // namespace memview
