// Fuzzes the number, mode, hex-byte and typed-value parsers used for every offset, size
// and value a user types.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "memview/numbers.h"
#include "memview/value_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const auto type = static_cast<memview::ScalarType>(data[0] % 10);
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  (void)memview::parse_u64(text);
  (void)memview::parse_i64(text);
  (void)memview::parse_mode(text);
  if (auto bytes = memview::parse_hex_bytes(text)) {
    const std::string hex = memview::format_hex_bytes(bytes->data(), bytes->size());
    auto again = memview::parse_hex_bytes(hex);
    if (!again || *again != *bytes) __builtin_trap();
  }
  for (memview::Endian e : {memview::Endian::little, memview::Endian::big}) {
    if (auto encoded = memview::encode_scalar(type, text, e)) {
      if (encoded->size() != memview::scalar_size(type)) __builtin_trap();
      const std::string shown = memview::decode_scalar(type, *encoded, e);
      // What we show must encode back to the same bytes (floats: NaN payloads aside).
      auto round = memview::encode_scalar(type, shown, e);
      if (!round) __builtin_trap();
      if (type != memview::ScalarType::f32 && type != memview::ScalarType::f64 &&
          *round != *encoded)
        __builtin_trap();
    }
  }
  return 0;
}
