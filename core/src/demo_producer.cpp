// The built-in demo: a simulated vehicle writing its telemetry into shared memory.
#include "memview/demo_producer.h"

#if !defined(_WIN32)
#include <signal.h>
#endif
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstddef>
#include <cstring>

#include <fmt/format.h>

#include "memview/source_spec.h"
#include "telemetry.h"

namespace memview {

namespace {
constexpr uint64_t kDemoSize = uint64_t{64} * 1024;  // telemetry at 0, the rest is free to poke
constexpr double kPi = 3.14159265358979323846;

const char* const kMessages[] = {
    "motor controller heartbeat", "battery cell balance ok", "gps fix acquired",
    "lane assist engaged",        "tyre pressure nominal",   "regenerative braking",
    "cabin temperature set",      "firmware check passed",
};
}  // namespace

struct DemoProducer::Impl {
  SourcePtr source;
  telemetry state{};
  uint64_t frame = 0;
  double last_log_s = -1.0;
};

namespace {

// True when the object behind `spec` is one a demo made and no demo writes any more: the
// demo's size, its telemetry header, and a producer process that no longer exists. Only
// such an object is ever replaced; anything else of that name belongs to someone.
bool is_stale_demo(const std::string& spec) {
#if defined(_WIN32)
  (void)spec;
  return false;  // a Win32 named mapping vanishes with the last process holding it
#else
  OpenOptions read_only;
  read_only.read_only = true;
  Result<SourcePtr> src = open_source(spec, read_only);
  if (!src || (*src)->info().size != kDemoSize) return false;
  telemetry t{};
  auto bytes = std::span(reinterpret_cast<std::byte*>(&t), offsetof(telemetry, frame));
  if (!(*src)->read(0, bytes).complete()) return false;
  if (std::memcmp(t.magic, TELEMETRY_MAGIC, sizeof(TELEMETRY_MAGIC)) != 0) return false;
  if (t.version != TELEMETRY_VERSION || t.producer_pid == 0) return false;
  const auto pid = static_cast<pid_t>(t.producer_pid);
  return pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH;
#endif
}

}  // namespace

Result<std::unique_ptr<DemoProducer>> DemoProducer::start(const DemoOptions& options) {
#if defined(_WIN32)
  // A Win32 named mapping: it lives while this process holds it, nothing is left behind.
  const std::string spec = "win:" + options.name;
#else
  const std::string spec = "shm:/" + options.name;
#endif
  CreateOptions create;
  create.size = kDemoSize;
  create.mode = options.mode;
  Result<SourcePtr> src = create_source(spec, create);
  if (!src && src.error().code == Errc::exists) {
    // A demo that was killed leaves its object behind: start over with a fresh one. Any
    // other object of that name is someone's data and is never touched.
    if (!options.replace_stale || !is_stale_demo(spec)) {
      return make_error(Errc::exists,
                        fmt::format("'{}' already exists and is not a demo left behind: the "
                                    "demo never replaces it (choose another name)",
                                    spec));
    }
    (void)remove_source(spec);
    src = create_source(spec, create);
  }
  if (!src) return src.error();
  std::unique_ptr<DemoProducer> demo(new DemoProducer());
  demo->impl_ = std::make_unique<Impl>();
  demo->impl_->source = std::move(src.value());
  demo->spec_ = demo->impl_->source->info().spec;
  telemetry& t = demo->impl_->state;
  std::memcpy(t.magic, TELEMETRY_MAGIC, sizeof(TELEMETRY_MAGIC));
  t.version = TELEMETRY_VERSION;
  t.producer_pid = static_cast<uint32_t>(getpid());
  t.battery_pct = 87.5f;
  t.state = VEHICLE_PARKED;
  demo->step(0.0);
  return demo;
}

DemoProducer::~DemoProducer() {
  (void)stop();
}

bool DemoProducer::stop() {
  if (!impl_ || !impl_->source) return false;
  // Remove only what this demo created: if the name was removed or now names another
  // object (someone replaced it meanwhile), it is left alone.
  bool still_ours = true;
  for (const SourceEvent& e : impl_->source->refresh()) {
    if (e.kind == SourceEvent::Kind::removed) still_ours = false;
  }
  impl_->source.reset();
  return still_ours && remove_source(spec_).ok();
}

uint64_t DemoProducer::size() const {
  return kDemoSize;
}

void DemoProducer::step(double s) {
  if (!impl_->source) return;
  telemetry& t = impl_->state;
  const uint64_t frame = ++impl_->frame;
  t.frame = frame;
  t.uptime_ns = static_cast<uint64_t>(s * 1e9);
  t.sim_time_s = s;

  // A car driving a slow figure of eight, stopping to charge now and then.
  const double cycle = std::fmod(s, 60.0);
  const bool charging = cycle > 50.0;
  const double v = charging ? 0.0 : 12.0 + 4.0 * std::sin(s * 0.3);
  const double heading = 0.2 * s;
  t.velocity = {static_cast<float>(v * std::cos(heading)),
                static_cast<float>(v * std::sin(2 * heading)), 0.0f};
  t.position.x += t.velocity.x * 0.016f;
  t.position.y += t.velocity.y * 0.016f;
  t.position.z = static_cast<float>(0.5 * std::sin(s * 0.05));
  t.speed_kmh = static_cast<float>(v * 3.6);
  t.battery_pct =
      static_cast<float>(std::clamp(t.battery_pct + (charging ? 0.02 : -0.0015), 0.0, 100.0));
  t.motor_temp_c = static_cast<float>(40.0 + v * 1.5 + 2.0 * std::sin(s));
  t.motor_rpm = static_cast<int32_t>(v * 310.0);
  t.steering_deci_deg = static_cast<int16_t>(150.0 * std::sin(s * 0.4));
  t.gear = charging ? 0 : static_cast<uint8_t>(1 + std::min(4.0, v / 4.0));
  t.state = charging ? VEHICLE_CHARGING : (v > 0.1 ? VEHICLE_DRIVING : VEHICLE_PARKED);
  t.flags.headlights = std::fmod(s, 20.0) > 10.0;
  t.flags.brake = std::sin(s * 0.3) < -0.7;
  t.flags.turn_left = t.steering_deci_deg > 100;
  t.flags.turn_right = t.steering_deci_deg < -100;
  t.flags.abs_active = t.flags.brake && std::fmod(s, 2.0) < 0.5;
  t.flags.wheel_slip = static_cast<uint32_t>(std::fabs(std::sin(s * 1.7)) * 15.0);
  t.flags.error_code = 0;
  for (unsigned i = 0; i < 8; ++i) {
    if (frame % (1u << i) == 0) ++t.counters[i];
  }
  if (s - impl_->last_log_s >= 0.5) {
    impl_->last_log_s = s;
    log_record& r = t.log[t.log_head % TELEMETRY_LOG_RECORDS];
    r.seq = t.log_count;
    r.level = static_cast<uint16_t>(t.log_count % 7 == 6 ? 2 : 1);
    r.source_id = static_cast<uint16_t>(t.log_count % 5);
    r.timestamp_ns = t.uptime_ns;
    std::memset(r.text, 0, sizeof(r.text));
    const std::string text =
        fmt::format("{} #{}", kMessages[t.log_count % std::size(kMessages)], t.log_count);
    std::memcpy(r.text, text.data(), std::min(text.size(), sizeof(r.text) - 1));
    t.log_head = (t.log_head + 1) % TELEMETRY_LOG_RECORDS;
    ++t.log_count;
  }
  for (unsigned i = 0; i < TELEMETRY_WAVE_SAMPLES; ++i) {
    t.wave[i] = static_cast<int16_t>(12000.0 * std::sin(2 * kPi * (i / 64.0 - s * 0.5)) *
                                     (0.6 + 0.4 * std::sin(s * 0.2)));
  }
  // Write everything except the scratch area, which belongs to whoever edits it.
  (void)impl_->source->write(
      0, std::span(reinterpret_cast<const std::byte*>(&t), offsetof(telemetry, scratch)));
}

}  // namespace memview
