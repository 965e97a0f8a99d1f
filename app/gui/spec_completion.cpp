#include "spec_completion.h"

#include <algorithm>
#include <string_view>
#include <unordered_set>

#include "text_match.h"

namespace memview::gui {

namespace {

constexpr std::string_view kPidScheme = "pid:";

// Candidates in two groups: those that start with the text, then those that only contain it.
// Asked every frame, over every object and process: a set keeps it linear.
struct Ranked {
  std::vector<std::string> prefix, inner;
  std::unordered_set<std::string> seen;

  void add(const std::string& spec, bool starts) {
    if (!seen.insert(spec).second) return;
    (starts ? prefix : inner).push_back(spec);
  }
};

void rank_processes(Ranked& r, std::string_view rest, const std::vector<ProcessEntry>& processes) {
  for (const ProcessEntry& p : processes) {
    const std::string pid = std::to_string(p.pid);
    if (pid.rfind(rest, 0) == 0) {
      r.add(std::string(kPidScheme) + pid, true);
    } else if (contains_ci(p.name, rest)) {
      r.add(std::string(kPidScheme) + pid, false);
    }
  }
}

}  // namespace

std::vector<std::string> complete_spec(const std::string& text,
                                       const std::vector<DiscoveredObject>& objects,
                                       const std::vector<std::string>& recent,
                                       const std::vector<ProcessEntry>& processes) {
  Ranked r;
  auto consider = [&](const std::string& spec, const std::string& name) {
    std::string_view bare = name;
    if (!bare.empty() && bare[0] == '/') bare.remove_prefix(1);
    if (starts_with_ci(spec, text)) {
      r.add(spec, true);
    } else if (contains_ci(spec, text) || contains_ci(bare, text)) {
      r.add(spec, false);
    }
  };
  for (const std::string& spec : recent) consider(spec, spec);
  for (const DiscoveredObject& o : objects) consider(o.spec, o.name);
  if (starts_with_ci(text, kPidScheme)) {
    rank_processes(r, std::string_view(text).substr(kPidScheme.size()), processes);
  }
  r.prefix.insert(r.prefix.end(), r.inner.begin(), r.inner.end());
  return r.prefix;
}

std::string apply_completion(const std::string& text, const std::vector<std::string>& candidates) {
  if (candidates.empty()) return text;
  std::vector<const std::string*> starting;
  for (const std::string& c : candidates) {
    if (c.rfind(text, 0) == 0) starting.push_back(&c);
  }
  if (!starting.empty()) {
    std::string common = *starting[0];
    for (const std::string* c : starting) {
      size_t k = 0;
      while (k < common.size() && k < c->size() && common[k] == (*c)[k]) ++k;
      common.resize(k);
    }
    if (common.size() > text.size()) return common;
  }
  return candidates.front();
}

std::string tab_complete(TabCycle& cycle, const std::string& text,
                         const std::vector<std::string>& candidates) {
  if (!cycle.candidates.empty() && text == cycle.shown) {
    cycle.shown = cycle.candidates[cycle.next];
    cycle.next = (cycle.next + 1) % cycle.candidates.size();
    return cycle.shown;
  }
  cycle.candidates = candidates;
  cycle.shown = apply_completion(text, candidates);
  const auto at = std::find(candidates.begin(), candidates.end(), cycle.shown);
  // After a common prefix the next Tab shows the first candidate; after a whole candidate,
  // the one following it.
  cycle.next = at == candidates.end()
                   ? 0
                   : static_cast<size_t>(at - candidates.begin() + 1) % candidates.size();
  return cycle.shown;
}

}  // namespace memview::gui
