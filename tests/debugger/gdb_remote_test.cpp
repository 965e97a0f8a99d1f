// The gdb: source against Debian's real gdbserver attached to the debuggee, and against
// hostile peers (a TCP server sending the malformed replies no real stub sends).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "memview/async_source.h"
#include "memview/editor.h"
#include "memview/gdb_rsp.h"
#include "memview/poller.h"
#include "memview/source_spec.h"
#include "target_process.h"

namespace memview {
namespace {

using test::GdbServer;
using test::Target;
using Clock = std::chrono::steady_clock;

template <class T>
T load(const std::vector<std::byte>& bytes, uint64_t offset) {
  T v{};
  std::memcpy(&v, bytes.data() + offset, sizeof v);
  return v;
}

template <class T>
std::span<const std::byte> as_bytes_of(const T& v) {
  return std::as_bytes(std::span<const T>(&v, 1));
}

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

struct Debugged {
  std::unique_ptr<Target> target;
  std::unique_ptr<GdbServer> server;
};

Debugged start_debugged() {
  Debugged d;
  d.target = Target::start();
  if (d.target) d.server = GdbServer::attach(d.target->pid);
  return d;
}

#define REQUIRE_GDBSERVER()                                               \
  if (!test::have_program("gdbserver")) {                                 \
    GTEST_SKIP() << "gdbserver not installed (run scripts/install-deps)"; \
  }

TEST(GdbRemote, ReadsAndWritesTheStoppedTargetThroughGdbserver) {
  REQUIRE_GDBSERVER();
  Debugged d = start_debugged();
  ASSERT_TRUE(d.target && d.server);
  Target& t = *d.target;
  Result<SourcePtr> src =
      open_source(d.server->spec(fmt::format("@0x{:x}+{}", t.state, t.state_size)));
  ASSERT_TRUE(src.ok()) << src.error().message;
  Source& s = **src;
  EXPECT_EQ(s.info().kind, "gdb");
  EXPECT_EQ(s.info().base, t.state);
  EXPECT_EQ(s.info().size, t.state_size);

  std::vector<std::byte> via_gdb(t.state_size);
  ASSERT_TRUE(s.read(t.state, via_gdb).complete());
  EXPECT_EQ(load<uint32_t>(via_gdb, t.fields["magic"].offset), 0x4d454d56u);
  EXPECT_STREQ(reinterpret_cast<const char*>(via_gdb.data() + t.fields["name"].offset),
               "memview-target");
  // gdbserver holds the process stopped: the pid: source (a different path into the same
  // memory) reads the same bytes, counter included.
  Result<SourcePtr> local = open_source(t.range_spec());
  ASSERT_TRUE(local.ok());
  std::vector<std::byte> via_pid(t.state_size);
  ASSERT_TRUE((*local)->read(t.state, via_pid).complete());
  EXPECT_EQ(via_gdb, via_pid);

  // Write through the stub; see it through /proc and, once gdbserver lets go, from the
  // program itself.
  const uint32_t command = 7777;
  ASSERT_TRUE(s.write(t.field("command"), as_bytes_of(command)).ok());
  std::vector<std::byte> four(4);
  ASSERT_TRUE((*local)->read(t.field("command"), four).complete());
  EXPECT_EQ(load<uint32_t>(four, 0), command);
  ASSERT_TRUE(s.read(t.field("command"), four).complete());
  EXPECT_EQ(load<uint32_t>(four, 0), command);

  d.server->child->signal(SIGTERM);  // the tracer goes away: the target runs on
  d.server->child->wait();
  EXPECT_EQ(t.child->line_starting("command"), std::optional<std::string>("command 7777"));
}

TEST(GdbRemote, WholeAddressSpaceHolesAndLargeReads) {
  REQUIRE_GDBSERVER();
  Debugged d = start_debugged();
  ASSERT_TRUE(d.target && d.server);
  Target& t = *d.target;
  Result<SourcePtr> src = open_source(d.server->spec());
  ASSERT_TRUE(src.ok()) << src.error().message;
  Source& s = **src;
  EXPECT_EQ(s.info().base, 0u);
  EXPECT_EQ(s.info().size, ~uint64_t{0});  // a 64-bit target
  EXPECT_NE(s.info().name.find("x86-64"), std::string::npos) << s.info().name;

  // rw | unmapped | PROT_NONE | rw. gdbserver reads through /proc/PID/mem with ptrace's
  // force flag, so unlike process_vm_readv it can read the PROT_NONE page: only the
  // unmapped page is a hole here.
  std::vector<std::byte> bytes(size_t{4} * 4096, std::byte{0xaa});
  ReadOutcome r = s.read(t.pages, bytes);
  ASSERT_EQ(r.unreadable.size(), 1u) << r.message;
  EXPECT_EQ(r.unreadable[0], (ByteRange{t.pages + 4096, 4096}));
  for (size_t i = 0; i < bytes.size(); ++i) {
    const bool hole = i >= 4096 && i < size_t{2} * 4096;
    ASSERT_EQ(bytes[i], hole ? std::byte{0xaa} : std::byte{0x5a}) << "byte " << i;
  }
  // A write that would cross into the hole writes nothing.
  std::vector<std::byte> data(20000, std::byte{0x11});
  Status w = s.write(t.pages, data);
  ASSERT_FALSE(w.ok());
  std::vector<std::byte> first(16);
  ASSERT_TRUE(s.read(t.pages, first).complete());
  for (std::byte b : first) EXPECT_EQ(b, std::byte{0x5a});

  // The heap's 256 known bytes, read in one go with the rest of its page.
  std::vector<std::byte> heap(256);
  ASSERT_TRUE(s.read(t.heap, heap).complete());
  for (size_t i = 0; i < heap.size(); ++i) ASSERT_EQ(heap[i], static_cast<std::byte>(i));
}

TEST(GdbRemote, DisconnectMidSessionIsAnEventAndNothingHangs) {
  REQUIRE_GDBSERVER();
  Debugged d = start_debugged();
  ASSERT_TRUE(d.target && d.server);
  Target& t = *d.target;
  Result<SourcePtr> src =
      open_source(d.server->spec(fmt::format("@0x{:x}+{}", t.state, t.state_size)));
  ASSERT_TRUE(src.ok()) << src.error().message;
  Poller poller(**src);
  poller.request({t.state, t.state_size});
  EXPECT_TRUE(poller.poll(1).events.empty());
  ASSERT_TRUE(poller.tracker().known(t.field("magic")));

  d.server->child->signal(SIGKILL);
  d.server->child->wait();
  std::vector<SourceEvent> events;
  const auto start = Clock::now();
  int64_t now = 2;
  while (events.empty() && seconds_since(start) < 5) {
    poller.request({t.state, t.state_size});
    events = poller.poll(now++).events;
  }
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, SourceEvent::Kind::disconnected);
  EXPECT_NE(events[0].message.find("127.0.0.1"), std::string::npos) << events[0].message;
  EXPECT_EQ(poller.tracker().value(t.field("magic")), std::byte{0x56});

  // Reads fail at once; writes too.
  const auto t0 = Clock::now();
  std::vector<std::byte> bytes(16);
  ReadOutcome r = (*src)->read(t.state, bytes);
  EXPECT_FALSE(r.complete());
  EXPECT_LT(seconds_since(t0), 0.5);
  const uint32_t v = 1;
  Status w = (*src)->write(t.field("command"), as_bytes_of(v));
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().code, Errc::removed);
  EXPECT_TRUE((*src)->refresh().empty());  // reported once
}

// The viewer's path: open_source_nonblocking gives an AsyncSource whose worker owns the
// connection; polls and edits never wait on it.
TEST(GdbRemote, TheViewersPathReadsAndWritesThroughAWorker) {
  REQUIRE_GDBSERVER();
  Debugged d = start_debugged();
  ASSERT_TRUE(d.target && d.server);
  Target& t = *d.target;
  Result<SourcePtr> src =
      open_source_nonblocking(d.server->spec(fmt::format("@0x{:x}+{}", t.state, t.state_size)));
  ASSERT_TRUE(src.ok()) << src.error().message;
  ASSERT_NE((*src)->edit_queue(), nullptr);
  Result<SourcePtr> local = open_source(t.range_spec());
  ASSERT_TRUE(local.ok());
  Poller poller(**src);
  Editor editor(**src, &poller.tracker());
  auto poll_until = [&](const std::function<bool()>& done) {
    const auto start = Clock::now();
    while (seconds_since(start) < 10) {
      poller.request({t.state, t.state_size});
      const auto p0 = Clock::now();
      const Poller::PollResult r =
          poller.poll(static_cast<int64_t>(seconds_since(start) * 1e9) + 1);
      EXPECT_LT(seconds_since(p0), 0.1) << "a poll waited on the link";
      EXPECT_TRUE(r.events.empty()) << r.events[0].message;
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return false;
  };
  ASSERT_TRUE(poll_until([&] {
    return poller.tracker().known(t.state + t.state_size - 1) &&
           !(poller.tracker().flags(t.state) & kUnreadable);
  }));
  std::vector<std::byte> held(t.state_size);
  ASSERT_TRUE((*local)->read(t.state, held).complete());
  for (uint64_t i = 0; i < t.state_size; ++i) {
    ASSERT_EQ(poller.tracker().value(t.state + i), held[i]) << "byte " << i;
  }

  const uint32_t command = 4242;
  ASSERT_TRUE(editor.write(t.field("command"), as_bytes_of(command)).ok());
  EXPECT_EQ(editor.pending(), 1u);
  std::vector<EditOutcome> done;
  ASSERT_TRUE(poll_until([&] {
    for (EditOutcome& o : editor.collect()) done.push_back(std::move(o));
    return !done.empty();
  }));
  ASSERT_TRUE(done[0].status.ok()) << done[0].status.error().message;
  std::vector<std::byte> four(4);
  ASSERT_TRUE((*local)->read(t.field("command"), four).complete());
  EXPECT_EQ(load<uint32_t>(four, 0), command);
  ASSERT_EQ(editor.undo_stack().size(), 1u);
  EXPECT_EQ(load<uint32_t>(editor.undo_stack()[0].before, 0), 0u);
}

TEST(GdbRemote, ConnectionRefusedIsExplained) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const int port = ntohs(addr.sin_port);
  close(fd);  // bound, never listened: the port refuses connections
  Result<SourcePtr> s = open_source(fmt::format("gdb:127.0.0.1:{}", port));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("refused"), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find("gdbserver"), std::string::npos) << s.error().message;
}

TEST(GdbRemote, SpecParsing) {
  struct Good {
    const char* text;
    const char* canonical;
  };
  for (const Good& g : {Good{"gdb:localhost:1234", "gdb:localhost:1234"},
                        Good{"gdb:127.0.0.1:1@4096+16", "gdb:127.0.0.1:1@0x1000+0x10"},
                        Good{"gdb:[::1]:2345", "gdb:[::1]:2345"},
                        Good{"gdb:host:9@0x10-0x20", "gdb:host:9@0x10+0x10"}}) {
    Result<SourceSpec> p = parse_source_spec(g.text);
    ASSERT_TRUE(p.ok()) << g.text << ": " << p.error().message;
    EXPECT_EQ(p->text(), g.canonical);
  }
  for (const char* bad :
       {"gdb:", "gdb:host", "gdb::1234", "gdb:host:0", "gdb:host:65536", "gdb:host:port",
        "gdb:::1:2", "gdb:[::1]2", "gdb:h o:1", "gdb:host:1@", "gdb:host:1@5+0"}) {
    Result<SourceSpec> p = parse_source_spec(bad);
    EXPECT_FALSE(p.ok()) << bad;
  }
}

// A TCP peer that answers each packet with whatever `reply` returns: the raw bytes to send
// ("" sends nothing, "<close>" hangs up). It acks every packet it receives and resends
// its last reply when asked to ('-').
class HostileStub {
 public:
  using Reply = std::function<std::string(const std::string& request)>;
  explicit HostileStub(Reply reply) : reply_(std::move(reply)) {
    listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    (void)bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr),
               sizeof addr);  // failing: port 0, no connection
    socklen_t len = sizeof addr;
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    listen(listen_fd_, 1);
    thread_ = std::thread([this] { serve(); });
  }
  ~HostileStub() {
    stop_ = true;
    shutdown(listen_fd_, SHUT_RDWR);
    if (conn_fd_ >= 0) shutdown(conn_fd_, SHUT_RDWR);
    thread_.join();
    close(listen_fd_);
    if (conn_fd_ >= 0) close(conn_fd_);
  }
  std::string spec(const std::string& suffix = {}) const {
    return fmt::format("gdb:127.0.0.1:{}{}", port_, suffix);
  }
  int requests() const { return requests_; }

 private:
  void serve() {
    conn_fd_ = accept(listen_fd_, nullptr, nullptr);
    if (conn_fd_ < 0) return;
    rsp::PacketParser parser;
    char buf[65536];
    while (!stop_) {
      const ssize_t n = recv(conn_fd_, buf, sizeof buf, 0);
      if (n <= 0) return;
      parser.feed(std::string_view(buf, static_cast<size_t>(n)));
      while (auto e = parser.next()) {
        if (e->kind == rsp::PacketParser::Kind::nak) {
          send_all(last_);  // asked to retransmit
          continue;
        }
        if (e->kind != rsp::PacketParser::Kind::packet) continue;
        ++requests_;
        send_all("+");
        last_ = reply_(e->payload);
        if (last_ == "<close>") {
          shutdown(conn_fd_, SHUT_RDWR);
          return;
        }
        send_all(last_);
      }
    }
  }
  void send_all(const std::string& s) {
    size_t done = 0;
    while (done < s.size()) {
      const ssize_t n = send(conn_fd_, s.data() + done, s.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return;
      done += static_cast<size_t>(n);
    }
  }

  Reply reply_;
  std::string last_;
  int listen_fd_ = -1;
  std::atomic<int> conn_fd_{-1};
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

// The handshake of a minimal stub (ack mode, a huge claimed PacketSize), then `memory`
// answers every m/M packet.
HostileStub::Reply stub_with(const std::function<std::string(const std::string&)>& memory) {
  return [memory](const std::string& req) -> std::string {
    if (req.rfind("qSupported", 0) == 0) return rsp::frame("PacketSize=fffffffffff");
    if (req == "?") return rsp::frame("S05");
    if (req[0] == 'm' || req[0] == 'M') return memory(req);
    return rsp::frame("");
  };
}

std::string with_checksum(const std::string& body) {
  return fmt::format("${}#{:02x}", body, rsp::checksum(body));
}

ReadOutcome read_from(HostileStub& stub, size_t n, double* took = nullptr) {
  Result<SourcePtr> src = open_source(stub.spec());
  EXPECT_TRUE(src.ok()) << (src.ok() ? "" : src.error().message);
  if (!src.ok()) return {};
  std::vector<std::byte> out(n, std::byte{0xaa});
  const auto t0 = Clock::now();
  ReadOutcome r = (*src)->read(0x1000, out);
  if (took) *took = seconds_since(t0);
  for (size_t i = 0; i < n; ++i) {
    bool unreadable = false;
    for (const ByteRange& u : r.unreadable)
      unreadable |= (0x1000 + i >= u.address && 0x1000 + i < u.end());
    if (unreadable) {
      EXPECT_EQ(out[i], std::byte{0xaa}) << "unreadable byte " << i << " changed";
    }
  }
  return r;
}

TEST(GdbRemoteHostile, BadChecksumIsRejected) {
  HostileStub stub(stub_with([](const std::string&) { return "$0102#00"; }));
  ReadOutcome r = read_from(stub, 2);
  ASSERT_FALSE(r.complete());
  EXPECT_NE(r.message.find("checksum"), std::string::npos) << r.message;
}

TEST(GdbRemoteHostile, TooManyBytesNonHexAndOddLengthsAreRejected) {
  for (const std::string& body : {std::string("0102030405060708"), std::string("zz"),
                                  std::string("012"), std::string("OK")}) {
    HostileStub stub(stub_with([&](const std::string&) { return rsp::frame(body); }));
    ReadOutcome r = read_from(stub, 2);
    ASSERT_EQ(r.unreadable.size(), 1u) << body;
    EXPECT_EQ(r.unreadable[0], (ByteRange{0x1000, 2})) << body;
  }
}

TEST(GdbRemoteHostile, HugePacketIsRejectedWithoutHanging) {
  const std::string huge = "$" + std::string(4 << 20, '0') + "#00";
  HostileStub stub(stub_with([&](const std::string&) { return std::string(huge); }));
  double took = 0;
  ReadOutcome r = read_from(stub, 16, &took);
  ASSERT_FALSE(r.complete());
  EXPECT_NE(r.message.find("longer"), std::string::npos) << r.message;
  EXPECT_LT(took, 5.0);
}

TEST(GdbRemoteHostile, TruncatedReplyThenHangUpIsADisconnect) {
  HostileStub stub(stub_with([](const std::string&) { return "<close>"; }));
  Result<SourcePtr> src = open_source(stub.spec());
  ASSERT_TRUE(src.ok()) << src.error().message;
  std::vector<std::byte> out(8);
  ReadOutcome r = (*src)->read(0x1000, out);
  EXPECT_FALSE(r.complete());
  std::vector<SourceEvent> events = (*src)->refresh();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, SourceEvent::Kind::disconnected);
}

TEST(GdbRemoteHostile, SilentStubTimesOutOnceThenFailsFast) {
  HostileStub stub(stub_with([](const std::string&) { return std::string(); }));
  double took = 0;
  Result<SourcePtr> src = open_source(stub.spec());
  ASSERT_TRUE(src.ok()) << src.error().message;
  std::vector<std::byte> out(8);
  auto t0 = Clock::now();
  ReadOutcome r = (*src)->read(0x1000, out);
  took = seconds_since(t0);
  ASSERT_FALSE(r.complete());
  EXPECT_NE(r.message.find("all-stop"), std::string::npos) << r.message;
  EXPECT_LT(took, 3.0);
  t0 = Clock::now();
  r = (*src)->read(0x1000, out);
  EXPECT_FALSE(r.complete());
  EXPECT_LT(seconds_since(t0), 0.2);  // still waiting for the first answer: no new request
  EXPECT_NE(r.message.find("not answered"), std::string::npos) << r.message;
}

TEST(GdbRemoteHostile, ErrorRepliesAreHolesFoundPageByPage) {
  // Readable only in [0x2000, 0x3000): the stub refuses anything touching other pages.
  HostileStub stub(stub_with([](const std::string& req) {
    if (req[0] != 'm') return rsp::frame("E01");
    uint64_t addr = 0, len = 0;
    std::sscanf(req.c_str(), "m%lx,%lx", &addr, &len);
    if (addr < 0x2000 || addr + len > 0x3000) return rsp::frame("E01");
    return rsp::frame(std::string(len * 2, '7'));
  }));
  Result<SourcePtr> src = open_source(stub.spec());
  ASSERT_TRUE(src.ok()) << src.error().message;
  std::vector<std::byte> out(0x3000, std::byte{0xaa});
  ReadOutcome r = (*src)->read(0x1000, out);
  ASSERT_EQ(r.unreadable.size(), 2u);
  EXPECT_EQ(r.unreadable[0], (ByteRange{0x1000, 0x1000}));
  EXPECT_EQ(r.unreadable[1], (ByteRange{0x3000, 0x1000}));
  EXPECT_EQ(out[0x1000], std::byte{0x77});
  EXPECT_EQ(out[0], std::byte{0xaa});
  EXPECT_NE(r.message.find("error 01"), std::string::npos) << r.message;
}

TEST(GdbRemoteHostile, RunLengthEncodedRepliesDecode) {
  // "0*\"" is "0" and 5 more: "000000", three zero bytes.
  HostileStub stub(stub_with([](const std::string&) { return with_checksum("0*\""); }));
  std::vector<std::byte> out(3, std::byte{0xaa});
  Result<SourcePtr> src = open_source(stub.spec());
  ASSERT_TRUE(src.ok());
  ASSERT_TRUE((*src)->read(0x1000, out).complete());
  for (std::byte b : out) EXPECT_EQ(b, std::byte{0});
}

TEST(GdbRemoteHostile, SlowLinkIsPolledAtARateItCanTake) {
  // Every memory read takes the stub 40 ms: polling every 5 ms must not queue up requests.
  HostileStub stub(stub_with([](const std::string&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(40));
    return rsp::frame(std::string(size_t{64} * 2, '1'));
  }));
  Result<SourcePtr> src = open_source(stub.spec());
  ASSERT_TRUE(src.ok()) << src.error().message;
  const int before = stub.requests();
  Poller poller(**src);
  const auto t0 = Clock::now();
  int polls = 0;
  int64_t now = 1;
  while (seconds_since(t0) < 1.0) {
    poller.request({0x1000, 64});
    (void)poller.poll(now++);
    ++polls;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const int reads = stub.requests() - before;
  // At most half the time on the link: about one read per 80 ms, so ~12 in a second.
  EXPECT_LE(reads, 16) << polls << " polls";
  EXPECT_GE(reads, 3) << polls << " polls";
  EXPECT_GT(polls, 2 * reads);
  EXPECT_EQ(poller.tracker().value(0x1000), std::byte{0x11});
}

TEST(GdbRemoteHostile, NotAStubOrAnExitedTarget) {
  {
    HostileStub http([](const std::string&) { return "<close>"; });
    Result<SourcePtr> s = open_source(http.spec());
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message.find("remote protocol"), std::string::npos) << s.error().message;
  }
  {
    HostileStub exited([](const std::string& req) {
      if (req == "?") return rsp::frame("W00");
      return rsp::frame("");
    });
    Result<SourcePtr> s = open_source(exited.spec());
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, Errc::removed);
    EXPECT_NE(s.error().message.find("exited"), std::string::npos) << s.error().message;
  }
}

}  // namespace
}  // namespace memview
