#include "session.h"

#include <fmt/format.h>

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
  s->hex.cursor = s->source->info().base;
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
  hex.clamp_to(source->info());
  banner = BannerState{};
  return {};
}

void Session::poll(int64_t now_ns) {
  polled_this_frame = true;
  if (hex.paused) return;
  Poller::Result r = poller->poll(now_ns);
  last_changed_bytes = r.changed_bytes;
  last_poll_ns = now_ns;
  for (const SourceEvent& e : r.events) banner.add(e, now_ns);
  if (!r.events.empty()) hex.clamp_to(source->info());
}

}  // namespace memview::gui
