// Recording through Debian's real gdbserver (gdb: source on 127.0.0.1) when the stub is
// killed mid-recording: the recorder ends with a fault event instead of crashing or
// hanging, and everything recorded before the link dropped reads back (issue 13's fault
// injection for the gdb: source).
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "memview/recorder.h"
#include "memview/recording.h"
#include "target_process.h"

namespace memview {
namespace {

std::string temp_recording(const std::string& stem) {
  return (std::filesystem::temp_directory_path() /
          ("memview-record-gdb-" + stem + "-" + std::to_string(getpid()) + ".mvrec"))
      .string();
}

bool wait_for_samples(const Recorder& rec, uint64_t n, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (rec.stats().samples >= n || rec.done()) return rec.stats().samples >= n;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

TEST(RecordGdb, AKilledGdbserverEndsTheRecordingWithAFaultAndTheFileStaysReadable) {
  if (!test::have_program("gdbserver")) {
    GTEST_SKIP() << "gdbserver not installed (run scripts/install-deps)";
  }
  std::unique_ptr<test::Target> target = test::Target::start();
  ASSERT_TRUE(target);
  std::unique_ptr<test::GdbServer> server = test::GdbServer::attach(target->pid);
  ASSERT_TRUE(server);
  const std::string out = temp_recording("killed");
  RecorderOptions o;
  o.spec = server->spec(fmt::format("@0x{:x}+{}", target->state, target->state_size));
  o.ranges = {{target->state, target->state_size}};
  o.rate_hz = 200;
  o.duration_ns = 60'000'000'000;  // the fault, not the duration, must end it
  o.out_path = out;
  Result<std::unique_ptr<Recorder>> rec = Recorder::start(std::move(o));
  ASSERT_TRUE(rec.ok()) << rec.error().message;
  ASSERT_TRUE(wait_for_samples(**rec, 10, 20'000))
      << ((*rec)->error() ? (*rec)->error()->message : "too few samples");

  server->child->signal(SIGKILL);  // the link drops mid-recording
  server->child->wait();
  ASSERT_TRUE((*rec)->wait_for(30'000)) << "the recorder did not notice the dropped link";
  ASSERT_FALSE((*rec)->error().has_value()) << (*rec)->error()->message;
  const RecorderStats s = (*rec)->stats();
  EXPECT_EQ(s.ended_by.rfind("fault: ", 0), 0u) << s.ended_by;
  EXPECT_GE(s.samples, 10u);

  Result<Recording> r = Recording::open(out);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->truncated()) << r->truncation();
  Result<std::vector<RecordingEvent>> events = r->events();
  ASSERT_TRUE(events.ok()) << events.error().message;
  size_t faults = 0;
  for (const RecordingEvent& e : *events) {
    if (e.kind != RecordingEventKind::fault) continue;
    ++faults;
    // The fault is at the last good sample: nothing after it claims to be data.
    EXPECT_EQ(e.t_ns, r->last_ns());
  }
  EXPECT_EQ(faults, 1u);
  ASSERT_FALSE(events->empty());
  EXPECT_EQ(events->back().kind, RecordingEventKind::summary);
  // What was recorded before the link dropped is the target's struct, magic included.
  Result<RecordedState> st = r->state_at(r->last_ns());
  ASSERT_TRUE(st.ok()) << st.error().message;
  ASSERT_EQ(st->ranges.size(), 1u);
  uint32_t magic = 0;
  std::memcpy(&magic, st->ranges[0].data() + target->fields.at("magic").offset, 4);
  EXPECT_EQ(magic, 0x4d454d56u);
  std::filesystem::remove(out);
}

}  // namespace
}  // namespace memview
