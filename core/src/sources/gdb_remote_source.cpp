// Memory of a target behind a GDB remote stub (gdbserver, QEMU's gdbstub, OpenOCD) over
// TCP: "gdb:HOST:PORT", "gdb:HOST:PORT@ADDR+LEN", "gdb:HOST:PORT@ADDR-END" ("[::1]:PORT"
// for IPv6 literals).
//
// The whole address space is base 0 and size 2^64-1 (2^32 for a 32-bit target, from the
// stub's target description); a range opens just that. Reads are m packets of at most
// what the stub's PacketSize allows; a chunk the stub refuses is retried page by page so a
// hole is found to 4 KiB, and is never shown as data. Writes are M packets.
//
// Nothing blocks for long: connecting, name lookup and every reply have timeouts. After a
// reply timed out (in all-stop mode gdbserver answers only while the target is stopped),
// the request stays outstanding: later reads fail at once with the reason until the late
// reply arrives and is discarded, so the stream never falls out of step.
#if defined(__linux__) || defined(__unix__)

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "memview/gdb_rsp.h"
#include "memview/numbers.h"
#include "memview/source_spec.h"
#include "sources/range_suffix.h"

namespace memview {
namespace {

constexpr int kConnectTimeoutMs = 3000;
constexpr int kReplyTimeoutMs = 2000;
constexpr size_t kDefaultPacketSize = 400;  // what gdb assumes when a stub does not say
constexpr size_t kMaxPacketSize = size_t{1} << 20;
constexpr uint64_t kProbePage = 4096;
constexpr int kMaxRetransmits = 3;

using Clock = std::chrono::steady_clock;

int64_t mono_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

struct GdbTarget {
  std::string host;
  uint16_t port = 0;
  bool has_range = false;
  ByteRange range;

  std::string address() const {
    return host.find(':') != std::string::npos ? fmt::format("[{}]:{}", host, port)
                                               : fmt::format("{}:{}", host, port);
  }
  std::string text() const {
    return has_range ? address() + "@" + detail::format_range_suffix(range) : address();
  }
};

Result<GdbTarget> parse_target(std::string_view text) {
  GdbTarget t;
  std::string_view endpoint = text;
  if (const size_t at = text.find('@'); at != std::string_view::npos) {
    Result<ByteRange> r = detail::parse_range_suffix(text.substr(at + 1));
    if (!r) return r.error();
    t.has_range = true;
    t.range = *r;
    endpoint = text.substr(0, at);
  }
  std::string_view host;
  std::string_view port;
  auto bad = [&](std::string_view why) {
    return make_error(Errc::invalid_argument,
                      fmt::format("bad remote target '{}': {} (expected HOST:PORT, [IPv6]:PORT, "
                                  "optionally @ADDR+LEN or @ADDR-END)",
                                  text, why));
  };
  if (!endpoint.empty() && endpoint.front() == '[') {
    const size_t close = endpoint.find(']');
    if (close == std::string_view::npos) return bad("missing ']'");
    host = endpoint.substr(1, close - 1);
    if (close + 1 >= endpoint.size() || endpoint[close + 1] != ':') return bad("missing :PORT");
    port = endpoint.substr(close + 2);
  } else {
    const size_t colon = endpoint.rfind(':');
    if (colon == std::string_view::npos) return bad("missing :PORT");
    host = endpoint.substr(0, colon);
    port = endpoint.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return bad("write IPv6 addresses as [ADDR]");
  }
  if (host.empty()) return bad("empty host");
  if (host.size() > 253) return bad("host name too long");
  for (const char c : host) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '-' || c == '_' || c == ':' || c == '%';
    if (!ok) return bad("bad character in host");
  }
  Result<uint64_t> p = parse_u64(port, "port");
  if (!p) return bad(p.error().message);
  if (*p == 0 || *p > 65535) return bad("port must be 1..65535");
  t.host = std::string(host);
  t.port = static_cast<uint16_t>(*p);
  return t;
}

Result<std::string> parse_gdb_spec(std::string_view text) {
  Result<GdbTarget> t = parse_target(text);
  if (!t) return t.error();
  return t->text();
}

// Name lookup with a deadline: getaddrinfo itself cannot be interrupted, so it runs on a
// detached thread that owns its own copy of everything it touches.
struct Lookup {
  std::mutex mutex;
  std::condition_variable done_cv;
  bool done = false;
  int rc = 0;
  addrinfo* result = nullptr;
  bool abandoned = false;
};

Result<addrinfo*> resolve(const std::string& host, uint16_t port, int timeout_ms) {
  auto lookup = std::make_shared<Lookup>();
  std::thread([lookup, host, port] {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    const int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res);
    std::lock_guard<std::mutex> lock(lookup->mutex);
    if (lookup->abandoned) {
      if (res) freeaddrinfo(res);
      return;
    }
    lookup->rc = rc;
    lookup->result = res;
    lookup->done = true;
    lookup->done_cv.notify_all();
  }).detach();
  std::unique_lock<std::mutex> lock(lookup->mutex);
  if (!lookup->done_cv.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                                [&] { return lookup->done; })) {
    lookup->abandoned = true;
    return make_error(Errc::io,
                      fmt::format("looking up '{}' took longer than {} ms", host, timeout_ms));
  }
  if (lookup->rc != 0) {
    return make_error(Errc::not_found,
                      fmt::format("cannot resolve '{}': {}", host, gai_strerror(lookup->rc)));
  }
  return lookup->result;
}

// One TCP connection speaking RSP: request/reply with acks, timeouts and late replies.
class RspConnection {
 public:
  ~RspConnection() {
    if (fd_ >= 0) close(fd_);
  }

  static Result<std::unique_ptr<RspConnection>> connect_to(const GdbTarget& target,
                                                           int timeout_ms) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    Result<addrinfo*> found = resolve(target.host, target.port, timeout_ms);
    if (!found) return found.error();
    addrinfo* list = found.value();
    std::string last_error = "no address";
    int fd = -1;
    for (addrinfo* ai = list; ai && fd < 0; ai = ai->ai_next) {
      const int s =
          socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
      if (s < 0) {
        last_error = std::strerror(errno);
        continue;
      }
      int rc = ::connect(s, ai->ai_addr, ai->ai_addrlen);
      if (rc != 0 && errno == EINPROGRESS) {
        const int left = static_cast<int>(std::max<int64_t>(
            0, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now())
                   .count()));
        pollfd p{s, POLLOUT, 0};
        const int ready = poll(&p, 1, left);
        int err = 0;
        socklen_t len = sizeof err;
        if (ready <= 0) {
          err = ETIMEDOUT;
        } else if (getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len) != 0) {
          err = errno;
        }
        rc = err == 0 ? 0 : -1;
        errno = err;
      }
      if (rc != 0) {
        const int err = errno;
        close(s);
        last_error = err == ECONNREFUSED
                         ? "connection refused (is a stub listening there? e.g. `gdbserver "
                           "HOST:PORT PROGRAM` or `gdbserver --attach HOST:PORT PID`)"
                     : err == ETIMEDOUT ? fmt::format("no answer within {} ms", timeout_ms)
                                        : std::string(std::strerror(err));
        continue;
      }
      fd = s;
    }
    freeaddrinfo(list);
    if (fd < 0) {
      return make_error(Errc::io,
                        fmt::format("cannot connect to {}: {}", target.address(), last_error));
    }
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    auto c = std::unique_ptr<RspConnection>(new RspConnection());
    c->fd_ = fd;
    c->where_ = target.address();
    return c;
  }

  bool disconnected() const { return disconnected_; }
  const std::string& disconnect_reason() const { return why_; }
  void set_no_ack(bool on) { no_ack_ = on; }
  void set_max_payload(size_t n) { parser_.set_max_payload(n); }
  bool awaiting() const { return awaiting_; }

  // Reads whatever arrived without blocking: a late reply (discarded), or the end of the
  // connection.
  void pump() {
    if (disconnected_) return;
    receive(0);
    while (std::optional<rsp::PacketParser::Event> e = parser_.next()) {
      if (awaiting_ && (e->kind == rsp::PacketParser::Kind::packet ||
                        e->kind == rsp::PacketParser::Kind::too_long)) {
        if (!no_ack_) send_raw("+");
        awaiting_ = false;
      }
    }
  }

  // Sends one packet and returns the reply's payload.
  Result<std::string> transact(std::string_view payload, int timeout_ms) {
    pump();
    if (disconnected_) return make_error(Errc::removed, why_);
    if (awaiting_) {
      return make_error(Errc::io, fmt::format("the stub at {} has not answered the previous "
                                              "request yet: {}",
                                              where_, running_hint()));
    }
    const std::string packet = rsp::frame(payload);
    if (!send_raw(packet)) return make_error(Errc::removed, why_);
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    int retransmits = 0;
    bool acked = no_ack_;
    for (;;) {
      std::optional<rsp::PacketParser::Event> e = parser_.next();
      if (!e) {
        const int64_t left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0 || !receive(static_cast<int>(left))) {
          if (disconnected_) return make_error(Errc::removed, why_);
          if (Clock::now() >= deadline) {
            awaiting_ = true;
            return make_error(Errc::io, fmt::format("no reply from the stub at {} within {} ms: {}",
                                                    where_, timeout_ms, running_hint()));
          }
        }
        continue;
      }
      using K = rsp::PacketParser::Kind;
      switch (e->kind) {
        case K::ack:
          acked = true;
          break;
        case K::nak:
          if (acked) break;  // a stray '-' after the ack; nothing to resend
          if (++retransmits > kMaxRetransmits) {
            return make_error(Errc::io, fmt::format("the stub at {} rejected the packet {} "
                                                    "times (line noise?)",
                                                    where_, retransmits));
          }
          if (!send_raw(packet)) return make_error(Errc::removed, why_);
          break;
        case K::packet:
          if (!no_ack_ && !send_raw("+")) return make_error(Errc::removed, why_);
          return std::move(e->payload);
        case K::notification:
        case K::interrupt:
          break;  // asynchronous stop notifications (non-stop mode) are not ours to handle
        case K::bad_checksum:
        case K::malformed:
        case K::too_long:
          if (!no_ack_ && e->kind != K::too_long && ++retransmits <= kMaxRetransmits) {
            // Ask for the reply again.
            if (!send_raw("-")) return make_error(Errc::removed, why_);
            break;
          }
          if (!no_ack_ && e->kind == K::too_long) send_raw("+");
          return make_error(Errc::io,
                            fmt::format("bad reply from the stub at {}: {}", where_, e->error));
      }
    }
  }

 private:
  RspConnection() = default;

  std::string running_hint() const {
    return "a stub in all-stop mode (gdbserver) answers only while the target is stopped; "
           "interrupt the target or use a stub that reads memory while it runs";
  }

  void drop(std::string why) {
    if (disconnected_) return;
    disconnected_ = true;
    why_ = fmt::format("connection to {} closed: {}", where_, why);
  }

  bool send_raw(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n > 0) {
        bytes.remove_prefix(static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        pollfd p{fd_, POLLOUT, 0};
        if (poll(&p, 1, kReplyTimeoutMs) <= 0) {
          drop("the stub stopped reading");
          return false;
        }
        continue;
      }
      drop(n < 0 ? std::strerror(errno) : "send failed");
      return false;
    }
    return true;
  }

  // Waits up to timeout_ms for bytes and feeds them to the parser. False on timeout or when
  // the connection ended.
  bool receive(int timeout_ms) {
    pollfd p{fd_, POLLIN, 0};
    const int ready = poll(&p, 1, timeout_ms);
    if (ready <= 0) return false;
    bool got = false;
    char buf[65536];
    // A bounded amount per call: a peer flooding us must not keep this loop going.
    for (int reads = 0; reads < 4; ++reads) {
      const ssize_t n = recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
      if (n > 0) {
        parser_.feed(std::string_view(buf, static_cast<size_t>(n)));
        got = true;
        if (static_cast<size_t>(n) < sizeof buf) break;
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      drop(n == 0 ? "the stub hung up" : std::strerror(errno));
      return got;
    }
    return got;
  }

  int fd_ = -1;
  std::string where_;
  rsp::PacketParser parser_;
  bool no_ack_ = false;
  bool awaiting_ = false;
  bool disconnected_ = false;
  std::string why_;
};

class GdbRemoteSource final : public Source {
 public:
  GdbRemoteSource(std::unique_ptr<RspConnection> conn, size_t packet_size, SourceInfo info)
      : conn_(std::move(conn)), info_(std::move(info)) {
    // m reply: 2 hex digits per byte plus framing; M request: "Maddr,len:" plus the hex.
    max_read_ = std::max<size_t>(16, (packet_size - 32) / 2);
    max_write_ = std::max<size_t>(16, (packet_size - 64) / 2);
    conn_->set_max_payload(std::max<size_t>(2 * max_read_ + 1024, 65536));
  }

  const SourceInfo& info() const override { return info_; }

  ReadOutcome read(uint64_t address, std::span<std::byte> out) override {
    if (out.size() > ~uint64_t{0} - address) return wraps(address, out.size());
    ReadOutcome outcome = outside_range(info_, address, out.size());
    const uint64_t lo = std::max(address, info_.base);
    const uint64_t hi = std::min(address + out.size(), info_.base + info_.size);
    if (lo < hi) read_inside(address, out.data(), lo, hi, outcome);
    std::sort(outcome.unreadable.begin(), outcome.unreadable.end(),
              [](const ByteRange& a, const ByteRange& b) { return a.address < b.address; });
    return outcome;
  }

  // Adaptive rate: the same range is re-read at most every 2x the last read's duration, so
  // a slow link is busy at most half the time and the frames in between do not wait.
  ReadOutcome diff(uint64_t address, std::span<std::byte> cache, const DiffSink& sink) override {
    const int64_t start = mono_ns();
    for (Throttle& t : throttles_) {
      if (t.address == address && t.length == cache.size() && start < t.next_ns) {
        return t.last;
      }
    }
    ReadOutcome outcome = Source::diff(address, cache, sink);
    const int64_t took = mono_ns() - start;
    Throttle* slot = nullptr;
    for (Throttle& t : throttles_) {
      if (t.address == address && t.length == cache.size()) slot = &t;
    }
    if (!slot) {
      if (throttles_.size() >= 16) throttles_.erase(throttles_.begin());
      throttles_.push_back({address, cache.size(), 0, {}});
      slot = &throttles_.back();
    }
    slot->next_ns = start + 2 * took;
    slot->last = outcome;
    return outcome;
  }

  Status write(uint64_t address, std::span<const std::byte> data) override {
    if (Status s = check_write_range(info_, address, data.size()); !s) return s;
    if (data.empty()) return {};
    if (conn_->disconnected()) return make_error(Errc::removed, conn_->disconnect_reason());
    if (data.size() > max_write_) {
      // Several packets: make sure the stub can reach every byte first, so that a hole
      // halfway does not leave a partial write.
      std::vector<std::byte> probe(data.size());
      ReadOutcome r = read(address, probe);
      if (!r.complete()) {
        return make_error(Errc::out_of_range,
                          fmt::format("cannot write at 0x{:x}: {}; nothing written",
                                      r.unreadable.front().address, r.message));
      }
    }
    size_t done = 0;
    while (done < data.size()) {
      const size_t n = std::min(max_write_, data.size() - done);
      Result<std::string> reply = conn_->transact(
          rsp::write_memory_packet(address + done, data.subspan(done, n)), kReplyTimeoutMs);
      std::string why;
      if (!reply) {
        why = reply.error().message;
      } else if (*reply == "OK") {
        done += n;
        continue;
      } else if (reply->empty()) {
        why = "the stub does not support writing memory ('M')";
      } else if (std::optional<rsp::ReplyError> e = rsp::parse_error_reply(*reply)) {
        why = e->code >= 0 ? fmt::format("the stub refused the write (error {:02x})", e->code)
                           : "the stub refused the write: " + e->message;
      } else {
        why = "unexpected reply to a memory write";
      }
      const Errc code = !reply ? reply.error().code : Errc::io;
      if (done == 0) {
        return make_error(
            code, fmt::format("cannot write {} bytes at 0x{:x}: {}", data.size(), address, why));
      }
      return make_error(code, fmt::format("wrote only {} of {} bytes at 0x{:x}: {}", done,
                                          data.size(), address, why));
    }
    return {};
  }

  std::vector<SourceEvent> refresh() override {
    std::vector<SourceEvent> events;
    conn_->pump();
    if (conn_->disconnected() && !reported_disconnect_) {
      reported_disconnect_ = true;
      SourceEvent e;
      e.kind = SourceEvent::Kind::disconnected;
      e.old_size = e.new_size = info_.size;
      e.message = conn_->disconnect_reason();
      events.push_back(std::move(e));
    }
    return events;
  }

 private:
  struct Throttle {
    uint64_t address;
    size_t length;
    int64_t next_ns;
    ReadOutcome last;
  };

  static ReadOutcome wraps(uint64_t address, uint64_t length) {
    ReadOutcome r;
    r.unreadable.push_back({address, ~uint64_t{0} - address});
    r.message =
        fmt::format("{} bytes at 0x{:x} run past the end of the address space", length, address);
    return r;
  }

  static void add_unreadable(ReadOutcome& outcome, uint64_t from, uint64_t to,
                             const std::string& why) {
    if (from >= to) return;
    if (!outcome.unreadable.empty() && outcome.unreadable.back().end() == from) {
      outcome.unreadable.back().length += to - from;
    } else {
      outcome.unreadable.push_back({from, to - from});
    }
    if (outcome.message.empty()) outcome.message = why;
  }

  // One m request for [pos, pos+n): returns how many bytes it got (0 on a refused read),
  // or an error when the link failed (then nothing more should be asked).
  Result<size_t> read_once(uint64_t pos, size_t n, std::byte* out, std::string& refused) {
    Result<std::string> reply = conn_->transact(rsp::read_memory_packet(pos, n), kReplyTimeoutMs);
    if (!reply) return reply.error();
    Result<std::vector<std::byte>> bytes = rsp::parse_read_memory_reply(*reply, n);
    if (!bytes) {
      if (bytes.error().code == Errc::invalid_argument || bytes.error().code == Errc::unsupported) {
        return bytes.error();  // a broken or useless reply: do not probe further
      }
      refused = bytes.error().message;
      return size_t{0};
    }
    std::memcpy(out, bytes->data(), bytes->size());
    return bytes->size();
  }

  void read_inside(uint64_t address, std::byte* out, uint64_t lo, uint64_t hi,
                   ReadOutcome& outcome) {
    uint64_t pos = lo;
    while (pos < hi) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(hi - pos, max_read_));
      std::string refused;
      Result<size_t> got = read_once(pos, n, out + (pos - address), refused);
      if (!got) {
        add_unreadable(outcome, pos, hi, got.error().message);
        return;
      }
      if (*got > 0) {
        pos += *got;
        continue;  // a partial reply: ask for the rest (a hole there is found next round)
      }
      // The stub refused the chunk: find the readable pages in it.
      const uint64_t chunk_end = pos + n;
      while (pos < chunk_end) {
        const uint64_t page_end = std::min(chunk_end, (pos / kProbePage + 1) * kProbePage);
        std::string why;
        Result<size_t> part =
            read_once(pos, static_cast<size_t>(page_end - pos), out + (pos - address), why);
        if (!part) {
          add_unreadable(outcome, pos, hi, part.error().message);
          return;
        }
        add_unreadable(outcome, pos + *part, page_end,
                       why.empty() ? refused : fmt::format("0x{:x}: {}", pos, why));
        pos = page_end;
      }
    }
  }

  std::unique_ptr<RspConnection> conn_;
  SourceInfo info_;
  size_t max_read_ = 0;
  size_t max_write_ = 0;
  bool reported_disconnect_ = false;
  std::vector<Throttle> throttles_;
};

// Reads the target description to learn the address width (qXfer:features:read).
std::string read_architecture(RspConnection& conn) {
  std::string xml;
  while (xml.size() < 65536) {
    Result<std::string> reply = conn.transact(
        fmt::format("qXfer:features:read:target.xml:{:x},{:x}", xml.size(), 4000), kReplyTimeoutMs);
    if (!reply || reply->empty() || (reply->front() != 'm' && reply->front() != 'l')) break;
    Result<std::string> data = rsp::unescape(std::string_view(*reply).substr(1));
    if (!data) break;
    xml += *data;
    if (reply->front() == 'l' || data->empty()) break;
  }
  return rsp::target_architecture(xml);
}

// What a source for `target` reports, given the address width and architecture learnt
// from the stub (64 bits and none before connecting).
SourceInfo target_info(const GdbTarget& target, const OpenOptions& options, unsigned bits,
                       const std::string& arch) {
  SourceInfo info;
  info.spec = "gdb:" + target.text();
  info.kind = "gdb";
  info.writable = !options.read_only;
  info.read_only_reason = options.read_only ? "opened read-only on request" : "";
  const std::string who =
      fmt::format("{}{}", target.address(), arch.empty() ? "" : fmt::format(" ({})", arch));
  if (target.has_range) {
    info.base = target.range.address;
    info.size = target.range.length;
    info.name = fmt::format("{} 0x{:x}..0x{:x}", who, target.range.address, target.range.end());
  } else {
    info.base = 0;
    info.size = bits >= 64 ? ~uint64_t{0} : uint64_t{1} << bits;  // 2^64 does not fit
    info.name = who;
  }
  return info;
}

SourceInfo describe_gdb(const SourceSpec& spec, const OpenOptions& options) {
  Result<GdbTarget> target = parse_target(spec.target);
  if (!target) {
    SourceInfo info;
    info.spec = spec.text();
    info.kind = "gdb";
    info.name = spec.target;
    return info;
  }
  return target_info(*target, options, 64, {});
}

Result<SourcePtr> open_gdb(const SourceSpec& spec, const OpenOptions& options) {
  Result<GdbTarget> parsed = parse_target(spec.target);
  if (!parsed) return parsed.error();
  const GdbTarget& target = *parsed;
  Result<std::unique_ptr<RspConnection>> conn =
      RspConnection::connect_to(target, kConnectTimeoutMs);
  if (!conn) return conn.error();
  RspConnection& c = **conn;

  Result<std::string> supported = c.transact("qSupported:swbreak+;hwbreak+", kReplyTimeoutMs);
  if (!supported) {
    return make_error(supported.error().code,
                      fmt::format("{} does not speak the GDB remote protocol: {}", target.address(),
                                  supported.error().message));
  }
  const rsp::Features features = rsp::parse_qsupported(*supported);
  size_t packet_size = features.packet_size ? features.packet_size : kDefaultPacketSize;
  packet_size = std::clamp<size_t>(packet_size, 64, kMaxPacketSize);
  if (features.no_ack_mode) {
    Result<std::string> ok = c.transact("QStartNoAckMode", kReplyTimeoutMs);
    if (ok && *ok == "OK") c.set_no_ack(true);
  }
  Result<std::string> stop = c.transact("?", kReplyTimeoutMs);
  if (!stop) return stop.error();
  const rsp::StopReply why = rsp::parse_stop_reply(*stop);
  if (why.kind == rsp::StopReply::Kind::exited || why.kind == rsp::StopReply::Kind::killed) {
    return make_error(
        Errc::removed,
        fmt::format("the target behind {} has already {} ({})", target.address(),
                    why.kind == rsp::StopReply::Kind::exited ? "exited" : "been killed", *stop));
  }
  unsigned bits = 64;
  std::string arch;
  if (features.xfer_features) {
    arch = read_architecture(c);
    bits = rsp::address_bits(arch);
  }

  SourceInfo info = target_info(target, options, bits, arch);
  return SourcePtr(new GdbRemoteSource(std::move(conn.value()), packet_size, std::move(info)));
}

SourceBackend gdb_backend() {
  SourceBackend b;
  b.scheme = "gdb";
  b.syntax = "gdb:HOST:PORT[@ADDR+LEN|@ADDR-END]";
  b.description =
      "memory of a target behind a GDB remote stub (gdbserver, QEMU -s, OpenOCD) over TCP";
  b.blocking_io = true;  // connect, name lookup and replies wait on the network
  b.parse = parse_gdb_spec;
  b.open = open_gdb;
  b.describe = describe_gdb;
  return b;
}

}  // namespace
}  // namespace memview

MEMVIEW_REGISTER_SOURCE(memview::gdb_backend())

#endif
