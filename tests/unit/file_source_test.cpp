#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include <gtest/gtest.h>

#include "memview/source_spec.h"
#include "test_names.h"

using namespace memview;

namespace {
std::string temp_path() {
  return (std::filesystem::temp_directory_path() / test_support::unique_name("file")).string();
}
}  // namespace

TEST(FileSource, MapsARegularFileReadWrite) {
  const std::string path = temp_path();
  {
    std::ofstream f(path, std::ios::binary);
    std::vector<char> data(5000, 'a');
    f.write(data.data(), data.size());
  }
  Result<SourcePtr> src = open_source("file:" + path);
  ASSERT_TRUE(src) << src.error().message;
  EXPECT_EQ((*src)->info().size, 5000u);
  EXPECT_EQ((*src)->info().kind, "file");
  const std::byte b[] = {std::byte{'Z'}};
  ASSERT_TRUE((*src)->write(4999, b));
  src->reset();
  std::ifstream f(path, std::ios::binary);
  std::string content((std::istreambuf_iterator<char>(f)), {});
  EXPECT_EQ(content.size(), 5000u);
  EXPECT_EQ(content[4999], 'Z');
  EXPECT_EQ(content[4998], 'a');
  std::filesystem::remove(path);
}

TEST(FileSource, TruncationUnderTheMappingIsSurvived) {
  const std::string path = temp_path();
  const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(ftruncate(fd, 1 << 20), 0);
  Result<SourcePtr> src = open_source("file:" + path);
  ASSERT_TRUE(src);
  ASSERT_EQ(ftruncate(fd, 10000), 0);
  std::vector<std::byte> out(1 << 20);
  ReadOutcome o = (*src)->read(0, out);
  ASSERT_FALSE(o.complete());
  // Everything up to the page holding the new end is readable; the rest is reported.
  EXPECT_GE(o.unreadable[0].address, 8192u);
  EXPECT_LE(o.unreadable[0].address, 12288u);
  auto events = (*src)->refresh();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].new_size, 10000u);
  ASSERT_EQ(unlink(path.c_str()), 0);
  events = (*src)->refresh();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, SourceEvent::Kind::removed);
  close(fd);
}

TEST(FileSource, ErrorsAreClear) {
  Result<SourcePtr> missing = open_source("file:/nonexistent/memview/file");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::not_found);
  Result<SourcePtr> dir = open_source("file:/tmp");
  ASSERT_FALSE(dir);
  EXPECT_NE(dir.error().message.find("not a regular file"), std::string::npos);
  Result<SourcePtr> empty = open_source("file:");
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, Errc::invalid_argument);
}

TEST(FileSource, ReadOnlyFileFallsBackToReadOnly) {
  const std::string path = temp_path();
  {
    std::ofstream f(path);
    f << "read only";
  }
  chmod(path.c_str(), 0444);
  Result<SourcePtr> src = open_source("file:" + path, OpenOptions{.read_only = geteuid() == 0});
  ASSERT_TRUE(src);
  EXPECT_FALSE((*src)->info().writable);
  EXPECT_FALSE((*src)->info().read_only_reason.empty());
  const std::byte b[] = {std::byte{'X'}};
  EXPECT_FALSE((*src)->write(0, b));
  std::filesystem::remove(path);
}

TEST(FileSource, CreateButNeverRemove) {
  const std::string path = temp_path();
  Result<SourcePtr> created = create_source("file:" + path, CreateOptions{.size = 3000});
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_EQ(std::filesystem::file_size(path), 3000u);
  EXPECT_FALSE(create_source("file:" + path, CreateOptions{.size = 3000}));
  // A file is the user's data: remove refuses it and says what it removes instead.
  Status removed = remove_source("file:" + path);
  ASSERT_FALSE(removed);
  EXPECT_EQ(removed.error().code, Errc::unsupported);
  EXPECT_NE(removed.error().message.find("not named shared memory"), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(path));
  std::filesystem::remove(path);
}

TEST(FileSource, CreateTakesPermissionBitsOnly) {
  const std::string path = temp_path();
  for (uint32_t mode : {04777u, 02755u, 01777u, 010000u}) {
    Result<SourcePtr> created =
        create_source("file:" + path, CreateOptions{.size = 16, .mode = mode});
    ASSERT_FALSE(created);
    EXPECT_EQ(created.error().code, Errc::invalid_argument);
    EXPECT_FALSE(std::filesystem::exists(path));
  }
}
