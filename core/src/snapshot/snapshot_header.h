// The JSON header of a snapshot file (docs/snapshot.md): written from a Snapshot's metadata,
// read back with every field checked, so a foreign or corrupt header is one clear error.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "memview/result.h"
#include "memview/snapshot.h"

namespace memview::snapshot_detail {

inline constexpr uint32_t kMaxHeaderBytes = 16U << 20;

std::string header_json(const Snapshot& snap);

struct Header {
  Snapshot snap;                  // everything but the regions' bytes
  std::vector<uint64_t> lengths;  // each region's declared length (checked against limits)
};

Result<Header> parse_header(std::string_view text, const SnapshotLimits& limits);

}  // namespace memview::snapshot_detail
