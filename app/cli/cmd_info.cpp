// memview-cli info SPEC [--json]: what the core sees when it opens SPEC, plus the owner,
// mode and times that discovery knows about the object (for a recording FILE written by
// `record`: its header and statistics).
#include <sys/stat.h>
#if !defined(_WIN32)
#include <pwd.h>
#endif

#include <memory>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "cli_util.h"
#include "command.h"
#include "memview/discovery.h"
#include "memview/json_bytes.h"
#include "memview/source_spec.h"
#include "memview/text_bytes.h"
#include "object_format.h"
#include "recording_util.h"

namespace memview::cli {
namespace {

struct InfoOptions {
  std::string spec;
  bool json = false;
};

std::string user_name(uint32_t uid) {
#if !defined(_WIN32)
  passwd entry{};
  passwd* found = nullptr;
  char buffer[1024];
  if (getpwuid_r(uid, &entry, buffer, sizeof buffer, &found) == 0 && found) return found->pw_name;
#endif
  return std::to_string(uid);
}

// Owner/mode/time of the opened object: from discovery for shm/sysv, from stat() for files.
std::optional<DiscoveredObject> describe(const SourceInfo& info) {
  // Discovery lists System V segments by id; a segment opened by key says its id in its
  // name ("sysv key 0x1234 (id 56)").
  std::string discovered_spec = info.spec;
  if (info.kind == "sysvkey") {
    const size_t at = info.name.rfind("(id ");
    if (at != std::string::npos && info.name.back() == ')') {
      discovered_spec = "sysv:" + info.name.substr(at + 4, info.name.size() - at - 5);
    }
  }
  for (DiscoveredObject& o : discover_all()) {
    if (o.spec == discovered_spec) return std::move(o);
  }
  if (info.kind == "file") {
    const std::string path = info.spec.substr(info.spec.find(':') + 1);
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return std::nullopt;
    DiscoveredObject o;
    o.spec = info.spec;
    o.kind = info.kind;
    o.name = info.name;
    o.size = static_cast<uint64_t>(st.st_size);
    o.owner_uid = st.st_uid;
    o.owner = user_name(st.st_uid);
    o.mode = st.st_mode & 07777;
#if defined(_WIN32)
    o.modified_unix_ns = static_cast<int64_t>(st.st_mtime) * 1000000000;
#else
    o.modified_unix_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
#endif
    return o;
  }
  return std::nullopt;
}

int run_info(const InfoOptions& opts) {
  // A recording file (written by `record`) is described instead of opened as an object.
  if (is_recording_file(opts.spec)) return print_recording_info(opts.spec, opts.json);
  Result<SourcePtr> source = open_spec(opts.spec, /*read_only=*/false);
  if (!source) return fail(source.error());
  const SourceInfo info = source.value()->info();
  // Close before asking discovery, so a System V attach count does not include us.
  source.value().reset();
  const std::optional<DiscoveredObject> found = describe(info);

  std::string out;
  if (opts.json) {
    nlohmann::json j = to_json(info);
    if (found) {
      j["owner"] = json_from_bytes(found->owner);
      j["owner_uid"] = found->owner_uid;
      j["mode"] = format_mode(found->mode);
      j["attach_count"] = found->attach_count >= 0 ? nlohmann::json(found->attach_count) : nullptr;
      j["modified_unix_ns"] = found->modified_unix_ns;
      j["modified"] = format_unix_ns(found->modified_unix_ns);
    }
    out = json_dump(j, 2) + "\n";
  } else {
    // One line per item whatever bytes the names hold.
    out += fmt::format("spec:      {}\n", printable_text(info.spec));
    out += fmt::format("kind:      {}\n", info.kind);
    out += fmt::format("name:      {}\n", printable_text(info.name));
    if (info.base != 0) out += fmt::format("base:      0x{:x}\n", info.base);
    out += fmt::format("size:      {} (0x{:x}){}\n", info.size, info.size,
                       info.size_exact ? "" : " (rounded up to whole pages by the OS)");
    if (info.writable) {
      out += "access:    read-write\n";
    } else {
      out += fmt::format(
          "access:    read-only{}\n",
          info.read_only_reason.empty() ? "" : " (" + printable_text(info.read_only_reason) + ")");
    }
    if (found) {
      out +=
          fmt::format("owner:     {} (uid {})\n", printable_text(found->owner), found->owner_uid);
      out += fmt::format("mode:      {}\n", format_mode(found->mode));
      if (found->attach_count >= 0) out += fmt::format("attached:  {}\n", found->attach_count);
      out += fmt::format("modified:  {}\n", format_unix_ns(found->modified_unix_ns));
    }
  }
  if (!write_stdout(out)) return kExitFailure;
  return 0;
}

void setup_info(CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<InfoOptions>();
  CLI::App* sub = app.add_subcommand("info", "Show size, access, owner and mode of one object");
  sub->add_option("SPEC", opts->spec, spec_help())->required();
  sub->add_flag("--json", opts->json, "Print a JSON object");
  sub->callback([opts, &exit_code] { exit_code = run_info(*opts); });
}

}  // namespace
}  // namespace memview::cli

MEMVIEW_CLI_COMMAND(memview::cli::setup_info)
