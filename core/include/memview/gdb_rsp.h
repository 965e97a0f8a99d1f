// The GDB Remote Serial Protocol, as a codec without I/O: framing ($payload#cs), checksums,
// acks, escaping, run-length decoding, and the replies memview uses (qSupported, m/M,
// errors, stop replies). The gdb: source drives it over TCP; the fuzzer drives it directly.
//
// Everything here is hostile-input safe: any byte sequence fed to PacketParser yields
// events (packets, acks, errors) and never more than `max_payload` bytes of payload, no
// matter what lengths or run-length counts the bytes claim.
//
// Thread-safety: free functions are pure; a PacketParser is used by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "memview/result.h"

namespace memview::rsp {

// Sum of the bytes modulo 256.
uint8_t checksum(std::string_view bytes);

// "$" + escaped payload + "#" + two lowercase hex digits. '$', '#', '}' and '*' in the
// payload are escaped as '}' followed by the byte XOR 0x20 (binary data in X packets).
std::string frame(std::string_view payload);

// Undoes '}' escaping (binary replies such as qXfer). Errc::invalid_argument when the
// payload ends with a lone '}'.
Result<std::string> unescape(std::string_view payload);

// Lowercase hex of bytes, and back. decode_hex needs an even number of hex digits.
std::string encode_hex(std::span<const std::byte> bytes);
Result<std::vector<std::byte>> decode_hex(std::string_view text);

// Incremental parser of what a stub sends: feed() any chunk of bytes as they arrive,
// then take events with next(). Bytes outside packets other than '+', '-' and 0x03 are
// line noise and are skipped.
class PacketParser {
 public:
  static constexpr size_t kDefaultMaxPayload = size_t{1} << 20;
  // Events queued beyond this many (a flooding peer) are dropped; see next().
  static constexpr size_t kMaxQueuedEvents = 4096;

  enum class Kind {
    ack,           // '+'
    nak,           // '-': the peer asks for a retransmission
    interrupt,     // 0x03 (only a debugger sends it; a stub never should)
    packet,        // a valid "$...#cs": payload is run-length decoded (not unescaped)
    notification,  // a valid "%...#cs" (non-stop mode asynchronous notification)
    bad_checksum,  // a complete packet whose checksum does not match
    malformed,     // bad run-length encoding, bad checksum digits, '$' inside a packet
    too_long,      // the payload exceeds max_payload (the packet was skipped)
  };
  struct Event {
    Kind kind = Kind::ack;
    std::string payload;  // packet/notification only
    std::string error;    // why, for bad_checksum/malformed/too_long
  };

  explicit PacketParser(size_t max_payload = kDefaultMaxPayload);

  void feed(std::string_view bytes);
  std::optional<Event> next();
  bool has_event() const { return !events_.empty(); }
  // True while in the middle of a packet (some of it received, not the end).
  bool in_packet() const { return state_ != State::idle; }
  void reset();
  size_t max_payload() const { return max_payload_; }
  void set_max_payload(size_t n) { max_payload_ = n; }

 private:
  enum class State { idle, body, checksum1, checksum2, skip_body, skip_checksum1, skip_checksum2 };
  void finish_packet();
  void emit(Kind kind, std::string payload, std::string error);

  size_t max_payload_;
  State state_ = State::idle;
  bool notification_ = false;
  std::string raw_;  // received body, still run-length encoded
  uint8_t sum_ = 0;
  char cs_hi_ = 0;
  std::deque<Event> events_;
};

// Expands run-length encoding ("x*N": N - 29 more copies of x) as gdb does. Errors on '*'
// without a preceding byte, a missing or out-of-range count, or output beyond max_out.
Result<std::string> run_length_decode(std::string_view raw, size_t max_out);

// A reply that reports an error: "Enn" (two hex digits) or "E.message". Empty replies
// mean "not supported" and are not errors here.
struct ReplyError {
  int code = -1;        // nn, or -1 for the textual form
  std::string message;  // the text of "E.message"
};
std::optional<ReplyError> parse_error_reply(std::string_view payload);

// What a stub told us in its qSupported reply.
struct Features {
  size_t packet_size = 0;        // PacketSize (hex in the reply); 0 when absent
  bool no_ack_mode = false;      // QStartNoAckMode+
  bool xfer_features = false;    // qXfer:features:read+
  bool xfer_memory_map = false;  // qXfer:memory-map:read+
  std::vector<std::string> raw;  // every item as sent
};
// Never fails: unknown or malformed items are kept in raw and otherwise ignored. A
// PacketSize that does not parse is 0; a huge one is returned as is (callers clamp).
Features parse_qsupported(std::string_view payload);

// "m<addr>,<len>" and "M<addr>,<len>:<hex>".
std::string read_memory_packet(uint64_t address, size_t length);
std::string write_memory_packet(uint64_t address, std::span<const std::byte> bytes);

// Decodes the reply to an m packet that asked for `requested` bytes. A stub may return
// fewer bytes than asked (a partial read); more, odd-length or non-hex data is an error.
// An error reply gives Errc::io with the stub's code/message.
Result<std::vector<std::byte>> parse_read_memory_reply(std::string_view payload, size_t requested);

// The reply to '?' or to a resume packet.
struct StopReply {
  enum class Kind { stopped, exited, killed, other } kind = Kind::other;
  int value = 0;  // signal number (stopped/killed) or exit status (exited)
};
StopReply parse_stop_reply(std::string_view payload);

// The <architecture> of a target description (qXfer:features:read:target.xml), or empty.
std::string target_architecture(std::string_view target_xml);
// Address width in bits for an architecture name as gdb spells it ("i386:x86-64": 64,
// "i386": 32, "arm": 32, "aarch64": 64, "riscv:rv32": 32); 64 when unknown.
unsigned address_bits(std::string_view architecture);

}  // namespace memview::rsp
