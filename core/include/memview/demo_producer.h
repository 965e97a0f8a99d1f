// The built-in demo: creates a POSIX shared memory object laid out as `struct telemetry`
// (assets/demo/telemetry.h) and keeps writing realistic data into it: counters, floats
// (a simulated vehicle), and a small ring of text log records. Used by `memview-cli demo`
// and `memview --demo`.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "memview/result.h"

namespace memview {

struct DemoOptions {
  std::string name = "memview-demo";  // shm name (without leading '/')
  uint32_t mode = 0600;
  // Replace an object of that name that a demo left behind (the demo's header, a producer
  // process that is gone). Any other existing object is refused with Errc::exists.
  bool replace_stale = true;
};

class DemoProducer {
 public:
  // Creates the object (never replacing someone's, see DemoOptions) and writes the
  // initial state.
  static Result<std::unique_ptr<DemoProducer>> start(const DemoOptions& options);
  // stop()s if that was not done.
  ~DemoProducer();

  // Stops writing and unlinks the object, unless its name was removed or given to another
  // object meanwhile. Returns whether it removed the object. step() does nothing after it.
  bool stop();

  // Advances the simulation to `seconds` since start and writes the new state.
  void step(double seconds);
  // Spec to open the demo object ("shm:/memview-demo").
  const std::string& spec() const { return spec_; }
  uint64_t size() const;

 private:
  DemoProducer() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string spec_;
};

}  // namespace memview
