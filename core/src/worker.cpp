#include "memview/worker.h"

#include <chrono>
#include <exception>
#include <new>

#include "memview/clock.h"

namespace memview {

const char* worker_state_name(WorkerState s) {
  switch (s) {
    case WorkerState::running:
      return "running";
    case WorkerState::finished:
      return "finished";
    case WorkerState::cancelled:
      return "cancelled";
    case WorkerState::failed:
      return "failed";
  }
  return "unknown";
}

double WorkerProgress::rate() const {
  if (updated_ns <= started_ns || done == 0) return 0.0;
  return static_cast<double>(done) * 1e9 / static_cast<double>(updated_ns - started_ns);
}

double WorkerProgress::eta_seconds() const {
  const double r = rate();
  if (total == 0 || r <= 0.0 || done > total) return -1.0;
  return static_cast<double>(total - done) / r;
}

void WorkerContext::set_progress(uint64_t done, uint64_t total) {
  std::lock_guard<std::mutex> lock(mutex_);
  progress_.done = done;
  progress_.total = total;
  progress_.updated_ns = now_ns();
}

void WorkerContext::add_progress(uint64_t done_delta) {
  std::lock_guard<std::mutex> lock(mutex_);
  progress_.done += done_delta;
  progress_.updated_ns = now_ns();
}

void WorkerContext::set_stage(std::string stage) {
  std::lock_guard<std::mutex> lock(mutex_);
  progress_.stage = std::move(stage);
}

namespace {

std::chrono::steady_clock::time_point to_time_point(int64_t deadline_ns) {
  // memview::now_ns() is steady_clock's epoch in nanoseconds.
  return std::chrono::steady_clock::time_point(
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(
          std::chrono::nanoseconds(deadline_ns)));
}

}  // namespace

bool WorkerContext::sleep_until(int64_t deadline_ns) {
  std::unique_lock<std::mutex> lock(mutex_);
  cv_.wait_until(lock, to_time_point(deadline_ns), [this] { return cancelled(); });
  return !cancelled();
}

bool WorkerContext::wait_for_wake(int64_t deadline_ns) {
  std::unique_lock<std::mutex> lock(mutex_);
  cv_.wait_until(lock, to_time_point(deadline_ns), [this] { return cancelled() || woken_; });
  woken_ = false;
  return !cancelled();
}

void WorkerContext::wake() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    woken_ = true;
  }
  cv_.notify_all();
}

struct Worker::Shared {
  WorkerContext ctx;
  mutable std::mutex mutex;
  std::condition_variable done_cv;
  WorkerState state = WorkerState::running;  // guarded by mutex
  std::optional<Error> error;                // guarded by mutex
};

Worker::Worker(std::string name) : name_(std::move(name)), shared_(std::make_shared<Shared>()) {}

std::unique_ptr<Worker> Worker::start(std::string name, Job job) {
  std::unique_ptr<Worker> w(new Worker(std::move(name)));
  const int64_t t = now_ns();
  w->shared_->ctx.progress_.started_ns = t;
  w->shared_->ctx.progress_.updated_ns = t;
  w->thread_ = std::thread(
      [shared = w->shared_, name = w->name_, job = std::move(job)] { run(shared, name, job); });
  return w;
}

Worker::~Worker() {
  cancel();
  if (detach_on_destroy_ && thread_.joinable()) {
    thread_.detach();
  } else {
    join();
  }
}

void Worker::run(const std::shared_ptr<Shared>& shared, const std::string& name, const Job& job) {
  Status st;
  try {
    st = job(shared->ctx);
  } catch (const std::bad_alloc&) {
    st = make_error(Errc::io, name + ": out of memory (the job needed more than is available)");
  } catch (const std::exception& e) {
    st = make_error(Errc::io, name + ": " + e.what());
  } catch (...) {
    st = make_error(Errc::io, name + ": unknown failure");
  }
  {
    std::lock_guard<std::mutex> lock(shared->mutex);
    if (!st.ok()) {
      shared->state = WorkerState::failed;
      shared->error = st.error();
    } else {
      shared->state = shared->ctx.cancelled() ? WorkerState::cancelled : WorkerState::finished;
    }
  }
  shared->done_cv.notify_all();
}

void Worker::cancel() {
  WorkerContext& ctx = shared_->ctx;
  {
    std::lock_guard<std::mutex> lock(ctx.mutex_);
    ctx.cancel_.store(true, std::memory_order_relaxed);
  }
  ctx.cv_.notify_all();
}

void Worker::wake() {
  shared_->ctx.wake();
}

void Worker::join() {
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

bool Worker::wait_for(int64_t timeout_ms) {
  std::unique_lock<std::mutex> lock(shared_->mutex);
  return shared_->done_cv.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                                   [this] { return shared_->state != WorkerState::running; });
}

WorkerState Worker::state() const {
  std::lock_guard<std::mutex> lock(shared_->mutex);
  return shared_->state;
}

WorkerProgress Worker::progress() const {
  const WorkerContext& ctx = shared_->ctx;
  std::lock_guard<std::mutex> lock(ctx.mutex_);
  return ctx.progress_;
}

std::optional<Error> Worker::error() const {
  std::lock_guard<std::mutex> lock(shared_->mutex);
  return shared_->error;
}

}  // namespace memview
