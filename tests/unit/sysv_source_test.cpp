#include <sys/ipc.h>
#include <sys/shm.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "memview/source_spec.h"

using namespace memview;

namespace {
struct Segment {
  explicit Segment(size_t size) {
    key = static_cast<key_t>(0x6d760000 | (getpid() & 0xffff));
    id = shmget(key, size, IPC_CREAT | IPC_EXCL | 0600);
    if (id < 0) {  // a stale segment from a crashed run: replace it
      shmctl(shmget(key, 0, 0), IPC_RMID, nullptr);
      id = shmget(key, size, IPC_CREAT | IPC_EXCL | 0600);
    }
    addr = static_cast<unsigned char*>(shmat(id, nullptr, 0));
  }
  ~Segment() {
    shmdt(addr);
    shmctl(id, IPC_RMID, nullptr);
  }
  key_t key;
  int id;
  unsigned char* addr;
};
}  // namespace

TEST(SysvSource, OpenByIdAndByKey) {
  Segment seg(8192);
  ASSERT_GE(seg.id, 0);
  std::memcpy(seg.addr + 10, "sysv", 4);
  for (const std::string& spec : {fmt::format("sysv:{}", seg.id),
                                  fmt::format("sysvkey:0x{:x}", static_cast<uint32_t>(seg.key)),
                                  fmt::format("sysvkey:{}", seg.key)}) {
    Result<SourcePtr> src = open_source(spec);
    ASSERT_TRUE(src) << spec << ": " << src.error().message;
    EXPECT_EQ((*src)->info().size, 8192u);
    std::vector<std::byte> out(4);
    EXPECT_TRUE((*src)->read(10, out).complete());
    EXPECT_EQ(std::memcmp(out.data(), "sysv", 4), 0);
    const std::byte b[] = {std::byte{0x99}};
    ASSERT_TRUE((*src)->write(8191, b));
    EXPECT_EQ(seg.addr[8191], 0x99);
    EXPECT_FALSE((*src)->write(8192, b));
  }
}

TEST(SysvSource, RemovalIsAnEvent) {
  Segment seg(4096);
  Result<SourcePtr> src = open_source(fmt::format("sysv:{}", seg.id));
  ASSERT_TRUE(src);
  EXPECT_TRUE((*src)->refresh().empty());
  ASSERT_EQ(shmctl(seg.id, IPC_RMID, nullptr), 0);
  auto events = (*src)->refresh();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, SourceEvent::Kind::removed);
  std::vector<std::byte> out(16);
  EXPECT_TRUE((*src)->read(0, out).complete());  // still attached: still readable
}

TEST(SysvSource, DiscoveryShowsAttachCount) {
  Segment seg(4096);
  bool found = false;
  for (const DiscoveredObject& o : discover_all()) {
    if (o.spec != fmt::format("sysv:{}", seg.id)) continue;
    found = true;
    EXPECT_EQ(o.size, 4096u);
    EXPECT_EQ(o.attach_count, 1);
    EXPECT_EQ(o.mode, 0600u);
  }
  EXPECT_TRUE(found);
}

TEST(SysvSource, BadSpecs) {
  EXPECT_EQ(open_source("sysv:notanumber").error().code, Errc::invalid_argument);
  EXPECT_EQ(open_source("sysv:99999999999").error().code, Errc::invalid_argument);
  EXPECT_EQ(open_source("sysvkey:0").error().code, Errc::invalid_argument);
  EXPECT_EQ(open_source("sysv:2147483000").error().code, Errc::not_found);
  EXPECT_EQ(open_source("sysvkey:0x7eadbeef").error().code, Errc::not_found);
}

TEST(SysvSource, CreateByKeyAndRemove) {
  const std::string spec = fmt::format("sysvkey:0x{:x}", 0x6d770000 | (getpid() & 0xffff));
  (void)remove_source(spec);
  Result<SourcePtr> created = create_source(spec, CreateOptions{.size = 5000});
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_EQ((*created)->info().size, 5000u);
  EXPECT_EQ(create_source(spec, CreateOptions{.size = 5000}).error().code, Errc::exists);
  EXPECT_TRUE(remove_source(spec));
}
