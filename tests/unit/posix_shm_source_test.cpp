#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include <gtest/gtest.h>

#include "memview/source_spec.h"
#include "test_names.h"

using namespace memview;

namespace {

// An object created the way a peer process would, outside memview.
struct PeerObject {
  explicit PeerObject(size_t size, mode_t mode = 0600)
      : name("/" + test_support::unique_name("shm")) {
    fd = shm_open(name.c_str(), O_RDWR | O_CREAT | O_EXCL, mode);
    EXPECT_GE(fd, 0);
    fchmod(fd, mode);
    EXPECT_EQ(ftruncate(fd, static_cast<off_t>(size)), 0);
    map =
        static_cast<unsigned char*>(mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
    len = size;
  }
  ~PeerObject() {
    munmap(map, len);
    close(fd);
    shm_unlink(name.c_str());
  }
  std::string name;
  int fd = -1;
  unsigned char* map = nullptr;
  size_t len = 0;
};

std::vector<std::byte> read_all(Source& s, uint64_t at, size_t n, ReadOutcome* outcome = nullptr) {
  std::vector<std::byte> out(n, std::byte{0xEE});
  ReadOutcome o = s.read(at, out);
  if (outcome) *outcome = o;
  return out;
}

}  // namespace

TEST(PosixShmSource, BareNameAndSlashNameAreTheSameObject) {
  PeerObject peer(4096);
  Result<SourceSpec> a = parse_source_spec(peer.name.substr(1));
  Result<SourceSpec> b = parse_source_spec(peer.name);
  Result<SourceSpec> c = parse_source_spec("shm:" + peer.name.substr(1));
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(a->text(), b->text());
  EXPECT_EQ(a->text(), c->text());
  EXPECT_EQ(a->scheme, "shm");
}

TEST(PosixShmSource, ReadsAndWritesLikeAPeer) {
  PeerObject peer(8192);
  std::memcpy(peer.map + 100, "hello", 5);
  Result<SourcePtr> src = open_source(peer.name);
  ASSERT_TRUE(src) << src.error().message;
  EXPECT_EQ((*src)->info().size, 8192u);
  EXPECT_TRUE((*src)->info().writable);
  ReadOutcome o;
  auto bytes = read_all(**src, 100, 5, &o);
  EXPECT_TRUE(o.complete());
  EXPECT_EQ(std::memcmp(bytes.data(), "hello", 5), 0);

  const std::byte data[] = {std::byte{0xde}, std::byte{0xad}, std::byte{0xbe}, std::byte{0xef}};
  ASSERT_TRUE((*src)->write(4000, data));
  EXPECT_EQ(peer.map[4000], 0xde);
  EXPECT_EQ(peer.map[4003], 0xef);
  EXPECT_EQ(peer.map[3999], 0);
  EXPECT_EQ(peer.map[4004], 0);
}

TEST(PosixShmSource, WriteOutsideTheObjectWritesNothing) {
  PeerObject peer(4096);
  Result<SourcePtr> src = open_source(peer.name);
  ASSERT_TRUE(src);
  std::vector<std::byte> data(8, std::byte{0xff});
  Status s = (*src)->write(4092, data);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::out_of_range);
  for (size_t i = 4088; i < 4096; ++i) EXPECT_EQ(peer.map[i], 0) << i;
}

TEST(PosixShmSource, ReadPastTheEndIsUnreadableNotACrash) {
  PeerObject peer(4096);
  Result<SourcePtr> src = open_source(peer.name);
  ASSERT_TRUE(src);
  ReadOutcome o;
  read_all(**src, 4000, 200, &o);
  ASSERT_EQ(o.unreadable.size(), 1u);
  EXPECT_EQ(o.unreadable[0].address, 4096u);
  EXPECT_EQ(o.unreadable[0].length, 104u);
}

TEST(PosixShmSource, ShrinkUnderTheMappingGivesUnreadableAndAnEvent) {
  PeerObject peer(size_t{64} * 1024);
  std::memset(peer.map, 0x5a, peer.len);
  Result<SourcePtr> src = open_source(peer.name);
  ASSERT_TRUE(src);
  // The owner truncates: touching the old tail of the mapping would raise SIGBUS.
  ASSERT_EQ(ftruncate(peer.fd, 4096), 0);
  ReadOutcome o;
  std::vector<std::byte> out = read_all(**src, 0, size_t{64} * 1024, &o);
  ASSERT_FALSE(o.complete());
  EXPECT_EQ(o.unreadable[0].address, 4096u);
  EXPECT_EQ(out[4095], std::byte{0x5a});
  // diff() takes the same guarded path.
  std::vector<std::byte> cache(size_t{64} * 1024);
  size_t reported = 0;
  ReadOutcome d = (*src)->diff(0, cache, [&](size_t, size_t n) { reported += n; });
  EXPECT_FALSE(d.complete());
  EXPECT_EQ(reported, 4096u);
  // A write into the vanished tail fails cleanly.
  const std::byte one[] = {std::byte{1}};
  EXPECT_FALSE((*src)->write(10000, one));

  std::vector<SourceEvent> events = (*src)->refresh();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, SourceEvent::Kind::resized);
  EXPECT_EQ(events[0].old_size, 64u * 1024);
  EXPECT_EQ(events[0].new_size, 4096u);
  EXPECT_EQ((*src)->info().size, 4096u);
  EXPECT_TRUE((*src)->refresh().empty());
}

TEST(PosixShmSource, GrowthIsMappedOnRefresh) {
  PeerObject peer(4096);
  Result<SourcePtr> src = open_source(peer.name);
  ASSERT_TRUE(src);
  ASSERT_EQ(ftruncate(peer.fd, off_t{3} * 4096), 0);
  auto events = (*src)->refresh();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].new_size, 3u * 4096);
  const std::byte b[] = {std::byte{7}};
  ASSERT_TRUE((*src)->write(3 * 4096 - 1, b));
  ReadOutcome o;
  auto bytes = read_all(**src, 3 * 4096 - 1, 1, &o);
  EXPECT_TRUE(o.complete());
  EXPECT_EQ(bytes[0], std::byte{7});
}

TEST(PosixShmSource, UnlinkIsReportedOnceAndTheMemoryStaysReadable) {
  auto peer = std::make_unique<PeerObject>(4096);
  peer->map[1] = 42;
  Result<SourcePtr> src = open_source(peer->name);
  ASSERT_TRUE(src);
  ASSERT_EQ(shm_unlink(peer->name.c_str()), 0);
  auto events = (*src)->refresh();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, SourceEvent::Kind::removed);
  EXPECT_TRUE((*src)->refresh().empty());
  EXPECT_EQ(read_all(**src, 1, 1)[0], std::byte{42});
}

TEST(PosixShmSource, ReadOnlyFallbackSaysWhy) {
  if (geteuid() == 0) {
    // root bypasses file permissions; use the explicit read-only request instead.
    PeerObject peer(4096);
    Result<SourcePtr> src = open_source(peer.name, OpenOptions{.read_only = true});
    ASSERT_TRUE(src);
    EXPECT_FALSE((*src)->info().writable);
    EXPECT_NE((*src)->info().read_only_reason.find("read-only"), std::string::npos);
    const std::byte b[] = {std::byte{1}};
    Status s = (*src)->write(0, b);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, Errc::permission);
    EXPECT_EQ(peer.map[0], 0);
    return;
  }
  PeerObject peer(4096, 0444);
  Result<SourcePtr> src = open_source(peer.name);
  ASSERT_TRUE(src);
  EXPECT_FALSE((*src)->info().writable);
  EXPECT_NE((*src)->info().read_only_reason.find("no write permission"), std::string::npos);
}

TEST(PosixShmSource, BadNamesAreClearErrors) {
  for (const char* bad : {"a/b", "/a/b", "", "/", "shm:", "shm:..", "shm:x/y"}) {
    Result<SourcePtr> src = open_source(bad);
    ASSERT_FALSE(src) << bad;
    EXPECT_EQ(src.error().code, Errc::invalid_argument) << bad << ": " << src.error().message;
  }
  Result<SourcePtr> too_long = open_source(std::string(300, 'x'));
  ASSERT_FALSE(too_long);
  EXPECT_NE(too_long.error().message.find("limit"), std::string::npos);
  Result<SourcePtr> missing = open_source(test_support::unique_name("missing"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::not_found);
}

TEST(PosixShmSource, CreateHonoursModeAndRefusesToClobber) {
  const std::string name = "/" + test_support::unique_name("create");
  Result<SourcePtr> created = create_source(name, CreateOptions{.size = 10000, .mode = 0640});
  ASSERT_TRUE(created) << created.error().message;
  struct stat st {};
  ASSERT_EQ(stat(("/dev/shm" + name).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
  EXPECT_EQ(st.st_size, 10000);
  Result<SourcePtr> again = create_source(name, CreateOptions{.size = 10});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::exists);
  EXPECT_TRUE(remove_source(name));
  Status gone = remove_source(name);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, Errc::not_found);
}

TEST(PosixShmSource, AlignedWritesAreSingleStoresSeenWholeByAConcurrentReader) {
  PeerObject peer(4096);
  Result<SourcePtr> src = open_source(peer.name);
  ASSERT_TRUE(src);
  // A child reads the 8-byte value continuously; every value it sees must be one we wrote.
  int pipefd[2];
  ASSERT_EQ(pipe(pipefd), 0);
  const pid_t child = fork();
  if (child == 0) {
    int torn = 0;
    auto* p = reinterpret_cast<volatile uint64_t*>(peer.map + 64);
    for (int i = 0; i < 2000000; ++i) {
      const uint64_t v = *p;
      if (v != 0 && v != 0x1111111111111111ull && v != 0x2222222222222222ull) ++torn;
    }
    (void)!write(pipefd[1], &torn, sizeof torn);
    _exit(0);
  }
  std::byte a[8], b[8];
  std::memset(a, 0x11, 8);
  std::memset(b, 0x22, 8);
  for (int i = 0; i < 200000; ++i) ASSERT_TRUE((*src)->write(64, (i & 1) ? a : b));
  int torn = -1;
  ASSERT_EQ(read(pipefd[0], &torn, sizeof torn), static_cast<ssize_t>(sizeof torn));
  waitpid(child, nullptr, 0);
  EXPECT_EQ(torn, 0);
}

TEST(PosixShmSource, CompareExchangeSwapsOnlyOnMatch) {
  PeerObject peer(4096);
  Result<SourcePtr> src = open_source(peer.name);
  ASSERT_TRUE(src);
  peer.map[8] = 5;
  uint64_t expected = 4;
  Result<bool> r = (*src)->compare_exchange(8, 4, expected, 9);
  ASSERT_TRUE(r);
  EXPECT_FALSE(*r);
  EXPECT_EQ(expected, 5u);
  r = (*src)->compare_exchange(8, 4, expected, 9);
  ASSERT_TRUE(r);
  EXPECT_TRUE(*r);
  EXPECT_EQ(peer.map[8], 9);
  EXPECT_FALSE((*src)->compare_exchange(9, 4, expected, 1));  // misaligned
  EXPECT_FALSE((*src)->compare_exchange(8, 3, expected, 1));  // bad width
}

TEST(Discovery, ListsPosixObjectsWithSizeOwnerAndMode) {
  PeerObject peer(12345, 0640);
  bool found = false;
  for (const DiscoveredObject& o : discover_all()) {
    if (o.name != peer.name) continue;
    found = true;
    EXPECT_EQ(o.kind, "shm");
    EXPECT_EQ(o.size, 12345u);
    EXPECT_EQ(o.mode, 0640u);
    EXPECT_EQ(o.owner_uid, geteuid());
    EXPECT_GT(o.modified_unix_ns, 0);
    EXPECT_TRUE(open_source(o.spec));
  }
  EXPECT_TRUE(found);
}
