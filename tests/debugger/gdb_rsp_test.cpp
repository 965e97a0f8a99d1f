// The RSP codec: framing, checksums, escaping, run-length decoding, and reply parsing.
#include "memview/gdb_rsp.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace memview::rsp {
namespace {

std::vector<PacketParser::Event> parse_all(PacketParser& p, std::string_view bytes,
                                           bool byte_by_byte = false) {
  if (byte_by_byte) {
    for (char c : bytes) p.feed(std::string_view(&c, 1));
  } else {
    p.feed(bytes);
  }
  std::vector<PacketParser::Event> out;
  while (auto e = p.next()) out.push_back(std::move(*e));
  return out;
}

TEST(GdbRsp, FramesWithTheChecksumGdbComputes) {
  // 'm' + '0' + ',' + '4' = 0x6d + 0x30 + 0x2c + 0x34 = 0xfd
  EXPECT_EQ(frame("m0,4"), "$m0,4#fd");
  EXPECT_EQ(frame(""), "$#00");
  EXPECT_EQ(checksum("OK"), 0x9a);
  // Special bytes are escaped with '}' and XOR 0x20; the checksum covers the escaped form.
  const std::string framed = frame(std::string("a$b#c}d*e"));
  EXPECT_EQ(framed.substr(0, framed.size() - 3),
            "$a}\x04"
            "b}\x03"
            "c}]d}\x0a"
            "e");
  EXPECT_EQ(unescape("a}\x04"
                     "b}\x03"
                     "c}]d}\x0a"
                     "e")
                .value(),
            "a$b#c}d*e");
  EXPECT_FALSE(unescape("abc}").ok());
}

TEST(GdbRsp, HexRoundTrip) {
  const std::vector<std::byte> bytes{std::byte{0x00}, std::byte{0xde}, std::byte{0xad},
                                     std::byte{0xff}};
  EXPECT_EQ(encode_hex(bytes), "00deadff");
  EXPECT_EQ(decode_hex("00DEadff").value(), bytes);
  EXPECT_FALSE(decode_hex("abc").ok());
  EXPECT_FALSE(decode_hex("zz").ok());
  EXPECT_TRUE(decode_hex("").value().empty());
}

TEST(GdbRsp, ParsesPacketsAcksAndNoiseInAnySplit) {
  const std::string stream =
      std::string("+") + frame("OK") + "garbage-" + frame("S05") + "\x03" + "%Stop:T05#" + "00";
  for (bool split : {false, true}) {
    PacketParser p;
    std::vector<PacketParser::Event> ev = parse_all(p, stream, split);
    ASSERT_GE(ev.size(), 4u);
    EXPECT_EQ(ev[0].kind, PacketParser::Kind::ack);
    EXPECT_EQ(ev[1].kind, PacketParser::Kind::packet);
    EXPECT_EQ(ev[1].payload, "OK");
    // "garbage-" contains a '-': that is a nak as far as the protocol knows.
    size_t i = 2;
    while (ev[i].kind == PacketParser::Kind::nak) ++i;
    EXPECT_EQ(ev[i].kind, PacketParser::Kind::packet);
    EXPECT_EQ(ev[i].payload, "S05");
    EXPECT_EQ(ev[i + 1].kind, PacketParser::Kind::interrupt);
    // The notification's checksum is wrong on purpose.
    EXPECT_EQ(ev[i + 2].kind, PacketParser::Kind::bad_checksum);
    EXPECT_FALSE(p.in_packet());
  }
}

TEST(GdbRsp, RejectsBadChecksumsAndCutPackets) {
  PacketParser p;
  auto ev = parse_all(p, "$OK#00");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, PacketParser::Kind::bad_checksum);
  EXPECT_NE(ev[0].error.find("9a"), std::string::npos);

  // A packet cut off by the start of the next one.
  ev = parse_all(p, "$1234" + frame("OK"));
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].kind, PacketParser::Kind::malformed);
  EXPECT_EQ(ev[1].kind, PacketParser::Kind::packet);
  EXPECT_EQ(ev[1].payload, "OK");

  // Non-hex checksum digits.
  ev = parse_all(p, "$OK#zz");
  ASSERT_GE(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, PacketParser::Kind::malformed);

  // Truncated: no events until it completes.
  ev = parse_all(p, "$abc");
  EXPECT_TRUE(ev.empty());
  EXPECT_TRUE(p.in_packet());
  p.reset();
  EXPECT_FALSE(p.in_packet());
}

TEST(GdbRsp, HugePacketsAreSkippedWithoutGrowing) {
  PacketParser p(1024);
  std::string huge = "$" + std::string(100000, '0') + "#00" + frame("OK");
  auto ev = parse_all(p, huge);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].kind, PacketParser::Kind::too_long);
  EXPECT_EQ(ev[1].kind, PacketParser::Kind::packet);
  EXPECT_EQ(ev[1].payload, "OK");
}

TEST(GdbRsp, AFloodOfEventsIsCapped) {
  PacketParser p;
  p.feed(std::string(100000, '+'));
  size_t n = 0;
  PacketParser::Event last;
  while (auto e = p.next()) {
    last = std::move(*e);
    ++n;
  }
  EXPECT_EQ(n, PacketParser::kMaxQueuedEvents);
  EXPECT_EQ(last.kind, PacketParser::Kind::malformed);
  // Once drained, the parser works normally again.
  auto ev = parse_all(p, frame("OK"));
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].payload, "OK");
}

TEST(GdbRsp, RunLengthDecoding) {
  // gdb's own example: "0* " is "0000" (' ' = 32, 32 - 29 = 3 more).
  EXPECT_EQ(run_length_decode("0* ", 100).value(), "0000");
  EXPECT_EQ(run_length_decode("ab*\"c", 100).value(), "abbbbbbc");  // '"' = 34: 5 more
  EXPECT_FALSE(run_length_decode("*a", 100).ok());                  // nothing to repeat
  EXPECT_FALSE(run_length_decode("a*", 100).ok());                  // no count
  EXPECT_FALSE(run_length_decode("a*\x10", 100).ok());              // count <= 0
  // A run-length bomb stops at the limit.
  std::string bomb;
  for (int i = 0; i < 1000; ++i) bomb += "0*~";
  Result<std::string> r = run_length_decode(bomb, 4096);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::out_of_range);
  // Through the parser: checksum covers the encoded bytes.
  PacketParser p(4096);
  auto ev = parse_all(
      p, "$" + bomb + "#" + [&] {
        char cs[3];
        snprintf(cs, sizeof cs, "%02x", checksum(bomb));
        return std::string(cs);
      }());
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, PacketParser::Kind::too_long);
  PacketParser q;
  ev = parse_all(q, "$0* #" + std::string([] {
                      char cs[3];
                      snprintf(cs, sizeof cs, "%02x", checksum("0* "));
                      return std::string(cs);
                    }()));
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].payload, "0000");
}

TEST(GdbRsp, Replies) {
  EXPECT_EQ(parse_error_reply("E01")->code, 1);
  EXPECT_EQ(parse_error_reply("E.no such page")->message, "no such page");
  EXPECT_FALSE(parse_error_reply("OK").has_value());
  EXPECT_FALSE(parse_error_reply("e0ff").has_value());  // data, not an error
  EXPECT_FALSE(parse_error_reply("").has_value());

  Features f = parse_qsupported(
      "PacketSize=3fff;QPassSignals+;QStartNoAckMode+;qXfer:features:read+;;junk;PacketSize=zz");
  EXPECT_EQ(f.packet_size, 0u);  // the last PacketSize wins and is malformed
  EXPECT_TRUE(f.no_ack_mode);
  EXPECT_TRUE(f.xfer_features);
  EXPECT_FALSE(f.xfer_memory_map);
  f = parse_qsupported("PacketSize=3fff;qXfer:memory-map:read+");
  EXPECT_EQ(f.packet_size, 0x3fffu);
  EXPECT_TRUE(f.xfer_memory_map);
  EXPECT_EQ(parse_qsupported("PacketSize=ffffffffffffffffff").packet_size, 0u);  // overflow

  EXPECT_EQ(read_memory_packet(0x7fff0000, 16), "m7fff0000,10");
  const std::vector<std::byte> two{std::byte{1}, std::byte{0xab}};
  EXPECT_EQ(write_memory_packet(0x10, two), "M10,2:01ab");

  EXPECT_EQ(parse_read_memory_reply("0102", 4).value().size(), 2u);  // partial read
  EXPECT_EQ(parse_read_memory_reply("E14", 4).error().code, Errc::io);
  EXPECT_EQ(parse_read_memory_reply("", 4).error().code, Errc::unsupported);
  EXPECT_EQ(parse_read_memory_reply("0102030405", 2).error().code, Errc::invalid_argument);
  EXPECT_EQ(parse_read_memory_reply("01x2", 2).error().code, Errc::invalid_argument);
  EXPECT_EQ(parse_read_memory_reply("012", 2).error().code, Errc::invalid_argument);

  EXPECT_EQ(parse_stop_reply("T0506:0;").kind, StopReply::Kind::stopped);
  EXPECT_EQ(parse_stop_reply("T0506:0;").value, 5);
  EXPECT_EQ(parse_stop_reply("W00").kind, StopReply::Kind::exited);
  EXPECT_EQ(parse_stop_reply("X09").kind, StopReply::Kind::killed);
  EXPECT_EQ(parse_stop_reply("OK").kind, StopReply::Kind::other);
  EXPECT_EQ(parse_stop_reply("Tzz").kind, StopReply::Kind::other);

  EXPECT_EQ(target_architecture("<target><architecture>i386:x86-64</architecture></target>"),
            "i386:x86-64");
  EXPECT_EQ(target_architecture("<target><architecture>arm"), "");
  EXPECT_EQ(address_bits("i386:x86-64"), 64u);
  EXPECT_EQ(address_bits("aarch64"), 64u);
  EXPECT_EQ(address_bits("arm"), 32u);
  EXPECT_EQ(address_bits("riscv:rv32"), 32u);
  EXPECT_EQ(address_bits(""), 64u);
}

}  // namespace
}  // namespace memview::rsp
