// Unique object names per test process, so parallel ctest runs never collide.
#pragma once

#include <unistd.h>

#include <atomic>
#include <string>

namespace memview::test_support {

inline std::string unique_name(const std::string& stem) {
  static std::atomic<int> counter{0};
  return "memview-test-" + stem + "-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
}

}  // namespace memview::test_support
