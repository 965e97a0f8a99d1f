#include "session.h"

#include <fmt/format.h>

#include "memview/async_source.h"
#include "memview/control_socket.h"
#include "memview/process_maps.h"
#include "words.h"

namespace memview::gui {

namespace {

// What the user reads once an edit that ran on a source's worker has ended.
std::string edit_outcome_text(const EditOutcome& o) {
  const EditRequest& r = o.request;
  const Edit& e = o.edit;
  switch (r.kind) {
    case EditRequest::Kind::write:
      return o.status.ok()
                 ? fmt::format("wrote {} at 0x{:x}", bytes_text(r.bytes.size()), r.address)
                 : fmt::format("write of {} at 0x{:x} refused: {}", bytes_text(r.bytes.size()),
                               r.address, o.status.error().message);
    case EditRequest::Kind::write_bits:
      return o.status.ok() ? fmt::format("wrote bits 0x{:x} at 0x{:x}", r.mask, r.address)
                           : fmt::format("bit write at 0x{:x} refused: {}", r.address,
                                         o.status.error().message);
    case EditRequest::Kind::undo:
      return o.status.ok() ? fmt::format("undid the edit of {} at 0x{:x}",
                                         bytes_text(e.before.size()), e.address)
                           : "undo refused: " + o.status.error().message;
    case EditRequest::Kind::redo:
      return o.status.ok() ? fmt::format("redid the edit of {} at 0x{:x}",
                                         bytes_text(e.after.size()), e.address)
                           : "redo refused: " + o.status.error().message;
    case EditRequest::Kind::clear_history:
      return o.status.ok() ? "" : o.status.error().message;
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<Session>> Session::open(const std::string& spec, const OpenOptions& options,
                                               int id) {
  auto source = open_source_nonblocking(spec, options);
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
  auto fresh = open_source_nonblocking(spec, options);
  if (!fresh.ok()) return fresh.error();
  // Editor and poller refer to the source: drop them first.
  editor.reset();
  poller.reset();
  source = std::move(fresh.value());
  poller = std::make_unique<Poller>(*source);
  editor = std::make_unique<Editor>(*source, &poller->tracker());
  hex_view_fit_source(hex, source->info());
  banner = BannerState{};
  restart_activity();
  return {};
}

void Session::poll(int64_t now_ns) {
  polled_this_frame = true;
  // Edits a source's worker ran (remote sources) end here, before the poll, so that the
  // bytes they wrote count as ours and not as someone else's change.
  for (const EditOutcome& o : editor->collect()) {
    std::string text = edit_outcome_text(o);
    if (text.empty()) continue;
    hex.message = std::move(text);
    hex.message_is_error = !o.status.ok();
  }
  if (paused) return;
  watches_request(watches, *poller);  // every tab's watches, shown or not
  const Poller::PollResult r = poller->poll(now_ns);
  // The tab's own Record (not a replayed file) feeds the watches every sample it took.
  const bool recorded = timeline.recorder && timeline.recording && !timeline.replay;
  watches_sample_recording(watches, recorded ? &*timeline.recording : nullptr,
                           timeline.recording_ranges, timeline.recording_now());
  watches_sample(watches, poller->tracker(), now_ns);
  for (const SourceEvent& e : r.events) banner.add(e, now_ns);
  if (!r.events.empty()) hex_view_fit_source(hex, source->info());
}

void Session::end_frame() {
  overlays.apply_requests();
  bookmarks.apply_requests();
  watches_end_frame(watches, info().spec);
  who_end_frame();
  snapshots_end_frame();
  find_end_frame(find, *source);
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
