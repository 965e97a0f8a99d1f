#include "trigger_edit.h"

#include <algorithm>
#include <charconv>
#include <cstring>

#include <fmt/format.h>

#include "views/watches_view.h"

namespace memview::gui {

namespace {

// Characters that end a word of a trigger (the tokenizer's symbols and blanks).
bool trigger_word_break(char c) {
  return std::strchr(" \t\r\n()!<>=&|", c) != nullptr;
}

// A title the tokenizer keeps in one word (no blanks or operators in it).
bool usable_title(const std::string& title) {
  return !title.empty() && std::none_of(title.begin(), title.end(), trigger_word_break);
}

// The operand of a field of an instance at `instance_addr` (a scalar: watch_field's rules).
Result<TriggerOperand> field_trigger_operand(const Field& f, uint64_t instance_addr,
                                             const std::string& path) {
  const uint64_t address = instance_addr + f.offset;
  Result<WatchTarget> w = watch_field(f, address, path);
  if (!w) return w.error();
  return TriggerOperand{address, scalar_size(w->type), w->type};
}

// "[k]" at the start of `rest`: k and what follows it.
std::optional<std::pair<uint64_t, std::string_view>> leading_index(std::string_view rest) {
  if (rest.empty() || rest.front() != '[') return std::nullopt;
  const size_t close = rest.find(']');
  if (close == std::string_view::npos) return std::nullopt;
  uint64_t k = 0;
  const char* first = rest.data() + 1;
  const char* last = rest.data() + close;
  const auto [ptr, ec] = std::from_chars(first, last, k);
  if (ec != std::errc() || ptr != last || first == last) return std::nullopt;
  return std::pair{k, rest.substr(close + 1)};
}

Result<TriggerOperand> resolve_in_overlay(const Overlay& o, std::string_view path) {
  std::string_view rest = path.substr(o.title.size());
  uint64_t instance = 0;
  if (auto idx = leading_index(rest)) {
    instance = idx->first;
    rest = idx->second;
    if (instance >= o.count) {
      return make_error(Errc::out_of_range,
                        fmt::format("'{}' has instances 0 to {}", o.title, o.count - 1));
    }
  } else if (o.count > 1) {
    return make_error(
        Errc::invalid_argument,
        fmt::format("'{}' has {} instances: name one, {}[0].field", o.title, o.count, o.title));
  }
  if (rest.empty() || rest.front() != '.') {
    return make_error(Errc::invalid_argument,
                      fmt::format("name a field of '{}': {}.field", o.title, o.title));
  }
  rest.remove_prefix(1);
  Result<Field> f = resolve_field(*o.layout(), rest);
  if (!f) return f.error();
  return field_trigger_operand(*f, o.address + instance * o.instance_size(), std::string(path));
}

}  // namespace

std::vector<TriggerField> overlay_trigger_fields(
    const std::vector<std::unique_ptr<Overlay>>& list) {
  std::vector<TriggerField> out;
  for (const auto& o : list) {
    if (!o->layout() || !usable_title(o->title)) continue;
    const std::string prefix = o->count > 1 ? o->title + "[0]." : o->title + ".";
    for (const Field& f : o->layout()->fields) {
      const std::string path = prefix + f.path;
      Result<TriggerOperand> op = field_trigger_operand(f, o->address, path);
      if (op) out.push_back({path, *op});
    }
  }
  return out;
}

TriggerResolver overlay_trigger_resolver(const std::vector<std::unique_ptr<Overlay>>& list) {
  return [&list](std::string_view path) -> Result<TriggerOperand> {
    // The longest title that the path starts with, followed by '.' or '['.
    const Overlay* best = nullptr;
    for (const auto& o : list) {
      if (!o->layout() || !usable_title(o->title) || !path.starts_with(o->title)) continue;
      const std::string_view after = path.substr(o->title.size());
      if (!after.empty() && after.front() != '.' && after.front() != '[') continue;
      if (!best || o->title.size() > best->title.size()) best = o.get();
    }
    if (!best) {
      return make_error(Errc::not_found,
                        fmt::format("'{}' is neither a typed address (u32@0x40) nor a field "
                                    "of an overlay of this tab (TITLE.field)",
                                    path));
    }
    return resolve_in_overlay(*best, path);
  };
}

TriggerCompletion trigger_completion(std::string_view text, size_t cursor,
                                     const std::vector<TriggerField>& fields) {
  TriggerCompletion c;
  cursor = std::min(cursor, text.size());
  size_t begin = cursor;
  while (begin > 0 && !trigger_word_break(text[begin - 1])) --begin;
  c.word_begin = begin;
  c.word_end = cursor;
  const std::string_view word = text.substr(begin, cursor - begin);
  if (word.empty()) return c;
  for (const TriggerField& f : fields) {
    if (f.path.size() > word.size() && std::string_view(f.path).starts_with(word)) {
      c.candidates.push_back(f.path);
      if (c.candidates.size() == TriggerCompletion::kMaxCandidates) break;
    }
  }
  return c;
}

std::string completion_prefix(const TriggerCompletion& c) {
  if (c.candidates.empty()) return {};
  std::string common = c.candidates.front();
  for (const std::string& s : c.candidates) {
    size_t n = 0;
    while (n < common.size() && n < s.size() && common[n] == s[n]) ++n;
    common.resize(n);
  }
  if (common.size() <= c.word_end - c.word_begin) return {};
  return common;
}

std::string apply_completion(std::string_view text, const TriggerCompletion& c,
                             std::string_view with) {
  const size_t b = std::min(c.word_begin, text.size());
  const size_t e = std::clamp(c.word_end, b, text.size());
  std::string out(text.substr(0, b));
  out += with;
  out += text.substr(e);
  return out;
}

void trigger_edit_check(TriggerEditState& e, const std::vector<std::unique_ptr<Overlay>>& list,
                        bool force) {
  if (!force && e.checked_once && e.checked == e.text) return;
  e.checked_once = true;
  e.checked = e.text;
  e.error.clear();
  e.error_column.reset();
  e.operands.clear();
  e.fields = overlay_trigger_fields(list);
  e.completion = trigger_completion(e.text, e.text.size(), e.fields);
  if (e.text.empty()) return;
  Result<Trigger> t = Trigger::parse(e.text, overlay_trigger_resolver(list));
  if (!t) {
    e.error = t.error().message;
    e.error_column = trigger_error_column(e.error);
    // Shown under the box that holds the text: "at column 5: ..." without it.
    const std::string quoted = "trigger '" + e.text + "': ";
    if (e.error.starts_with(quoted)) e.error.erase(0, quoted.size());
    return;
  }
  e.operands = t->operands();
}

Result<std::optional<Trigger>> trigger_edit_build(
    const TriggerEditState& e, const std::vector<std::unique_ptr<Overlay>>& list) {
  if (e.text.empty()) return std::optional<Trigger>{};
  Result<Trigger> t = Trigger::parse(e.text, overlay_trigger_resolver(list));
  if (!t) return t.error();
  return std::optional<Trigger>(std::move(*t));
}

}  // namespace memview::gui
