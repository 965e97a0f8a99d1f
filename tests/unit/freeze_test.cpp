// The freeze worker against real shared memory: another process (a forked writer that maps
// the object by name and decrements the value) fights the frozen value; the freeze holds
// it, counts the fights, stops when asked, and never writes once the object is read-only,
// shrank below the value or was removed.
#include "memview/freeze.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <cstring>
#include <thread>

#include "memview/clock.h"
#include "memview/source_spec.h"
#include "peer_shm.h"

namespace memview {
namespace {

using testing::PeerShm;

constexpr uint64_t kAddr = 0x40;

uint32_t peek(PeerShm& shm) {
  uint32_t v = 0;
  std::memcpy(&v, shm.bytes() + kAddr, 4);
  return v;
}

void poke(PeerShm& shm, uint32_t v) {
  std::memcpy(shm.bytes() + kAddr, &v, 4);
}

std::vector<std::byte> u32_bytes(uint32_t v) {
  std::vector<std::byte> b(4);
  store_uint(b, v, Endian::little);
  return b;
}

FreezeRequest request(const PeerShm& shm, uint32_t v, FreezeMode mode = FreezeMode::exact) {
  FreezeRequest r;
  r.spec = shm.spec();
  r.address = kAddr;
  r.type = ScalarType::u32;
  r.value = u32_bytes(v);
  r.mode = mode;
  return r;
}

// A separate process that maps the object by name and decrements the u32 at kAddr
// `rounds` times, one every `period_us`.
pid_t start_decrementer(const std::string& name, int rounds, int period_us) {
  const pid_t pid = fork();
  if (pid != 0) return pid;
  const int fd = shm_open(name.c_str(), O_RDWR, 0);
  if (fd < 0) _exit(2);
  void* p = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) _exit(3);
  auto* v = reinterpret_cast<volatile uint32_t*>(static_cast<char*>(p) + kAddr);
  for (int i = 0; i < rounds; ++i) {
    *v = *v - 1;
    usleep(static_cast<useconds_t>(period_us));
  }
  _exit(0);
}

int wait_exit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(Freezer, HoldsTheValueAndCountsAWriteBetweenTwoRoundsAsAFight) {
  PeerShm shm(4096);
  ASSERT_TRUE(shm.ok());
  poke(shm, 7);
  auto src = open_source(shm.spec());
  ASSERT_TRUE(src.ok()) << src.error().message;
  Freezer f(**src, request(shm, 1000));
  ASSERT_TRUE(f.step().ok());
  EXPECT_EQ(peek(shm), 1000u);
  EXPECT_EQ(f.status().writes, 1u);
  EXPECT_EQ(f.status().fights, 0u) << "the first write replaces the value: no fight yet";
  ASSERT_TRUE(f.step().ok());
  EXPECT_EQ(f.status().writes, 1u) << "an unchanged value is not written again";
  poke(shm, 999);  // someone else's write
  ASSERT_TRUE(f.step().ok());
  EXPECT_EQ(peek(shm), 1000u);
  EXPECT_EQ(f.status().fights, 1u);
  EXPECT_EQ(f.status().writes, 2u);
}

TEST(Freezer, AllowIncreaseLetsARaiseStandAndFightsADecrease) {
  PeerShm shm(4096);
  ASSERT_TRUE(shm.ok());
  auto src = open_source(shm.spec());
  ASSERT_TRUE(src.ok());
  Freezer f(**src, request(shm, 50, FreezeMode::allow_increase));
  ASSERT_TRUE(f.step().ok());
  poke(shm, 80);
  ASSERT_TRUE(f.step().ok());
  EXPECT_EQ(peek(shm), 80u);
  EXPECT_EQ(f.status().allowed, 1u);
  EXPECT_EQ(load_uint(f.status().held, Endian::little), 80u) << "the raised value is held now";
  poke(shm, 60);
  ASSERT_TRUE(f.step().ok());
  EXPECT_EQ(peek(shm), 80u);
  EXPECT_EQ(f.status().fights, 1u);
}

TEST(Freezer, AllowDecreaseComparesSignedValuesAsSigned) {
  PeerShm shm(4096);
  ASSERT_TRUE(shm.ok());
  auto src = open_source(shm.spec());
  ASSERT_TRUE(src.ok());
  FreezeRequest r = request(shm, 0, FreezeMode::allow_decrease);
  r.type = ScalarType::i32;
  Freezer f(**src, r);
  ASSERT_TRUE(f.step().ok());
  poke(shm, static_cast<uint32_t>(-5));  // a decrease for an i32 (a raise for a u32)
  ASSERT_TRUE(f.step().ok());
  EXPECT_EQ(peek(shm), static_cast<uint32_t>(-5));
  EXPECT_EQ(f.status().allowed, 1u);
}

TEST(Freezer, NeverWritesAgainAfterTheObjectShrankBelowTheValue) {
  PeerShm shm(4096);
  ASSERT_TRUE(shm.ok());
  auto src = open_source(shm.spec());
  ASSERT_TRUE(src.ok());
  Freezer f(**src, request(shm, 1000));
  ASSERT_TRUE(f.step().ok());
  ASSERT_TRUE(shm.truncate(kAddr + 2));  // the value's last two bytes are gone
  const Status s = f.step();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::out_of_range);
  EXPECT_NE(f.status().stopped.find("too small"), std::string::npos) << f.status().stopped;
  // Grown back: the freeze stays stopped and writes nothing over what is there now.
  ASSERT_TRUE(shm.truncate(4096));
  poke(shm, 7);
  EXPECT_FALSE(f.step().ok());
  EXPECT_EQ(peek(shm), 7u);
  EXPECT_EQ(f.status().writes, 1u);
}

TEST(Freezer, NeverWritesAfterTheObjectWasRemoved) {
  PeerShm shm(4096);
  ASSERT_TRUE(shm.ok());
  auto src = open_source(shm.spec());
  ASSERT_TRUE(src.ok());
  Freezer f(**src, request(shm, 1000));
  ASSERT_TRUE(f.step().ok());
  ASSERT_TRUE(shm.unlink());
  poke(shm, 3);  // the memory stays mapped and writable here
  const Status s = f.step();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::removed);
  EXPECT_NE(f.status().stopped.find("removed"), std::string::npos) << f.status().stopped;
  EXPECT_FALSE(f.step().ok());
  EXPECT_EQ(peek(shm), 3u);
}

TEST(Freezer, RefusesAReadOnlySource) {
  PeerShm shm(4096);
  ASSERT_TRUE(shm.ok());
  poke(shm, 5);
  OpenOptions ro;
  ro.read_only = true;
  auto src = open_source(shm.spec(), ro);
  ASSERT_TRUE(src.ok());
  Freezer f(**src, request(shm, 1000));
  const Status s = f.step();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::permission);
  EXPECT_NE(f.status().stopped.find("read-only"), std::string::npos);
  EXPECT_EQ(peek(shm), 5u);
}

TEST(FreezeWorker, HoldsAgainstADecrementingProcessCountsFightsAndStopsOnCancel) {
  PeerShm shm(4096);
  ASSERT_TRUE(shm.ok());
  poke(shm, 500);
  auto out = std::make_shared<Published<FreezeStatus>>();
  FreezeRequest r = request(shm, 1000);
  r.interval_ns = 2'000'000;
  auto w = start_freeze(r, out);
  ASSERT_TRUE(w.ok()) << w.error().message;
  // Wait for the first round, then let the writer fight it: 100 decrements, 1 ms apart.
  for (int i = 0; i < 2000 && (!out->latest() || out->latest()->writes == 0); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_EQ(peek(shm), 1000u);
  const pid_t writer = start_decrementer(shm.name(), 100, 1000);
  ASSERT_EQ(wait_exit(writer), 0);
  // Two more rounds after the writer is done: the value is back.
  const uint64_t checks = out->latest()->checks;
  for (int i = 0; i < 5000 && out->latest()->checks < checks + 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(peek(shm), 1000u);
  const FreezeStatus st = *out->latest();
  EXPECT_GE(st.fights, 1u);
  EXPECT_LE(st.fights, 100u) << "at most one fight per write of the writer";
  EXPECT_EQ(st.writes, st.fights + 1) << "the first write, then one per fight";
  EXPECT_TRUE(st.stopped.empty());
  (*w)->cancel();
  (*w)->join();
  EXPECT_EQ((*w)->state(), WorkerState::cancelled);
  // Stopped: the writer's next decrement stays.
  const pid_t again = start_decrementer(shm.name(), 1, 0);
  ASSERT_EQ(wait_exit(again), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(peek(shm), 999u);
}

TEST(FreezeWorker, StopsForGoodWhenTheObjectIsRemovedAndSaysWhy) {
  PeerShm shm(4096);
  ASSERT_TRUE(shm.ok());
  auto out = std::make_shared<Published<FreezeStatus>>();
  FreezeRequest r = request(shm, 1000);
  r.interval_ns = 1'000'000;
  auto w = start_freeze(r, out);
  ASSERT_TRUE(w.ok());
  for (int i = 0; i < 2000 && (!out->latest() || out->latest()->writes == 0); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_TRUE(shm.unlink());
  ASSERT_TRUE((*w)->wait_for(5000));
  EXPECT_EQ((*w)->state(), WorkerState::failed);
  ASSERT_TRUE((*w)->error());
  EXPECT_EQ((*w)->error()->code, Errc::removed);
  poke(shm, 4);
  std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(peek(shm), 4u);
  EXPECT_FALSE(out->latest()->stopped.empty());
}

TEST(FreezeWorker, RejectsAValueOfTheWrongSizeAndClampsTheInterval) {
  auto out = std::make_shared<Published<FreezeStatus>>();
  FreezeRequest r;
  r.spec = "shm:whatever";
  r.type = ScalarType::u64;
  r.value = u32_bytes(1);
  auto w = start_freeze(r, out);
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().code, Errc::invalid_argument);
  EXPECT_EQ(clamp_freeze_interval_ns(0), kFreezeMinIntervalNs);
  EXPECT_EQ(clamp_freeze_interval_ns(int64_t{60} * 1'000'000'000), kFreezeMaxIntervalNs);
}

}  // namespace
}  // namespace memview
