// The JSON header of a snapshot file: every field is checked for type and consistency
// (regions sorted and disjoint, unreadable ranges inside their region) before any byte of
// the data is believed.
#include "snapshot/snapshot_header.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "memview/json_bytes.h"

namespace memview::snapshot_detail {
namespace {

using nlohmann::json;

Error corrupt(std::string_view what) {
  return make_error(Errc::invalid_argument, fmt::format("corrupt snapshot header: {}", what));
}

Result<uint64_t> get_u64(const json& obj, const char* key) {
  const auto it = obj.find(key);
  if (it == obj.end() || !it->is_number_unsigned()) {
    return corrupt(fmt::format("\"{}\" must be a non-negative integer", key));
  }
  return it->get<uint64_t>();
}

Result<std::string> get_bytes(const json& obj, const char* key) {
  const auto it = obj.find(key);
  if (it == obj.end()) return corrupt(fmt::format("\"{}\" is missing", key));
  Result<std::string> s = bytes_from_json(*it, key);
  if (!s) return corrupt(s.error().message);
  return s;
}

Status parse_unreadable(const json& list, SnapshotRegion& r, uint64_t length) {
  if (!list.is_array()) return corrupt("\"unreadable\" must be an array");
  uint64_t prev_end = 0;
  for (const json& u : list) {
    if (!u.is_array() || u.size() != 2 || !u[0].is_number_unsigned() ||
        !u[1].is_number_unsigned()) {
      return corrupt("an unreadable range must be [address, length]");
    }
    const ByteRange b{u[0].get<uint64_t>(), u[1].get<uint64_t>()};
    if (b.length == 0 || b.address < r.address || b.address - r.address > length ||
        b.length > length - (b.address - r.address) || b.address < prev_end) {
      return corrupt("an unreadable range lies outside its region or out of order");
    }
    prev_end = b.end();
    r.unreadable.push_back(b);
  }
  return {};
}

}  // namespace

std::string header_json(const Snapshot& snap) {
  json h;
  h["format"] = "memview-snapshot";
  h["name"] = json_from_bytes(snap.name);
  h["spec"] = json_from_bytes(snap.spec);
  h["kind"] = json_from_bytes(snap.kind);
  h["base"] = snap.base;
  h["size"] = snap.size;
  h["taken_unix_ms"] = snap.taken_unix_ms;
  json regions = json::array();
  for (const SnapshotRegion& r : snap.regions) {
    json u = json::array();
    for (const ByteRange& b : r.unreadable) u.push_back(json::array({b.address, b.length}));
    regions.push_back(json{{"address", r.address},
                           {"length", r.length()},
                           {"name", json_from_bytes(r.name)},
                           {"unreadable", std::move(u)}});
  }
  h["regions"] = std::move(regions);
  return json_dump(h);
}

Result<Header> parse_header(std::string_view text, const SnapshotLimits& limits) {
  const json h = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (h.is_discarded() || !h.is_object()) return corrupt("not a JSON object");
  const auto format = h.find("format");
  if (format == h.end() || !format->is_string() || *format != "memview-snapshot") {
    return corrupt("\"format\" is not \"memview-snapshot\"");
  }
  Header out;
  Snapshot& snap = out.snap;
  Result<std::string> name = get_bytes(h, "name");
  Result<std::string> spec = get_bytes(h, "spec");
  Result<std::string> kind = get_bytes(h, "kind");
  Result<uint64_t> base = get_u64(h, "base");
  Result<uint64_t> size = get_u64(h, "size");
  if (!name) return name.error();
  if (!spec) return spec.error();
  if (!kind) return kind.error();
  if (!base) return base.error();
  if (!size) return size.error();
  snap.name = std::move(*name);
  snap.spec = std::move(*spec);
  snap.kind = std::move(*kind);
  snap.base = *base;
  snap.size = *size;
  const auto taken = h.find("taken_unix_ms");
  if (taken == h.end() || !taken->is_number_integer()) {
    return corrupt("\"taken_unix_ms\" must be an integer");
  }
  snap.taken_unix_ms = taken->get<int64_t>();
  const auto regions = h.find("regions");
  if (regions == h.end() || !regions->is_array()) return corrupt("\"regions\" must be an array");
  uint64_t total = 0;
  uint64_t prev_end = 0;
  for (const json& rj : *regions) {
    if (!rj.is_object()) return corrupt("a region must be an object");
    Result<uint64_t> address = get_u64(rj, "address");
    Result<uint64_t> length = get_u64(rj, "length");
    Result<std::string> rname = get_bytes(rj, "name");
    if (!address) return address.error();
    if (!length) return length.error();
    if (!rname) return rname.error();
    if (*address < prev_end || *length > UINT64_MAX - *address) {
      return corrupt("regions overlap or are out of order");
    }
    if (*length > limits.max_bytes - total) {
      return make_error(
          Errc::invalid_argument,
          fmt::format("snapshot declares more than {} bytes (the limit)", limits.max_bytes));
    }
    total += *length;
    prev_end = *address + *length;
    SnapshotRegion r;
    r.address = *address;
    r.name = std::move(*rname);
    const auto u = rj.find("unreadable");
    if (u == rj.end()) return corrupt("\"unreadable\" is missing");
    Status ok = parse_unreadable(*u, r, *length);
    if (!ok) return ok.error();
    // The bytes are sized as the data arrives (a lying header never reserves memory).
    snap.regions.push_back(std::move(r));
    out.lengths.push_back(*length);
  }
  return out;
}

}  // namespace memview::snapshot_detail
