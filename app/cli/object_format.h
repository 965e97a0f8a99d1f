// Text and JSON forms of discovered objects and source info, shared by list and info.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "memview/discovery.h"
#include "memview/source.h"

namespace memview::cli {

// "2024-05-01 12:34:56" in local time; "-" when unknown (0).
std::string format_unix_ns(int64_t unix_ns);
// "0600"
std::string format_mode(uint32_t mode);
// "4096" or "4.0 KiB"-style human size is not used: exact byte counts are what scripts need.

// Names, specs and owners go through memview/json_bytes.h: any bytes, always valid JSON.
nlohmann::json to_json(const DiscoveredObject& object);
nlohmann::json to_json(const SourceInfo& info);

}  // namespace memview::cli
