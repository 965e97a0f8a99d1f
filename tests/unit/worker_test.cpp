#include "memview/worker.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include "memview/clock.h"

namespace memview {
namespace {

TEST(Worker, FinishesAndPublishesProgress) {
  Published<std::vector<int>> out;
  auto w = Worker::start("count", [&out](WorkerContext& ctx) -> Status {
    std::vector<int> v;
    for (int i = 0; i < 100; ++i) {
      v.push_back(i);
      ctx.set_progress(static_cast<uint64_t>(i) + 1, 100);
    }
    out.publish(v);
    return {};
  });
  w->join();
  EXPECT_EQ(w->state(), WorkerState::finished);
  EXPECT_EQ(w->progress().done, 100u);
  EXPECT_EQ(w->progress().total, 100u);
  EXPECT_DOUBLE_EQ(w->progress().fraction(), 1.0);
  ASSERT_NE(out.latest(), nullptr);
  EXPECT_EQ(out.latest()->size(), 100u);
  EXPECT_EQ(out.version(), 1u);
}

TEST(Worker, CancelWakesASleepingJobAtOnce) {
  auto w = Worker::start("sleeper", [](WorkerContext& ctx) -> Status {
    // An hour: only cancel() can end this in time.
    ctx.sleep_until(now_ns() + 3'600'000'000'000LL);
    return {};
  });
  const int64_t t0 = now_ns();
  w->cancel();
  ASSERT_TRUE(w->wait_for(10'000));
  EXPECT_LT(now_ns() - t0, 5'000'000'000LL);
  EXPECT_EQ(w->state(), WorkerState::cancelled);
}

TEST(Worker, DestructorCancelsAndJoins) {
  std::atomic<bool> returned{false};
  {
    auto w = Worker::start("loop", [&returned](WorkerContext& ctx) -> Status {
      while (!ctx.cancelled()) ctx.sleep_until(now_ns() + 1'000'000);
      returned = true;
      return {};
    });
  }
  EXPECT_TRUE(returned.load());
}

TEST(Worker, ErrorsAndExceptionsBecomeFailures) {
  auto a = Worker::start(
      "a", [](WorkerContext&) -> Status { return make_error(Errc::not_found, "no such object"); });
  a->join();
  EXPECT_EQ(a->state(), WorkerState::failed);
  ASSERT_TRUE(a->error().has_value());
  EXPECT_EQ(a->error()->message, "no such object");

  auto b = Worker::start("b", [](WorkerContext&) -> Status { throw std::runtime_error("boom"); });
  b->join();
  EXPECT_EQ(b->state(), WorkerState::failed);
  EXPECT_NE(b->error()->message.find("boom"), std::string::npos);
}

TEST(Worker, WakeEndsAWaitEarly) {
  std::atomic<int> wakes{0};
  auto w = Worker::start("waiter", [&wakes](WorkerContext& ctx) -> Status {
    while (ctx.wait_for_wake(now_ns() + 3'600'000'000'000LL)) {
      if (++wakes == 2) return {};
    }
    return {};
  });
  while (wakes.load() < 2 && !w->done()) {
    w->wake();
    std::this_thread::yield();
  }
  ASSERT_TRUE(w->wait_for(10'000));
  EXPECT_EQ(w->state(), WorkerState::finished);
  EXPECT_EQ(wakes.load(), 2);
}

TEST(Worker, DetachedJobIsLetGoAndEndsOnItsOwn) {
  // A job stuck in I/O that ignores cancel (a connect with a timeout): the owner must not
  // wait for it, and the job's context stays valid after the Worker is gone.
  auto release = std::make_shared<std::atomic<bool>>(false);
  auto saw_cancel = std::make_shared<std::atomic<bool>>(false);
  auto returned = std::make_shared<std::atomic<bool>>(false);
  auto w = Worker::start("stuck", [release, saw_cancel, returned](WorkerContext& ctx) -> Status {
    while (!release->load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    saw_cancel->store(ctx.cancelled());
    ctx.set_stage("closing");
    returned->store(true);
    return {};
  });
  w->detach_on_destroy();
  const int64_t t0 = now_ns();
  w.reset();
  EXPECT_LT(now_ns() - t0, 1'000'000'000LL);
  EXPECT_FALSE(returned->load());
  release->store(true);
  const int64_t deadline = now_ns() + 10'000'000'000LL;
  while (!returned->load() && now_ns() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_TRUE(returned->load());
  EXPECT_TRUE(saw_cancel->load());
}

}  // namespace
}  // namespace memview
