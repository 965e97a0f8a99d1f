// The backend registry and the one spec syntax every front end shares.
#include "memview/source_spec.h"

#include <algorithm>
#include <functional>

#include <fmt/format.h>

#include "memview/text_bytes.h"

namespace memview {

namespace {
std::vector<SourceBackend>& registry() {
  static std::vector<SourceBackend> backends;
  return backends;
}

bool all_blank(std::string_view s) {
  return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

const SourceBackend* bare_backend() {
  const SourceBackend* best = nullptr;
  for (const SourceBackend& b : registry()) {
    if (b.bare_name_priority >= 0 && (!best || b.bare_name_priority > best->bare_name_priority))
      best = &b;
  }
  return best;
}

bool supports(const SourceBackend& b, SpecUse use) {
  switch (use) {
    case SpecUse::open:
      return b.open != nullptr;
    case SpecUse::create:
      return b.create != nullptr;
    case SpecUse::remove:
      return b.remove != nullptr;
  }
  return false;
}

std::string syntax_of(const std::function<bool(const SourceBackend&)>& take,
                      std::string_view separator) {
  std::string out;
  const SourceBackend* bare = bare_backend();
  if (bare && take(*bare)) {
    out = "NAME";
    out += separator;
    out += bare->syntax;  // what a bare NAME means, next to it
  }
  for (const SourceBackend& b : registry()) {
    if (!take(b) || &b == bare) continue;
    if (!out.empty()) out += separator;
    out += b.syntax;
  }
  return out;
}

}  // namespace

std::string source_spec_syntax(SpecUse use, std::string_view separator) {
  return syntax_of([use](const SourceBackend& b) { return supports(b, use); }, separator);
}

std::string source_spec_syntax(bool (*accept)(std::string_view scheme),
                               std::string_view separator) {
  return syntax_of(
      [accept](const SourceBackend& b) {
        return supports(b, SpecUse::open) && accept != nullptr && accept(b.scheme);
      },
      separator);
}

bool register_source_backend(const SourceBackend& backend) {
  registry().push_back(backend);
  return true;
}

const std::vector<SourceBackend>& source_backends() {
  return registry();
}

const SourceBackend* find_source_backend(std::string_view scheme) {
  for (const SourceBackend& b : registry()) {
    if (scheme == b.scheme) return &b;
  }
  return nullptr;
}

Result<SourceSpec> parse_source_spec(std::string_view text) {
  // Not trimmed: names are bytes, and one may end in a space or a newline. (Front ends
  // trim what people type into a text box.)
  if (all_blank(text)) return make_error(Errc::invalid_argument, "empty source spec");
  const SourceBackend* backend = nullptr;
  std::string_view target = text;
  if (const size_t colon = text.find(':'); colon != std::string_view::npos) {
    backend = find_source_backend(text.substr(0, colon));
    if (backend) target = text.substr(colon + 1);
  }
  if (!backend) {
    backend = bare_backend();
    if (!backend) {
      return make_error(Errc::unsupported, fmt::format("no default kind of source for '{}' on "
                                                       "this platform; use one of: {}",
                                                       text, source_spec_syntax()));
    }
  }
  if (!backend->parse) return SourceSpec{backend->scheme, std::string(target)};
  Result<std::string> canonical = backend->parse(target);
  if (!canonical) return canonical.error();
  return SourceSpec{backend->scheme, std::move(canonical.value())};
}

Result<SourcePtr> open_source(const SourceSpec& spec, const OpenOptions& options) {
  const SourceBackend* backend = find_source_backend(spec.scheme);
  if (!backend || !backend->open) {
    return make_error(Errc::unsupported, fmt::format("cannot open '{}' sources", spec.scheme));
  }
  return backend->open(spec, options);
}

Result<SourcePtr> open_source(std::string_view spec, const OpenOptions& options) {
  Result<SourceSpec> parsed = parse_source_spec(spec);
  if (!parsed) return parsed.error();
  return open_source(parsed.value(), options);
}

Result<SourcePtr> create_source(std::string_view text, const CreateOptions& options) {
  Result<SourceSpec> parsed = parse_source_spec(text);
  if (!parsed) return parsed.error();
  if (options.mode > 0777) {
    // Only permission bits: a setuid/setgid file in a world-writable tmpfs is a way to root.
    return make_error(Errc::invalid_argument,
                      fmt::format("mode {:04o} is not permission bits: give 0 to 0777 (setuid, "
                                  "setgid and sticky bits are refused)",
                                  options.mode));
  }
  const SourceBackend* backend = find_source_backend(parsed->scheme);
  if (!backend || !backend->create) {
    return make_error(Errc::unsupported, fmt::format("cannot create '{}' sources", parsed->scheme));
  }
  return backend->create(parsed.value(), options);
}

Status remove_source(std::string_view text) {
  Result<SourceSpec> parsed = parse_source_spec(text);
  if (!parsed) return parsed.error();
  const SourceBackend* backend = find_source_backend(parsed->scheme);
  if (!backend || !backend->remove) {
    // Files, processes and remote targets are never deleted: only named shared memory.
    return make_error(
        Errc::unsupported,
        fmt::format("cannot remove '{}': it is not named shared memory; remove only removes {} "
                    "(never a file, a process or a remote target)",
                    printable_text(parsed->text()), source_spec_syntax(SpecUse::remove, ", ")));
  }
  return backend->remove(parsed.value());
}

std::vector<DiscoveredObject> discover_all() {
  std::vector<DiscoveredObject> all;
  for (const SourceBackend& b : registry()) {
    if (!b.discover) continue;
    std::vector<DiscoveredObject> some = b.discover();
    all.insert(all.end(), std::make_move_iterator(some.begin()),
               std::make_move_iterator(some.end()));
  }
  return all;
}

}  // namespace memview
