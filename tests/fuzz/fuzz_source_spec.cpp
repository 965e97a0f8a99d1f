// Fuzzes the spec parser every front end feeds with user text. Parsing only: opening
// would touch real objects on the machine.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "memview/source_spec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  memview::Result<memview::SourceSpec> spec = memview::parse_source_spec(text);
  if (spec) {
    // A canonical spec parses to itself.
    memview::Result<memview::SourceSpec> again = memview::parse_source_spec(spec->text());
    if (!again || again->text() != spec->text()) __builtin_trap();
  }
  return 0;
}
