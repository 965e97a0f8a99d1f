// The Open view: one text box for a source spec with completion from discovery, the recent
// sources, and a live table of the shared memory objects on the machine. It only proposes
// what to open; the App opens it (never creating anything) and reports failures back in
// `error`, which the view shows.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "memview/discovery.h"
#include "memview/source_spec.h"
#include "settings.h"
#include "theme.h"

namespace memview::gui {

struct OpenViewState {
  std::string spec_text;
  bool read_only = false;
  std::string error;  // why the last open failed (shown under the box)
  bool focus_input = true;

  std::vector<DiscoveredObject> objects;  // the last discovery
  int64_t last_discovery_ns = 0;
  double discovery_interval_s = 1.0;  // the table is live: rediscovered this often
  bool refresh_now = true;

  std::vector<std::string> completions;  // candidates for spec_text (last frame)
  int selected = -1;                     // highlighted row of the (filtered) table
  std::vector<int> visible;              // indexes into objects shown by the table
  std::string count_text;                // "Objects on this machine: 5 (2 matches)" (last frame)
};

struct OpenRequest {
  bool open = false;
  std::string spec;
  OpenOptions options;
};

// Candidates for completing `text`: discovered specs and recent sources that contain it
// (case-insensitive), those starting with it first; no duplicates.
std::vector<std::string> complete_spec(const std::string& text,
                                       const std::vector<DiscoveredObject>& objects,
                                       const std::vector<std::string>& recent);
// What Tab does to `text` given the candidates: the longest common prefix of the candidates
// when it extends the text, else the first candidate; the text itself when there is none.
std::string apply_completion(const std::string& text, const std::vector<std::string>& candidates);

OpenRequest draw_open_view(OpenViewState& state, const Settings& settings, const Palette& palette,
                           int64_t now_ns);

}  // namespace memview::gui
