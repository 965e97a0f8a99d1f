// Fuzzes the layout JSON reader (`--layout-json FILE`, `memview --layout FILE`, layouts from
// the gdb extension and in workspaces): any text gives a layout or an error, never a crash;
// a layout it accepts is written and read back to the same layout.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "memview/layout.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  memview::Result<memview::Layout> layout = memview::layout_from_json(text);
  if (!layout) return 0;
  const std::string again = memview::layout_to_json(*layout, memview::LayoutJson::full);
  memview::Result<memview::Layout> back = memview::layout_from_json(again);
  if (!back || back->fields.size() != layout->fields.size() || back->size != layout->size ||
      back->type != layout->type) {
    __builtin_trap();
  }
  return 0;
}
