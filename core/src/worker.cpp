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

std::unique_ptr<Worker> Worker::start(std::string name, Job job) {
  std::unique_ptr<Worker> w(new Worker(std::move(name)));
  const int64_t t = now_ns();
  w->ctx_.progress_.started_ns = t;
  w->ctx_.progress_.updated_ns = t;
  Worker* raw = w.get();
  w->thread_ = std::thread([raw, job = std::move(job)] { raw->run(job); });
  return w;
}

Worker::~Worker() {
  cancel();
  join();
}

void Worker::run(const Job& job) {
  Status st;
  try {
    st = job(ctx_);
  } catch (const std::bad_alloc&) {
    st = make_error(Errc::io, name_ + ": out of memory (the job needed more than is available)");
  } catch (const std::exception& e) {
    st = make_error(Errc::io, name_ + ": " + e.what());
  } catch (...) {
    st = make_error(Errc::io, name_ + ": unknown failure");
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!st.ok()) {
      state_ = WorkerState::failed;
      error_ = st.error();
    } else {
      state_ = ctx_.cancelled() ? WorkerState::cancelled : WorkerState::finished;
    }
  }
  done_cv_.notify_all();
}

void Worker::cancel() {
  {
    std::lock_guard<std::mutex> lock(ctx_.mutex_);
    ctx_.cancel_.store(true, std::memory_order_relaxed);
  }
  ctx_.cv_.notify_all();
}

void Worker::wake() {
  ctx_.wake();
}

void Worker::join() {
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

bool Worker::wait_for(int64_t timeout_ms) {
  std::unique_lock<std::mutex> lock(mutex_);
  return done_cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                           [this] { return state_ != WorkerState::running; });
}

WorkerState Worker::state() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return state_;
}

WorkerProgress Worker::progress() const {
  std::lock_guard<std::mutex> lock(ctx_.mutex_);
  return ctx_.progress_;
}

std::optional<Error> Worker::error() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return error_;
}

}  // namespace memview
