// The scan's memory cap: with a cap far below the candidates' size, blocks go to a
// temporary file that has no name, and every result (candidates, values, narrowings, the
// comparison with a first scan, saved state files) is identical to the uncapped scan's.
// Sources are real files; many small ranges give many blocks without a large file.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "memview/scan.h"
#include "memview/scan_file.h"
#include "memview/scan_worker.h"
#include "memview/source_spec.h"
#include "test_names.h"

namespace memview {
namespace {

namespace fs = std::filesystem;

// A fresh TMPDIR for the test (the spill file goes there), restored afterwards.
class SpillDir {
 public:
  SpillDir() : path_(fs::temp_directory_path() / test_support::unique_name("spill")) {
    fs::create_directories(path_);
    if (const char* old = std::getenv("TMPDIR")) old_ = old;
    setenv("TMPDIR", path_.c_str(), 1);
  }
  ~SpillDir() {
    if (old_.empty()) {
      unsetenv("TMPDIR");
    } else {
      setenv("TMPDIR", old_.c_str(), 1);
    }
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  SpillDir(const SpillDir&) = delete;
  SpillDir& operator=(const SpillDir&) = delete;
  const fs::path& path() const { return path_; }
  // The scan's temporary files with a name (the data file of the test lives here too).
  size_t entries() const {
    size_t n = 0;
    for (const auto& e : fs::directory_iterator(path_)) {
      n += e.path().filename().string().starts_with("memview-scan") ? 1 : 0;
    }
    return n;
  }

 private:
  fs::path path_;
  std::string old_;
};

struct DataFile {
  fs::path path;
  explicit DataFile(const std::vector<std::byte>& data)
      : path(fs::temp_directory_path() / test_support::unique_name("spilldata")) {
    write(data);
  }
  ~DataFile() {
    std::error_code ec;
    fs::remove(path, ec);
  }
  DataFile(const DataFile&) = delete;
  DataFile& operator=(const DataFile&) = delete;
  // In place (no truncation): an open source keeps its size.
  void write(const std::vector<std::byte>& data) const {
    const bool exists = fs::exists(path);
    std::fstream out(path, exists ? std::ios::binary | std::ios::in | std::ios::out
                                  : std::ios::binary | std::ios::out);
    out.write(reinterpret_cast<const char*>(data.data()),
              static_cast<std::streamsize>(data.size()));
  }
  std::string spec() const { return "file:" + path.string(); }
  SourcePtr open() const {
    OpenOptions o;
    o.read_only = true;
    Result<SourcePtr> s = open_source(spec(), o);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
    return s.ok() ? std::move(*s) : nullptr;
  }
};

std::vector<std::byte> small_values(std::mt19937_64& rng, size_t n) {
  std::vector<std::byte> v(n);
  for (auto& b : v) b = static_cast<std::byte>(rng() % 4);
  return v;
}

// 24 ranges of 40 KiB with gaps: 24 blocks.
std::vector<ByteRange> many_ranges() {
  std::vector<ByteRange> r;
  for (uint64_t k = 0; k < 24; ++k) r.push_back({k * 65536 + 8 * k, 40960});
  return r;
}

// Every candidate with its type and value, in order.
std::vector<std::pair<uint64_t, std::vector<std::byte>>> listing(const ScanState& s) {
  std::vector<std::pair<uint64_t, std::vector<std::byte>>> out;
  s.visit([&](const Candidate& c) {
    std::vector<std::byte> v = c.value;
    v.push_back(static_cast<std::byte>(c.type));
    out.emplace_back(c.address, std::move(v));
    return true;
  });
  return out;
}

std::vector<char> file_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

TEST(ScanSpill, ATinyCapGivesTheSameResultsAsMemoryAndLeavesNoFile) {
  SpillDir dir;
  std::mt19937_64 rng(21);
  std::vector<std::byte> data = small_values(rng, 24 * 65536 + 4096);
  DataFile file(data);
  SourcePtr src = file.open();
  ASSERT_TRUE(src);
  std::vector<std::byte> changed = data;
  for (int k = 0; k < 20000; ++k) changed[rng() % changed.size()] = std::byte(rng() % 4);

  struct Case {
    ScanType type;
    bool every_byte;
    ScanCondition cond;
  };
  const Case cases[] = {
      {ScanType::i32, false, {ScanOp::unknown, "", ""}},
      {ScanType::u8, true, {ScanOp::ne, "0", ""}},
      {ScanType::u16, false, {ScanOp::eq, "0x0302", ""}},
      {ScanType::any_int, true, {ScanOp::lt, "3", ""}},
      {ScanType::f64, false, {ScanOp::unknown, "", ""}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(scan_type_name(c.type)) + " " + scan_op_name(c.cond.op));
    file.write(data);
    ScanOptions o;
    o.type = c.type;
    o.every_byte = c.every_byte;
    o.threads = 2;
    Result<ScanState> mem = first_scan(*src, o, c.cond, nullptr, many_ranges());
    o.memory_cap = 1;  // everything spills
    Result<ScanState> disk = first_scan(*src, o, c.cond, nullptr, many_ranges());
    ASSERT_TRUE(mem.ok() && disk.ok());
    ASSERT_GT(mem->count(), 0u);
    EXPECT_EQ(disk->count(), mem->count());
    EXPECT_EQ(listing(*disk), listing(*mem));
    EXPECT_EQ(mem->spilled_bytes(), 0u);
    EXPECT_GT(disk->spilled_bytes(), 0u);
    EXPECT_EQ(disk->stats.bytes_spilled, disk->spilled_bytes());
    EXPECT_LT(disk->memory_bytes(), mem->memory_bytes() / 10);
    // The temporary file exists only as an open descriptor: no name in TMPDIR.
    ASSERT_TRUE(disk->spill);
    EXPECT_EQ(dir.entries(), 0u);
    // One value by address, from a spilled block.
    const auto first = listing(*mem).front();
    const auto type = static_cast<ScalarType>(first.second.back());
    std::vector<std::byte> want(first.second.begin(), first.second.end() - 1);
    EXPECT_EQ(disk->value_at(first.first, type), want);
    // A saved state is the same file whether its blocks were spilled or not.
    const fs::path a = dir.path() / "mem.state";
    const fs::path b = dir.path() / "disk.state";
    ASSERT_TRUE(save_scan_state(*mem, a.string()).ok());
    ASSERT_TRUE(save_scan_state(*disk, b.string()).ok());
    EXPECT_EQ(file_bytes(a), file_bytes(b));
    // Narrowing after changes: the spilled blocks are read back, narrowed, and spilled
    // again; the same candidates as in memory, compared with the first scan as well.
    const ScanState mem_first = *mem;
    const ScanState disk_first = *disk;
    file.write(changed);
    for (ScanOp op : {ScanOp::changed, ScanOp::unchanged, ScanOp::increased}) {
      Result<ScanState> nm = narrow(*src, mem_first, {op, "", ""});
      Result<ScanState> nd = narrow(*src, disk_first, {op, "", ""});
      ASSERT_TRUE(nm.ok() && nd.ok()) << (nd.ok() ? "" : nd.error().message);
      EXPECT_EQ(listing(*nd), listing(*nm)) << scan_op_name(op);
      Result<ScanState> again_m =
          narrow(*src, std::move(*nm), {ScanOp::unchanged, "", ""}, nullptr, &mem_first);
      Result<ScanState> again_d =
          narrow(*src, std::move(*nd), {ScanOp::unchanged, "", ""}, nullptr, &disk_first);
      ASSERT_TRUE(again_m.ok() && again_d.ok());
      EXPECT_EQ(listing(*again_d), listing(*again_m)) << scan_op_name(op) << " then vs first";
      EXPECT_EQ(again_d->narrowings, 2u);
    }
    // The first scan's state still reads its own blocks after being narrowed from.
    EXPECT_EQ(listing(disk_first), listing(mem_first));
    fs::remove(a);
    fs::remove(b);
  }
  EXPECT_EQ(dir.entries(), 0u);
}

TEST(ScanSpill, ACapBetweenBlocksKeepsTheFirstBlocksInMemoryAndTheRestOnDisk) {
  SpillDir dir;
  std::mt19937_64 rng(5);
  std::vector<std::byte> data = small_values(rng, 24 * 65536 + 4096);
  DataFile file(data);
  SourcePtr src = file.open();
  ScanOptions o;
  o.type = ScanType::u32;
  o.threads = 1;
  Result<ScanState> mem = first_scan(*src, o, {ScanOp::unknown, "", ""}, nullptr, many_ranges());
  ASSERT_TRUE(mem.ok());
  o.memory_cap = uint64_t{5} * 41000;  // about five blocks of 40 KiB snapshots
  Result<ScanState> capped = first_scan(*src, o, {ScanOp::unknown, "", ""}, nullptr, many_ranges());
  ASSERT_TRUE(capped.ok());
  size_t resident = 0;
  for (const ScanBlock& b : capped->blocks) resident += b.spilled() ? 0 : 1;
  EXPECT_GE(resident, 4u);
  EXPECT_LE(resident, 5u);
  EXPECT_LE(capped->memory_bytes(),
            o.memory_cap + sizeof(ScanState) + capped->blocks.size() * sizeof(ScanBlock));
  EXPECT_EQ(listing(*capped), listing(*mem));
  // The narrowing's cap (set on the worker's request) replaces the saved one.
  auto out = std::make_shared<Published<ScanState>>();
  ScanRequest req;
  req.spec = src->info().spec;
  req.condition = {ScanOp::unchanged, "", ""};
  req.previous = *mem;
  req.options.memory_cap = 1;
  std::unique_ptr<Worker> w = start_scan(std::move(req), out);
  w->join();
  ASSERT_EQ(w->state(), WorkerState::finished);
  std::shared_ptr<const ScanState> narrowed = out->latest();
  ASSERT_TRUE(narrowed);
  EXPECT_EQ(narrowed->count(), mem->count());
  EXPECT_GT(narrowed->spilled_bytes(), 0u);
  // A saved state loaded under a cap spills as it is read.
  const fs::path saved = dir.path() / "s.state";
  ASSERT_TRUE(save_scan_state(*mem, saved.string()).ok());
  Result<ScanState> loaded = load_scan_state(saved.string(), 1);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_GT(loaded->spilled_bytes(), 0u);
  EXPECT_EQ(loaded->options.memory_cap, 1u);
  EXPECT_EQ(listing(*loaded), listing(*mem));
  fs::remove(saved);
}

TEST(ScanSpill, StorageStaysNearOneBytePerScannedByteAfterUnchanged) {
  std::mt19937_64 rng(9);
  std::vector<std::byte> data = small_values(rng, 1 << 20);
  DataFile file(data);
  SourcePtr src = file.open();
  for (ScanType t : {ScanType::u8, ScanType::i16, ScanType::i32, ScanType::f64}) {
    for (bool every : {false, true}) {
      ScanOptions o;
      o.type = t;
      o.every_byte = every;
      Result<ScanState> s = first_scan(*src, o, {ScanOp::unknown, "", ""});
      ASSERT_TRUE(s.ok());
      Result<ScanState> n = narrow(*src, std::move(*s), {ScanOp::unchanged, "", ""});
      ASSERT_TRUE(n.ok());
      // Every position survives: kept as "every position", no bitmap.
      EXPECT_LE(static_cast<double>(n->memory_bytes()), 1.01 * static_cast<double>(data.size()))
          << scan_type_name(t) << " every_byte=" << every;
      // Half of them survive: the bitmap costs at most one bit per position.
      Result<ScanState> half = first_scan(*src, o, {ScanOp::lt, "2", ""});
      ASSERT_TRUE(half.ok());
      EXPECT_LE(static_cast<double>(half->memory_bytes()), 1.13 * static_cast<double>(data.size()))
          << scan_type_name(t) << " every_byte=" << every;
    }
  }
}

}  // namespace
}  // namespace memview
