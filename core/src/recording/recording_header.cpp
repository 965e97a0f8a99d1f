// The recording header as JSON: what was recorded, from where, when and how.
#include <xxhash.h>

#include <nlohmann/json.hpp>

#include "memview/json_bytes.h"
#include "recording_format.h"

namespace memview {

uint64_t RecordingHeader::total_bytes() const {
  uint64_t total = 0;
  for (const ByteRange& r : ranges) total += r.length;
  return total;
}

const char* recording_event_kind_name(RecordingEventKind k) {
  switch (k) {
    case RecordingEventKind::mark:
      return "mark";
    case RecordingEventKind::fault:
      return "fault";
    case RecordingEventKind::note:
      return "note";
    case RecordingEventKind::summary:
      return "summary";
  }
  return "unknown";
}

namespace recording {

uint64_t hash64(std::string_view bytes) {
  return XXH64(bytes.data(), bytes.size(), 0);
}

std::string header_to_json(const RecordingHeader& header) {
  nlohmann::json j;
  j["format"] = "memview recording";
  j["spec"] = json_from_bytes(header.spec);
  nlohmann::json ranges = nlohmann::json::array();
  for (const ByteRange& r : header.ranges) {
    ranges.push_back({{"address", r.address}, {"length", r.length}});
  }
  j["ranges"] = ranges;
  j["rate_hz"] = header.rate_hz;
  j["start_wall_ns"] = header.start_wall_ns;
  j["start_mono_ns"] = header.start_mono_ns;
  if (header.seqlock) {
    j["seqlock"] = {{"address", header.seqlock->address}, {"length", header.seqlock->length}};
  }
  j["stable_read"] = header.stable_read;
  if (!header.layout_json.empty()) {
    nlohmann::json layout = nlohmann::json::parse(header.layout_json, nullptr, false);
    if (!layout.is_discarded()) {
      j["layout"] = layout;
      j["layout_at"] = header.layout_at;
    }
  }
  if (!header.triggers.empty()) j["triggers"] = json_from_bytes(header.triggers);
  return json_dump(j);
}

namespace {

bool get_u64(const nlohmann::json& j, const char* key, uint64_t& out) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number_unsigned()) return false;
  out = it->get<uint64_t>();
  return true;
}

bool get_i64(const nlohmann::json& j, const char* key, int64_t& out) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return false;
  out = it->get<int64_t>();
  return true;
}

Result<ByteRange> range_from_json(const nlohmann::json& j) {
  ByteRange r;
  if (!j.is_object() || !get_u64(j, "address", r.address) || !get_u64(j, "length", r.length) ||
      r.length == 0 || r.address + r.length < r.address) {
    return make_error(Errc::invalid_argument, "a range in the header is malformed");
  }
  return r;
}

Error bad(std::string_view what) {
  return make_error(Errc::invalid_argument,
                    "not a valid memview recording: the header's " + std::string(what));
}

}  // namespace

Result<RecordingHeader> header_from_json(std::string_view json) {
  const nlohmann::json j = nlohmann::json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return bad("JSON is malformed");
  RecordingHeader h;
  const auto spec = j.find("spec");
  if (spec == j.end()) return bad("spec is missing");
  Result<std::string> spec_bytes = bytes_from_json(*spec, "spec");
  if (!spec_bytes) return bad("spec is malformed");
  h.spec = std::move(*spec_bytes);
  const auto ranges = j.find("ranges");
  if (ranges == j.end() || !ranges->is_array() || ranges->empty() ||
      ranges->size() > kMaxRecordedRanges) {
    return bad("ranges are missing or too many");
  }
  for (const nlohmann::json& r : *ranges) {
    Result<ByteRange> range = range_from_json(r);
    if (!range) return bad("ranges are malformed");
    h.ranges.push_back(*range);
    if (h.total_bytes() > kMaxRecordedBytes) return bad("ranges are larger than a recording holds");
  }
  const auto rate = j.find("rate_hz");
  if (rate == j.end() || !rate->is_number() || !(rate->get<double>() >= 0)) {
    return bad("rate is malformed");
  }
  h.rate_hz = rate->get<double>();
  if (!get_i64(j, "start_wall_ns", h.start_wall_ns) ||
      !get_i64(j, "start_mono_ns", h.start_mono_ns)) {
    return bad("start times are malformed");
  }
  if (const auto seq = j.find("seqlock"); seq != j.end()) {
    Result<ByteRange> range = range_from_json(*seq);
    if (!range) return bad("seqlock is malformed");
    h.seqlock = *range;
  }
  if (const auto stable = j.find("stable_read"); stable != j.end() && stable->is_boolean()) {
    h.stable_read = stable->get<bool>();
  }
  if (const auto layout = j.find("layout"); layout != j.end() && layout->is_object()) {
    h.layout_json = json_dump(*layout);
    get_u64(j, "layout_at", h.layout_at);
  }
  if (const auto triggers = j.find("triggers"); triggers != j.end()) {
    Result<std::string> text = bytes_from_json(*triggers, "triggers");
    if (text) h.triggers = std::move(*text);
  }
  return h;
}

}  // namespace recording
}  // namespace memview
