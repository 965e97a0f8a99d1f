// Fuzzes the one helper every JSON writer and reader of names goes through
// (memview/json_bytes.h): any bytes must serialise without throwing and come back exactly;
// the display form must be one line of valid UTF-8; any JSON text handed to the reader
// (a settings file, a workspace, a control request) gives bytes or an error, never a throw.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "memview/json_bytes.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);

  const std::string text =
      memview::json_dump(nlohmann::json::array({memview::json_from_bytes(bytes)}));
  const nlohmann::json parsed = nlohmann::json::parse(text, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_array() || parsed.size() != 1) __builtin_trap();
  memview::Result<std::string> back = memview::bytes_from_json(parsed[0], "fuzz");
  if (!back || *back != bytes) __builtin_trap();

  const std::string shown = memview::printable_text(bytes);
  if (!memview::is_valid_utf8(shown) || shown.find('\n') != std::string::npos) __builtin_trap();
  if (!memview::is_valid_utf8(memview::lossy_utf8(bytes))) __builtin_trap();

  // The same bytes as JSON text from a file or a socket.
  const nlohmann::json doc = nlohmann::json::parse(bytes, nullptr, false);
  if (!doc.is_discarded()) {
    (void)memview::bytes_from_json(doc, "fuzz");
    (void)memview::json_dump(doc);
  }
  return 0;
}
