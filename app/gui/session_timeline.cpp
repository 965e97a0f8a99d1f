// The Session's side of the timeline: which bytes the views read (the source's, or the
// past's), and a tab that replays a recording file.
#include <fmt/format.h>

#include "recorded_source.h"
#include "session.h"

namespace memview::gui {

const SourceInfo& Session::view_info() const {
  return viewing_past && timeline.past_source ? timeline.past_source->info() : info();
}

const ChangeTracker& Session::view_tracker() const {
  return viewing_past && timeline.past_poller ? timeline.past_poller->tracker() : poller->tracker();
}

Editor* Session::view_editor() {
  return viewing_past && timeline.past_editor ? timeline.past_editor.get() : editor.get();
}

Result<std::unique_ptr<Session>> Session::open_recording(const std::string& path, int id) {
  auto s = std::make_unique<Session>();
  if (Status st = timeline_open_file(s->timeline, path); !st.ok()) return st.error();
  const Recording& r = *s->timeline.recording;
  s->id = id;
  s->spec = path;
  s->options.read_only = true;
  // The tab's own source shows nothing: every view reads the past (the timeline's).
  s->source = std::make_unique<RecordedSource>(recording_extent_info(r, path), r.header().ranges,
                                               "a recording cannot be edited");
  s->poller = std::make_unique<Poller>(*s->source);
  s->editor = std::make_unique<Editor>(*s->source, &s->poller->tracker());
  hex_view_move_cursor(s->hex, s->source->info(), {.address = s->source->info().base});
  return s;
}

}  // namespace memview::gui
