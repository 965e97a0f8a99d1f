// Text and JSON forms of discovered objects and source info.
#include "object_format.h"

#include <ctime>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "memview/json_bytes.h"

namespace memview::cli {

std::string format_unix_ns(int64_t unix_ns) {
  if (unix_ns == 0) return "-";
  const std::time_t seconds = static_cast<std::time_t>(unix_ns / 1000000000);
  std::tm local{};
#if defined(_WIN32)
  if (localtime_s(&local, &seconds) != 0) return "-";
#else
  if (!localtime_r(&seconds, &local)) return "-";
#endif
  return fmt::format("{:%Y-%m-%d %H:%M:%S}", local);
}

std::string format_mode(uint32_t mode) {
  return fmt::format("{:04o}", mode & 07777u);
}

nlohmann::json to_json(const DiscoveredObject& o) {
  nlohmann::json j;
  j["spec"] = json_from_bytes(o.spec);
  j["kind"] = o.kind;
  j["name"] = json_from_bytes(o.name);
  j["size"] = o.size;
  j["owner"] = json_from_bytes(o.owner);
  j["owner_uid"] = o.owner_uid;
  j["mode"] = format_mode(o.mode);
  if (o.attach_count >= 0) {
    j["attach_count"] = o.attach_count;
  } else {
    j["attach_count"] = nullptr;
  }
  j["modified_unix_ns"] = o.modified_unix_ns;
  j["modified"] = format_unix_ns(o.modified_unix_ns);
  return j;
}

nlohmann::json to_json(const SourceInfo& info) {
  nlohmann::json j;
  j["spec"] = json_from_bytes(info.spec);
  j["kind"] = info.kind;
  j["name"] = json_from_bytes(info.name);
  j["base"] = info.base;
  j["size"] = info.size;
  j["size_exact"] = info.size_exact;
  j["writable"] = info.writable;
  j["read_only_reason"] = json_message(info.read_only_reason);
  return j;
}

}  // namespace memview::cli
