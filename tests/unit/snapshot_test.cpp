// Snapshots of real shared memory and of a real other process: file round trip, refusal of
// truncated, corrupt, foreign and newer files, and diffs (exact runs against a byte-by-byte
// reference on random data; a process's regions that appeared and vanished).
#include "memview/snapshot.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "memview/source_spec.h"
#include "peer_shm.h"

namespace memview {
namespace {

class SnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path() / ("memview-snapshot-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(const char* name) const { return (dir_ / name).string(); }
  static std::string slurp(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  std::filesystem::path dir_;
};

void fill_random(std::byte* p, size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  for (size_t i = 0; i < n; ++i) p[i] = static_cast<std::byte>(rng() & 0xffU);
}

TEST_F(SnapshotTest, RoundTripsThroughAFile) {
  constexpr size_t kSize = size_t{1} << 20;
  testing::PeerShm peer(kSize);
  ASSERT_TRUE(peer.ok());
  fill_random(peer.bytes(), kSize / 2, 1);  // half random, half zeros (compresses)
  Result<SourcePtr> source = open_source(peer.spec(), OpenOptions{true});
  ASSERT_TRUE(source.ok());
  Result<Snapshot> snap = take_snapshot(**source, std::nullopt, "before");
  ASSERT_TRUE(snap.ok()) << snap.error().message;
  ASSERT_EQ(snap->regions.size(), 1U);
  EXPECT_EQ(snap->total_bytes(), kSize);
  EXPECT_EQ(std::memcmp(snap->regions[0].bytes.data(), peer.bytes(), kSize), 0);

  ASSERT_TRUE(write_snapshot_file(*snap, path("a.mvsnap")).ok());
  EXPECT_LT(std::filesystem::file_size(path("a.mvsnap")), kSize * 3 / 4);
  Result<Snapshot> back = read_snapshot_file(path("a.mvsnap"));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->name, "before");
  EXPECT_EQ(back->spec, snap->spec);
  EXPECT_EQ(back->kind, "shm");
  EXPECT_EQ(back->size, kSize);
  EXPECT_EQ(back->taken_unix_ms, snap->taken_unix_ms);
  ASSERT_EQ(back->regions.size(), 1U);
  EXPECT_EQ(back->regions[0].bytes, snap->regions[0].bytes);
  Result<SnapshotDiff> same = diff_snapshots(*snap, *back);
  ASSERT_TRUE(same.ok());
  EXPECT_TRUE(same->same());
  EXPECT_EQ(same->compared_bytes, kSize);
  EXPECT_FALSE(std::filesystem::exists(path("a.mvsnap.partial")));
}

TEST_F(SnapshotTest, RefusesTruncatedCorruptForeignAndNewerFiles) {
  constexpr size_t kSize = size_t{64} * 1024;
  testing::PeerShm peer(kSize);
  ASSERT_TRUE(peer.ok());
  fill_random(peer.bytes(), kSize, 2);
  Result<SourcePtr> source = open_source(peer.spec(), OpenOptions{true});
  ASSERT_TRUE(source.ok());
  Result<Snapshot> snap = take_snapshot(**source);
  ASSERT_TRUE(snap.ok());
  ASSERT_TRUE(write_snapshot_file(*snap, path("s")).ok());
  const std::string good = slurp(path("s"));
  ASSERT_TRUE(parse_snapshot(good).ok());

  // Every truncation is one clear error, never a crash or a partial snapshot.
  for (size_t n = 0; n < good.size(); n += (n < 256 ? 1 : 97)) {
    Result<Snapshot> r = parse_snapshot(std::string_view(good).substr(0, n));
    ASSERT_FALSE(r.ok()) << n;
    EXPECT_FALSE(r.error().message.empty());
  }
  EXPECT_NE(parse_snapshot(good.substr(0, good.size() - 1)).error().message.find("truncated"),
            std::string::npos);
  // A flipped byte in the compressed data: the checksum or the decoder catches it.
  std::string flipped = good;
  flipped[good.size() - 100] = static_cast<char>(flipped[good.size() - 100] ^ 0x40);
  EXPECT_FALSE(parse_snapshot(flipped).ok());
  // Trailing bytes.
  EXPECT_NE(parse_snapshot(good + "x").error().message.find("after the end"), std::string::npos);
  // Foreign files.
  EXPECT_NE(parse_snapshot("PK\x03\x04 a zip file").error().message.find("not a memview snapshot"),
            std::string::npos);
  EXPECT_FALSE(read_snapshot_file("/dev/zero").ok());
  EXPECT_FALSE(read_snapshot_file(path("missing")).ok());
  // A newer version.
  std::string newer = good;
  newer[8] = 2;
  Result<Snapshot> nv = parse_snapshot(newer);
  ASSERT_FALSE(nv.ok());
  EXPECT_EQ(nv.error().code, Errc::unsupported);
  EXPECT_NE(nv.error().message.find("newer"), std::string::npos);
  // A header that declares more than the limit.
  EXPECT_NE(parse_snapshot(good, SnapshotLimits{1000}).error().message.find("limit"),
            std::string::npos);
}

TEST_F(SnapshotTest, AnObjectThatShrinksDuringTheSnapshotIsRecordedAsUnreadable) {
  constexpr size_t kSize = size_t{4} << 20;
  testing::PeerShm peer(kSize);
  ASSERT_TRUE(peer.ok());
  std::memset(peer.bytes(), 0x5a, kSize);
  Result<SourcePtr> source = open_source(peer.spec(), OpenOptions{true});
  ASSERT_TRUE(source.ok());
  bool shrunk = false;
  // After the first MiB is copied the owner cuts the object to 1.5 MiB.
  Result<Snapshot> snap = take_snapshot(**source, std::nullopt, {}, [&](uint64_t) {
    if (!shrunk) shrunk = peer.truncate(kSize * 3 / 8);
    return true;
  });
  ASSERT_TRUE(snap.ok()) << snap.error().message;
  ASSERT_TRUE(shrunk);
  ASSERT_EQ(snap->regions.size(), 1U);
  const SnapshotRegion& r = snap->regions[0];
  EXPECT_EQ(r.length(), kSize);
  ASSERT_EQ(r.unreadable.size(), 1U);
  EXPECT_EQ(r.unreadable[0].address, kSize * 3 / 8);
  EXPECT_EQ(r.unreadable[0].end(), kSize);
  EXPECT_EQ(r.bytes[kSize * 3 / 8 - 1], std::byte{0x5a});
  EXPECT_EQ(r.bytes[kSize * 3 / 8], std::byte{0});
  // Through a file and back, the unreadable range stays; a diff skips it.
  ASSERT_TRUE(write_snapshot_file(*snap, path("shrunk")).ok());
  Result<Snapshot> back = read_snapshot_file(path("shrunk"));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->regions[0].unreadable, r.unreadable);
  Result<SnapshotDiff> d = diff_snapshots(*snap, *back);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->same());
  EXPECT_EQ(d->compared_bytes, kSize * 3 / 8);
}

// Byte-by-byte reference: maximal runs of differing bytes.
std::vector<DiffRun> reference_runs(const std::vector<std::byte>& a,
                                    const std::vector<std::byte>& b) {
  std::vector<DiffRun> out;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] == b[i]) continue;
    if (!out.empty() && out.back().address + out.back().length == i) {
      ++out.back().length;
    } else {
      out.push_back(DiffRun{i, 1});
    }
  }
  return out;
}

TEST_F(SnapshotTest, DiffMatchesAByteByByteReferenceOnRandomChanges) {
  std::mt19937 rng(12345);
  for (int round = 0; round < 20; ++round) {
    const size_t n = 1 + rng() % 200000;
    Snapshot a;
    a.kind = "shm";
    a.regions.push_back(SnapshotRegion{0, {}, std::vector<std::byte>(n), {}});
    fill_random(a.regions[0].bytes.data(), n, rng());
    Snapshot b = a;
    const size_t changes = rng() % 50;
    for (size_t k = 0; k < changes; ++k) {
      const size_t at = rng() % n;
      const size_t len = std::min<size_t>(n - at, 1 + rng() % 40);
      for (size_t i = at; i < at + len; ++i) b.regions[0].bytes[i] = std::byte(rng() & 0xffU);
    }
    Result<SnapshotDiff> d = diff_snapshots(a, b);
    ASSERT_TRUE(d.ok());
    const std::vector<DiffRun> want = reference_runs(a.regions[0].bytes, b.regions[0].bytes);
    EXPECT_EQ(d->runs, want) << "round " << round;
    uint64_t bytes = 0;
    for (const DiffRun& r : want) bytes += r.length;
    EXPECT_EQ(d->differing_bytes, bytes);
    EXPECT_EQ(d->same(), want.empty());
  }
}

TEST_F(SnapshotTest, DiffMergesRunsAndSkipsUnreadableBytes) {
  Snapshot a;
  a.kind = "file";
  a.regions.push_back(SnapshotRegion{100, {}, std::vector<std::byte>(100), {}});
  Snapshot b = a;
  b.regions[0].bytes[10] = std::byte{1};
  b.regions[0].bytes[13] = std::byte{1};
  b.regions[0].bytes[50] = std::byte{1};
  b.regions[0].unreadable.push_back(ByteRange{140, 20});
  Result<SnapshotDiff> exact = diff_snapshots(a, b);
  ASSERT_TRUE(exact.ok());
  EXPECT_EQ(exact->runs, (std::vector<DiffRun>{{110, 1}, {113, 1}}));
  ASSERT_EQ(exact->unreadable.size(), 1U);
  EXPECT_EQ(exact->compared_bytes, 80U);
  Result<SnapshotDiff> merged = diff_snapshots(a, b, DiffOptions{4});
  EXPECT_EQ(merged->runs, (std::vector<DiffRun>{{110, 4}}));
  EXPECT_EQ(merged->differing_bytes, 2U);
  Result<SnapshotDiff> capped = diff_snapshots(a, b, DiffOptions{0, 1});
  EXPECT_TRUE(capped->truncated);
  // Another extent or another kind: one clear error.
  Snapshot c = a;
  c.regions[0].bytes.resize(50);
  EXPECT_NE(diff_snapshots(a, c).error().message.find("different extents"), std::string::npos);
  c.kind = "pid";
  EXPECT_NE(diff_snapshots(a, c).error().message.find("process"), std::string::npos);
}

// A child that maps a region, reports its address, waits; then maps another, unmaps the first.
TEST_F(SnapshotTest, ProcessSnapshotsReportRegionsThatAppearedAndVanished) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "a whole AddressSanitizer process maps terabytes of readable shadow memory";
#endif
  constexpr size_t kSecond = size_t{3} * 65536;
  int to_child[2];
  int from_child[2];
  ASSERT_EQ(pipe(to_child), 0);
  ASSERT_EQ(pipe(from_child), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto* first = static_cast<unsigned char*>(
        mmap(nullptr, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    std::memset(first, 0x11, 65536);
    uint64_t addr[2] = {reinterpret_cast<uint64_t>(first), 0};
    char go = 0;
    if (write(from_child[1], addr, 16) != 16 || read(to_child[0], &go, 1) != 1) _exit(1);
    auto* second = static_cast<unsigned char*>(
        mmap(nullptr, kSecond, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    std::memset(second, 0x22, kSecond);
    munmap(first, 65536);
    addr[1] = reinterpret_cast<uint64_t>(second);
    if (write(from_child[1], addr, 16) != 16 || read(to_child[0], &go, 1) != 1) _exit(1);
    _exit(0);
  }
  uint64_t addr[2] = {};
  ASSERT_EQ(read(from_child[0], addr, 16), 16);
  const std::string spec = "pid:" + std::to_string(child);
  Result<SourcePtr> source = open_source(spec, OpenOptions{true});
  ASSERT_TRUE(source.ok()) << source.error().message;
  Result<Snapshot> before = take_snapshot(**source);
  ASSERT_TRUE(before.ok()) << before.error().message;
  EXPECT_EQ(before->kind, "pid");
  ASSERT_EQ(write(to_child[1], "g", 1), 1);
  ASSERT_EQ(read(from_child[0], addr, 16), 16);
  Result<Snapshot> after = take_snapshot(**source);
  ASSERT_TRUE(after.ok()) << after.error().message;
  ASSERT_EQ(write(to_child[1], "g", 1), 1);
  int status = 0;
  waitpid(child, &status, 0);

  // Round trip of a many-region snapshot through a file.
  ASSERT_TRUE(write_snapshot_file(*after, path("p")).ok());
  Result<Snapshot> loaded = read_snapshot_file(path("p"));
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(loaded->regions.size(), after->regions.size());

  Result<SnapshotDiff> d = diff_snapshots(*before, *loaded);
  ASSERT_TRUE(d.ok()) << d.error().message;
  bool vanished = false;
  bool appeared = false;
  for (const RegionChange& c : d->regions) {
    if (c.kind == RegionChange::Kind::vanished && c.address <= addr[0] &&
        c.address + c.length >= addr[0] + 65536) {
      vanished = true;
    }
    if (c.kind == RegionChange::Kind::appeared && c.address <= addr[1] &&
        c.address + c.length >= addr[1] + kSecond) {
      appeared = true;
    }
  }
  // The kernel may merge the new mapping with a neighbour: then part of it is compared, not
  // new; the old one cannot have stayed.
  EXPECT_TRUE(vanished);
  bool covered = appeared;
  for (const DiffRun& r : d->runs)
    covered = covered || (r.address >= addr[1] && r.address < addr[1] + kSecond);
  EXPECT_TRUE(covered);
}

}  // namespace
}  // namespace memview
