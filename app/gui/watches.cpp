#include "watches.h"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

#include <fmt/format.h>

#include "source_offsets.h"
#include "words.h"

namespace memview::gui {

bool scalar_is_float(ScalarType t) {
  return t == ScalarType::f32 || t == ScalarType::f64;
}

namespace {

constexpr const char* kSyntax = "TYPE@OFFSET, e.g. u32@0x40, f64@0x1000, be:u16@0x10";

bool scalar_is_signed(ScalarType t) {
  return t == ScalarType::i8 || t == ScalarType::i16 || t == ScalarType::i32 ||
         t == ScalarType::i64;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The value as a number for min/max and plots (u64/i64 beyond 2^53 lose precision there,
// never in the text).
double scalar_number(ScalarType t, std::span<const std::byte> bytes, Endian e) {
  const size_t n = scalar_size(t);
  const uint64_t raw = load_uint(bytes.first(n), e);
  if (t == ScalarType::f32) return std::bit_cast<float>(static_cast<uint32_t>(raw));
  if (t == ScalarType::f64) return std::bit_cast<double>(raw);
  if (scalar_is_signed(t) && n < 8) {
    const unsigned shift = static_cast<unsigned>(64 - 8 * n);
    return static_cast<double>(static_cast<int64_t>(raw << shift) >> shift);
  }
  if (scalar_is_signed(t)) return static_cast<double>(static_cast<int64_t>(raw));
  return static_cast<double>(raw);
}

void note_min_max(Watch& w, double v) {
  if (std::isnan(v)) return;
  w.min = std::isnan(w.min) ? v : std::min(w.min, v);
  w.max = std::isnan(w.max) ? v : std::max(w.max, v);
}

}  // namespace

Result<WatchTarget> parse_watch_address(std::string_view text, const SourceInfo& info) {
  std::string_view s = trim(text);
  if (s.empty())
    return make_error(Errc::invalid_argument, fmt::format("type a watch: {}", kSyntax));
  WatchTarget t;
  if (s.starts_with("be:") || s.starts_with("le:")) {
    t.endian = s[0] == 'b' ? Endian::big : Endian::little;
    s.remove_prefix(3);
  }
  const size_t at = s.find('@');
  if (at == std::string_view::npos) {
    return make_error(Errc::invalid_argument,
                      fmt::format("'{}' has no '@' between type and offset: {}", text, kSyntax));
  }
  const std::string_view type = trim(s.substr(0, at));
  const std::optional<ScalarType> st = scalar_from_name(type);
  if (!st) {
    return make_error(Errc::invalid_argument,
                      fmt::format("unknown type '{}' (u8, i8, u16, i16, u32, i32, u64, i64, f32, "
                                  "f64): {}",
                                  type, kSyntax));
  }
  t.type = *st;
  Result<uint64_t> addr = parse_source_offset(trim(s.substr(at + 1)), info);
  if (!addr) return addr.error();
  t.address = *addr;
  const uint64_t end = source_end(info);
  if (scalar_size(t.type) > end - t.address) {
    return make_error(
        Errc::out_of_range,
        fmt::format("a {} at 0x{:x} ends past the end of the source ({})", scalar_name(t.type),
                    t.address - info.base, bytes_text(info.size)));
  }
  return t;
}

std::string watch_address_text(const WatchTarget& t, const SourceInfo& info) {
  const uint64_t origin = std::string_view(position_word(info)) == "address" ? 0 : info.base;
  return fmt::format("{}{}@0x{:x}", t.endian == Endian::big ? "be:" : "", scalar_name(t.type),
                     t.address - origin);
}

Result<WatchTarget> watch_selection(ByteRange sel) {
  WatchTarget t;
  t.address = sel.address;
  switch (sel.length) {
    case 1:
      t.type = ScalarType::u8;
      break;
    case 2:
      t.type = ScalarType::u16;
      break;
    case 4:
      t.type = ScalarType::u32;
      break;
    case 8:
      t.type = ScalarType::u64;
      break;
    default:
      return make_error(Errc::invalid_argument,
                        fmt::format("a selection of {} cannot be watched: select 1, 2, 4 or 8 "
                                    "bytes, or type TYPE@OFFSET",
                                    bytes_text(sel.length)));
  }
  return t;
}

void Watch::add_sample(int64_t t_ns, double v, bool ok) {
  auto same = [&](const WatchSample& s) {
    return s.readable == ok && (!ok || s.value == v || (std::isnan(s.value) && std::isnan(v)));
  };
  // A run of equal samples keeps its first and last: the plot draws the same.
  const size_t n = history.size();
  if (n >= 2 && same(history[n - 1]) && same(history[n - 2])) {
    history.back().t_ns = t_ns;
    return;
  }
  history.push_back({t_ns, v, ok});
  if (history.size() > kMaxSamples) history.pop_front();
}

Watch* WatchesState::find(int id) {
  for (auto& w : watches) {
    if (w->id == id) return w.get();
  }
  return nullptr;
}

Watch* WatchesState::add(WatchTarget target) {
  auto w = std::make_unique<Watch>();
  w->id = next_id++;
  w->name = target.name.empty()
                ? fmt::format("{}{}@0x{:x}", target.endian == Endian::big ? "be:" : "",
                              scalar_name(target.type), target.address)
                : target.name;
  w->target = std::move(target);
  w->text = "?";
  watches.push_back(std::move(w));
  return watches.back().get();
}

void WatchesState::set_message(std::string text, bool error) {
  message = std::move(text);
  message_is_error = error;
  message_clock.restart();
}

std::string WatchesState::freeze_summary() const {
  std::string out;
  for (const auto& w : watches) {
    if (!w->frozen()) continue;
    const auto st = w->freeze_status ? w->freeze_status->latest() : nullptr;
    out += fmt::format("{}{}={}", out.empty() ? "frozen: " : ", ", w->name,
                       st ? decode_scalar(w->target.type, st->held, w->target.endian) : "...");
    if (st && st->fights) out += fmt::format(" ({})", counted(st->fights, "fight", "fights"));
  }
  return out;
}

void watches_request(const WatchesState& state, Poller& poller) {
  for (const auto& w : state.watches) poller.request({w->target.address, w->size()});
}

void watches_sample(WatchesState& state, const ChangeTracker& tracker, int64_t now_ns) {
  std::vector<std::byte> bytes;
  for (auto& wp : state.watches) {
    Watch& w = *wp;
    const size_t n = w.size();
    bytes.resize(n);
    bool ok = true;
    for (size_t i = 0; i < n && ok; ++i) {
      const uint64_t a = w.target.address + i;
      ok = tracker.known(a) && (tracker.flags(a) & kUnreadable) == 0;
      if (ok) bytes[i] = tracker.value(a);
    }
    w.readable = ok;
    if (!ok) {
      w.add_sample(now_ns, std::numeric_limits<double>::quiet_NaN(), false);
      continue;
    }
    const double v = scalar_number(w.target.type, bytes, w.target.endian);
    if (!w.from_recording) {
      if (!w.known) {
        w.min = w.max = v;
      } else if (bytes != w.bytes) {
        ++w.changes;
        w.last_change_ns = now_ns;
      }
      note_min_max(w, v);
    }
    if (!w.known || bytes != w.bytes) {
      w.bytes = bytes;
      w.text = decode_scalar(w.target.type, bytes, w.target.endian);
    }
    w.known = true;
    w.value = v;
    if (!w.from_recording) w.add_sample(now_ns, v, true);
  }
}

namespace {

// The recording's points of one watch after those taken before (`f`: where it holds them).
void take_recorded_points(Watch& w, const Recording& r, const Recording::Filter& f) {
  const int64_t start = r.header().start_mono_ns;
  if (w.recording_id != start) {
    w.recording_id = start;
    w.recorded_until_ns = 0;
    w.recorded_text = w.known ? w.text : std::string();
  }
  const int64_t from = w.recorded_until_ns > start ? w.recorded_until_ns - start + 1 : r.first_ns();
  if (from > r.last_ns()) return;
  Result<std::vector<SeriesPoint>> points =
      r.series(f.range, f.offset, w.target.type, w.target.endian, from, r.last_ns());
  if (!points) return;  // read again with the next block
  for (const SeriesPoint& p : *points) {
    const int64_t t = start + p.t_ns;
    const double v = std::strtod(p.value.c_str(), nullptr);
    if (w.recorded_text.empty()) {
      w.min = w.max = v;
    } else if (p.value != w.recorded_text) {
      ++w.changes;
      w.last_change_ns = t;
    }
    note_min_max(w, v);
    w.recorded_text = p.value;
    w.add_sample(t, v, true);
  }
  // The recording's end, not only its last change: the next read starts after it.
  w.recorded_until_ns = start + r.last_ns();
  if (!w.history.empty() && w.history.back().readable &&
      w.history.back().t_ns < w.recorded_until_ns) {
    w.add_sample(w.recorded_until_ns, w.history.back().value, true);
  }
}

}  // namespace

void watches_sample_recording(WatchesState& state, const Recording* recording,
                              const std::vector<ByteRange>& ranges, bool running) {
  for (auto& wp : state.watches) {
    Watch& w = *wp;
    if (recording && !recording->blocks().empty()) {
      if (auto f = recording->filter_for(w.target.address, w.size())) {
        take_recorded_points(w, *recording, *f);
      }
    }
    w.from_recording =
        running && std::any_of(ranges.begin(), ranges.end(), [&w](const ByteRange& r) {
          return w.target.address >= r.address && w.target.address < r.end() &&
                 w.size() <= r.end() - w.target.address;
        });
  }
}

namespace {

void start_freeze_of(Watch& w, const std::string& spec) {
  w.freeze.reset();
  w.freeze_error.clear();
  memview::FreezeRequest r;
  r.spec = spec;
  r.address = w.target.address;
  r.type = w.target.type;
  r.endian = w.target.endian;
  r.mode = w.freeze_mode;
  r.interval_ns = clamp_freeze_interval_ns(static_cast<int64_t>(w.freeze_interval_ms * 1e6));
  if (w.freeze_text.empty()) {
    if (!w.known || !w.readable) {
      w.freeze_error = "nothing to freeze yet: the value has not been read (type a value)";
      return;
    }
    r.value = w.bytes;
  } else {
    Result<std::vector<std::byte>> b = encode_scalar(w.target.type, w.freeze_text, w.target.endian);
    if (!b) {
      w.freeze_error = "cannot freeze at '" + w.freeze_text + "': " + b.error().message;
      return;
    }
    r.value = std::move(*b);
  }
  w.freeze_status = std::make_shared<Published<FreezeStatus>>();
  Result<std::unique_ptr<Worker>> worker = start_freeze(std::move(r), w.freeze_status);
  if (!worker) {
    w.freeze_error = worker.error().message;
    return;
  }
  w.freeze = std::move(*worker);
}

}  // namespace

void watches_end_frame(WatchesState& s, const std::string& spec) {
  for (const WatchesState::FreezeToggle& f : s.freeze_requests) {
    Watch* w = s.find(f.id);
    if (!w) continue;
    if (f.on) {
      start_freeze_of(*w, spec);
    } else {
      w->freeze.reset();  // cancels and joins: no write after this returns
    }
  }
  s.freeze_requests.clear();
  // A freeze that stopped by itself says why (kept until the next start).
  for (auto& w : s.watches) {
    if (w->freeze && w->freeze->done() && w->freeze_error.empty()) {
      if (auto e = w->freeze->error()) w->freeze_error = e->message;
    }
  }
  std::sort(s.remove_requests.begin(), s.remove_requests.end());
  for (int id : s.remove_requests) {
    std::erase_if(s.watches, [id](const std::unique_ptr<Watch>& w) { return w->id == id; });
    if (s.selected == id) s.selected = 0;
  }
  s.remove_requests.clear();
  for (WatchTarget& t : s.add_requests) {
    const Watch* w = s.add(std::move(t));
    s.selected = w->id;
    s.set_message("watching " + w->name, false);
  }
  s.add_requests.clear();
}

Status watch_export_csv(const Watch& w, const std::string& path, int64_t now_ns) {
  if (path.empty()) return make_error(Errc::invalid_argument, "type a file path for the CSV");
  std::string out =
      fmt::format("# memview watch {} ({})\ntime_s,value\n", w.name, scalar_name(w.target.type));
  for (const WatchSample& s : w.history) {
    const double t = static_cast<double>(s.t_ns - now_ns) / 1e9;
    if (s.readable) {
      out += fmt::format("{:.6f},{}\n", t, s.value);
    } else {
      out += fmt::format("{:.6f},\n", t);
    }
  }
  // Written next to the target and renamed over it: a failed write never leaves half a file.
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) {
    return make_error(Errc::io, fmt::format("cannot write {}: {}", path, std::strerror(errno)));
  }
  const bool wrote = std::fwrite(out.data(), 1, out.size(), f) == out.size();
  const int werr = errno;
  const bool closed = std::fclose(f) == 0;
  if (!wrote || !closed) {
    std::remove(tmp.c_str());
    return make_error(
        Errc::io, fmt::format("cannot write {}: {}", path, std::strerror(wrote ? errno : werr)));
  }
#ifdef _WIN32
  std::remove(path.c_str());  // Windows' rename does not replace an existing file
#endif
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int e = errno;
    std::remove(tmp.c_str());
    return make_error(Errc::io, fmt::format("cannot write {}: {}", path, std::strerror(e)));
  }
  return {};
}

}  // namespace memview::gui
