#include "session.h"

#include <fmt/format.h>

#include "memview/control_socket.h"
#include "memview/process_maps.h"

namespace memview::gui {

Result<std::unique_ptr<Session>> Session::open(const std::string& spec, const OpenOptions& options,
                                               int id) {
  auto source = open_source(spec, options);
  if (!source.ok()) return source.error();
  auto s = std::make_unique<Session>();
  s->id = id;
  s->spec = spec;
  s->options = options;
  s->source = std::move(source.value());
  s->poller = std::make_unique<Poller>(*s->source);
  s->editor = std::make_unique<Editor>(*s->source, &s->poller->tracker());
  hex_view_move_cursor(s->hex, s->source->info(), {.address = s->source->info().base});
  s->pid = control_target_pid(s->source->info().spec);
  return s;
}

Status Session::reopen() {
  auto fresh = open_source(spec, options);
  if (!fresh.ok()) return fresh.error();
  // Editor and poller refer to the source: drop them first.
  editor.reset();
  poller.reset();
  source = std::move(fresh.value());
  poller = std::make_unique<Poller>(*source);
  editor = std::make_unique<Editor>(*source, &poller->tracker());
  hex_view_fit_source(hex, source->info());
  banner = BannerState{};
  return {};
}

void Session::poll(int64_t now_ns) {
  polled_this_frame = true;
  if (paused) return;
  const Poller::PollResult r = poller->poll(now_ns);
  for (const SourceEvent& e : r.events) banner.add(e, now_ns);
  if (!r.events.empty()) hex_view_fit_source(hex, source->info());
}

void Session::end_frame() {
  overlays.apply_requests();
  bookmarks.apply_requests();
}

void Session::refresh_regions(int64_t now_ns) {
  const bool shown = regions.shown;
  regions.shown = false;  // set again by the panel if it is drawn this frame
  if (!pid) return;
  const bool due =
      shown && (regions.read_ns == 0 ||
                static_cast<double>(now_ns - regions.read_ns) / 1e9 >= regions.interval_s);
  if (!regions.refresh_request && !due) return;
  regions.refresh_request = false;
  regions.read_ns = now_ns;
  const std::string exited = fmt::format("process {} has exited: the map shown is its last", *pid);
  // Once the source has seen the exit, the pid may already name another process: its map
  // must not replace this one.
  if (poller->source_gone()) {
    regions.error = exited;
    return;
  }
  Result<std::vector<MapRegion>> maps = read_process_maps(static_cast<pid_t>(*pid));
  if (!maps) {
    regions.error = maps.error().code == Errc::not_found ? exited : maps.error().message;
    return;
  }
  const bool first = regions.regions.empty();
  regions.error.clear();
  regions.regions = std::move(maps.value());
  const SourceInfo& i = info();
  if (first && hex.cursor == i.base && !region_containing(regions.regions, hex.cursor)) {
    for (const MapRegion& r : regions.regions) {
      if (r.read && r.start >= i.base && r.start < i.base + i.size) {
        region_goto(r, hex, i);
        break;
      }
    }
  }
}

}  // namespace memview::gui
