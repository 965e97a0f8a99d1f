// The recorder against real shared memory written through another mapping: what it
// records reads back, options are checked, a removed object ends the recording with a fault.
#include "memview/recorder.h"

#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "peer_shm.h"

namespace memview {
namespace {

namespace fs = std::filesystem;
using testing::PeerShm;

std::string temp_file(const std::string& stem) {
  return (fs::temp_directory_path() /
          ("memview-recorder-" + stem + "-" + std::to_string(getpid()) + ".mvrec"))
      .string();
}

RecorderOptions options_for(const PeerShm& shm, const std::string& out) {
  RecorderOptions o;
  o.spec = shm.spec();
  o.ranges = {{0, 64}};
  o.rate_hz = 2000;
  o.out_path = out;
  return o;
}

void store_u32(PeerShm& shm, size_t at, uint32_t v) {
  std::memcpy(shm.bytes() + at, &v, 4);
}

TEST(Recorder, RecordsWhatAnotherMappingWrites) {
  PeerShm shm(4096);
  ASSERT_TRUE(shm.ok());
  const std::string out = temp_file("writes");
  RecorderOptions o = options_for(shm, out);
  o.stable_read = true;
  Result<std::unique_ptr<Recorder>> rec = Recorder::start(std::move(o));
  ASSERT_TRUE(rec.ok()) << rec.error().message;
  for (uint32_t v = 1; v <= 20; ++v) {
    store_u32(shm, 8, v);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  (*rec)->stop();
  ASSERT_TRUE((*rec)->wait_for(10'000));
  ASSERT_FALSE((*rec)->error().has_value()) << (*rec)->error()->message;
  const RecorderStats s = (*rec)->stats();
  EXPECT_GT(s.samples, 20u);
  EXPECT_GE(s.changed_samples, 1u);
  EXPECT_EQ(s.ended_by, "stopped");
  EXPECT_GT(s.worst_gap_ns, 0);
  EXPECT_GE(s.worst_gap_ns, s.gap_p99_ns / 2);
  Result<Recording> r = Recording::open(out);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->truncated());
  Result<std::vector<SeriesPoint>> series =
      r->series(0, 8, ScalarType::u32, Endian::little, 0, INT64_MAX);
  ASSERT_TRUE(series.ok());
  ASSERT_FALSE(series->empty());
  EXPECT_EQ(series->back().value, "20");
  for (size_t i = 1; i < series->size(); ++i) {
    EXPECT_LT(std::stoul((*series)[i - 1].value), std::stoul((*series)[i].value));
  }
  Result<std::vector<RecordingEvent>> events = r->events();
  ASSERT_TRUE(events.ok());
  ASSERT_FALSE(events->empty());
  EXPECT_EQ(events->back().kind, RecordingEventKind::summary);
  fs::remove(out);
}

TEST(Recorder, OptionsAreCheckedBeforeStarting) {
  PeerShm shm(4096);
  ASSERT_TRUE(shm.ok());
  const std::string out = temp_file("options");
  RecorderOptions none = options_for(shm, out);
  none.ranges.clear();
  EXPECT_FALSE(Recorder::start(std::move(none)).ok());
  RecorderOptions odd = options_for(shm, out);
  odd.seqlock = ByteRange{0, 3};
  EXPECT_FALSE(Recorder::start(std::move(odd)).ok());
  RecorderOptions both = options_for(shm, out);
  both.seqlock = ByteRange{0, 8};
  both.stable_read = true;
  EXPECT_FALSE(Recorder::start(std::move(both)).ok());
  RecorderOptions huge = options_for(shm, out);
  huge.ranges = {{0, kMaxRecordedBytes + 1}};
  EXPECT_FALSE(Recorder::start(std::move(huge)).ok());

  // Outside the object: refused by the worker, which names the range.
  RecorderOptions outside = options_for(shm, out);
  outside.ranges = {{4000, 200}};
  Result<std::unique_ptr<Recorder>> rec = Recorder::start(std::move(outside));
  ASSERT_TRUE(rec.ok());
  ASSERT_TRUE((*rec)->wait_for(10'000));
  ASSERT_TRUE((*rec)->error().has_value());
  EXPECT_NE((*rec)->error()->message.find("not inside"), std::string::npos);
  fs::remove(out);
}

TEST(Recorder, ARemovedObjectEndsTheRecordingWithAFault) {
  PeerShm shm(4096);
  ASSERT_TRUE(shm.ok());
  const std::string out = temp_file("fault");
  Result<std::unique_ptr<Recorder>> rec = Recorder::start(options_for(shm, out));
  ASSERT_TRUE(rec.ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(shm.unlink());
  ASSERT_TRUE((*rec)->wait_for(10'000));
  ASSERT_FALSE((*rec)->error().has_value());
  EXPECT_EQ((*rec)->stats().ended_by.rfind("fault: ", 0), 0u) << (*rec)->stats().ended_by;
  Result<Recording> r = Recording::open(out);
  ASSERT_TRUE(r.ok());
  Result<std::vector<RecordingEvent>> events = r->events();
  ASSERT_TRUE(events.ok());
  bool fault = false;
  for (const RecordingEvent& e : *events) fault = fault || e.kind == RecordingEventKind::fault;
  EXPECT_TRUE(fault);
  fs::remove(out);
}

TEST(Recorder, ATriggerWithPostTimeStopsTheRecording) {
  PeerShm shm(4096);
  ASSERT_TRUE(shm.ok());
  const std::string out = temp_file("trigger");
  RecorderOptions o = options_for(shm, out);
  Result<Trigger> t = Trigger::parse("u32@8 == 7");
  ASSERT_TRUE(t.ok());
  o.triggers.push_back(std::move(*t));
  o.pre_ns = 20'000'000;
  o.post_ns = 20'000'000;
  o.duration_ns = 20'000'000'000;
  Result<std::unique_ptr<Recorder>> rec = Recorder::start(std::move(o));
  ASSERT_TRUE(rec.ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  store_u32(shm, 8, 7);
  ASSERT_TRUE((*rec)->wait_for(10'000));
  ASSERT_FALSE((*rec)->error().has_value());
  const RecorderStats s = (*rec)->stats();
  EXPECT_EQ(s.ended_by, "trigger");
  EXPECT_EQ(s.marks, 1u);
  ASSERT_TRUE(s.triggered_ns.has_value());
  Result<Recording> r = Recording::open(out);
  ASSERT_TRUE(r.ok());
  EXPECT_LE(r->first_ns(), *s.triggered_ns - 20'000'000);
  EXPECT_GE(r->last_ns(), *s.triggered_ns + 20'000'000);
  fs::remove(out);
}

TEST(Recorder, ATriggerWithPostSamplesStopsThatManySamplesLater) {
  PeerShm shm(4096);
  ASSERT_TRUE(shm.ok());
  const std::string out = temp_file("post-samples");
  RecorderOptions o = options_for(shm, out);
  Result<Trigger> t = Trigger::parse("u32@8 changed");
  ASSERT_TRUE(t.ok());
  o.triggers.push_back(std::move(*t));
  o.post_samples = 5;
  o.duration_ns = 20'000'000'000;
  Result<std::unique_ptr<Recorder>> rec = Recorder::start(std::move(o));
  ASSERT_TRUE(rec.ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  store_u32(shm, 8, 1);
  ASSERT_TRUE((*rec)->wait_for(10'000));
  ASSERT_FALSE((*rec)->error().has_value());
  const RecorderStats s = (*rec)->stats();
  EXPECT_EQ(s.ended_by, "trigger");
  ASSERT_TRUE(s.triggered_ns.has_value());
  // Five samples at 2 kHz after the firing: at least four periods later.
  EXPECT_GE(s.elapsed_ns - *s.triggered_ns, 4 * 500'000);
  fs::remove(out);
}

TEST(Recorder, EveryMarkIsHandedOutOnceInOrderAsWritten) {
  PeerShm shm(4096);
  ASSERT_TRUE(shm.ok());
  const std::string out = temp_file("marks");
  RecorderOptions o = options_for(shm, out);
  Result<Trigger> t = Trigger::parse("u32@8 changed");
  ASSERT_TRUE(t.ok());
  o.triggers.push_back(std::move(*t));
  Result<std::unique_ptr<Recorder>> rec = Recorder::start(std::move(o));
  ASSERT_TRUE(rec.ok());
  // "changed" needs a sample before the first store.
  const auto started = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while ((*rec)->stats().samples == 0 && std::chrono::steady_clock::now() < started) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  std::vector<RecordingEvent> taken;
  for (uint32_t v = 1; v <= 6; ++v) {
    store_u32(shm, 8, v);
    // One change at a time: wait for its mark, whatever the machine's load.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while ((*rec)->stats().marks < v && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    if (v % 2 == 0) {  // taken in two batches: none is handed out twice
      std::vector<RecordingEvent> batch = (*rec)->take_marks();
      taken.insert(taken.end(), batch.begin(), batch.end());
    }
  }
  (*rec)->stop();
  ASSERT_TRUE((*rec)->wait_for(10'000));
  ASSERT_FALSE((*rec)->error().has_value());
  EXPECT_TRUE((*rec)->take_marks().empty());
  EXPECT_EQ((*rec)->dropped_marks(), 0u);
  Result<Recording> r = Recording::open(out);
  ASSERT_TRUE(r.ok());
  Result<std::vector<RecordingEvent>> events = r->events();
  ASSERT_TRUE(events.ok());
  std::vector<RecordingEvent> written;
  for (const RecordingEvent& e : *events) {
    if (e.kind == RecordingEventKind::mark) written.push_back(e);
  }
  ASSERT_EQ(taken.size(), 6u);
  ASSERT_EQ(written.size(), 6u);
  for (size_t i = 0; i < taken.size(); ++i) {
    EXPECT_EQ(taken[i].kind, RecordingEventKind::mark);
    EXPECT_EQ(taken[i].t_ns, written[i].t_ns);
    EXPECT_EQ(taken[i].text, written[i].text);
    EXPECT_NE(taken[i].text.find("= " + std::to_string(i + 1)), std::string::npos) << taken[i].text;
  }
  fs::remove(out);
}

}  // namespace
}  // namespace memview
