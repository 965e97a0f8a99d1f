// The one way memview puts a name, a path or a spec into JSON and reads it back.
//
// JSON strings must be valid UTF-8, but names on Linux are bytes. Every writer (settings,
// recent list, workspaces, the control socket, every --json output) stores such a value
// with json_from_bytes() and every reader takes it back with bytes_from_json():
//   valid UTF-8      -> a plain JSON string, unchanged ("shm:/telemetry")
//   anything else    -> {"hex": "<every byte, two lower-case hex digits each>",
//                        "text": "<the same with invalid bytes as U+FFFD, for people>"}
// Readers use "hex" only, so the round trip is exact for any bytes. docs/json-bytes.md
// describes the form for scripts.
//
// json_dump() serialises without ever throwing: a stray invalid string (a bug) comes out
// with U+FFFD instead of ending the program.
//
// Thread-safety: free functions, no shared state. Never throws.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "memview/result.h"
#include "memview/text_bytes.h"

namespace memview {

template <class Json = nlohmann::json>
Json json_from_bytes(std::string_view bytes) {
  if (is_valid_utf8(bytes)) return Json(std::string(bytes));
  Json j = Json::object();
  j["hex"] = hex_encode(bytes);
  j["text"] = lossy_utf8(bytes);
  return j;
}

// A message for people (errors that quote a name): one printable line of valid UTF-8.
template <class Json = nlohmann::json>
Json json_message(std::string_view text) {
  return Json(printable_text(text));
}

// `what` names the value in errors ("sources[0].spec").
template <class Json>
Result<std::string> bytes_from_json(const Json& j, std::string_view what) {
  if (j.is_string()) return j.template get<std::string>();
  if (j.is_object()) {
    const auto hex = j.find("hex");
    if (hex != j.end() && hex->is_string()) {
      Result<std::string> bytes = hex_decode(hex->template get_ref<const std::string&>());
      if (!bytes) {
        return make_error(Errc::invalid_argument,
                          std::string(what) + ": bad \"hex\": " + bytes.error().message);
      }
      return bytes;
    }
  }
  return make_error(Errc::invalid_argument,
                    std::string(what) + " must be a string (or {\"hex\": \"...\"} for bytes)");
}

template <class Json>
std::string json_dump(const Json& j, int indent = -1) {
  return j.dump(indent, ' ', false, Json::error_handler_t::replace);
}

}  // namespace memview
