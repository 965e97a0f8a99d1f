// Fuzzes the scan state reader (memview-cli scan --from FILE). Inputs whose first byte is odd
// get a valid checksum appended, so the fuzzer explores the block structure behind it
// instead of stopping at the checksum; every state it accepts is walked whole.
#include <xxhash.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "memview/scan_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::vector<std::byte> bytes(size - 1);
  if (size > 1) std::memcpy(bytes.data(), data + 1, size - 1);
  if ((data[0] & 1) != 0) {
    const uint64_t h = XXH3_64bits(bytes.data(), bytes.size());
    const auto* p = reinterpret_cast<const std::byte*>(&h);
    bytes.insert(bytes.end(), p, p + sizeof h);
  }
  memview::Result<memview::ScanState> s = memview::parse_scan_state(bytes);
  if (!s) return 0;
  uint64_t seen = 0;
  s->visit([&](const memview::Candidate& c) {
    ++seen;
    if (!s->value_at(c.address, c.type)) __builtin_trap();
    return seen < 100000;
  });
  if (seen < 100000 && seen != s->count()) __builtin_trap();
  (void)s->memory_bytes();
  return 0;
}
