// Who writes here, on this test process itself: real hardware breakpoints through perf,
// real samples, real libdwfl resolution of this file's own lines. Plus the pure parts:
// splitting a selection into watches and the explanation of each perf failure.
#include "memview/who_writes.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "memview/clock.h"
#include "who/perf_explain.h"

namespace memview {
namespace {

volatile uint64_t g_watched = 0;
volatile uint32_t g_neighbour = 0;

// The one store the tests watch (exactly n writes), and its line for libdwfl's answer.
constexpr int kStoreLine = __LINE__ + 3;
__attribute__((noinline)) void who_test_store(uint64_t n) {
  for (uint64_t i = 0; i < n; ++i) {
    g_watched = g_watched + 1;
  }
}

std::string self_spec() {
  return fmt::format("pid:{}@0x{:x}+8", getpid(), reinterpret_cast<uintptr_t>(&g_watched));
}

WhoWritesJob start_on_self(unsigned ring_pages = 64) {
  WhoWritesOptions o;
  o.spec = self_spec();
  o.watches = {{reinterpret_cast<uintptr_t>(&g_watched), 8}};
  o.publish_interval_ns = 10'000'000;
  o.ring_pages = ring_pages;
  return start_who_writes(std::move(o));
}

// Why hit counts cannot be tested here (empty when write breakpoints fire): some virtual
// machines' CPUs deliver no debug exceptions at all.
std::string why_breakpoints_do_not_fire() {
  const Status fire = check_write_breakpoints_fire();
  return fire ? std::string() : fire.error().message;
}

// Waits for the watch to be attached (or the worker to fail).
bool wait_watching(const WhoWritesJob& job) {
  for (int i = 0; i < 2000; ++i) {
    auto t = job.table->latest();
    if (t && t->phase == WhoWritesPhase::watching) return true;
    if (job.worker->done()) return false;
    usleep(1000);
  }
  return false;
}

TEST(PlanWriteWatches, AlignedPiecesOrTheReason) {
  auto one = plan_write_watches(0x40, 8);
  ASSERT_TRUE(one) << one.error().message;
  EXPECT_EQ(*one, (std::vector<WriteWatch>{{0x40, 8}}));
  auto split = plan_write_watches(0x3c, 16);
  ASSERT_TRUE(split);
  EXPECT_EQ(*split, (std::vector<WriteWatch>{{0x3c, 4}, {0x40, 8}, {0x48, 4}}));
  auto odd = plan_write_watches(0x41, 7);
  ASSERT_TRUE(odd);
  EXPECT_EQ(*odd, (std::vector<WriteWatch>{{0x41, 1}, {0x42, 2}, {0x44, 4}}));
  auto wide = plan_write_watches(0x40, 32);
  ASSERT_TRUE(wide);
  EXPECT_EQ(wide->size(), 4u);
  auto too_wide = plan_write_watches(0x40, 64);
  ASSERT_FALSE(too_wide);
  EXPECT_EQ(too_wide.error().code, Errc::invalid_argument);
  EXPECT_NE(too_wide.error().message.find("need 8 hardware watches"), std::string::npos)
      << too_wide.error().message;
  EXPECT_NE(too_wide.error().message.find("4 debug registers"), std::string::npos);
  EXPECT_FALSE(plan_write_watches(0x41, 16));  // 5 pieces
  EXPECT_FALSE(plan_write_watches(0x40, 0));
  EXPECT_FALSE(plan_write_watches(~uint64_t{0} - 2, 8));
  EXPECT_FALSE(plan_write_watches(0, uint64_t{1} << 40));  // refused without counting them all
}

detail::PerfFacts facts(int err) {
  detail::PerfFacts f;
  f.err = err;
  f.paranoid = 2;
  f.my_uid = 1000;
  f.my_user = "alice";
  f.pid = 4242;
  f.tid = 4243;
  f.target_uid = 1000;
  f.target_user = "alice";
  f.watches = 1;
  return f;
}

TEST(ExplainPerfError, EachCauseSaysItsFix) {
  auto has = [](const std::string& s, const char* what) {
    return s.find(what) != std::string::npos;
  };
  detail::PerfFacts f = facts(EACCES);
  f.paranoid = 3;
  std::string m = detail::explain_perf_error(f);
  EXPECT_TRUE(has(m, "cannot watch thread 4243 of process 4242")) << m;
  EXPECT_TRUE(has(m, "perf_event_paranoid is 3")) << m;
  EXPECT_TRUE(has(m, "kernel.perf_event_paranoid=2") && has(m, "CAP_PERFMON")) << m;
  f.cap_perfmon = true;
  f.target_uid = 0;
  f.target_user = "root";
  m = detail::explain_perf_error(f);
  EXPECT_TRUE(has(m, "belongs to user root (uid 0)") && has(m, "CAP_SYS_PTRACE")) << m;
  f = facts(EACCES);
  m = detail::explain_perf_error(f);
  EXPECT_TRUE(has(m, "non-dumpable") && has(m, "CAP_SYS_PTRACE")) << m;
  f.cap_sys_ptrace = true;
  m = detail::explain_perf_error(f);
  EXPECT_TRUE(has(m, "seccomp") || has(m, "security module")) << m;
  m = detail::explain_perf_error(facts(EPERM));
  EXPECT_TRUE(has(m, "seccomp") && has(m, "PERFMON")) << m;
  m = detail::explain_perf_error(facts(ENOSPC));
  EXPECT_TRUE(has(m, "debug registers") && has(m, "in use") && has(m, "watchpoints")) << m;
  for (const int err : {ENOENT, EOPNOTSUPP, ENODEV}) {
    m = detail::explain_perf_error(facts(err));
    EXPECT_TRUE(has(m, "hardware breakpoints are not available in this environment")) << m;
  }
  m = detail::explain_perf_error(facts(ENOSYS));
  EXPECT_TRUE(has(m, "CONFIG_PERF_EVENTS")) << m;
  m = detail::explain_perf_error(facts(EMFILE));
  EXPECT_TRUE(has(m, "ulimit -n")) << m;
  f = facts(EPERM);
  f.step = detail::PerfStep::mmap;
  f.ring_kib = 256;
  f.mlock_kb = 516;
  m = detail::explain_perf_error(f);
  EXPECT_TRUE(has(m, "256 KiB") && has(m, "perf_event_mlock_kb = 516") && has(m, "ulimit -l")) << m;
  f = facts(EACCES);
  f.pid = 0;
  f.tid = 0;
  f.paranoid = 4;
  m = detail::explain_perf_error(f);
  EXPECT_TRUE(has(m, "perf_event_paranoid is 4")) << m;
}

TEST(WhoWrites, ThisProcessExactCountsAndItsOwnLine) {
  if (const std::string why = why_breakpoints_do_not_fire(); !why.empty()) GTEST_SKIP() << why;
  WhoWritesJob job = start_on_self();
  ASSERT_TRUE(wait_watching(job)) << (job.worker->error() ? job.worker->error()->message : "");
  g_neighbour = 7;  // next to the watched bytes: not a hit
  // A thread created after the watch started.
  std::thread writer([] { who_test_store(1000); });
  writer.join();
  who_test_store(234);  // and this (already attached) thread
  job.worker->cancel();
  job.worker->join();
  ASSERT_EQ(job.worker->state(), WorkerState::cancelled);
  auto t = job.table->latest();
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->phase, WhoWritesPhase::stopped);
  EXPECT_EQ(t->hits, 1234u);
  EXPECT_EQ(t->samples, 1234u);
  EXPECT_EQ(t->lost, 0u);
  ASSERT_EQ(t->processes.size(), 1u);
  EXPECT_EQ(t->processes[0].pid, getpid());
  EXPECT_EQ(t->processes[0].hits, 1234u);
  uint64_t counted = 0;
  std::set<int64_t> tids;
  for (const WriterRow& r : t->rows) {
    counted += r.count;
    tids.insert(r.tid);
    EXPECT_NE(r.where.function.find("who_test_store"), std::string::npos) << r.where.function;
    EXPECT_NE(r.where.file.find("who_writes_test.cpp"), std::string::npos) << r.where.file;
    EXPECT_EQ(r.where.line, kStoreLine);
    EXPECT_NE(r.where.module.find("memview_unit_tests"), std::string::npos) << r.where.module;
    EXPECT_GE(r.last_ns, r.first_ns);
    EXPECT_GT(r.first_ns, t->started_ns - 1'000'000'000);
    ASSERT_EQ(r.value.size(), 8u);
  }
  EXPECT_EQ(counted, 1234u);
  EXPECT_EQ(tids.size(), 2u) << "the late thread and this one";
}

TEST(WhoWrites, NothingStaysAttachedAfterStop) {
  if (const std::string why = why_breakpoints_do_not_fire(); !why.empty()) GTEST_SKIP() << why;
  {
    WhoWritesJob job = start_on_self();
    ASSERT_TRUE(wait_watching(job));
    who_test_store(10);
  }  // the worker is destroyed: cancel, close every breakpoint
  WhoWritesJob job = start_on_self();
  ASSERT_TRUE(wait_watching(job));
  who_test_store(5);
  job.worker->cancel();
  job.worker->join();
  EXPECT_EQ(job.table->latest()->hits, 5u) << "a breakpoint of the first watch would count too";
}

TEST(WhoWrites, ASmallRingLosesSamplesButCountsStayExact) {
  if (const std::string why = why_breakpoints_do_not_fire(); !why.empty()) GTEST_SKIP() << why;
  WhoWritesJob job = start_on_self(1);  // one page: ~100 samples
  ASSERT_TRUE(wait_watching(job));
  who_test_store(20000);
  job.worker->cancel();
  job.worker->join();
  auto t = job.table->latest();
  EXPECT_EQ(t->hits, 20000u) << "every write counted by the kernel";
  EXPECT_EQ(t->samples + t->lost, t->hits) << "what was not sampled is reported as lost";
}

TEST(WhoWrites, WhereBreakpointsDoNotFireTheWatchFailsWithTheSelfTestsReason) {
  const std::string why = why_breakpoints_do_not_fire();
  if (why.empty()) GTEST_SKIP() << "write breakpoints fire here: the tests above count them";
  EXPECT_NE(why.find("do not fire on this machine"), std::string::npos) << why;
  WhoWritesJob job = start_on_self();
  EXPECT_FALSE(wait_watching(job)) << "a watch that would count nothing never says watching";
  job.worker->join();
  ASSERT_EQ(job.worker->state(), WorkerState::failed);
  EXPECT_EQ(job.worker->error()->code, Errc::unsupported);
  EXPECT_EQ(job.worker->error()->message, why);
  EXPECT_EQ(job.table->latest()->phase, WhoWritesPhase::stopped);
}

TEST(WhoWrites, RefusesWhatHardwareCannotWatch) {
  WhoWritesOptions o;
  o.spec = self_spec();
  o.watches = {{reinterpret_cast<uintptr_t>(&g_watched) + 1, 8}};  // misaligned
  WhoWritesJob job = start_who_writes(o);
  job.worker->join();
  ASSERT_EQ(job.worker->state(), WorkerState::failed);
  EXPECT_NE(job.worker->error()->message.find("aligned"), std::string::npos);
  o.watches.assign(5, {reinterpret_cast<uintptr_t>(&g_watched), 8});
  job = start_who_writes(o);
  job.worker->join();
  EXPECT_EQ(job.worker->state(), WorkerState::failed);
  o.watches = {{reinterpret_cast<uintptr_t>(&g_watched), 8}};
  o.spec = "pid:999999999@0x1000+8";
  job = start_who_writes(o);
  job.worker->join();
  ASSERT_EQ(job.worker->state(), WorkerState::failed);
  EXPECT_NE(job.worker->error()->message.find("no process"), std::string::npos)
      << job.worker->error()->message;
}

}  // namespace
}  // namespace memview
