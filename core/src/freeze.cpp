// The freeze worker: holds a value by writing it at an interval through an Editor, and
// stops for good (never writing again) when the source cannot take the write any more.
#include "memview/freeze.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "memview/clock.h"
#include "memview/source_spec.h"

namespace memview {

const char* freeze_mode_name(FreezeMode m) {
  switch (m) {
    case FreezeMode::exact:
      return "exact";
    case FreezeMode::allow_increase:
      return "allow increase";
    case FreezeMode::allow_decrease:
      return "allow decrease";
  }
  return "exact";
}

std::optional<FreezeMode> freeze_mode_from_name(std::string_view name) {
  for (FreezeMode m : {FreezeMode::exact, FreezeMode::allow_increase, FreezeMode::allow_decrease}) {
    if (name == freeze_mode_name(m)) return m;
  }
  return std::nullopt;
}

int64_t clamp_freeze_interval_ns(int64_t ns) {
  return std::clamp(ns, kFreezeMinIntervalNs, kFreezeMaxIntervalNs);
}

// A named namespace: the Windows CLI is a unity build of core/src, where anonymous helpers
// of other files (scan_operand.cpp's is_float, ...) share one translation unit.
namespace freeze_values {

bool is_float(ScalarType t) {
  return t == ScalarType::f32 || t == ScalarType::f64;
}

bool is_signed(ScalarType t) {
  return t == ScalarType::i8 || t == ScalarType::i16 || t == ScalarType::i32 ||
         t == ScalarType::i64;
}

double as_double(ScalarType t, uint64_t raw) {
  if (t == ScalarType::f32) return std::bit_cast<float>(static_cast<uint32_t>(raw));
  return std::bit_cast<double>(raw);
}

int64_t sign_extend(uint64_t raw, size_t size) {
  if (size >= 8) return static_cast<int64_t>(raw);
  const unsigned shift = static_cast<unsigned>(64 - 8 * size);
  return static_cast<int64_t>(raw << shift) >> shift;
}

template <class T>
int order(T a, T b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

}  // namespace freeze_values

int compare_scalar(ScalarType type, Endian endian, std::span<const std::byte> a,
                   std::span<const std::byte> b) {
  const size_t n = scalar_size(type);
  if (a.size() < n || b.size() < n) return 2;
  const uint64_t ra = load_uint(a.first(n), endian);
  const uint64_t rb = load_uint(b.first(n), endian);
  if (freeze_values::is_float(type)) {
    const double da = freeze_values::as_double(type, ra);
    const double db = freeze_values::as_double(type, rb);
    if (std::isnan(da) || std::isnan(db)) return ra == rb ? 0 : 2;
    return freeze_values::order(da, db);
  }
  if (freeze_values::is_signed(type))
    return freeze_values::order(freeze_values::sign_extend(ra, n),
                                freeze_values::sign_extend(rb, n));
  return freeze_values::order(ra, rb);
}

Freezer::Freezer(Source& source, FreezeRequest request)
    : source_(source), editor_(source), req_(std::move(request)) {
  status_.held = req_.value;
}

Status Freezer::stop(Error e) {
  if (status_.stopped.empty()) status_.stopped = e.message;
  return e;
}

// The rules of the Editor's write path, checked afresh before every write: the source must
// still be there, writable, and hold the whole value.
Status Freezer::check_source() {
  for (const SourceEvent& e : source_.refresh()) {
    if (e.kind != SourceEvent::Kind::resized) {
      return stop(make_error(Errc::removed, "freeze stopped: " + e.message));
    }
  }
  const SourceInfo& info = source_.info();
  if (!info.writable) {
    return stop(make_error(
        Errc::permission, "freeze stopped: the source is read-only" +
                              (info.read_only_reason.empty() ? "" : ": " + info.read_only_reason)));
  }
  const uint64_t n = req_.value.size();
  if (req_.address < info.base || req_.address - info.base > info.size ||
      n > info.base + info.size - req_.address) {
    return stop(make_error(Errc::out_of_range,
                           fmt::format("freeze stopped: the source is now {} bytes, too small for "
                                       "the {} byte(s) at 0x{:x}",
                                       info.size, n, req_.address)));
  }
  return {};
}

Status Freezer::step() {
  if (!status_.stopped.empty()) return make_error(Errc::removed, status_.stopped);
  if (Status s = check_source(); !s) return s;
  std::vector<std::byte> now(req_.value.size());
  const ReadOutcome r = source_.read(req_.address, now);
  if (!r.complete()) {
    return stop(make_error(
        Errc::io, fmt::format("freeze stopped: cannot read 0x{:x}: {}", req_.address, r.message)));
  }
  ++status_.checks;
  bool write = now != status_.held;
  const bool foreign = !left_.empty() && now != left_;
  if (write && foreign) {
    const int c = compare_scalar(req_.type, req_.endian, now, status_.held);
    const bool allowed = (req_.mode == FreezeMode::allow_increase && c == 1) ||
                         (req_.mode == FreezeMode::allow_decrease && c == -1);
    if (allowed) {
      ++status_.allowed;
      status_.held = now;
      write = false;
    } else {
      ++status_.fights;
    }
  }
  if (write) {
    if (Status s = editor_.write(req_.address, status_.held); !s) {
      return stop(make_error(s.error().code, "freeze stopped: " + s.error().message));
    }
    // The journal is for the user's undo; a freeze's rounds would only grow it.
    editor_.clear_history();
    ++status_.writes;
    now = status_.held;
  }
  left_ = std::move(now);
  return {};
}

Result<std::unique_ptr<Worker>> start_freeze(FreezeRequest request,
                                             const std::shared_ptr<Published<FreezeStatus>>& out) {
  if (request.value.size() != scalar_size(request.type)) {
    return make_error(Errc::invalid_argument,
                      fmt::format("a {} freeze needs {} byte(s), got {}", scalar_name(request.type),
                                  scalar_size(request.type), request.value.size()));
  }
  request.interval_ns = clamp_freeze_interval_ns(request.interval_ns);
  auto req = std::make_shared<FreezeRequest>(std::move(request));
  return Worker::start("freeze", [req, out](WorkerContext& ctx) -> Status {
    ctx.set_stage("opening");
    Result<SourcePtr> source = open_source(req->spec);
    if (!source) {
      FreezeStatus st;
      st.held = req->value;
      st.stopped = "freeze stopped: " + source.error().message;
      out->publish(std::move(st));
      return source.error();
    }
    Freezer freezer(**source, *req);
    ctx.set_stage("holding");
    int64_t deadline = now_ns();
    while (!ctx.cancelled()) {
      Status s = freezer.step();
      out->publish(freezer.status());
      if (!s) return s;
      ctx.add_progress(1);
      deadline += req->interval_ns;
      // A round that overran (a slow source) starts the next one at once, without a burst.
      deadline = std::max(deadline, now_ns());
      if (!ctx.sleep_until(deadline)) break;
    }
    return {};
  });
}

}  // namespace memview
