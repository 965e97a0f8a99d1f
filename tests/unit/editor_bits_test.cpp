// Editor::write_bits (bitfield edits from the overlay tree): compare-and-swap on the storage
// unit, journalled so that undo/redo restore only our bits. On real POSIX shared memory a
// forked process keeps adding to the neighbouring bits while we write ours: no update of
// either side may be lost.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

#include "memory_source_double.h"
#include "memview/editor.h"
#include "memview/source_spec.h"
#include "peer_shm.h"

namespace memview {
namespace {

using testing::MemorySource;
using testing::PeerShm;

uint32_t load32(MemorySource& src, uint64_t a) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(src.at(a + i));
  return v;
}

void store32(MemorySource& src, uint64_t a, uint32_t v) {
  std::byte b[4];
  std::memcpy(b, &v, 4);
  ASSERT_TRUE(src.write(a, b).ok());
}

TEST(EditorBits, WritesOnlyTheMaskedBitsAndJournalsThem) {
  MemorySource src(64);
  src.cas_supported = true;
  ChangeTracker tracker;
  Editor ed(src, &tracker);
  store32(src, 8, 0xAAAA0005u);
  // bits 3..11 (9 bits) = 300
  ASSERT_TRUE(ed.write_bits(8, 4, 0x1ff8u, 300u << 3).ok());
  EXPECT_EQ(load32(src, 8), 0xAAAA0005u | (300u << 3));
  ASSERT_EQ(ed.undo_stack().size(), 1u);
  const Edit& e = ed.undo_stack().back();
  EXPECT_EQ(e.address, 8u);
  EXPECT_EQ(e.mask.size(), 4u);
  // Only bytes 8 and 9 hold our bits: only they carry the own-edit mark.
  EXPECT_TRUE(tracker.flags(8) & kOwnEdit);
  EXPECT_TRUE(tracker.flags(9) & kOwnEdit);
  EXPECT_FALSE(tracker.flags(10) & kOwnEdit);
  EXPECT_FALSE(tracker.flags(11) & kOwnEdit);

  // Someone changes the neighbouring bits; undo puts back only ours.
  store32(src, 8, (load32(src, 8) & 0x1ff8u) | 0x12340007u);
  ASSERT_TRUE(ed.undo().ok());
  EXPECT_EQ(load32(src, 8), 0x12340007u);
  ASSERT_EQ(ed.redo_stack().size(), 1u);
  EXPECT_EQ(ed.redo_stack().back().address, 8u);
  ASSERT_TRUE(ed.redo().ok());
  EXPECT_EQ(load32(src, 8), 0x12340007u | (300u << 3));
  EXPECT_TRUE(ed.redo_stack().empty());

  // Someone changes our bits: undo refuses and writes nothing.
  store32(src, 8, 0x12340007u | (17u << 3));
  Status st = ed.undo();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Errc::changed);
  EXPECT_EQ(load32(src, 8), 0x12340007u | (17u << 3));
  EXPECT_TRUE(ed.can_undo()) << "the entry stays so the user can decide";
}

TEST(EditorBits, BadArgumentsAndNoCompareAndSwap) {
  MemorySource src(64);
  src.cas_supported = true;
  Editor ed(src);
  EXPECT_EQ(ed.write_bits(2, 4, 1, 1).error().code, Errc::invalid_argument);      // unaligned
  EXPECT_EQ(ed.write_bits(0, 3, 1, 1).error().code, Errc::invalid_argument);      // width
  EXPECT_EQ(ed.write_bits(0, 1, 0x100, 0).error().code, Errc::invalid_argument);  // no bits
  EXPECT_EQ(ed.write_bits(64, 4, 1, 1).error().code, Errc::out_of_range);
  src.cas_supported = false;
  EXPECT_EQ(ed.write_bits(0, 4, 1, 1).error().code, Errc::unsupported);
  EXPECT_FALSE(ed.can_undo());
}

TEST(EditorBits, AForkedWriterOfTheNeighbouringBitsLosesNothing) {
  PeerShm peer(4096);
  ASSERT_TRUE(peer.ok());
  std::memset(peer.bytes(), 0, 4096);
  auto* word = reinterpret_cast<uint32_t*>(peer.bytes() + 64);  // [lo:12 ours | hi:20 theirs]
  auto* go = reinterpret_cast<uint32_t*>(peer.bytes());
  constexpr uint32_t kAdds = 200000;
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    while (__atomic_load_n(go, __ATOMIC_ACQUIRE) == 0) {
    }
    for (uint32_t i = 0; i < kAdds; ++i) __atomic_fetch_add(word, 1u << 12, __ATOMIC_RELAXED);
    _exit(0);
  }
  auto src = open_source(peer.spec());
  ASSERT_TRUE(src.ok()) << src.error().message;
  Editor ed(**src);
  __atomic_store_n(go, 1u, __ATOMIC_RELEASE);
  uint32_t last = 0;
  for (uint32_t i = 1; i <= 3000; ++i) {
    last = i & 0xfff;
    ASSERT_TRUE(ed.write_bits(64, 4, 0xfffu, last).ok());
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  const uint32_t v = __atomic_load_n(word, __ATOMIC_ACQUIRE);
  EXPECT_EQ(v >> 12, kAdds) << "every add of the other process survived our writes";
  EXPECT_EQ(v & 0xfff, last) << "our last write is there";
}

}  // namespace
}  // namespace memview
