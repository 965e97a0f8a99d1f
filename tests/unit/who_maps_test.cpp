// Who maps this, against real mappings: this process and a forked child map a POSIX shm
// object; a file; private memory of a pid: spec; and the scan worker a viewer uses.
#include "memview/who_maps.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <string>

#include <fmt/format.h>

#include "test_names.h"

namespace memview {
namespace {

// "/" + name, spelled so that GCC 12 does not warn (-Wrestrict, a known false positive).
std::string slash(const std::string& name) {
  std::string s(1, '/');
  s += name;
  return s;
}

struct SharedObject {
  std::string name = slash(test_support::unique_name("who-maps"));
  void* addr = MAP_FAILED;
  pid_t child = -1;
  int release = -1;  // closing it ends the child

  SharedObject() {
    const int fd = shm_open(name.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd < 0 || ftruncate(fd, 8192) != 0) return;
    addr = mmap(nullptr, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    int p[2];
    if (pipe(p) != 0) return;
    child = fork();
    if (child == 0) {  // keeps the inherited mapping until the pipe closes
      close(p[1]);
      char c;
      while (read(p[0], &c, 1) > 0) {
      }
      _exit(0);
    }
    close(p[0]);
    release = p[1];
  }
  ~SharedObject() {
    if (release >= 0) close(release);
    if (child > 0) waitpid(child, nullptr, 0);
    if (addr != MAP_FAILED) munmap(addr, 8192);
    shm_unlink(name.c_str());
  }
};

TEST(WhoMaps, ThisProcessAndAForkedChild) {
  SharedObject o;
  ASSERT_NE(o.addr, MAP_FAILED);
  ASSERT_GT(o.child, 0);
  Result<WhoMaps> w = who_maps(o.name);
  ASSERT_TRUE(w) << w.error().message;
  EXPECT_EQ(w->object.spec, "shm:" + o.name);
  EXPECT_EQ(w->object.path, "/dev/shm" + o.name);
  EXPECT_NE(w->object.inode, 0u);
  ASSERT_EQ(w->processes.size(), 2u);
  const auto start = reinterpret_cast<uint64_t>(o.addr);
  for (const MappingProcess& p : w->processes) {
    EXPECT_TRUE(p.pid == getpid() || p.pid == o.child) << p.pid;
    EXPECT_EQ(p.self, p.pid == getpid());
    ASSERT_EQ(p.mappings.size(), 1u);
    EXPECT_EQ(p.mappings[0].start, start) << "fork keeps the address";
    EXPECT_EQ(p.mappings[0].size(), 8192u);
    EXPECT_EQ(p.mappings[0].perms, "rw-s");
    EXPECT_EQ(p.mappings[0].address_of(0x40), start + 0x40);
    EXPECT_FALSE(p.mappings[0].address_of(8192).has_value());
    EXPECT_EQ(p.mappings[0].spec(p.pid), fmt::format("pid:{}@0x{:x}+0x2000", p.pid, start));
    EXPECT_TRUE(p.can_open) << p.cannot_open;
    EXPECT_FALSE(p.command.empty());
    EXPECT_EQ(p.uid, geteuid());
  }
  // The same object reached through the child's pid: and an address inside it.
  Result<WhoMaps> via = who_maps(fmt::format("pid:{}@0x{:x}+8", o.child, start + 0x40));
  ASSERT_TRUE(via) << via.error().message;
  EXPECT_FALSE(via->object.anonymous);
  EXPECT_EQ(via->object.inode, w->object.inode);
  EXPECT_EQ(via->pid_offset, 0x40u);
  EXPECT_EQ(via->processes.size(), 2u);
}

TEST(WhoMaps, PrivateMemoryIsTheProcessAlone) {
  static uint64_t global = 1;
  const auto at = reinterpret_cast<uint64_t>(&global);
  Result<WhoMaps> w = who_maps(fmt::format("pid:{}@0x{:x}+8", getpid(), at));
  ASSERT_TRUE(w) << w.error().message;
  EXPECT_TRUE(w->object.anonymous);
  ASSERT_EQ(w->processes.size(), 1u);
  EXPECT_TRUE(w->processes[0].self);
  ASSERT_EQ(w->processes[0].mappings.size(), 1u);
  EXPECT_LE(w->processes[0].mappings[0].start, at);
  EXPECT_GT(w->processes[0].mappings[0].end, at);
}

TEST(WhoMaps, ErrorsSayWhat) {
  Result<WhoMaps> missing = who_maps(slash(test_support::unique_name("no-such")));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::not_found);
  Result<WhoMaps> gdb = who_maps("gdb:127.0.0.1:1");
  ASSERT_FALSE(gdb);
  EXPECT_EQ(gdb.error().code, Errc::unsupported);
  Result<WhoMaps> dir = who_maps("file:/tmp");
  ASSERT_FALSE(dir);
  Result<WhoMaps> bad = who_maps("sysv:notanumber");
  ASSERT_FALSE(bad);
}

TEST(WhoMaps, ScansPublishFromAWorker) {
  SharedObject o;
  ASSERT_NE(o.addr, MAP_FAILED);
  WhoMapsJob job = start_who_maps_scans(o.name, 50'000'000);
  for (int i = 0; i < 2000 && job.latest->version() < 2; ++i) usleep(1000);
  ASSERT_GE(job.latest->version(), 2u) << "a first scan at once, then one per interval";
  auto scan = job.latest->latest();
  ASSERT_TRUE(scan->result) << scan->result.error().message;
  EXPECT_EQ(scan->result->processes.size(), 2u);
  EXPECT_GT(scan->scanned_ns, 0);
  job.worker->cancel();
  EXPECT_TRUE(job.worker->wait_for(5000));
}

}  // namespace
}  // namespace memview
