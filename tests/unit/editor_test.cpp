#include "memview/editor.h"

#include <gtest/gtest.h>

#include "memory_source_double.h"
#include "memview/source_spec.h"
#include "peer_shm.h"

namespace memview {
namespace {

using testing::MemorySource;
using testing::PeerShm;

std::vector<std::byte> B(std::initializer_list<unsigned> v) {
  std::vector<std::byte> out;
  for (unsigned b : v) out.push_back(static_cast<std::byte>(b));
  return out;
}

std::vector<std::byte> snapshot(MemorySource& src) {
  std::vector<std::byte> out(src.info().size);
  for (uint64_t a = 0; a < out.size(); ++a) out[a] = src.at(a);
  return out;
}

TEST(Editor, WriteJournalsAndMarksOwnEdit) {
  MemorySource src(256);
  ChangeTracker tracker;
  Editor ed(src, &tracker);
  const std::vector<std::byte> before = {src.at(10), src.at(11), src.at(12)};
  ASSERT_TRUE(ed.write(10, B({1, 2, 3})).ok());
  EXPECT_EQ(src.at(10), std::byte{1});
  EXPECT_EQ(src.at(12), std::byte{3});
  ASSERT_EQ(ed.undo_stack().size(), 1u);
  EXPECT_EQ(ed.undo_stack()[0].address, 10u);
  EXPECT_EQ(ed.undo_stack()[0].before, before);
  EXPECT_EQ(ed.undo_stack()[0].after, B({1, 2, 3}));
  EXPECT_TRUE(tracker.flags(11) & kOwnEdit);
  EXPECT_EQ(tracker.value(11), std::byte{2});
  EXPECT_TRUE(ed.can_undo());
  EXPECT_FALSE(ed.can_redo());
}

TEST(Editor, UndoRedoRoundTrip) {
  MemorySource src(256);
  Editor ed(src);
  const std::vector<std::byte> original = snapshot(src);
  ASSERT_TRUE(ed.write(0, B({0xaa, 0xbb})).ok());
  ASSERT_TRUE(ed.write(100, B({0xcc})).ok());
  const std::vector<std::byte> edited = snapshot(src);
  ASSERT_TRUE(ed.undo().ok());
  EXPECT_EQ(src.at(100), original[100]);
  EXPECT_EQ(src.at(0), std::byte{0xaa});
  ASSERT_TRUE(ed.undo().ok());
  EXPECT_EQ(snapshot(src), original);
  EXPECT_FALSE(ed.can_undo());
  Status none = ed.undo();
  ASSERT_FALSE(none.ok());
  EXPECT_FALSE(none.error().message.empty());
  ASSERT_TRUE(ed.redo().ok());
  ASSERT_TRUE(ed.redo().ok());
  EXPECT_EQ(snapshot(src), edited);
  EXPECT_FALSE(ed.redo().ok());
}

TEST(Editor, UndoRefusesWhenSomeoneElseChangedTheBytes) {
  for (bool cas : {false, true}) {
    SCOPED_TRACE(cas ? "compare-exchange path" : "read-compare-write path");
    MemorySource src(256);
    src.cas_supported = cas;
    ChangeTracker tracker;
    Editor ed(src, &tracker);
    ASSERT_TRUE(ed.write(8, B({1, 2, 3, 4})).ok());  // aligned 4 bytes: CAS-able
    src.at(9) = std::byte{0x77};                     // the other process writes
    const std::vector<std::byte> now = snapshot(src);
    const uint64_t writes = src.writes;
    Status s = ed.undo();
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, Errc::changed);
    EXPECT_NE(s.error().message.find("0x8"), std::string::npos) << s.error().message;
    EXPECT_EQ(snapshot(src), now) << "nothing may be written";
    EXPECT_EQ(src.writes, writes);
    EXPECT_TRUE(ed.can_undo()) << "the entry stays so the user can decide";
    if (cas) {
      EXPECT_GT(src.cas_calls, 0u);
    }
    // Once the bytes hold what we wrote again, undo goes through.
    src.at(9) = std::byte{2};
    ASSERT_TRUE(ed.undo().ok());
    EXPECT_FALSE(tracker.flags(9) & kUnreadable);
  }
}

TEST(Editor, RedoRefusesWhenSomeoneElseChangedTheBytes) {
  MemorySource src(256);
  Editor ed(src);
  ASSERT_TRUE(ed.write(3, B({9, 9, 9})).ok());  // unaligned: always read-compare-write
  ASSERT_TRUE(ed.undo().ok());
  src.at(4) = std::byte{0x42};
  const std::vector<std::byte> now = snapshot(src);
  Status s = ed.redo();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::changed);
  EXPECT_EQ(snapshot(src), now);
  EXPECT_TRUE(ed.can_redo());
}

TEST(Editor, NewEditClearsRedo) {
  MemorySource src(256);
  Editor ed(src);
  ASSERT_TRUE(ed.write(0, B({1})).ok());
  ASSERT_TRUE(ed.undo().ok());
  EXPECT_TRUE(ed.can_redo());
  ASSERT_TRUE(ed.write(1, B({2})).ok());
  EXPECT_FALSE(ed.can_redo());
  ed.clear_history();
  EXPECT_FALSE(ed.can_undo());
}

TEST(Editor, BadWritesWriteNothingAndJournalNothing) {
  MemorySource src(256);
  Editor ed(src);
  const std::vector<std::byte> original = snapshot(src);

  Status s = ed.write(250, B({1, 2, 3, 4, 5, 6, 7}));  // runs past the end
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::out_of_range);
  s = ed.write(1000, B({1}));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::out_of_range);
  s = ed.write(~uint64_t{0}, B({1, 2}));  // address + length wraps around
  ASSERT_FALSE(s.ok());
  s = ed.write(0, {});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::invalid_argument);

  src.add_hole({40, 4});  // cannot read the old bytes: cannot promise an undo
  s = ed.write(38, B({1, 2, 3, 4}));
  ASSERT_FALSE(s.ok());
  src.clear_holes();

  src.set_writable(false);
  s = ed.write(0, B({1}));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::permission);
  EXPECT_NE(s.error().message.find("read-only"), std::string::npos);

  EXPECT_EQ(snapshot(src), original);
  EXPECT_EQ(src.writes, 0u);
  EXPECT_FALSE(ed.can_undo());
}

TEST(Editor, UndoAfterShrinkFailsCleanly) {
  MemorySource src(8192);
  Editor ed(src);
  ASSERT_TRUE(ed.write(6000, B({1, 2})).ok());
  src.resize_later(4096);
  (void)src.refresh();
  Status s = ed.undo();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::out_of_range);
  EXPECT_TRUE(ed.can_undo());
}

// On a real shared memory object: edits land in the peer's mapping, and an undo over bytes
// the peer changed meanwhile writes nothing (aligned scalars go through compare-and-swap).
TEST(EditorOnShm, EditsUndoAndRefusalSeenByAPeer) {
  PeerShm peer(4096);
  ASSERT_TRUE(peer.ok());
  Result<SourcePtr> opened = open_source(peer.spec());
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  ChangeTracker tracker;
  Editor ed(*opened.value(), &tracker);
  std::byte* live = peer.bytes();
  live[64] = std::byte{0x10};

  ASSERT_TRUE(ed.write(64, B({0xef, 0xbe, 0xad, 0xde})).ok());  // aligned u32
  EXPECT_EQ(live[64], std::byte{0xef});
  EXPECT_EQ(live[67], std::byte{0xde});
  ASSERT_TRUE(ed.write(101, B({1, 2, 3})).ok());  // unaligned
  EXPECT_EQ(ed.undo_stack()[0].before, B({0x10, 0, 0, 0}));

  live[102] = std::byte{0x55};  // the peer changes one of our bytes
  Status s = ed.undo();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::changed);
  EXPECT_EQ(live[101], std::byte{1});
  EXPECT_EQ(live[102], std::byte{0x55});
  EXPECT_EQ(live[103], std::byte{3});

  ed.clear_history();
  ASSERT_TRUE(ed.write(64, B({1, 0, 0, 0})).ok());
  live[65] = std::byte{0x80};  // neighbouring byte of the same u32
  s = ed.undo();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::changed);
  EXPECT_EQ(live[64], std::byte{1});
  EXPECT_EQ(live[65], std::byte{0x80});
  live[65] = std::byte{0};
  ASSERT_TRUE(ed.undo().ok());
  EXPECT_EQ(live[64], std::byte{0xef});
  EXPECT_EQ(live[67], std::byte{0xde});
  ASSERT_TRUE(ed.redo().ok());
  EXPECT_EQ(live[64], std::byte{1});
  EXPECT_EQ(live[67], std::byte{0});

  // Past the end of the object: refused, nothing written, not journaled.
  const size_t depth = ed.undo_stack().size();
  s = ed.write(4094, B({1, 2, 3, 4}));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::out_of_range);
  EXPECT_EQ(live[4094], std::byte{0});
  EXPECT_EQ(ed.undo_stack().size(), depth);
}

TEST(EditorOnShm, WriteAfterPeerTruncateWritesNothing) {
  PeerShm peer(8192);
  ASSERT_TRUE(peer.ok());
  Result<SourcePtr> opened = open_source(peer.spec());
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  Editor ed(*opened.value());
  ASSERT_TRUE(peer.truncate(4096));
  // The source has not been refreshed: its idea of the size is stale. Still no fault and no
  // partial write.
  Status s = ed.write(4090, B({1, 2, 3, 4, 5, 6, 7, 8}));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(peer.bytes()[4090], std::byte{0});
  EXPECT_FALSE(ed.can_undo());
  ASSERT_TRUE(ed.write(4000, B({9})).ok());
  EXPECT_EQ(peer.bytes()[4000], std::byte{9});
}

}  // namespace
}  // namespace memview
