// See recording_util.h.
#include "recording_util.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <ctime>
#include <fstream>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli_util.h"
#include "memview/json_bytes.h"
#include "memview/numbers.h"
#include "memview/text_bytes.h"

namespace memview::cli {

Result<ByteRange> parse_range_arg(std::string_view text, std::string_view what) {
  const size_t plus = text.find('+');
  if (plus == std::string_view::npos) {
    return make_error(Errc::invalid_argument,
                      fmt::format("{} '{}' is not OFFSET+LENGTH", what, printable_text(text)));
  }
  Result<uint64_t> offset = parse_u64(text.substr(0, plus), "offset");
  if (!offset) return offset.error();
  Result<uint64_t> length = parse_u64(text.substr(plus + 1), "length");
  if (!length) return length.error();
  if (*length == 0 || *offset + *length < *offset) {
    return make_error(Errc::invalid_argument,
                      fmt::format("{} '{}' is empty or wraps around", what, printable_text(text)));
  }
  return ByteRange{*offset, *length};
}

Result<int64_t> parse_seconds(std::string_view text, std::string_view what) {
  double seconds = -1;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, seconds);
  if (ec != std::errc() || ptr != end || !(seconds >= 0) || seconds > 1e9) {
    return make_error(Errc::invalid_argument, fmt::format("{} '{}' is not a number of seconds",
                                                          what, printable_text(text)));
  }
  return static_cast<int64_t>(std::llround(seconds * 1e9));
}

bool has_byte_unit(std::string_view text) {
  size_t end = text.size();
  while (end > 0 && std::isalpha(static_cast<unsigned char>(text[end - 1])) != 0) --end;
  const std::string_view unit = text.substr(end);
  for (const char* u : {"B", "KB", "KiB", "MB", "MiB", "GB", "GiB", "K", "M", "G"}) {
    if (unit == u) return true;
  }
  return false;
}

Result<uint64_t> parse_byte_size(std::string_view text, std::string_view what) {
  struct Unit {
    const char* name;
    double bytes;
  };
  static constexpr Unit kUnits[] = {
      {"KiB", 1024.0}, {"MiB", 1048576.0}, {"GiB", 1073741824.0}, {"KB", 1e3},         {"MB", 1e6},
      {"GB", 1e9},     {"K", 1024.0},      {"M", 1048576.0},      {"G", 1073741824.0}, {"B", 1.0}};
  auto bad = [&] {
    return make_error(Errc::invalid_argument,
                      fmt::format("{} '{}' is not a size (64KiB, 64MiB, 1GiB, 4096B)", what,
                                  printable_text(text)));
  };
  for (const Unit& u : kUnits) {
    const std::string_view name(u.name);
    if (text.size() <= name.size() || text.substr(text.size() - name.size()) != name) continue;
    const std::string_view number = text.substr(0, text.size() - name.size());
    double value = -1;
    const char* end = number.data() + number.size();
    const auto [ptr, ec] = std::from_chars(number.data(), end, value);
    if (ec != std::errc() || ptr != end || !(value >= 0)) return bad();
    const double bytes = std::round(value * u.bytes);
    if (bytes < 1 || bytes > static_cast<double>(1ull << 60)) {
      return make_error(
          Errc::invalid_argument,
          fmt::format("{} '{}' must be between 1 byte and 1 EiB", what, printable_text(text)));
    }
    return static_cast<uint64_t>(bytes);
  }
  return bad();
}

Result<ByteRange> field_range(const Layout& layout, uint64_t base, std::string_view path) {
  Result<Field> f = resolve_field(layout, path);
  if (!f) return f.error();
  const FieldBytes bytes = field_bytes(*f);
  if (f->is_flexible_array() || bytes.end <= bytes.first) {
    return make_error(Errc::invalid_argument,
                      fmt::format("field '{}' ({}) has no size to record", printable_text(path),
                                  printable_text(f->type)));
  }
  return ByteRange{base + bytes.first, bytes.end - bytes.first};
}

std::vector<ByteRange> merge_ranges(std::vector<ByteRange> ranges) {
  std::sort(ranges.begin(), ranges.end(),
            [](const ByteRange& a, const ByteRange& b) { return a.address < b.address; });
  std::vector<ByteRange> out;
  for (const ByteRange& r : ranges) {
    if (!out.empty() && r.address <= out.back().end()) {
      out.back().length = std::max(out.back().end(), r.end()) - out.back().address;
    } else {
      out.push_back(r);
    }
  }
  return out;
}

Result<TriggerOperand> field_operand(const Layout& layout, uint64_t base, std::string_view path) {
  Result<Field> f = resolve_field(layout, path);
  if (!f) return f.error();
  std::optional<ScalarType> type;
  const bool int_like = f->kind == FieldKind::signed_int || f->kind == FieldKind::unsigned_int ||
                        f->kind == FieldKind::enumeration || f->kind == FieldKind::boolean ||
                        f->kind == FieldKind::pointer;
  if (int_like && !f->is_bitfield()) {
    const bool s = f->is_signed && f->kind != FieldKind::pointer;
    switch (f->size) {
      case 1:
        type = s ? ScalarType::i8 : ScalarType::u8;
        break;
      case 2:
        type = s ? ScalarType::i16 : ScalarType::u16;
        break;
      case 4:
        type = s ? ScalarType::i32 : ScalarType::u32;
        break;
      case 8:
        type = s ? ScalarType::i64 : ScalarType::u64;
        break;
      default:
        break;
    }
  } else if (f->kind == FieldKind::floating && (f->size == 4 || f->size == 8)) {
    type = f->size == 4 ? ScalarType::f32 : ScalarType::f64;
  }
  if (!type) {
    return make_error(Errc::unsupported,
                      fmt::format("field '{}' ({}) is not a 1, 2, 4 or 8-byte number (bitfields, "
                                  "arrays and records are not supported here)",
                                  printable_text(path), printable_text(f->type)));
  }
  return TriggerOperand{base + f->offset, f->size, type};
}

Result<TriggerOperand> typed_operand(std::string_view text, const Layout* layout, uint64_t base) {
  const size_t at = text.find('@');
  if (at != std::string_view::npos) {
    const std::optional<ScalarType> type = scalar_from_name(text.substr(0, at));
    if (!type) {
      return make_error(Errc::invalid_argument,
                        fmt::format("unknown type in '{}' (u8 ... u64, i8 ... i64, f32, f64)",
                                    printable_text(text)));
    }
    Result<uint64_t> address = parse_u64(text.substr(at + 1), "address");
    if (!address) return address.error();
    return TriggerOperand{*address, scalar_size(*type), type};
  }
  if (!layout) {
    return make_error(Errc::invalid_argument,
                      fmt::format("'{}' is not TYPE@ADDRESS (u32@0x40); field names need a layout",
                                  printable_text(text)));
  }
  return field_operand(*layout, base, text);
}

bool is_recording_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  std::ifstream in(path, std::ios::binary);
  char magic[8] = {};
  in.read(magic, sizeof magic);
  return in.gcount() == 8 && std::string_view(magic, 8) == "MVRECORD";
}

namespace {

double secs(int64_t ns) {
  return static_cast<double>(ns) / 1e9;
}

}  // namespace

int print_recording_info(const std::string& path, bool json) {
  Result<Recording> rec = Recording::open(path);
  if (!rec) return fail(with_context("read", path, rec.error()));
  const RecordingHeader& h = rec->header();
  uint64_t samples = 0;
  uint64_t stored = 0;
  uint64_t raw = 0;
  for (const RecordingBlockInfo& b : rec->blocks()) {
    samples += b.samples;
    stored += b.stored_bytes;
    raw += b.raw_bytes;
  }
  Result<std::vector<RecordingEvent>> events = rec->events();
  if (!events) return fail(with_context("read", path, events.error()));
  std::string summary;
  size_t marks = 0;
  size_t faults = 0;
  for (const RecordingEvent& e : *events) {
    if (e.kind == RecordingEventKind::summary) summary = e.text;
    marks += e.kind == RecordingEventKind::mark ? 1 : 0;
    faults += e.kind == RecordingEventKind::fault ? 1 : 0;
  }
  if (json) {
    nlohmann::json j;
    j["file"] = json_from_bytes(path);
    j["version"] = kRecordingVersion;
    j["spec"] = json_from_bytes(h.spec);
    nlohmann::json ranges = nlohmann::json::array();
    for (const ByteRange& r : h.ranges)
      ranges.push_back({{"address", r.address}, {"length", r.length}});
    j["ranges"] = ranges;
    j["rate_hz"] = h.rate_hz;
    j["start_wall_ns"] = h.start_wall_ns;
    j["first_s"] = secs(rec->first_ns());
    j["last_s"] = secs(rec->last_ns());
    j["blocks"] = rec->blocks().size();
    j["samples"] = samples;
    j["raw_bytes"] = raw;
    j["stored_bytes"] = stored;
    j["marks"] = marks;
    j["faults"] = faults;
    j["truncated"] = rec->truncated();
    if (rec->truncated()) j["truncation"] = rec->truncation();
    if (h.seqlock) j["seqlock"] = {{"address", h.seqlock->address}, {"length", h.seqlock->length}};
    j["stable_read"] = h.stable_read;
    if (!summary.empty()) {
      const nlohmann::json s = nlohmann::json::parse(summary, nullptr, false);
      if (!s.is_discarded()) j["summary"] = s;
    }
    nlohmann::json ev = nlohmann::json::array();
    for (const RecordingEvent& e : *events) {
      if (e.kind == RecordingEventKind::summary) continue;
      ev.push_back({{"t_s", secs(e.t_ns)},
                    {"kind", recording_event_kind_name(e.kind)},
                    {"text", json_from_bytes(e.text)}});
    }
    j["events"] = ev;
    return write_stdout(json_dump(j, 2) + "\n") ? 0 : kExitFailure;
  }
  std::string out =
      fmt::format("recording:   {} (format version {})\n", printable_text(path), kRecordingVersion);
  out += fmt::format("source:      {}\n", printable_text(h.spec));
  for (const ByteRange& r : h.ranges) {
    out += fmt::format("range:       0x{:x}+{} (0x{:x}..0x{:x})\n", r.address, r.length, r.address,
                       r.end());
  }
  out += h.rate_hz > 0 ? fmt::format("rate:        {} Hz\n", h.rate_hz) : "rate:        max\n";
  if (h.seqlock)
    out += fmt::format("seqlock:     0x{:x}+{}\n", h.seqlock->address, h.seqlock->length);
  if (h.stable_read) out += "stable read: yes\n";
  if (!h.triggers.empty()) out += fmt::format("triggers:    {}\n", printable_text(h.triggers));
  const std::time_t start_s = static_cast<std::time_t>(h.start_wall_ns / 1'000'000'000);
  out += fmt::format("started:     {:%Y-%m-%d %H:%M:%S} UTC ({} ns since the epoch)\n",
                     fmt::gmtime(start_s), h.start_wall_ns);
  out += fmt::format("span:        {:.6f} s .. {:.6f} s\n", secs(rec->first_ns()),
                     secs(rec->last_ns()));
  out += fmt::format("samples:     {} in {} blocks\n", samples, rec->blocks().size());
  out +=
      fmt::format("bytes:       {} stored, {} uncompressed{}\n", stored, raw,
                  stored > 0 ? fmt::format(" (zstd ratio {:.1f})",
                                           static_cast<double>(raw) / static_cast<double>(stored))
                             : "");
  out += fmt::format("events:      {} marks, {} faults\n", marks, faults);
  for (const RecordingEvent& e : *events) {
    if (e.kind == RecordingEventKind::summary) continue;
    out += fmt::format("  {:.6f} s {}: {}\n", secs(e.t_ns), recording_event_kind_name(e.kind),
                       printable_text(e.text));
  }
  if (!summary.empty()) out += fmt::format("summary:     {}\n", printable_text(summary));
  if (rec->truncated()) out += fmt::format("truncated:   {}\n", rec->truncation());
  return write_stdout(out) ? 0 : kExitFailure;
}

}  // namespace memview::cli
