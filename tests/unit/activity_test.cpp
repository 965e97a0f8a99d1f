// The activity map against real shared memory changed by a real other (forked) process:
// exactly the chunks the writer touched are marked, next/previous change visit them in
// order, the background sweeper publishes them within a sweep or two, and an object that
// shrinks under it greys out instead of crashing.
#include "memview/activity.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xxhash.h>

#include <chrono>
#include <csignal>
#include <cstring>
#include <set>
#include <thread>
#include <vector>

#include "activity/chunk_hash.h"
#include "memview/clock.h"
#include "memview/source_spec.h"
#include "peer_shm.h"

namespace memview {
namespace {

constexpr uint64_t kChunk = 8192;

// A writer process: opens the object by name like any other program, writes one byte at
// each offset, exits.
void write_in_child(const std::string& shm_name, size_t size,
                    const std::vector<uint64_t>& offsets) {
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const int fd = shm_open(shm_name.c_str(), O_RDWR, 0);
    if (fd < 0) _exit(2);
    void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) _exit(3);
    auto* bytes = static_cast<unsigned char*>(p);
    for (uint64_t off : offsets) bytes[off] = static_cast<unsigned char>(bytes[off] + 1);
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

std::set<size_t> chunks_of(const std::vector<uint64_t>& offsets) {
  std::set<size_t> out;
  for (uint64_t off : offsets) out.insert(static_cast<size_t>(off / kChunk));
  return out;
}

std::set<size_t> changed_chunks(const ActivityView& v) {
  std::set<size_t> out;
  for (size_t i = 0; i < v.chunk_count(); ++i) {
    if (v.last_change_ns(i) != 0) out.insert(i);
  }
  return out;
}

TEST(ActivityMap, MarksExactlyTheChunksAnotherProcessChanged) {
  constexpr size_t kSize = size_t{64} << 20;
  testing::PeerShm peer(kSize);
  ASSERT_TRUE(peer.ok());
  Result<SourcePtr> source = open_source(peer.spec(), OpenOptions{true});
  ASSERT_TRUE(source.ok()) << source.error().message;
  Result<std::vector<SweepRegion>> regions = sweep_regions(**source);
  ASSERT_TRUE(regions.ok());
  ASSERT_EQ(regions->size(), 1U);
  Result<ActivityMap> map = ActivityMap::create(*regions, ActivityOptions{kChunk, 10.0});
  ASSERT_TRUE(map.ok());
  EXPECT_EQ(map->chunk_count(), kSize / kChunk);

  const SweepResult baseline = map->sweep(**source);
  EXPECT_EQ(baseline.changed_chunks, 0U);
  EXPECT_EQ(baseline.bytes_read, kSize);

  const std::vector<uint64_t> offsets = {
      5, 3 * kChunk + 100, 3 * kChunk + 101, 1000 * kChunk, kSize / 2 + 7, kSize - 1};
  write_in_child(peer.name(), kSize, offsets);
  const int64_t before = now_ns();
  const SweepResult second = map->sweep(**source);
  EXPECT_EQ(second.changed_chunks, chunks_of(offsets).size());

  const std::shared_ptr<const ActivityView> view = map->view();
  const std::set<size_t> expected = chunks_of(offsets);
  EXPECT_EQ(changed_chunks(*view), expected);
  for (size_t i : expected) {
    EXPECT_GE(view->last_change_ns(i), before - 2'000'000);
    EXPECT_NEAR(view->changes(i, view->taken_ns()), 1.0, 0.01);
  }

  // Next change visits the chunks in ascending order, previous change in descending order.
  std::vector<size_t> forward;
  for (size_t i = view->next_changed(0, 0); i != ActivityView::npos;
       i = view->next_changed(i + 1, 0)) {
    forward.push_back(i);
  }
  EXPECT_EQ(forward, std::vector<size_t>(expected.begin(), expected.end()));
  std::vector<size_t> backward;
  for (size_t i = view->previous_changed(view->chunk_count() - 1, 0); i != ActivityView::npos;
       i = i == 0 ? ActivityView::npos : view->previous_changed(i - 1, 0)) {
    backward.push_back(i);
  }
  EXPECT_EQ(backward, std::vector<size_t>(expected.rbegin(), expected.rend()));
  // Nothing changed after the sweep ended.
  EXPECT_EQ(view->next_changed(0, view->taken_ns() + 1'000'000'000), ActivityView::npos);

  // A map of 64 pixel rows: the rows holding a changed chunk and no others.
  const std::vector<ActivityCell> rows = view->rows(0, view->chunk_count(), 64);
  const size_t per_row = view->chunk_count() / 64;
  for (size_t k = 0; k < rows.size(); ++k) {
    bool expect = false;
    for (size_t c : expected) expect = expect || c / per_row == k;
    EXPECT_EQ(rows[k].last_change_ns != 0, expect) << "row " << k;
    EXPECT_EQ(rows[k].chunks, per_row);
    EXPECT_EQ(rows[k].unreadable, 0U);
  }
  EXPECT_EQ(view->chunk_at(3 * kChunk + 5), 3U);
  EXPECT_EQ(view->chunk_range(3).address, 3 * kChunk);

  // A third sweep with no writer: counts stay, nothing new.
  EXPECT_EQ(map->sweep(**source).changed_chunks, 0U);
  // Memory: a few bytes per chunk, no copy of the object.
  EXPECT_LT(map->memory_bytes() + view->memory_bytes(), kSize / 100);
}

TEST(ActivityMap, RepeatedChangesCountAndDecay) {
  constexpr size_t kSize = 16 * kChunk;
  testing::PeerShm peer(kSize);
  ASSERT_TRUE(peer.ok());
  Result<SourcePtr> source = open_source(peer.spec(), OpenOptions{true});
  ASSERT_TRUE(source.ok());
  Result<ActivityMap> map = ActivityMap::create(*sweep_regions(**source), {kChunk, 3600.0});
  ASSERT_TRUE(map.ok());
  map->sweep(**source);
  for (int k = 0; k < 3; ++k) {
    write_in_child(peer.name(), kSize, {2 * kChunk});
    map->sweep(**source);
  }
  const auto view = map->view();
  EXPECT_NEAR(view->changes(2, view->taken_ns()), 3.0, 0.01);
  // After one half life the count has halved.
  EXPECT_NEAR(view->changes(2, view->last_change_ns(2) + int64_t{3600} * 1'000'000'000), 1.5, 0.01);
  EXPECT_NEAR(view->summarize(0, 16).changes, 3.0, 0.01);
}

TEST(ActivityMap, ChunkHashIsXxh3OnEveryCodePath) {
  std::vector<std::byte> data(70000);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::byte>((i * 7919) >> 3);
  for (size_t n : {size_t{0}, size_t{1}, size_t{16}, size_t{129}, size_t{240}, size_t{241},
                   size_t{1024}, size_t{8192}, size_t{65536}, size_t{69999}}) {
    const uint64_t want = XXH3_64bits(data.data(), n);
    EXPECT_EQ(detail::chunk_hash(data.data(), n), want) << n;
#if defined(__x86_64__) || defined(__i386__)
    if (__builtin_cpu_supports("avx2")) {
      EXPECT_EQ(detail::chunk_hash_avx2(data.data(), n), want) << n;
    }
#endif
  }
}

TEST(ActivityMap, NewRegionsKeepTheStateOfTheChunksTheyShare) {
  constexpr size_t kSize = 8 * kChunk;
  testing::PeerShm peer(kSize);
  ASSERT_TRUE(peer.ok());
  Result<SourcePtr> source = open_source(peer.spec(), OpenOptions{true});
  ASSERT_TRUE(source.ok());
  Result<ActivityMap> map = ActivityMap::create({SweepRegion{0, 4 * kChunk, {}}}, {kChunk, 10.0});
  ASSERT_TRUE(map.ok());
  map->sweep(**source);
  write_in_child(peer.name(), kSize, {kChunk + 1});
  map->sweep(**source);
  // The region grows to the whole object: the changed chunk stays marked, nothing new is.
  map->set_regions({SweepRegion{0, kSize, {}}});
  EXPECT_EQ(map->chunk_count(), 8U);
  EXPECT_EQ(map->sweep(**source).changed_chunks, 0U);
  EXPECT_EQ(changed_chunks(*map->view()), (std::set<size_t>{1}));
  write_in_child(peer.name(), kSize, {6 * kChunk});
  EXPECT_EQ(map->sweep(**source).changed_chunks, 1U);
  EXPECT_EQ(changed_chunks(*map->view()), (std::set<size_t>{1, 6}));
}

TEST(ActivityMap, RejectsBadOptions) {
  EXPECT_FALSE(ActivityMap::create({}, {1000, 1.0}).ok());
  EXPECT_FALSE(ActivityMap::create({}, {8, 1.0}).ok());
  EXPECT_FALSE(ActivityMap::create({}, {4096, 0.0}).ok());
}

// Polls until pred(view) holds or the deadline passes; the last view seen.
template <class Pred>
std::shared_ptr<const ActivityView> wait_for_view(const ActivitySweeper& s, Pred pred,
                                                  int timeout_ms = 20000) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  std::shared_ptr<const ActivityView> v;
  while (std::chrono::steady_clock::now() < deadline) {
    v = s.latest();
    if (v && pred(*v)) return v;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return v;
}

TEST(ActivitySweeper, PublishesAWritersChangesWithinTwoSweeps) {
  constexpr size_t kSize = size_t{16} << 20;
  testing::PeerShm peer(kSize);
  ASSERT_TRUE(peer.ok());
  SweeperOptions options;
  options.activity.chunk_size = kChunk;
  options.min_period_ms = 20;
  Result<std::unique_ptr<ActivitySweeper>> s = ActivitySweeper::start(peer.spec(), options);
  ASSERT_TRUE(s.ok()) << s.error().message;
  auto baseline = wait_for_view(**s, [](const ActivityView&) { return true; });
  ASSERT_TRUE(baseline);
  EXPECT_TRUE(changed_chunks(*baseline).empty());

  const std::vector<uint64_t> offsets = {kChunk * 7, kSize - kChunk};
  write_in_child(peer.name(), kSize, offsets);
  const uint64_t sweeps_at_write = (*s)->latest()->sweeps();
  auto seen = wait_for_view(**s, [&](const ActivityView& v) {
    return !changed_chunks(v).empty() && v.sweeps() >= sweeps_at_write + 2;
  });
  ASSERT_TRUE(seen);
  EXPECT_EQ(changed_chunks(*seen), chunks_of(offsets));
  EXPECT_GT(seen->sweep_period_ns(), 0);
  EXPECT_GT(seen->cpu_share(), 0.0);
  EXPECT_LE(seen->cpu_share(), 1.0);
  (*s)->worker().cancel();
  EXPECT_TRUE((*s)->worker().wait_for(10000));
}

TEST(ActivitySweeper, AnObjectThatShrinksGreysOutItsTail) {
  constexpr size_t kSize = size_t{4} << 20;
  testing::PeerShm peer(kSize);
  ASSERT_TRUE(peer.ok());
  SweeperOptions options;
  options.activity.chunk_size = kChunk;
  options.min_period_ms = 10;
  options.cpu_budget = 0;
  Result<std::unique_ptr<ActivitySweeper>> s = ActivitySweeper::start(peer.spec(), options);
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(wait_for_view(**s, [](const ActivityView&) { return true; }));
  ASSERT_TRUE(peer.truncate(kSize / 4));
  // A sweep that was under way at the truncate read the chunks before its position whole:
  // wait for one that found the first chunk past the new end unreadable too.
  auto v = wait_for_view(**s, [](const ActivityView& v) {
    return v.unreadable(kSize / 4 / kChunk) && v.unreadable(v.chunk_count() - 1);
  });
  ASSERT_TRUE(v);
  ASSERT_EQ(v->chunk_count(), kSize / kChunk);  // the old extent stays on the map
  for (size_t i = 0; i < v->chunk_count(); ++i) {
    ASSERT_EQ(v->unreadable(i), i >= kSize / 4 / kChunk) << i;
  }
  EXPECT_EQ(v->summarize(0, v->chunk_count()).unreadable, (kSize - kSize / 4) / kChunk);
  // Removed entirely: the sweeper keeps going without a crash.
  ASSERT_TRUE(peer.unlink());
  ASSERT_TRUE(peer.truncate(0));
  auto gone = wait_for_view(**s, [](const ActivityView& v) { return v.unreadable(0); });
  ASSERT_TRUE(gone);
  EXPECT_EQ((*s)->worker().state(), WorkerState::running);
}

// A process that keeps changing one byte of its private memory: the sweeper of pid:PID
// covers its readable mappings and marks the chunk holding that byte.
TEST(ActivitySweeper, FindsChangesInAProcesssPrivateMemory) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "a whole AddressSanitizer process maps terabytes of readable shadow memory";
#endif
  int report[2];
  ASSERT_EQ(pipe(report), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto* mem = static_cast<volatile unsigned char*>(
        mmap(nullptr, size_t{1} << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    for (size_t i = 0; i < (size_t{1} << 20); ++i) mem[i] = 1;
    const uint64_t at = reinterpret_cast<uint64_t>(mem) + 300000;
    if (write(report[1], &at, sizeof(at)) != sizeof(at)) _exit(1);
    for (int k = 0; k < 3000; ++k) {  // at most 30 s; the parent kills it sooner
      mem[300000] = static_cast<unsigned char>(mem[300000] + 1);
      usleep(10000);
    }
    _exit(0);
  }
  uint64_t at = 0;
  ASSERT_EQ(read(report[0], &at, sizeof(at)), static_cast<ssize_t>(sizeof(at)));
  close(report[0]);
  close(report[1]);
  SweeperOptions options;
  options.min_period_ms = 20;
  options.cpu_budget = 0;
  Result<std::unique_ptr<ActivitySweeper>> s =
      ActivitySweeper::start("pid:" + std::to_string(child), options);
  if (!s.ok()) {
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
    GTEST_SKIP() << s.error().message;  // ptrace restrictions of this machine
  }
  auto v = wait_for_view(**s, [&](const ActivityView& v) {
    const size_t c = v.chunk_at(at);
    return c != ActivityView::npos && v.last_change_ns(c) != 0;
  });
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  ASSERT_TRUE(v);
  const size_t c = v->chunk_at(at);
  ASSERT_NE(c, ActivityView::npos);
  EXPECT_NE(v->last_change_ns(c), 0);
  EXPECT_GT(v->regions().size(), 3U);  // code, heap, stack, the mapping, ...
  EXPECT_EQ(v->chunk_range(c).address % 4096, 0U);
}

TEST(ActivitySweeper, ARangeSweepsOnlyThatRange) {
  constexpr size_t kSize = size_t{1} << 20;
  testing::PeerShm peer(kSize);
  ASSERT_TRUE(peer.ok());
  SweeperOptions options;
  options.activity.chunk_size = 4096;
  options.range = ByteRange{65536, 65536};
  Result<std::unique_ptr<ActivitySweeper>> s = ActivitySweeper::start(peer.spec(), options);
  ASSERT_TRUE(s.ok());
  auto v = wait_for_view(**s, [](const ActivityView&) { return true; });
  ASSERT_TRUE(v);
  ASSERT_EQ(v->regions().size(), 1U);
  EXPECT_EQ(v->regions()[0].address, 65536U);
  EXPECT_EQ(v->chunk_count(), 16U);
  EXPECT_EQ(v->chunk_at(0), ActivityView::npos);
  options.range = ByteRange{kSize, 10};
  EXPECT_FALSE(ActivitySweeper::start(peer.spec(), options).ok());
  EXPECT_FALSE(ActivitySweeper::start("shm:/memview-no-such-object-xyz", {}).ok());
}

}  // namespace
}  // namespace memview
