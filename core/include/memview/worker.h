// Background work beside the frame: one abstraction for every job that is bigger than a
// frame (scans, recordings, sweeps, snapshots, watchpoint sampling, slow remote sources).
//
//   Worker::start(name, job)  runs job(WorkerContext&) on its own thread, at once.
//   The job owns whatever it reads (its OWN Source, opened from the same spec: a Source is
//   single-threaded), checks ctx.cancelled() often, reports progress through ctx, and
//   publishes results through a Published<T> the caller shares with it.
//   The frame reads state(), progress() and the latest published result; none of these
//   ever waits on the job (they take a short lock that is never held across I/O).
//
// Ownership: the Worker owns its thread. Destroying a Worker cancels the job and joins it
// (the job must return soon after cancelled() turns true; sleeps through the context wake
// at once). A job that may sit in blocking I/O it cannot interrupt (a connect or a reply
// with a timeout) is instead let go with detach_on_destroy(): destroying the Worker then
// returns at once and the thread ends by itself when the job returns; its WorkerContext
// stays valid until then. A job's return value is its outcome: ok (finished, or cancelled if it was
// asked to stop) or an Error (failed; error() says why). An exception escaping a job is caught and
// reported as a failure; std::bad_alloc says what ran out.
//
// Thread-safety: every member function of Worker and of Published<T> may be called from
// any thread. WorkerContext is for the job's own thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "memview/result.h"

namespace memview {

enum class WorkerState {
  running,    // the job has not returned yet
  finished,   // the job returned ok
  cancelled,  // the job returned after cancel() (what it published stays valid)
  failed,     // the job returned an Error (see Worker::error())
};

const char* worker_state_name(WorkerState s);

// Progress as the job last reported it. `done` and `total` are in the job's unit (bytes,
// samples); total == 0 means unknown. rate() is done per second since the start.
struct WorkerProgress {
  uint64_t done = 0;
  uint64_t total = 0;
  std::string stage;       // short text: "reading [heap]", "sampling", "waiting for the stub"
  int64_t started_ns = 0;  // now_ns() at start
  int64_t updated_ns = 0;  // now_ns() at the last report
  double fraction() const {
    return total == 0 ? 0.0 : static_cast<double>(done) / static_cast<double>(total);
  }
  double rate() const;  // units per second (0 before the first report)
  // Seconds to completion at the current rate; negative when unknown.
  double eta_seconds() const;
};

class Worker;

// What a job sees of its worker.
class WorkerContext {
 public:
  // True once cancel() was called (or the Worker is being destroyed). Cheap: an atomic load.
  bool cancelled() const { return cancel_.load(std::memory_order_relaxed); }
  void set_progress(uint64_t done, uint64_t total);
  void add_progress(uint64_t done_delta);
  void set_stage(std::string stage);
  // Sleeps until the monotonic time deadline_ns (memview::now_ns()) or until cancelled,
  // whichever comes first. Returns false when cancelled. Absolute deadlines, so periodic
  // jobs do not accumulate drift.
  bool sleep_until(int64_t deadline_ns);
  // Wakes a job waiting in wait_for_wake() (the owner has new input).
  void wake();
  // Sleeps until wake(), cancel() or the deadline; returns false when cancelled.
  bool wait_for_wake(int64_t deadline_ns);

 private:
  friend class Worker;
  WorkerContext() = default;
  std::atomic<bool> cancel_{false};
  bool woken_ = false;  // guarded by mutex_
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  WorkerProgress progress_;  // guarded by mutex_
};

class Worker {
 public:
  using Job = std::function<Status(WorkerContext&)>;

  // Starts `job` on a new thread. `name` is for messages ("scan", "record").
  static std::unique_ptr<Worker> start(std::string name, Job job);
  ~Worker();  // cancel() + join()
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  const std::string& name() const { return name_; }
  // Asks the job to stop; returns at once. The job ends at its next check.
  void cancel();
  // Blocks until the job returned (never call from the frame: tests, CLI, shutdown).
  void join();
  // Blocks until the job returned or timeout_ms passed; true when it returned.
  bool wait_for(int64_t timeout_ms);
  // Wakes a job waiting in WorkerContext::wait_for_wake().
  void wake();
  // From now on the destructor cancels the job but does not wait for it: the thread ends
  // on its own when the job returns. The job must then own (e.g. through shared_ptr)
  // everything it touches, since the caller's objects may be gone before it returns.
  void detach_on_destroy() { detach_on_destroy_ = true; }

  WorkerState state() const;
  bool done() const { return state() != WorkerState::running; }
  WorkerProgress progress() const;
  // The job's error when state() == failed.
  std::optional<Error> error() const;

 private:
  // What the job's thread shares with the Worker; the thread keeps it alive, so a detached
  // job outlives the Worker safely.
  struct Shared;
  explicit Worker(std::string name);
  static void run(const std::shared_ptr<Shared>& shared, const std::string& name, const Job& job);

  std::string name_;
  std::shared_ptr<Shared> shared_;
  std::thread thread_;
  bool detach_on_destroy_ = false;
};

// The latest result of a job: the job publishes immutable snapshots, readers take a
// shared_ptr to the newest one (O(1), never waits on the job's I/O). version() grows by one
// per publish, so a reader can tell cheaply whether anything new arrived.
template <class T>
class Published {
 public:
  void publish(std::shared_ptr<const T> value) {
    std::lock_guard<std::mutex> lock(mutex_);
    value_ = std::move(value);
    ++version_;
  }
  void publish(T value) { publish(std::make_shared<const T>(std::move(value))); }
  std::shared_ptr<const T> latest() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return value_;
  }
  uint64_t version() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return version_;
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const T> value_;
  uint64_t version_ = 0;
};

}  // namespace memview
