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
  bool replace_existing = true;  // reuse/overwrite a stale demo object of the same name
};

class DemoProducer {
 public:
  // Creates (or reuses) the object and writes the initial state.
  static Result<std::unique_ptr<DemoProducer>> start(const DemoOptions& options);
  ~DemoProducer();  // unlinks the object

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
