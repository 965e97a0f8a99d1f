// write_field on real POSIX shared memory: the object is created with shm_open/mmap the
// way another program would, memview opens it by name, and a forked process hammers the
// bits next to a bitfield while memview writes the bitfield: no update may be lost.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "memview/layout.h"
#include "memview/source_spec.h"

namespace memview {
namespace {

#define MV_STR2(...) #__VA_ARGS__
#define MV_STR(...) MV_STR2(__VA_ARGS__)
#define MV_SHARED_DECL    \
  struct shared {         \
    uint32_t go;          \
    uint32_t counter : 6; \
    uint32_t flag : 4;    \
    uint32_t rest : 22;   \
    uint32_t child_total; \
    uint16_t u16;         \
    uint8_t low : 3;      \
    uint8_t high : 5;     \
    double value;         \
    char name[12];        \
  }
MV_SHARED_DECL;

// The other program's side: a named object it created and mapped itself.
class PeerObject {
 public:
  explicit PeerObject(size_t size) : size_(size) {
    name_ = "/memview-layout-test-" + std::to_string(getpid()) + "-" + std::to_string(next_++);
    fd_ = shm_open(name_.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd_ < 0 || ftruncate(fd_, static_cast<off_t>(size)) != 0) return;
    void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
    if (p != MAP_FAILED) map_ = static_cast<std::byte*>(p);
  }
  ~PeerObject() {
    if (map_) munmap(map_, size_);
    if (fd_ >= 0) close(fd_);
    shm_unlink(name_.c_str());
  }
  bool ok() const { return map_ != nullptr; }
  std::string spec() const { return "shm:" + name_.substr(1); }
  bool truncate(size_t size) { return ftruncate(fd_, static_cast<off_t>(size)) == 0; }
  shared* obj() { return reinterpret_cast<shared*>(map_); }
  std::byte* bytes() { return map_; }
  size_t size() const { return size_; }

 private:
  static inline int next_ = 0;
  std::string name_;
  size_t size_;
  int fd_ = -1;
  std::byte* map_ = nullptr;
};

class LayoutShm : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!layout_parser_available()) GTEST_SKIP() << "built without libclang";
    Result<Declarations> d = parse_declarations("#include <stdint.h>\n" MV_STR(MV_SHARED_DECL) ";");
    ASSERT_TRUE(d.ok()) << d.error().message;
    Result<Layout> l = d->layout("struct shared");
    ASSERT_TRUE(l.ok()) << l.error().message;
    layout_ = *l;
    ASSERT_EQ(layout_.size, sizeof(shared));
  }
  const Field& f(const char* path) {
    const Field* p = layout_.find(path);
    EXPECT_NE(p, nullptr) << path;
    static Field none;
    return p ? *p : none;
  }
  Layout layout_;
};

TEST_F(LayoutShm, WritesFieldsOfAStructPlacedInTheObject) {
  PeerObject peer(4096);
  ASSERT_TRUE(peer.ok());
  const uint64_t base = 256;  // the struct sits at an offset inside the object
  auto* s = reinterpret_cast<shared*>(peer.bytes() + base);
  std::memset(s, 0xff, sizeof *s);
  Result<SourcePtr> src = open_source(peer.spec());
  ASSERT_TRUE(src.ok()) << src.error().message;
  Source& source = **src;

  ASSERT_TRUE(write_field(source, base, f("go"), "123456").ok());
  ASSERT_TRUE(write_field(source, base, f("u16"), "0xbeef").ok());
  ASSERT_TRUE(write_field(source, base, f("value"), "-2.5").ok());
  ASSERT_TRUE(write_field(source, base, f("name"), "hello").ok());
  ASSERT_TRUE(write_field(source, base, f("flag"), "5").ok());
  ASSERT_TRUE(write_field(source, base, f("low"), "2").ok());
  EXPECT_EQ(s->go, 123456u);
  EXPECT_EQ(s->u16, 0xbeef);
  EXPECT_EQ(s->value, -2.5);
  EXPECT_STREQ(s->name, "hello");
  EXPECT_EQ(s->flag, 5u);
  EXPECT_EQ(s->counter, 0x3fu);  // neighbours of the bitfields untouched
  EXPECT_EQ(s->rest, 0x3fffffu);
  EXPECT_EQ(s->low, 2u);
  EXPECT_EQ(s->high, 31u);
  // nothing outside the struct was touched
  for (uint64_t i = 0; i < base; ++i) ASSERT_EQ(peer.bytes()[i], std::byte{0}) << i;

  // decode what the source reads back
  std::vector<std::byte> buf(sizeof(shared));
  ASSERT_TRUE(source.read(base, buf).complete());
  EXPECT_EQ(decode_field(f("name"), buf)->text, "hello");
  EXPECT_EQ(decode_field(f("flag"), buf)->text, "5");
}

TEST_F(LayoutShm, RefusesWhatItCannotWriteWithoutWriting) {
  PeerObject peer(64);
  ASSERT_TRUE(peer.ok());
  std::memset(peer.bytes(), 0x11, peer.size());
  {
    Result<SourcePtr> ro = open_source(peer.spec(), OpenOptions{.read_only = true});
    ASSERT_TRUE(ro.ok());
    Status st = write_field(**ro, 0, f("go"), "1");
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, Errc::permission);
    st = write_field(**ro, 0, f("flag"), "1");
    EXPECT_FALSE(st.ok());
  }
  Result<SourcePtr> src = open_source(peer.spec());
  ASSERT_TRUE(src.ok());
  // the struct at 32 ends past the 64-byte object: value and name are outside
  EXPECT_EQ(write_field(**src, 32, f("name"), "x").error().code, Errc::out_of_range);
  EXPECT_FALSE(write_field(**src, 60, f("high"), "1").ok());
  EXPECT_FALSE(write_field(**src, 0, f("flag"), "16").ok());  // does not fit in 4 bits
  EXPECT_FALSE(write_field(**src, UINT64_MAX - 2, f("go"), "1").ok());
  for (size_t i = 0; i < peer.size(); ++i) ASSERT_EQ(peer.bytes()[i], std::byte{0x11}) << i;
}

// The other process increments `rest` (22 bits of the same 32-bit word as `flag`, sharing a
// byte with it) with its own atomic compare-and-swap, while memview writes `flag` through
// write_field. A plain read-modify-write of flag's bytes would drop some of the other
// process's increments.
TEST_F(LayoutShm, BitfieldWriteKeepsAConcurrentWritersNeighbouringBits) {
  PeerObject peer(4096);
  ASSERT_TRUE(peer.ok());
  std::memset(peer.bytes(), 0, peer.size());
  Result<SourcePtr> src = open_source(peer.spec());
  ASSERT_TRUE(src.ok()) << src.error().message;
  const Field& flag = f("flag");
  const Field& rest = f("rest");
  // rest is bits 10..31 of the word at offset 4 (gcc, little-endian); flag bits 6..9
  ASSERT_EQ(rest.bit_offset, 32u + 10);
  ASSERT_EQ(flag.bit_offset, 32u + 6);
  const size_t word_offset = 4;
  // flag is written through a unit that shares bits with rest
  const std::vector<BitfieldUnit> units = bitfield_units(flag, 0, 0, 4096);
  ASSERT_EQ(units.size(), 1u);
  EXPECT_EQ(units[0].address, 4u);
  EXPECT_EQ(units[0].width, 2u);

  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The other process: its own mapping of the same object (inherited MAP_SHARED).
    auto* word = reinterpret_cast<uint32_t*>(peer.bytes() + word_offset);
    std::atomic_ref<uint32_t> w(*word);
    std::atomic_ref<uint32_t> go(peer.obj()->go);
    while (go.load() == 0) {
    }
    uint32_t total = 0;
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(400);
    while (std::chrono::steady_clock::now() < until) {
      for (int i = 0; i < 64; ++i) {
        uint32_t old = w.load();
        while (!w.compare_exchange_weak(old,
                                        (old & 0x3ffu) | ((((old >> 10) + 1) & 0x3fffffu) << 10))) {
        }
        ++total;
      }
    }
    std::atomic_ref<uint32_t>(peer.obj()->child_total).store(total);
    _exit(0);
  }

  std::atomic_ref<uint32_t>(peer.obj()->go).store(1);
  int writes = 0, interleaved = 0;
  unsigned last = 0;
  uint32_t seen = 0;
  int status = 0;
  while (waitpid(child, &status, WNOHANG) == 0) {
    last = static_cast<unsigned>(writes % 16);
    Status st = write_field(**src, 0, flag, std::to_string(last));
    ASSERT_TRUE(st.ok()) << st.error().message;
    ++writes;
    const uint32_t now =
        std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t*>(peer.bytes() + word_offset)).load() &
        0xffffu;
    if (now != seen) ++interleaved;
    seen = now;
  }
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  const uint32_t total = peer.obj()->child_total;
  ASSERT_GT(total, 0u);
  // The race really happened: the counter moved between our writes many times.
  EXPECT_GT(interleaved, 10) << "writes " << writes;
  // Not one of the other process's increments was lost, and our last write stands.
  EXPECT_EQ(peer.obj()->rest, total & 0x3fffffu) << "total " << total << ", writes " << writes;
  EXPECT_EQ(peer.obj()->flag, last);
  EXPECT_EQ(peer.obj()->counter, 0u);
}

// libclang's crash recovery installs process-wide SIGBUS/SIGSEGV handlers; when they sit
// on top of the sources' guard handler they turn a guarded read of a shrunk object into a
// crash. The order only matters in a process that has not parsed yet, so the scenario runs
// in a fresh copy of this test program: guarded read first, then a parse (on a worker
// thread, as in the GUI), then a read past the end of an object another process shrank.
TEST(LayoutFreshProcess, ParsingLeavesGuardedReadsWorking) {
  if (!layout_parser_available()) GTEST_SKIP() << "built without libclang";
  if (std::getenv("MEMVIEW_LAYOUT_FRESH_PROCESS")) {
    PeerObject peer(size_t{2} * 4096);
    ASSERT_TRUE(peer.ok());
    Result<SourcePtr> src = open_source(peer.spec());
    ASSERT_TRUE(src.ok()) << src.error().message;
    std::vector<std::byte> buf(4096);
    ASSERT_TRUE((*src)->read(4096, buf).complete());  // the guard's handlers are installed
    std::thread([] {
      Result<Declarations> d = parse_declarations("#include <stdint.h>\nstruct x { uint8_t a; };");
      EXPECT_TRUE(d.ok());
    }).join();
    ASSERT_TRUE(peer.truncate(4096));
    const ReadOutcome r = (*src)->read(4096, buf);  // still mapped: faults inside the guard
    EXPECT_FALSE(r.complete());
    return;
  }
  std::string exe(4096, '\0');
  const ssize_t n = readlink("/proc/self/exe", exe.data(), exe.size() - 1);
  ASSERT_GT(n, 0);
  exe.resize(static_cast<size_t>(n));
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    setenv("MEMVIEW_LAYOUT_FRESH_PROCESS", "1", 1);
    execl(exe.c_str(), exe.c_str(),
          "--gtest_filter=LayoutFreshProcess.ParsingLeavesGuardedReadsWorking",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status)) << "the fresh process died of signal "
                                 << (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  EXPECT_EQ(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 0);
}

}  // namespace
}  // namespace memview
