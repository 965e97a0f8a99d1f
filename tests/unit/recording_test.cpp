// Recording file format: round trip through the writer and the reader (state at T, changes,
// series, next/previous change, events), ring mode, truncation at every byte, corruption.
#include "memview/recording.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace memview {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() : path_(fs::temp_directory_path() / ("memview-recording-" + std::to_string(getpid()))) {
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

using State = std::vector<std::vector<std::byte>>;

// A model of what was written: the state after every sample, by time.
struct Model {
  std::vector<int64_t> times;
  std::vector<State> states;
  const State& at(int64_t t) const {
    size_t i = 0;
    while (i + 1 < times.size() && times[i + 1] <= t) ++i;
    return states[i];
  }
};

RecordingHeader two_ranges() {
  RecordingHeader h;
  h.spec = "shm:/memview-test";
  h.ranges = {{0x100, 64}, {0x1000, 16}};
  h.rate_hz = 1000;
  h.start_wall_ns = 1'700'000'000'000'000'000;
  h.start_mono_ns = 42;
  return h;
}

// Writes `samples` random samples (a few bytes change in each) and returns the model.
Model write_random(const std::string& path, const RecordingWriterOptions& options, int samples,
                   unsigned seed) {
  RecordingHeader h = two_ranges();
  Result<std::unique_ptr<RecordingWriter>> w = RecordingWriter::create(path, h, options);
  EXPECT_TRUE(w.ok());
  std::mt19937 rng(seed);
  State s = {std::vector<std::byte>(64), std::vector<std::byte>(16)};
  Model m;
  int64_t t = 1000;
  EXPECT_TRUE((*w)->start(t, s).ok());
  m.times.push_back(t);
  m.states.push_back(s);
  for (int i = 1; i < samples; ++i) {
    t += 1 + static_cast<int64_t>(rng() % 1000);
    std::vector<RecordedRun> runs;
    if (rng() % 4 != 0) {
      const uint32_t range = rng() % 2;
      const uint64_t len = 1 + rng() % 4;
      const uint64_t off = rng() % (s[range].size() - len + 1);
      for (uint64_t k = 0; k < len; ++k) s[range][off + k] = static_cast<std::byte>(rng());
      runs.push_back({range, off, std::span<const std::byte>(s[range].data() + off, len)});
    }
    EXPECT_TRUE((*w)->add_sample(t, runs).ok());
    if (i == samples / 2) {
      EXPECT_TRUE((*w)->add_event({t, RecordingEventKind::mark, "half way"}).ok());
    }
    m.times.push_back(t);
    m.states.push_back(s);
  }
  EXPECT_TRUE((*w)->finish().ok());
  return m;
}

TEST(Recording, RoundTripStateAtEveryTime) {
  TempDir dir;
  RecordingWriterOptions options;
  options.block_bytes = 200;  // many blocks: keyframes and block boundaries get exercised
  const Model m = write_random(dir.file("a.mvrec"), options, 400, 1);
  Result<Recording> r = Recording::open(dir.file("a.mvrec"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->truncated()) << r->truncation();
  EXPECT_GT(r->blocks().size(), 5u);
  EXPECT_EQ(r->header().spec, "shm:/memview-test");
  EXPECT_EQ(r->header().ranges, two_ranges().ranges);
  EXPECT_EQ(r->header().start_wall_ns, two_ranges().start_wall_ns);
  for (size_t i = 0; i < m.times.size(); i += 7) {
    for (int64_t dt : {0, 1}) {
      Result<RecordedState> st = r->state_at(m.times[i] + dt);
      ASSERT_TRUE(st.ok());
      EXPECT_EQ(st->ranges, m.at(m.times[i] + dt)) << "at sample " << i;
    }
  }
  Result<RecordedState> before = r->state_at(0);
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->ranges, m.states.front());
  Result<std::vector<RecordingEvent>> events = r->events();
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].text, "half way");
  EXPECT_EQ((*events)[0].t_ns, m.times[200]);
}

TEST(Recording, ChangesReplayToEveryState) {
  TempDir dir;
  RecordingWriterOptions options;
  options.block_bytes = 300;
  const Model m = write_random(dir.file("c.mvrec"), options, 300, 2);
  Result<Recording> r = Recording::open(dir.file("c.mvrec"));
  ASSERT_TRUE(r.ok());
  // Replaying the changes from the first state must give the state of every sample.
  State s = m.states.front();
  size_t checked = 0;
  int64_t last_t = 0;
  auto flush_until = [&](int64_t t) {
    for (size_t i = 0; i < m.times.size(); ++i) {
      if (m.times[i] > last_t && m.times[i] < t) {
        EXPECT_EQ(s, m.states[i]) << "sample " << i;
        ++checked;
      }
    }
    last_t = t - 1;
  };
  Status st = r->for_each_change(0, INT64_MAX, std::nullopt, false, [&](const RecordedChange& c) {
    flush_until(c.t_ns);
    std::copy(c.bytes.begin(), c.bytes.end(),
              s[c.range].begin() + static_cast<ptrdiff_t>(c.offset));
    return true;
  });
  ASSERT_TRUE(st.ok());
  flush_until(INT64_MAX);
  EXPECT_EQ(s, m.states.back());
  EXPECT_GT(checked, 100u);
}

TEST(Recording, SeriesAndNextPreviousChange) {
  TempDir dir;
  RecordingHeader h = two_ranges();
  RecordingWriterOptions options;
  options.block_bytes = 100;
  auto w = RecordingWriter::create(dir.file("s.mvrec"), h, options);
  ASSERT_TRUE(w.ok());
  State s = {std::vector<std::byte>(64), std::vector<std::byte>(16)};
  ASSERT_TRUE((*w)->start(0, s).ok());
  // u32 at offset 8 of range 0 takes the values 1..50 at t = 10, 20, ...; other bytes noise.
  for (uint32_t v = 1; v <= 50; ++v) {
    for (int k = 0; k < 4; ++k) s[0][8 + k] = static_cast<std::byte>((v >> (8 * k)) & 0xff);
    s[1][v % 16] = static_cast<std::byte>(v);
    std::vector<RecordedRun> runs = {
        {0, 8, std::span<const std::byte>(s[0].data() + 8, 4)},
        {1, v % 16, std::span<const std::byte>(s[1].data() + v % 16, 1)}};
    ASSERT_TRUE((*w)->add_sample(int64_t{v} * 10, runs).ok());
    ASSERT_TRUE((*w)->add_sample(int64_t{v} * 10 + 5, {}).ok());
  }
  ASSERT_TRUE((*w)->finish().ok());
  Result<Recording> r = Recording::open(dir.file("s.mvrec"));
  ASSERT_TRUE(r.ok());
  Result<std::vector<SeriesPoint>> series =
      r->series(0, 8, ScalarType::u32, Endian::little, 0, INT64_MAX);
  ASSERT_TRUE(series.ok());
  ASSERT_EQ(series->size(), 51u);
  for (uint32_t v = 0; v <= 50; ++v) {
    EXPECT_EQ((*series)[v].t_ns, v * 10);
    EXPECT_EQ((*series)[v].value, std::to_string(v));
  }
  const Recording::Filter f{0, 8, 4};
  for (int64_t t : {0, 10, 15, 33, 490}) {
    Result<std::optional<int64_t>> next = r->next_change(f, t);
    ASSERT_TRUE(next.ok());
    ASSERT_TRUE(next->has_value()) << t;
    EXPECT_EQ(**next, (t / 10 + 1) * 10);
  }
  Result<std::optional<int64_t>> none = r->next_change(f, 500);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  for (int64_t t : {11, 20, 35, 500}) {
    Result<std::optional<int64_t>> prev = r->previous_change(f, t);
    ASSERT_TRUE(prev.ok());
    ASSERT_TRUE(prev->has_value()) << t;
    EXPECT_EQ(**prev, ((t - 1) / 10) * 10);
  }
  Result<std::optional<int64_t>> first = r->previous_change(f, 10);
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first->has_value());
  ASSERT_TRUE(r->filter_for(0x108, 4).has_value());
  EXPECT_EQ(r->filter_for(0x108, 4)->offset, 8u);
  EXPECT_FALSE(r->filter_for(0x13e, 4).has_value());
}

TEST(Recording, RingKeepsTheNewestBlocks) {
  TempDir dir;
  RecordingWriterOptions options;
  options.block_bytes = 1 << 20;
  options.block_ns = 100;
  options.ring_ns = 1000;
  const Model m = write_random(dir.file("r.mvrec"), options, 2000, 3);
  Result<Recording> r = Recording::open(dir.file("r.mvrec"));
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->truncated());
  EXPECT_GT(r->first_ns(), m.times.front());
  EXPECT_LE(r->last_ns() - r->first_ns(), 1000 + 2 * 1000);
  EXPECT_EQ(r->last_ns(), m.times.back());
  for (size_t i = 0; i < m.times.size(); ++i) {
    if (m.times[i] < r->first_ns()) continue;
    Result<RecordedState> st = r->state_at(m.times[i]);
    ASSERT_TRUE(st.ok());
    EXPECT_EQ(st->ranges, m.states[i]);
  }
}

TEST(Recording, TruncatedAtEveryByteReadsUpToItsLastCompleteBlock) {
  TempDir dir;
  RecordingWriterOptions options;
  options.block_bytes = 150;
  const Model m = write_random(dir.file("t.mvrec"), options, 120, 4);
  const std::string full = slurp(dir.file("t.mvrec"));
  Result<Recording> whole = Recording::from_bytes(full);
  ASSERT_TRUE(whole.ok());
  const std::vector<RecordingBlockInfo>& blocks = whole->blocks();
  ASSERT_GT(blocks.size(), 3u);
  const uint64_t header_end = blocks.front().offset;
  for (size_t n = 0; n < full.size(); ++n) {
    Result<Recording> r = Recording::from_bytes(full.substr(0, n));
    if (n < header_end) {
      ASSERT_FALSE(r.ok()) << n;
      EXPECT_FALSE(r.error().message.empty());
      continue;
    }
    ASSERT_TRUE(r.ok()) << n << ": " << r.error().message;
    EXPECT_TRUE(r->truncated()) << n;
    size_t complete = 0;
    for (const RecordingBlockInfo& b : blocks) {
      if (b.offset + 40 + b.stored_bytes <= n) ++complete;
    }
    ASSERT_EQ(r->blocks().size(), complete) << n;
    if (complete > 0) {
      const int64_t t = r->last_ns();
      Result<RecordedState> st = r->state_at(t);
      ASSERT_TRUE(st.ok()) << n;
      EXPECT_EQ(st->ranges, m.at(t)) << n;
    }
  }
}

TEST(Recording, ForeignCorruptAndNewerFilesAreRefused) {
  TempDir dir;
  write_random(dir.file("f.mvrec"), {}, 50, 5);
  const std::string full = slurp(dir.file("f.mvrec"));
  Result<Recording> foreign = Recording::from_bytes("PK\x03\x04 not a recording at all.......");
  ASSERT_FALSE(foreign.ok());
  EXPECT_NE(foreign.error().message.find("not a memview recording"), std::string::npos);

  std::string newer = full;
  newer[8] = 2;
  Result<Recording> v2 = Recording::from_bytes(newer);
  ASSERT_FALSE(v2.ok());
  EXPECT_EQ(v2.error().code, Errc::unsupported);
  EXPECT_NE(v2.error().message.find("version 2"), std::string::npos);

  std::string bad_header = full;
  bad_header[30] ^= 0x20;
  Result<Recording> h = Recording::from_bytes(bad_header);
  ASSERT_FALSE(h.ok());
  EXPECT_NE(h.error().message.find("checksum"), std::string::npos);

  // A flipped byte inside a block: the file opens, the block says it is corrupt.
  Result<Recording> whole = Recording::from_bytes(full);
  ASSERT_TRUE(whole.ok());
  std::string bad_block = full;
  bad_block[whole->blocks().front().offset + 45] ^= 0x01;
  Result<Recording> b = Recording::from_bytes(bad_block);
  ASSERT_TRUE(b.ok());
  Result<RecordedState> st = b->state_at(0);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("corrupt"), std::string::npos);

  Result<Recording> missing = Recording::open(dir.file("does-not-exist"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::not_found);
}

TEST(Recording, WriterRefusesBadInput) {
  TempDir dir;
  RecordingHeader h = two_ranges();
  auto w = RecordingWriter::create(dir.file("w.mvrec"), h, {});
  ASSERT_TRUE(w.ok());
  State wrong = {std::vector<std::byte>(3)};
  EXPECT_FALSE((*w)->start(0, wrong).ok());
  State s = {std::vector<std::byte>(64), std::vector<std::byte>(16)};
  EXPECT_FALSE((*w)->add_sample(0, {}).ok());  // not started
  ASSERT_TRUE((*w)->start(0, s).ok());
  std::byte b[8] = {};
  const RecordedRun outside{1, 12, std::span<const std::byte>(b, 8)};
  EXPECT_FALSE((*w)->add_sample(1, std::span<const RecordedRun>(&outside, 1)).ok());
  RecordingHeader none = h;
  none.ranges.clear();
  EXPECT_FALSE(RecordingWriter::create(dir.file("x.mvrec"), none, {}).ok());
  EXPECT_FALSE(RecordingWriter::create(dir.file("no/such/dir/x.mvrec"), h, {}).ok());
}

}  // namespace
}  // namespace memview
