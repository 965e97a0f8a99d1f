#include "memview/file_read.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace memview {
namespace {

class FileReadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path() / ("memview-file-read-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(const char* name) const { return (dir_ / name).string(); }
  std::filesystem::path dir_;
};

TEST_F(FileReadTest, ReadsARegularFile) {
  { std::ofstream(path("a.txt")) << "hello"; }
  auto r = read_file_capped(path("a.txt"), 100, "workspace");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, "hello");
}

TEST_F(FileReadTest, RefusesSpecialFilesWithTheirKind) {
  auto zero = read_file_capped("/dev/zero", 100, "workspace");
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(zero.error().code, Errc::invalid_argument);
  EXPECT_NE(zero.error().message.find("character device"), std::string::npos);

  auto d = read_file_capped(dir_.string(), 100, "layout file");
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().message.find("directory"), std::string::npos);

  ASSERT_EQ(mkfifo(path("fifo").c_str(), 0600), 0);
  auto f = read_file_capped(path("fifo"), 100, "batch file");  // must not block
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.error().message.find("FIFO"), std::string::npos);
}

TEST_F(FileReadTest, RefusesFilesOverTheCapWithoutReadingThem) {
  { std::ofstream out(path("sparse")); }
  std::filesystem::resize_file(path("sparse"), 2ull << 30);  // 2 GiB, sparse
  auto r = read_file_capped(path("sparse"), 1 << 20, "workspace");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("2147483648 bytes"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("limit"), std::string::npos);
}

TEST_F(FileReadTest, MissingAndUnreadableFilesSaySo) {
  auto m = read_file_capped(path("nope"), 100, "layout file");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, Errc::not_found);
  EXPECT_NE(m.error().message.find("no such file"), std::string::npos);
  if (geteuid() != 0) {  // root reads anything
    { std::ofstream(path("secret")) << "x"; }
    chmod(path("secret").c_str(), 0);
    auto p = read_file_capped(path("secret"), 100, "header");
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.error().code, Errc::permission);
  }
}

}  // namespace
}  // namespace memview
