#include "demo_runner.h"

#include <chrono>

namespace memview::gui {

Result<std::unique_ptr<DemoRunner>> DemoRunner::start(const DemoOptions& options, double hz) {
  auto producer = DemoProducer::start(options);
  if (!producer.ok()) return producer.error();
  std::unique_ptr<DemoRunner> runner(new DemoRunner());
  runner->producer_ = std::move(producer.value());
  runner->spec_ = runner->producer_->spec();
  if (!(hz > 0.1 && hz < 10000)) hz = 50.0;
  runner->thread_ = std::thread([r = runner.get(), hz] { r->run(hz); });
  return runner;
}

DemoRunner::~DemoRunner() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void DemoRunner::run(double hz) {
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  const auto period = std::chrono::duration<double>(1.0 / hz);
  auto next = start;
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stop_) {
    // Nothing thrown here may end the viewer (an exception leaving a thread aborts it):
    // the demo stops writing instead.
    try {
      producer_->step(std::chrono::duration<double>(clock::now() - start).count());
    } catch (const std::exception&) {
      return;
    }
    next += std::chrono::duration_cast<clock::duration>(period);
    wake_.wait_until(lock, next, [this] { return stop_; });
  }
}

}  // namespace memview::gui
