#include "memview/change_tracker.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

#include "memory_source_double.h"
#include "memview/poller.h"
#include "memview/source_spec.h"
#include "peer_shm.h"

namespace memview {
namespace {

// The tracker's chunk size, as a 64-bit value so that multiples of it never overflow.
constexpr uint64_t kChunk = ChangeTracker::kChunkSize;

using testing::MemorySource;
using testing::PeerShm;

TEST(ChangeTracker, FirstPollIsBaselineNotChange) {
  MemorySource src(10000);
  ChangeTracker t;
  ChangeTracker::PollStats s = t.poll(src, {100, 5000}, 1000);
  EXPECT_EQ(s.changed_bytes, 0u);
  EXPECT_EQ(s.new_bytes, 5000u);
  EXPECT_TRUE(s.read.complete());
  for (uint64_t a : {100u, 101u, 4095u, 4096u, 5099u}) {
    EXPECT_TRUE(t.known(a)) << a;
    EXPECT_EQ(t.value(a), src.at(a)) << a;
    EXPECT_EQ(t.changed_ns(a), 0) << a;
    EXPECT_EQ(t.flags(a), kKnown) << a;
  }
  EXPECT_FALSE(t.known(99));
  EXPECT_FALSE(t.known(5100));
  // Zero bytes are baselined too (the cache starts zeroed; they must still become known).
  MemorySource zeros(64);
  for (uint64_t a = 0; a < 64; ++a) zeros.at(a) = std::byte{0};
  ChangeTracker t2;
  EXPECT_EQ(t2.poll(zeros, {0, 64}, 1).new_bytes, 64u);
  EXPECT_TRUE(t2.known(63));
  // Polling the same bytes again finds nothing new.
  ChangeTracker::PollStats again = t.poll(src, {100, 5000}, 2000);
  EXPECT_EQ(again.changed_bytes, 0u);
  EXPECT_EQ(again.new_bytes, 0u);
}

TEST(ChangeTracker, StampsChangedBytesWithPollTime) {
  MemorySource src(8192);
  ChangeTracker t;
  (void)t.poll(src, {0, 8192}, 1000);
  src.set(5, {0xaa, 0xbb});
  src.at(4096) = std::byte{0x11};
  src.at(8191) = ~src.at(8191);
  ChangeTracker::PollStats s = t.poll(src, {0, 8192}, 2000);
  EXPECT_EQ(s.changed_bytes, 4u);
  EXPECT_EQ(s.new_bytes, 0u);
  EXPECT_EQ(t.changed_ns(5), 2000);
  EXPECT_EQ(t.changed_ns(6), 2000);
  EXPECT_EQ(t.changed_ns(4096), 2000);
  EXPECT_EQ(t.changed_ns(8191), 2000);
  EXPECT_EQ(t.changed_ns(4), 0);
  EXPECT_EQ(t.changed_ns(7), 0);
  EXPECT_EQ(t.value(5), std::byte{0xaa});
  EXPECT_EQ(t.value(4096), std::byte{0x11});
  // A later poll without changes keeps the old stamps (the front end fades them).
  EXPECT_EQ(t.poll(src, {0, 8192}, 3000).changed_bytes, 0u);
  EXPECT_EQ(t.changed_ns(5), 2000);
  // Writing the same value is not a change.
  src.at(5) = std::byte{0xaa};
  EXPECT_EQ(t.poll(src, {0, 8192}, 4000).changed_bytes, 0u);
}

TEST(ChangeTracker, RecordsRunsWithOldAndNewBytesAcrossChunks) {
  MemorySource src(3 * kChunk);
  ChangeTracker t;
  t.set_record_changes(true);
  (void)t.poll(src, {4000, 300}, 1);
  EXPECT_TRUE(t.take_changes().empty()) << "the baseline is not a change";
  const std::byte o0 = src.at(4094), o1 = src.at(4095), o2 = src.at(4096), o3 = src.at(4097);
  const std::byte o4 = src.at(4200);
  src.set(4094, {0xa1, 0xa2, 0xa3, 0xa4});  // crosses the chunk boundary at 4096
  src.set(4200, {9});
  (void)t.poll(src, {4000, 300}, 2);
  std::vector<ChangeRun> runs = t.take_changes();
  // Precondition: every written byte really differs from what was there.
  ASSERT_TRUE(o0 != std::byte{0xa1} && o1 != std::byte{0xa2} && o2 != std::byte{0xa3} &&
              o3 != std::byte{0xa4} && o4 != std::byte{9});
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].address, 4094u);
  EXPECT_EQ(runs[0].old_bytes, (std::vector<std::byte>{o0, o1, o2, o3}));
  EXPECT_EQ(runs[0].new_bytes, (std::vector<std::byte>{std::byte{0xa1}, std::byte{0xa2},
                                                       std::byte{0xa3}, std::byte{0xa4}}));
  EXPECT_EQ(runs[1].address, 4200u);
  EXPECT_EQ(runs[1].old_bytes, std::vector<std::byte>{o4});
  EXPECT_EQ(runs[1].new_bytes, std::vector<std::byte>{std::byte{9}});
  EXPECT_TRUE(t.take_changes().empty());
}

TEST(ChangeTracker, RecordingSeparatesBaselineFromChangesInOneRun) {
  MemorySource src(64);
  ChangeTracker t;
  t.set_record_changes(true);
  (void)t.poll(src, {0, 10}, 1);
  // Bytes 8..11 change; 10 and 11 were never polled, so only 8..9 are a change.
  src.set(8, {0xf0, 0xf1, 0xf2, 0xf3});
  ChangeTracker::PollStats s = t.poll(src, {0, 12}, 2);
  EXPECT_EQ(s.changed_bytes, 2u);
  EXPECT_EQ(s.new_bytes, 2u);
  std::vector<ChangeRun> runs = t.take_changes();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].address, 8u);
  EXPECT_EQ(runs[0].new_bytes.size(), 2u);
  EXPECT_EQ(t.changed_ns(10), 0);
}

TEST(ChangeTracker, UnreadableBytesKeepLastValue) {
  MemorySource src(4096);
  ChangeTracker t;
  (void)t.poll(src, {0, 256}, 1);
  const std::byte last = src.at(20);
  src.add_hole({16, 8});
  src.at(20) = ~last;  // changes while unreadable: not visible
  ChangeTracker::PollStats s = t.poll(src, {0, 256}, 2);
  EXPECT_EQ(s.changed_bytes, 0u);
  ASSERT_EQ(s.read.unreadable.size(), 1u);
  EXPECT_EQ(s.read.unreadable[0], (ByteRange{16, 8}));
  EXPECT_FALSE(s.read.message.empty());
  EXPECT_EQ(t.value(20), last);
  EXPECT_EQ(t.flags(20), kKnown | kUnreadable);
  EXPECT_EQ(t.flags(15), kKnown);
  EXPECT_EQ(t.flags(24), kKnown);
  // Readable again: the difference from the last known value is a change.
  src.clear_holes();
  s = t.poll(src, {0, 256}, 3);
  EXPECT_EQ(s.changed_bytes, 1u);
  EXPECT_EQ(t.value(20), ~last);
  EXPECT_EQ(t.changed_ns(20), 3);
  EXPECT_EQ(t.flags(20), kKnown);
  EXPECT_EQ(t.flags(16), kKnown);
}

TEST(ChangeTracker, NeverReadBytesBecomeBaselineWhenReadable) {
  MemorySource src(4096);
  src.add_hole({100, 50});
  ChangeTracker t;
  ChangeTracker::PollStats s = t.poll(src, {0, 200}, 1);
  EXPECT_EQ(s.new_bytes, 150u);
  EXPECT_FALSE(t.known(120));
  EXPECT_EQ(t.flags(120), kUnreadable);
  src.clear_holes();
  s = t.poll(src, {0, 200}, 2);
  EXPECT_EQ(s.changed_bytes, 0u);
  EXPECT_EQ(s.new_bytes, 50u);
  EXPECT_EQ(t.flags(120), kKnown);
  EXPECT_EQ(t.value(120), src.at(120));
}

TEST(ChangeTracker, OwnWritesAreNotForeignChanges) {
  MemorySource src(4096);
  ChangeTracker t;
  (void)t.poll(src, {0, 64}, 1);
  const std::vector<std::byte> mine = {std::byte{0xde}, std::byte{0xad}};
  ASSERT_TRUE(src.write(10, mine).ok());
  t.note_own_write(10, mine);
  EXPECT_EQ(t.flags(10), kKnown | kOwnEdit);
  EXPECT_EQ(t.value(11), std::byte{0xad});
  ChangeTracker::PollStats s = t.poll(src, {0, 64}, 2);
  EXPECT_EQ(s.changed_bytes, 0u);
  EXPECT_EQ(t.changed_ns(10), 0);
  EXPECT_EQ(t.flags(10), kKnown | kOwnEdit);
  // Another process overwrites one of our bytes: it is theirs now, stamped.
  src.at(11) = std::byte{0x01};
  s = t.poll(src, {0, 64}, 3);
  EXPECT_EQ(s.changed_bytes, 1u);
  EXPECT_EQ(t.flags(11), kKnown);
  EXPECT_EQ(t.changed_ns(11), 3);
  EXPECT_EQ(t.flags(10), kKnown | kOwnEdit);
}

TEST(ChangeTracker, OwnWriteOfUnpolledBytesAndAcrossChunks) {
  MemorySource src(3 * kChunk);
  ChangeTracker t;
  std::vector<std::byte> mine(100, std::byte{0x5a});
  ASSERT_TRUE(src.write(4050, mine).ok());
  t.note_own_write(4050, mine);
  EXPECT_EQ(t.chunk_count(), 2u);
  EXPECT_TRUE(t.known(4050));
  EXPECT_TRUE(t.known(4149));
  EXPECT_FALSE(t.known(4150));
  ChangeTracker::PollStats s = t.poll(src, {4000, 200}, 5);
  EXPECT_EQ(s.changed_bytes, 0u);
  EXPECT_EQ(s.new_bytes, 100u);
}

TEST(ChangeTracker, EvictsLeastRecentlyPolledChunks) {
  MemorySource src(8 * kChunk);
  ChangeTracker t(/*max_chunks=*/2);
  (void)t.poll(src, {0, 10}, 1);
  (void)t.poll(src, {4096, 10}, 2);
  (void)t.poll(src, {0, 10}, 3);           // chunk 0 is now the most recent
  (void)t.poll(src, {2 * kChunk, 10}, 4);  // evicts chunk 1
  EXPECT_EQ(t.chunk_count(), 2u);
  EXPECT_TRUE(t.known(0));
  EXPECT_FALSE(t.known(4096));
  EXPECT_TRUE(t.known(2 * kChunk));
  // An evicted chunk polled again starts over with a baseline.
  src.at(4096) = ~src.at(4096);
  ChangeTracker::PollStats s = t.poll(src, {4096, 10}, 5);
  EXPECT_EQ(s.changed_bytes, 0u);
  EXPECT_EQ(s.new_bytes, 10u);
  EXPECT_EQ(t.chunk_count(), 2u);
  // One poll larger than the limit still completes; the cache keeps what fits.
  s = t.poll(src, {0, 8 * kChunk}, 6);
  EXPECT_TRUE(s.read.complete());
  EXPECT_EQ(t.chunk_count(), 2u);
  EXPECT_TRUE(t.known(7 * kChunk));
}

TEST(ChangeTracker, ForgetFromAndMarkUnreadableFrom) {
  MemorySource src(3 * kChunk);
  ChangeTracker t;
  (void)t.poll(src, {0, 3 * kChunk}, 1);
  EXPECT_EQ(t.chunk_count(), 3u);
  t.mark_unreadable_from(5000);
  EXPECT_EQ(t.flags(4999), kKnown);
  EXPECT_EQ(t.flags(5000), kKnown | kUnreadable);
  EXPECT_EQ(t.flags(3 * kChunk - 1), kKnown | kUnreadable);
  EXPECT_EQ(t.value(6000), src.at(6000));
  t.forget_from(5000);
  EXPECT_EQ(t.chunk_count(), 2u);
  EXPECT_TRUE(t.known(4999));
  EXPECT_FALSE(t.known(5000));
  EXPECT_EQ(t.flags(5000), 0);
  // The forgotten bytes come back as a baseline and the straddling chunk is consistent.
  ChangeTracker::PollStats s = t.poll(src, {0, 3 * kChunk}, 2);
  EXPECT_EQ(s.changed_bytes, 0u);
  EXPECT_EQ(s.new_bytes, 3u * 4096 - 5000);
  EXPECT_EQ(t.flags(5000), kKnown);
  t.clear();
  EXPECT_EQ(t.chunk_count(), 0u);
  EXPECT_FALSE(t.known(0));
}

TEST(ChangeTracker, RowStopsAtChunkBoundary) {
  MemorySource src(3 * kChunk);
  ChangeTracker t;
  EXPECT_EQ(t.row(0, 16).length, 0u);
  (void)t.poll(src, {0, 3 * kChunk}, 1);
  src.at(4090) = ~src.at(4090);
  (void)t.poll(src, {0, 3 * kChunk}, 7);
  TrackedBytes row = t.row(4088, 16);
  ASSERT_EQ(row.length, 8u);
  EXPECT_EQ(row.address, 4088u);
  EXPECT_EQ(row.values[2], src.at(4090));
  EXPECT_EQ(row.changed_ns[2], 7);
  EXPECT_EQ(row.changed_ns[1], 0);
  EXPECT_EQ(row.flags[0], kKnown);
  TrackedBytes next = t.row(4096, 16);
  EXPECT_EQ(next.length, 16u);
  EXPECT_EQ(next.values[0], src.at(4096));
}

TEST(ChangeTracker, MoveKeepsStateAndMovedFromIsReusable) {
  MemorySource src(8192);
  ChangeTracker a;
  (void)a.poll(src, {0, 8192}, 1);
  ChangeTracker b(std::move(a));
  src.at(100) = ~src.at(100);
  EXPECT_EQ(b.poll(src, {0, 8192}, 2).changed_bytes, 1u);
  EXPECT_EQ(b.changed_ns(100), 2);
  a.clear();  // NOLINT(bugprone-use-after-move): reuse after clear() is allowed
  EXPECT_EQ(a.poll(src, {0, 100}, 3).new_bytes, 100u);
  ChangeTracker c;
  c = std::move(b);
  EXPECT_TRUE(c.known(8191));
}

TEST(ChangeTracker, CostIsProportionalToThePolledRange) {
  MemorySource src(64 << 20);  // 64 MiB
  ChangeTracker t;
  (void)t.poll(src, {32 << 20, 4096}, 1);
  (void)t.poll(src, {32 << 20, 4096}, 2);
  EXPECT_EQ(src.bytes_read, 2u * 4096);
  EXPECT_EQ(t.chunk_count(), 1u);
}

TEST(ChangeTracker, NonZeroBaseAddresses) {
  // Process-like sources start far from 0; a range at the very top of the space must work.
  const uint64_t base = 0x7fff'0000'1000ull;
  MemorySource src(2 * kChunk, base);
  ChangeTracker t;
  (void)t.poll(src, {base + 4000, 200}, 1);
  src.at(base + 4100) = ~src.at(base + 4100);
  EXPECT_EQ(t.poll(src, {base + 4000, 200}, 2).changed_bytes, 1u);
  EXPECT_EQ(t.changed_ns(base + 4100), 2);
  // Range past the end of the source: reported unreadable, never a crash.
  ChangeTracker::PollStats s = t.poll(src, {base + 8000, 1000}, 3);
  ASSERT_EQ(s.read.unreadable.size(), 1u);
  EXPECT_EQ(s.read.unreadable[0].address, base + 2 * kChunk);
  EXPECT_EQ(s.read.unreadable[0].end(), base + 9000);
  ChangeTracker top;
  MemorySource tiny(16);
  s = top.poll(tiny, {~uint64_t{0} - 8, 100}, 1);  // length runs past 2^64: clamped
  EXPECT_FALSE(s.read.complete());
}

// Random edits, holes, own writes and polls, checked against a plain per-byte model.
TEST(ChangeTracker, MatchesReferenceModel) {
  constexpr size_t kSize = 5 * kChunk + 123;
  MemorySource src(kSize);
  ChangeTracker t;
  t.set_record_changes(true);
  struct Model {
    std::byte value{};
    int64_t changed = 0;
    uint8_t flags = 0;
  };
  std::map<uint64_t, Model> model;
  std::mt19937_64 rng(42);
  for (int step = 1; step <= 400; ++step) {
    // The "other process" changes a few bytes.
    for (int k = 0, n = static_cast<int>(rng() % 40); k < n; ++k) {
      src.at(rng() % kSize) = static_cast<std::byte>(rng());
    }
    src.clear_holes();
    if (rng() % 3 == 0) src.add_hole({rng() % kSize, 1 + rng() % 3000});
    if (rng() % 5 == 0) {
      const uint64_t a = rng() % (kSize - 20);
      std::vector<std::byte> mine(1 + rng() % 16);
      for (std::byte& b : mine) b = static_cast<std::byte>(rng());
      if (src.write(a, mine).ok()) {
        t.note_own_write(a, mine);
        for (size_t i = 0; i < mine.size(); ++i) {
          Model& m = model[a + i];
          m.value = mine[i];
          m.flags = static_cast<uint8_t>((m.flags & ~kUnreadable) | kKnown | kOwnEdit);
        }
      }
    }
    const uint64_t a = rng() % kSize;
    const uint64_t len = 1 + rng() % (kSize - a + 100);  // sometimes past the end
    // Expected result from the model.
    uint64_t expect_changed = 0;
    uint64_t expect_new = 0;
    std::vector<std::pair<uint64_t, std::byte>> expect_runs;  // (address, new) per changed byte
    for (uint64_t x = a; x < a + len; ++x) {
      Model& m = model[x];
      bool readable = x < kSize;
      // The double's only hole, if any.
      std::vector<std::byte> probe(1);
      if (readable) readable = src.read(x, probe).complete();
      if (!readable) {
        m.flags |= kUnreadable;
        continue;
      }
      const std::byte now = src.at(x);
      if (!(m.flags & kKnown)) {
        ++expect_new;
        m.value = now;
        m.flags = kKnown;
      } else {
        m.flags &= static_cast<uint8_t>(~kUnreadable);
        if (m.value != now) {
          ++expect_changed;
          m.value = now;
          m.changed = step;
          m.flags &= static_cast<uint8_t>(~kOwnEdit);
          expect_runs.emplace_back(x, now);
        }
      }
    }
    ChangeTracker::PollStats s = t.poll(src, {a, len}, step);
    ASSERT_EQ(s.changed_bytes, expect_changed) << "step " << step;
    ASSERT_EQ(s.new_bytes, expect_new) << "step " << step;
    std::vector<std::pair<uint64_t, std::byte>> got_runs;
    for (const ChangeRun& r : t.take_changes()) {
      ASSERT_EQ(r.old_bytes.size(), r.new_bytes.size());
      for (size_t i = 0; i < r.new_bytes.size(); ++i) {
        ASSERT_NE(r.old_bytes[i], r.new_bytes[i]);
        got_runs.emplace_back(r.address + i, r.new_bytes[i]);
      }
    }
    ASSERT_EQ(got_runs, expect_runs) << "step " << step;
    for (const auto& [x, m] : model) {
      if (x >= kSize) continue;
      ASSERT_EQ(t.flags(x), m.flags) << "byte " << x << " step " << step;
      if (m.flags & kKnown) {
        ASSERT_EQ(t.value(x), m.value) << "byte " << x << " step " << step;
        ASSERT_EQ(t.changed_ns(x), m.changed) << "byte " << x << " step " << step;
      }
    }
  }
}

// The same promises on a real POSIX shared memory object, opened by name through the shm
// backend (whose diff is fused with the read), while a peer mapping writes into it.
TEST(ChangeTrackerOnShm, PeerWritesAreStampedOwnWritesAreNot) {
  PeerShm peer(3 * kChunk);
  ASSERT_TRUE(peer.ok());
  Result<SourcePtr> opened = open_source(peer.spec());
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  Source& src = *opened.value();
  ChangeTracker t;
  t.set_record_changes(true);
  ChangeTracker::PollStats s = t.poll(src, {1000, 8000}, 10);
  EXPECT_EQ(s.new_bytes, 8000u);
  EXPECT_EQ(s.changed_bytes, 0u);
  EXPECT_TRUE(t.take_changes().empty());

  peer.bytes()[1000] = std::byte{0x11};
  peer.bytes()[4095] = std::byte{0x22};  // a run across the chunk boundary
  peer.bytes()[4096] = std::byte{0x33};
  peer.bytes()[8999] = std::byte{0x44};
  peer.bytes()[9000] = std::byte{0x55};  // outside the polled range
  s = t.poll(src, {1000, 8000}, 20);
  EXPECT_EQ(s.changed_bytes, 4u);
  EXPECT_EQ(t.changed_ns(1000), 20);
  EXPECT_EQ(t.changed_ns(4096), 20);
  EXPECT_EQ(t.changed_ns(1001), 0);
  EXPECT_FALSE(t.known(9000));
  std::vector<ChangeRun> runs = t.take_changes();
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[1].address, 4095u);
  EXPECT_EQ(runs[1].old_bytes, (std::vector<std::byte>{std::byte{0}, std::byte{0}}));
  EXPECT_EQ(runs[1].new_bytes, (std::vector<std::byte>{std::byte{0x22}, std::byte{0x33}}));

  const std::vector<std::byte> mine = {std::byte{0xab}, std::byte{0xcd}};
  ASSERT_TRUE(src.write(2000, mine).ok());
  t.note_own_write(2000, mine);
  EXPECT_EQ(peer.bytes()[2001], std::byte{0xcd});
  s = t.poll(src, {1000, 8000}, 30);
  EXPECT_EQ(s.changed_bytes, 0u);
  EXPECT_EQ(t.flags(2000), kKnown | kOwnEdit);
  peer.bytes()[2000] = std::byte{0x01};
  s = t.poll(src, {1000, 8000}, 40);
  EXPECT_EQ(s.changed_bytes, 1u);
  EXPECT_EQ(t.flags(2000), kKnown);
  EXPECT_EQ(t.changed_ns(2000), 40);
}

TEST(ChangeTrackerOnShm, PollerSeesTruncateAndUnlinkAndKeepsLastValues) {
  PeerShm peer(4 * kChunk);
  ASSERT_TRUE(peer.ok());
  Result<SourcePtr> opened = open_source(peer.spec());
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  Poller p(*opened.value());
  peer.bytes()[10000] = std::byte{0x7e};
  p.request({0, 4 * kChunk});
  Poller::PollResult r = p.poll(1);
  EXPECT_TRUE(r.events.empty());
  EXPECT_TRUE(r.unreadable.empty());
  EXPECT_EQ(p.tracker().value(10000), std::byte{0x7e});

  ASSERT_TRUE(peer.truncate(4096));
  p.request({0, 4 * kChunk});
  r = p.poll(2);  // reading the old window now would SIGBUS without the guard
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].kind, SourceEvent::Kind::resized);
  EXPECT_EQ(r.events[0].new_size, 4096u);
  EXPECT_EQ(p.tracker().flags(10000), kKnown | kUnreadable);
  EXPECT_EQ(p.tracker().value(10000), std::byte{0x7e});
  EXPECT_EQ(p.tracker().flags(4095), kKnown);

  // A diff straight past the new end (a caller that did not clamp) must not fault either.
  ChangeTracker direct;
  ChangeTracker::PollStats s = direct.poll(p.source(), {0, 4 * kChunk}, 3);
  ASSERT_EQ(s.read.unreadable.size(), 1u);
  EXPECT_EQ(s.read.unreadable[0], (ByteRange{4096, 3 * kChunk}));
  EXPECT_EQ(s.new_bytes, 4096u);

  ASSERT_TRUE(peer.unlink());
  p.request({0, 4096});
  r = p.poll(4);
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].kind, SourceEvent::Kind::removed);
  EXPECT_TRUE(p.source_gone());
  ASSERT_EQ(p.event_log().size(), 2u);
  // The memory stays readable through the open mapping after the name is gone.
  peer.bytes()[5] = std::byte{0x99};
  p.request({0, 4096});
  r = p.poll(5);
  EXPECT_EQ(r.changed_bytes, 1u);
  EXPECT_EQ(p.tracker().value(5), std::byte{0x99});
}

TEST(ChangeTrackerOnShm, OnePollReadsOnlyTheWindowOfAHugeObject) {
  // 1 GiB object: ftruncate makes it sparse, so only touched pages cost memory.
  PeerShm peer(size_t{1} << 30);
  ASSERT_TRUE(peer.ok());
  Result<SourcePtr> opened = open_source(peer.spec());
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  ChangeTracker t;
  const uint64_t at = (uint64_t{1} << 29) + 12345;
  (void)t.poll(*opened.value(), {at, 4096}, 1);
  peer.bytes()[at + 100] = std::byte{1};
  EXPECT_EQ(t.poll(*opened.value(), {at, 4096}, 2).changed_bytes, 1u);
  EXPECT_EQ(t.chunk_count(), 2u);  // the window straddles two chunks, nothing more
}

// Random peer writes, truncations and regrowth on a real shm object, with polls of random
// ranges (so chunks are created out of order and the fused diff runs over groups of
// chunks with and without contiguous values), checked against a plain per-byte model.
TEST(ChangeTrackerOnShm, MatchesReferenceModel) {
  constexpr size_t kSize = 9 * kChunk + 100;
  PeerShm peer(kSize);
  ASSERT_TRUE(peer.ok());
  Result<SourcePtr> opened = open_source(peer.spec());
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  Source& src = *opened.value();
  ChangeTracker t(/*max_chunks=*/6);  // small: eviction and slot reuse happen too
  t.set_record_changes(true);
  struct Model {
    std::byte value{};
    int64_t changed = 0;
    uint8_t flags = 0;
  };
  std::map<uint64_t, Model> model;
  std::mt19937_64 rng(2024);
  size_t size = kSize;
  for (int step = 1; step <= 300; ++step) {
    if (rng() % 10 == 0) {
      size = rng() % 2 ? kSize : static_cast<size_t>(rng() % kSize);
      ASSERT_TRUE(peer.truncate(size));
    }
    (void)src.refresh();
    ASSERT_EQ(src.info().size, size);
    // Peer writes, only below the current size (beyond it the peer itself would fault).
    for (int k = 0, n = static_cast<int>(rng() % 50); k < n && size > 0; ++k) {
      const size_t at = rng() % size;
      const size_t len = std::min<size_t>(1 + rng() % 40, size - at);
      for (size_t i = 0; i < len; ++i) peer.bytes()[at + i] = static_cast<std::byte>(rng() % 4);
    }
    const uint64_t a = rng() % kSize;
    const uint64_t len = 1 + rng() % (kSize - a);
    uint64_t expect_changed = 0, expect_new = 0;
    std::vector<std::pair<uint64_t, std::byte>> expect_runs;
    // A chunk the tracker does not hold (never polled, or evicted) starts over entirely.
    for (uint64_t c = a & ~uint64_t{4095}; c < a + len; c += 4096) {
      if (t.row(c, 1).length == 0) model.erase(model.lower_bound(c), model.lower_bound(c + 4096));
    }
    for (uint64_t x = a; x < a + len; ++x) {
      Model& m = model[x];
      if (x >= size) {
        m.flags |= kUnreadable;
        continue;
      }
      const std::byte now = peer.bytes()[x];
      if (!(m.flags & kKnown)) {
        ++expect_new;
        m.value = now;
        m.flags = kKnown;
      } else {
        m.flags &= static_cast<uint8_t>(~kUnreadable);
        if (m.value != now) {
          ++expect_changed;
          m.value = now;
          m.changed = step;
          expect_runs.emplace_back(x, now);
        }
      }
    }
    ChangeTracker::PollStats s = t.poll(src, {a, len}, step);
    ASSERT_EQ(s.changed_bytes, expect_changed) << "step " << step;
    ASSERT_EQ(s.new_bytes, expect_new) << "step " << step;
    std::vector<std::pair<uint64_t, std::byte>> got_runs;
    for (const ChangeRun& r : t.take_changes()) {
      for (size_t i = 0; i < r.new_bytes.size(); ++i) {
        ASSERT_NE(r.old_bytes[i], r.new_bytes[i]);
        got_runs.emplace_back(r.address + i, r.new_bytes[i]);
      }
    }
    ASSERT_EQ(got_runs, expect_runs) << "step " << step;
    ASSERT_EQ(s.read.complete(), a + len <= size) << "step " << step;
    for (uint64_t x = a; x < a + len; x += 1 + rng() % 7) {
      if (t.row(x, 1).length == 0) continue;  // evicted at the end of this very poll
      const Model& m = model[x];
      ASSERT_EQ(t.flags(x), m.flags) << "byte " << x << " step " << step;
      if (m.flags & kKnown) {
        ASSERT_EQ(t.value(x), m.value) << "byte " << x << " step " << step;
        ASSERT_EQ(t.changed_ns(x), m.changed) << "byte " << x << " step " << step;
      }
    }
  }
}

}  // namespace
}  // namespace memview
