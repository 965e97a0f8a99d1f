// `memview --demo`: runs the built-in DemoProducer on its own thread, like a separate
// producer process would, so the viewer has live data to show at once.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "memview/demo_producer.h"
#include "memview/result.h"

namespace memview::gui {

class DemoRunner {
 public:
  // Creates the demo object and starts stepping it at `hz` steps per second.
  static Result<std::unique_ptr<DemoRunner>> start(const DemoOptions& options, double hz = 50.0);
  // Stops the thread, then the producer (which unlinks the object).
  ~DemoRunner();

  const std::string& spec() const { return spec_; }

 private:
  DemoRunner() = default;
  void run(double hz);

  std::unique_ptr<DemoProducer> producer_;
  std::string spec_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
};

}  // namespace memview::gui
