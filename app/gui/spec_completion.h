// Completing a source spec in the Open view: candidates from the shared memory objects on
// the machine, the recent sources and, after "pid:", the running processes. Tab extends the
// text to the candidates' common prefix; each further Tab moves to the next candidate.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "memview/discovery.h"
#include "memview/process_list.h"

namespace memview::gui {

// Candidates for completing `text`, those starting with it first, no duplicates: recent
// sources and discovered specs that contain it (case-insensitive); for text starting with
// "pid:", the processes whose pid starts with the rest or whose name contains it.
std::vector<std::string> complete_spec(const std::string& text,
                                       const std::vector<DiscoveredObject>& objects,
                                       const std::vector<std::string>& recent,
                                       const std::vector<ProcessEntry>& processes = {});
// What one Tab does to `text`: the longest common prefix of the candidates that start with
// it when that extends the text, else the first candidate; the text itself when there is none.
std::string apply_completion(const std::string& text, const std::vector<std::string>& candidates);

// Repeated Tab: remembers the candidates of the text the user typed, so that Tab after Tab
// walks through them (wrapping) while the box still holds what the last Tab put there.
struct TabCycle {
  std::vector<std::string> candidates;  // of the text before the first Tab
  size_t next = 0;                      // the candidate the next Tab shows
  std::string shown;                    // what the last Tab put in the box
};

// The text after a Tab on `text`, whose candidates (this frame) are `candidates`.
std::string tab_complete(TabCycle& cycle, const std::string& text,
                         const std::vector<std::string>& candidates);

}  // namespace memview::gui
