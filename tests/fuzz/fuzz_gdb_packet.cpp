// Fuzzes the GDB remote protocol codec with whatever a hostile stub could send: the packet
// parser fed in arbitrary splits, then every reply decoder on each payload. Invariants: no
// crash, no payload above the limit, and frame() output parses back to what was framed.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "memview/gdb_rsp.h"

namespace rsp = memview::rsp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // First byte: how to split the stream (chunk length 1..256) and the payload limit.
  const size_t chunk = static_cast<size_t>(data[0]) + 1;
  const size_t limit = 64 + static_cast<size_t>(data[0]) * 16;
  const std::string_view stream(reinterpret_cast<const char*>(data + 1), size - 1);

  rsp::PacketParser parser(limit);
  for (size_t i = 0; i < stream.size(); i += chunk) {
    parser.feed(stream.substr(i, chunk));
    while (auto e = parser.next()) {
      if (e->payload.size() > limit) __builtin_trap();
      if (e->kind != rsp::PacketParser::Kind::packet) continue;
      const std::string& p = e->payload;
      (void)rsp::parse_read_memory_reply(p, 1 + p.size() / 2);
      (void)rsp::parse_error_reply(p);
      (void)rsp::parse_qsupported(p);
      (void)rsp::parse_stop_reply(p);
      (void)rsp::decode_hex(p);
      (void)rsp::address_bits(rsp::target_architecture(p));
      if (auto u = rsp::unescape(p); u) (void)rsp::run_length_decode(*u, limit);

      // Round trip: framing then parsing then unescaping gives the payload back.
      rsp::PacketParser again(4 * p.size() + 16);
      again.feed(rsp::frame(p));
      auto back = again.next();
      if (!back || back->kind != rsp::PacketParser::Kind::packet) __builtin_trap();
      auto unescaped = rsp::unescape(back->payload);
      if (!unescaped || *unescaped != p) __builtin_trap();
    }
  }
  return 0;
}
