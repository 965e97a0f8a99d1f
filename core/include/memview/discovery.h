// Listing the shared memory objects on the machine (every registered backend that can).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace memview {

struct DiscoveredObject {
  std::string spec;  // what to pass to open_source(), e.g. "shm:/foo", "sysv:32769"
  std::string kind;  // backend scheme
  std::string name;  // display name ("/foo", "key 0x1234")
  uint64_t size = 0;
  uint32_t owner_uid = 0;
  std::string owner;          // user name when known, else the uid as text
  uint32_t mode = 0;          // permission bits
  int64_t attach_count = -1;  // System V: number of attached processes; -1 if not known
  int64_t modified_unix_ns =
      0;  // last modification (shm/file: mtime; sysv: last attach/detach/change)
};

// All objects from every backend with a discover() function. Never fails: a backend that
// cannot list (no /dev/shm, no permission) contributes nothing.
std::vector<DiscoveredObject> discover_all();

}  // namespace memview
