// /proc/PID/maps parsing, region kinds and specs, and the access explanations.
#include "memview/process_maps.h"

#include <unistd.h>

#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace memview {
namespace {

constexpr const char* kMaps =
    "55d0c0a00000-55d0c0a02000 r--p 00000000 fe:00 1234    /usr/bin/prog\n"
    "55d0c0a02000-55d0c0a05000 r-xp 00002000 fe:00 1234    /usr/bin/prog\n"
    "55d0c1000000-55d0c1021000 rw-p 00000000 00:00 0       [heap]\n"
    "7f0000000000-7f0000001000 rw-s 00000000 00:01 77      /dev/shm/demo obj\n"
    "7f0000001000-7f0000002000 rw-s 00000000 00:01 78      /SYSV0000abcd (deleted)\n"
    "7f0000002000-7f0000003000 rw-s 00000000 00:01 79      /SYSV00000000 (deleted)\n"
    "7f0000003000-7f0000004000 ---p 00000000 00:00 0 \n"
    "7f0000004000-7f0000005000 rw-s 00001000 fe:00 99      /tmp/data.bin\n"
    "garbage line\n"
    "7f0000006000-7f0000005000 rw-p 00000000 00:00 0\n"
    "7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0       [stack]\n"
    "7ffd00100000-7ffd00102000 r--p 00000000 00:00 0       [vvar]\n"
    "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0   [vsyscall]";

TEST(ProcessMaps, ParsesTheKernelsFormat) {
  const std::vector<MapRegion> maps = parse_proc_maps(kMaps);
  ASSERT_EQ(maps.size(), 11u);  // the garbage and the inverted range are skipped
  EXPECT_EQ(maps[0].start, 0x55d0c0a00000u);
  EXPECT_EQ(maps[0].end, 0x55d0c0a02000u);
  EXPECT_EQ(maps[0].perms(), "r--p");
  EXPECT_EQ(maps[1].offset, 0x2000u);
  EXPECT_EQ(maps[1].inode, 1234u);
  EXPECT_EQ(maps[1].device, "fe:00");
  EXPECT_EQ(maps[1].kind(), "file");
  EXPECT_TRUE(maps[2].is_heap());
  EXPECT_EQ(maps[2].kind(), "heap");
  EXPECT_EQ(maps[3].path, "/dev/shm/demo obj");  // spaces in paths survive
  EXPECT_EQ(maps[3].kind(), "shm");
  EXPECT_EQ(maps[3].object_spec(), "shm:/demo obj");
  EXPECT_TRUE(maps[4].is_deleted());
  EXPECT_EQ(maps[4].kind(), "shm");
  EXPECT_EQ(maps[4].object_spec(), "");  // "(deleted)": no name opens it
  EXPECT_EQ(maps[6].kind(), "anon");
  EXPECT_FALSE(maps[6].read);
  EXPECT_EQ(maps[7].kind(), "shared");
  EXPECT_EQ(maps[7].object_spec(), "file:/tmp/data.bin");
  EXPECT_TRUE(maps[8].is_stack());
  EXPECT_EQ(maps[9].kind(), "vvar");
  EXPECT_EQ(maps[10].kind(), "vsyscall");

  EXPECT_EQ(region_at_or_after(maps, 0x55d0c0a01000)->start, 0x55d0c0a00000u);
  EXPECT_EQ(region_at_or_after(maps, 0x55d0c0a05000)->start, 0x55d0c1000000u);
  EXPECT_EQ(region_at_or_after(maps, 0), &maps[0]);
  EXPECT_EQ(region_at_or_after(maps, ~uint64_t{0}), nullptr);
  // [vsyscall] lives in kernel space and does not widen the user address space.
  EXPECT_EQ(user_address_space_top(maps), uint64_t{1} << 47);
  EXPECT_EQ(user_address_space_top(parse_proc_maps("ff000000000000-ff000001000000 r--p 0 0:0 0")),
            uint64_t{1} << 56);
  EXPECT_TRUE(parse_proc_maps("").empty());
  EXPECT_TRUE(parse_proc_maps("\n\n-\nzz-yy r--p 0 0 0\n").empty());
}

TEST(ProcessMaps, SysvKeyBecomesASpec) {
  const std::vector<MapRegion> maps =
      parse_proc_maps("7f0000001000-7f0000002000 rw-s 00000000 00:01 78 /SYSV0000abcd\n");
  ASSERT_EQ(maps.size(), 1u);
  EXPECT_EQ(maps[0].object_spec(), "sysvkey:0x0000abcd");
}

TEST(ProcessMaps, OwnProcessMatchesTheKernel) {
  // Every line of the kernel's file is one region. Parse the very text that was counted:
  // the process's own mappings change between two reads (allocators, sanitizers).
  std::ifstream in("/proc/self/maps");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t lines = 0;
  for (char c : text) lines += c == '\n';
  EXPECT_EQ(parse_proc_maps(text).size(), lines);
  Result<std::vector<MapRegion>> maps = read_process_maps(getpid());
  ASSERT_TRUE(maps.ok()) << maps.error().message;
  EXPECT_GT(maps->size(), 3u);
  int local = 0;
  const auto addr = reinterpret_cast<uint64_t>(&local);
  const MapRegion* r = region_at_or_after(*maps, addr);
  ASSERT_NE(r, nullptr);
  EXPECT_LE(r->start, addr);
  EXPECT_TRUE(r->is_stack());
  EXPECT_EQ(read_process_maps(0).error().code, Errc::invalid_argument);
}

TEST(ProcessMaps, AccessExplanationsNameTheFix) {
  // As root (or with CAP_SYS_PTRACE), a refusal can only come from Yama's scope 3 or an
  // LSM; the explanation must say which and never be empty.
  const std::string why = explain_access_denied(getpid());
  EXPECT_NE(why.find("permission denied"), std::string::npos) << why;
  const std::optional<int> scope = yama_ptrace_scope();
  if (scope) {
    EXPECT_GE(*scope, 0);
    EXPECT_LE(*scope, 3);
  }
}

}  // namespace
}  // namespace memview
