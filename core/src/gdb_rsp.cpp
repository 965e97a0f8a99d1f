// The GDB Remote Serial Protocol codec: framing, checksums, escaping, run-length decoding
// and the replies memview uses. No I/O here (see sources/gdb_remote_source.cpp).
#include "memview/gdb_rsp.h"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

namespace memview::rsp {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr char kHexDigits[] = "0123456789abcdef";

std::string printable(std::string_view s, size_t max = 40) {
  std::string out;
  for (size_t i = 0; i < s.size() && i < max; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("\\x{:02x}", c);
    }
  }
  if (s.size() > max) out += "...";
  return out;
}

}  // namespace

uint8_t checksum(std::string_view bytes) {
  unsigned sum = 0;
  for (const char c : bytes) sum += static_cast<unsigned char>(c);
  return static_cast<uint8_t>(sum & 0xff);
}

std::string frame(std::string_view payload) {
  std::string body;
  body.reserve(payload.size() + 8);
  for (const char c : payload) {
    if (c == '$' || c == '#' || c == '}' || c == '*') {
      body += '}';
      body += static_cast<char>(c ^ 0x20);
    } else {
      body += c;
    }
  }
  const uint8_t cs = checksum(body);
  std::string out;
  out.reserve(body.size() + 4);
  out += '$';
  out += body;
  out += '#';
  out += kHexDigits[cs >> 4];
  out += kHexDigits[cs & 0xf];
  return out;
}

Result<std::string> unescape(std::string_view payload) {
  std::string out;
  out.reserve(payload.size());
  for (size_t i = 0; i < payload.size(); ++i) {
    if (payload[i] != '}') {
      out += payload[i];
      continue;
    }
    if (i + 1 >= payload.size()) {
      return make_error(Errc::invalid_argument, "escape character '}' at the end of a packet");
    }
    out += static_cast<char>(payload[++i] ^ 0x20);
  }
  return out;
}

std::string encode_hex(std::span<const std::byte> bytes) {
  std::string out(bytes.size() * 2, '0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    const auto b = static_cast<unsigned>(bytes[i]);
    out[2 * i] = kHexDigits[b >> 4];
    out[2 * i + 1] = kHexDigits[b & 0xf];
  }
  return out;
}

Result<std::vector<std::byte>> decode_hex(std::string_view text) {
  if (text.size() % 2 != 0) {
    return make_error(Errc::invalid_argument,
                      fmt::format("odd number of hex digits ({})", text.size()));
  }
  std::vector<std::byte> out(text.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    const int hi = hex_value(text[2 * i]);
    const int lo = hex_value(text[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return make_error(Errc::invalid_argument,
                        fmt::format("non-hex character in '{}'", printable(text)));
    }
    out[i] = static_cast<std::byte>((hi << 4) | lo);
  }
  return out;
}

Result<std::string> run_length_decode(std::string_view raw, size_t max_out) {
  std::string out;
  out.reserve(std::min(raw.size(), max_out));
  for (size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (c != '*') {
      if (out.size() >= max_out) {
        return make_error(Errc::out_of_range, fmt::format("packet longer than {} bytes", max_out));
      }
      out += c;
      continue;
    }
    if (out.empty()) {
      return make_error(Errc::invalid_argument, "run-length marker '*' with nothing to repeat");
    }
    if (i + 1 >= raw.size()) {
      return make_error(Errc::invalid_argument, "run-length marker '*' without a count");
    }
    // gdb: count = byte - ' ' + 3 more copies of the previous byte; must be positive.
    const int count = static_cast<unsigned char>(raw[++i]) - 29;
    if (count <= 0) {
      return make_error(Errc::invalid_argument, fmt::format("bad run-length count byte 0x{:02x}",
                                                            static_cast<unsigned char>(raw[i])));
    }
    if (out.size() + static_cast<size_t>(count) > max_out) {
      return make_error(Errc::out_of_range, fmt::format("packet longer than {} bytes", max_out));
    }
    out.append(static_cast<size_t>(count), out.back());
  }
  return out;
}

PacketParser::PacketParser(size_t max_payload) : max_payload_(max_payload) {}

void PacketParser::reset() {
  state_ = State::idle;
  raw_.clear();
  sum_ = 0;
  events_.clear();
}

std::optional<PacketParser::Event> PacketParser::next() {
  if (events_.empty()) return std::nullopt;
  Event e = std::move(events_.front());
  events_.pop_front();
  return e;
}

void PacketParser::emit(Kind kind, std::string payload, std::string error) {
  // A peer flooding acks or tiny packets faster than they are taken must not grow the
  // queue without bound: past the cap, further events are dropped (the stream is broken
  // anyway), and the last one says so.
  if (events_.size() >= kMaxQueuedEvents) {
    events_.back() = Event{Kind::malformed, {}, "too many packets at once (events dropped)"};
    return;
  }
  events_.push_back(Event{kind, std::move(payload), std::move(error)});
}

void PacketParser::finish_packet() {
  Result<std::string> decoded = run_length_decode(raw_, max_payload_);
  if (!decoded) {
    emit(decoded.error().code == Errc::out_of_range ? Kind::too_long : Kind::malformed, {},
         decoded.error().message);
  } else {
    emit(notification_ ? Kind::notification : Kind::packet, std::move(decoded.value()), {});
  }
  raw_.clear();
  raw_.shrink_to_fit();
}

void PacketParser::feed(std::string_view bytes) {
  for (size_t i = 0; i < bytes.size(); ++i) {
    const char c = bytes[i];
    switch (state_) {
      case State::idle:
        if (c == '$' || c == '%') {
          notification_ = c == '%';
          state_ = State::body;
          raw_.clear();
          sum_ = 0;
        } else if (c == '+') {
          emit(Kind::ack, {}, {});
        } else if (c == '-') {
          emit(Kind::nak, {}, {});
        } else if (c == '\x03') {
          emit(Kind::interrupt, {}, {});
        }
        break;  // anything else is line noise between packets
      case State::body:
        if (c == '#') {
          state_ = State::checksum1;
        } else if (c == '$') {
          emit(Kind::malformed, {}, "'$' inside a packet (the previous packet was cut off)");
          notification_ = false;
          raw_.clear();
          sum_ = 0;
        } else {
          // Run-length decoding never shrinks, so a body longer than the limit decodes
          // to more than the limit: stop storing at once.
          if (raw_.size() >= max_payload_) {
            emit(Kind::too_long, {}, fmt::format("packet longer than {} bytes", max_payload_));
            raw_.clear();
            raw_.shrink_to_fit();
            state_ = State::skip_body;
            break;
          }
          raw_ += c;
          sum_ = static_cast<uint8_t>(sum_ + static_cast<unsigned char>(c));
        }
        break;
      case State::checksum1:
        if (hex_value(c) < 0) {
          emit(Kind::malformed, {},
               fmt::format("bad checksum digit '{}'", printable(std::string_view(&c, 1))));
          raw_.clear();
          state_ = State::idle;
          --i;  // look at this byte again as the start of something new
          break;
        }
        cs_hi_ = c;
        state_ = State::checksum2;
        break;
      case State::checksum2: {
        state_ = State::idle;
        if (hex_value(c) < 0) {
          emit(Kind::malformed, {},
               fmt::format("bad checksum digit '{}'", printable(std::string_view(&c, 1))));
          raw_.clear();
          --i;
          break;
        }
        const auto got = static_cast<uint8_t>(hex_value(cs_hi_) << 4 | hex_value(c));
        if (got != sum_) {
          emit(
              Kind::bad_checksum, {},
              fmt::format("checksum mismatch: packet says {:02x}, bytes sum to {:02x}", got, sum_));
          raw_.clear();
          break;
        }
        finish_packet();
        break;
      }
      case State::skip_body:
        if (c == '#') state_ = State::skip_checksum1;
        if (c == '$' || c == '%') {
          notification_ = c == '%';
          state_ = State::body;
          raw_.clear();
          sum_ = 0;
        }
        break;
      case State::skip_checksum1:
        state_ = State::skip_checksum2;
        break;
      case State::skip_checksum2:
        state_ = State::idle;
        break;
    }
  }
}

std::optional<ReplyError> parse_error_reply(std::string_view payload) {
  if (payload.size() < 2 || payload[0] != 'E') return std::nullopt;
  if (payload[1] == '.') return ReplyError{-1, std::string(payload.substr(2))};
  if (payload.size() == 3 && hex_value(payload[1]) >= 0 && hex_value(payload[2]) >= 0) {
    return ReplyError{hex_value(payload[1]) * 16 + hex_value(payload[2]), {}};
  }
  return std::nullopt;
}

Features parse_qsupported(std::string_view payload) {
  Features f;
  while (!payload.empty()) {
    const size_t semi = payload.find(';');
    const std::string_view item = payload.substr(0, semi);
    payload.remove_prefix(semi == std::string_view::npos ? payload.size() : semi + 1);
    if (item.empty()) continue;
    f.raw.emplace_back(item);
    if (item.rfind("PacketSize=", 0) == 0) {
      const std::string_view v = item.substr(11);
      uint64_t size = 0;
      const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), size, 16);
      f.packet_size = (ec == std::errc() && ptr == v.data() + v.size() && size <= SIZE_MAX)
                          ? static_cast<size_t>(size)
                          : 0;
    } else if (item == "QStartNoAckMode+") {
      f.no_ack_mode = true;
    } else if (item == "qXfer:features:read+") {
      f.xfer_features = true;
    } else if (item == "qXfer:memory-map:read+") {
      f.xfer_memory_map = true;
    }
  }
  return f;
}

std::string read_memory_packet(uint64_t address, size_t length) {
  return fmt::format("m{:x},{:x}", address, length);
}

std::string write_memory_packet(uint64_t address, std::span<const std::byte> bytes) {
  return fmt::format("M{:x},{:x}:", address, bytes.size()) + encode_hex(bytes);
}

Result<std::vector<std::byte>> parse_read_memory_reply(std::string_view payload, size_t requested) {
  if (std::optional<ReplyError> e = parse_error_reply(payload)) {
    return make_error(
        Errc::io, e->code >= 0 ? fmt::format("the stub cannot read there (error {:02x})", e->code)
                               : fmt::format("the stub cannot read there: {}", e->message));
  }
  if (payload.empty()) {
    return make_error(Errc::unsupported, "the stub does not support reading memory ('m')");
  }
  if (payload.size() > requested * 2) {
    return make_error(Errc::invalid_argument, fmt::format("the stub sent {} bytes for a read of {}",
                                                          payload.size() / 2, requested));
  }
  Result<std::vector<std::byte>> bytes = decode_hex(payload);
  if (!bytes) {
    return make_error(Errc::invalid_argument,
                      "malformed memory reply from the stub: " + bytes.error().message);
  }
  return bytes;
}

StopReply parse_stop_reply(std::string_view payload) {
  StopReply r;
  if (payload.size() < 3) return r;
  const int hi = hex_value(payload[1]);
  const int lo = hex_value(payload[2]);
  if (hi < 0 || lo < 0) return r;
  r.value = hi * 16 + lo;
  switch (payload[0]) {
    case 'S':
    case 'T':
      r.kind = StopReply::Kind::stopped;
      break;
    case 'W':
      r.kind = StopReply::Kind::exited;
      break;
    case 'X':
      r.kind = StopReply::Kind::killed;
      break;
    default:
      r.value = 0;
      break;
  }
  return r;
}

std::string target_architecture(std::string_view xml) {
  constexpr std::string_view kOpen = "<architecture>";
  constexpr std::string_view kClose = "</architecture>";
  const size_t a = xml.find(kOpen);
  if (a == std::string_view::npos) return {};
  const size_t from = a + kOpen.size();
  const size_t b = xml.find(kClose, from);
  if (b == std::string_view::npos) return {};
  std::string_view arch = xml.substr(from, b - from);
  while (!arch.empty() && (arch.front() == ' ' || arch.front() == '\n')) arch.remove_prefix(1);
  while (!arch.empty() && (arch.back() == ' ' || arch.back() == '\n')) arch.remove_suffix(1);
  return std::string(arch);
}

unsigned address_bits(std::string_view architecture) {
  if (architecture.empty() || architecture.find("64") != std::string_view::npos) return 64;
  return 32;
}

}  // namespace memview::rsp
