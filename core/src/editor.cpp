// The editor: writes exactly the edited bytes, journals them, and undoes/redoes only when
// the bytes still hold what we left there.
#include "memview/editor.h"

#include <algorithm>

#include <fmt/format.h>

#include "memview/numbers.h"
#include "memview/value_codec.h"

namespace memview {

namespace {

// Reads exactly bytes.size() bytes, or says why not.
Status read_exact(Source& source, uint64_t address, std::span<std::byte> out) {
  ReadOutcome r = source.read(address, out);
  if (r.complete()) return {};
  const bool gone = source.info().size == 0;
  return make_error(gone ? Errc::removed : Errc::io,
                    fmt::format("cannot read {} byte(s) at 0x{:x}{}{}", out.size(), address,
                                r.message.empty() ? "" : ": ", r.message));
}

std::string preview(std::span<const std::byte> bytes) {
  constexpr size_t kMax = 16;
  std::string s = format_hex_bytes(bytes.data(), std::min(bytes.size(), kMax));
  if (bytes.size() > kMax) s += " ...";
  return s;
}

}  // namespace

Editor::Editor(Source& source, ChangeTracker* tracker)
    : source_(source), tracker_(tracker), queue_(source.edit_queue()) {}

void Editor::note_write(uint64_t address, std::span<const std::byte> bytes) {
  if (tracker_) tracker_->note_own_write(address, bytes);
  if (written_) written_->push_back({address, std::vector<std::byte>(bytes.begin(), bytes.end())});
}

Status Editor::write(uint64_t address, std::span<const std::byte> bytes) {
  if (bytes.empty()) return make_error(Errc::invalid_argument, "nothing to write (0 bytes)");
  if (Status s = check_write_range(source_.info(), address, bytes.size()); !s) return s;
  if (queue_) {
    EditRequest r;
    r.kind = EditRequest::Kind::write;
    r.address = address;
    r.bytes.assign(bytes.begin(), bytes.end());
    return submit(std::move(r), predicted_write(address, bytes));
  }
  Edit edit;
  edit.address = address;
  edit.before.resize(bytes.size());
  if (Status s = read_exact(source_, address, edit.before); !s) return s;
  if (Status s = source_.write(address, bytes); !s) return s;
  edit.after.assign(bytes.begin(), bytes.end());
  note_write(address, bytes);
  undo_.push_back(std::move(edit));
  redo_.clear();
  return {};
}

namespace {

bool valid_unit(uint64_t address, unsigned width) {
  return (width == 1 || width == 2 || width == 4 || width == 8) && address % width == 0;
}

uint64_t width_mask(unsigned width) {
  return width >= 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * width)) - 1;
}

std::vector<std::byte> unit_bytes(uint64_t v, unsigned width) {
  std::vector<std::byte> out(width);
  store_uint(out, v, Endian::little);
  return out;
}

// A CAS loop only retries while other writers keep changing the unit under us.
constexpr int kMaxSwapAttempts = 10000;

}  // namespace

void Editor::note_bits(uint64_t address, unsigned width, uint64_t mask, uint64_t value) {
  // Only the bytes holding our bits are marked; the others keep their tracked values, so a
  // neighbour's change the swap absorbed still shows as a foreign change at the next poll.
  const std::vector<std::byte> bytes = unit_bytes(value, width);
  unsigned i = 0;
  while (i < width) {
    if (((mask >> (8 * i)) & 0xff) == 0) {
      ++i;
      continue;
    }
    unsigned j = i + 1;
    while (j < width && ((mask >> (8 * j)) & 0xff) != 0) ++j;
    note_write(address + i, std::span(bytes).subspan(i, j - i));
    i = j;
  }
}

Status Editor::write_bits(uint64_t address, unsigned width, uint64_t mask, uint64_t value) {
  if (!valid_unit(address, width)) {
    return make_error(Errc::invalid_argument,
                      fmt::format("a bit write needs a naturally aligned 1, 2, 4 or 8-byte unit "
                                  "(got {} byte(s) at 0x{:x})",
                                  width, address));
  }
  mask &= width_mask(width);
  if (mask == 0) return make_error(Errc::invalid_argument, "nothing to write (empty bit mask)");
  if (Status s = check_write_range(source_.info(), address, width); !s) return s;
  std::vector<std::byte> now(width);
  if (queue_) {
    EditRequest r;
    r.kind = EditRequest::Kind::write_bits;
    r.address = address;
    r.width = width;
    r.mask = mask;
    r.value = value;
    // The journal entry expected, from the bytes last read (the worker reads them afresh).
    (void)source_.read(address, now);
    const uint64_t seen = load_uint(now, Endian::little);
    Edit predicted;
    predicted.address = address;
    predicted.before = unit_bytes(seen, width);
    predicted.after = unit_bytes((seen & ~mask) | (value & mask), width);
    predicted.mask = unit_bytes(mask, width);
    return submit(std::move(r), std::move(predicted));
  }
  if (Status s = read_exact(source_, address, now); !s) return s;
  uint64_t expected = load_uint(now, Endian::little);
  for (int attempt = 0; attempt < kMaxSwapAttempts; ++attempt) {
    const uint64_t desired = (expected & ~mask) | (value & mask);
    uint64_t seen = expected;
    Result<bool> swapped = source_.compare_exchange(address, width, seen, desired);
    if (!swapped.ok()) return swapped.error();
    if (swapped.value()) {
      note_bits(address, width, mask, desired);
      Edit edit;
      edit.address = address;
      edit.before = unit_bytes(expected, width);
      edit.after = unit_bytes(desired, width);
      edit.mask = unit_bytes(mask, width);
      undo_.push_back(std::move(edit));
      redo_.clear();
      return {};
    }
    expected = seen;
  }
  return make_error(Errc::changed, fmt::format("the {} byte(s) at 0x{:x} kept changing; nothing "
                                               "written",
                                               width, address));
}

Status Editor::apply_bits(const Edit& e, std::span<const std::byte> expect,
                          std::span<const std::byte> bytes) {
  const unsigned width = static_cast<unsigned>(e.mask.size());
  if (!valid_unit(e.address, width) || expect.size() != width || bytes.size() != width) {
    return make_error(Errc::invalid_argument, "malformed bit edit in the journal");
  }
  if (Status s = check_write_range(source_.info(), e.address, width); !s) return s;
  const uint64_t mask = load_uint(e.mask, Endian::little);
  const uint64_t want = load_uint(expect, Endian::little) & mask;
  const uint64_t target = load_uint(bytes, Endian::little) & mask;
  std::vector<std::byte> now(width);
  if (Status s = read_exact(source_, e.address, now); !s) return s;
  uint64_t expected = load_uint(now, Endian::little);
  for (int attempt = 0; attempt < kMaxSwapAttempts; ++attempt) {
    if ((expected & mask) != want) {
      return make_error(Errc::changed,
                        fmt::format("the bits 0x{:x} of the {} byte(s) at 0x{:x} were changed by "
                                    "someone else since (expected 0x{:x}, found 0x{:x}); nothing "
                                    "written",
                                    mask, width, e.address, want, expected & mask));
    }
    const uint64_t desired = (expected & ~mask) | target;
    uint64_t seen = expected;
    Result<bool> swapped = source_.compare_exchange(e.address, width, seen, desired);
    if (!swapped.ok()) return swapped.error();
    if (swapped.value()) {
      note_bits(e.address, width, mask, desired);
      return {};
    }
    expected = seen;
  }
  return make_error(
      Errc::changed,
      fmt::format("the {} byte(s) at 0x{:x} kept changing; nothing written", width, e.address));
}

Status Editor::apply(uint64_t address, std::span<const std::byte> expect,
                     std::span<const std::byte> bytes) {
  if (Status s = check_write_range(source_.info(), address, bytes.size()); !s) return s;
  const size_t n = bytes.size();
  auto changed_error = [&](std::span<const std::byte> now) {
    return make_error(Errc::changed,
                      fmt::format("the {} byte(s) at 0x{:x} were changed by someone else since "
                                  "(expected {}, found {}); nothing written",
                                  n, address, preview(expect), preview(now)));
  };
  // A naturally aligned scalar is swapped atomically where the source can: no window in
  // which another process's store between our check and our write could be lost.
  if ((n == 1 || n == 2 || n == 4 || n == 8) && address % n == 0) {
    uint64_t expected = load_uint(expect, Endian::little);
    const uint64_t desired = load_uint(bytes, Endian::little);
    Result<bool> swapped =
        source_.compare_exchange(address, static_cast<unsigned>(n), expected, desired);
    if (swapped.ok()) {
      if (!swapped.value()) {
        std::vector<std::byte> now(n);
        store_uint(now, expected, Endian::little);
        return changed_error(now);
      }
      note_write(address, bytes);
      return {};
    }
    if (swapped.error().code != Errc::unsupported) return swapped.error();
  }
  std::vector<std::byte> now(n);
  if (Status s = read_exact(source_, address, now); !s) return s;
  if (!std::equal(now.begin(), now.end(), expect.begin(), expect.end())) return changed_error(now);
  if (Status s = source_.write(address, bytes); !s) return s;
  note_write(address, bytes);
  return {};
}

Status Editor::undo() {
  if (undo_.empty()) return make_error(Errc::invalid_argument, "nothing to undo");
  if (queue_) {
    EditRequest r;
    r.kind = EditRequest::Kind::undo;
    return submit(std::move(r), {});
  }
  const Edit& e = undo_.back();
  if (Status s =
          e.mask.empty() ? apply(e.address, e.after, e.before) : apply_bits(e, e.after, e.before);
      !s)
    return s;
  redo_.push_back(std::move(undo_.back()));
  undo_.pop_back();
  return {};
}

Status Editor::redo() {
  if (redo_.empty()) return make_error(Errc::invalid_argument, "nothing to redo");
  if (queue_) {
    EditRequest r;
    r.kind = EditRequest::Kind::redo;
    return submit(std::move(r), {});
  }
  const Edit& e = redo_.back();
  if (Status s =
          e.mask.empty() ? apply(e.address, e.before, e.after) : apply_bits(e, e.before, e.after);
      !s)
    return s;
  undo_.push_back(std::move(redo_.back()));
  redo_.pop_back();
  return {};
}

void Editor::clear_history() {
  undo_.clear();
  redo_.clear();
  if (queue_) {
    EditRequest r;
    r.kind = EditRequest::Kind::clear_history;
    (void)submit(std::move(r), {});
  }
}

// ---------------------------------------------------------------------------------------
// Edits run by a worker (Source::edit_queue())

Edit Editor::predicted_write(uint64_t address, std::span<const std::byte> bytes) {
  Edit e;
  e.address = address;
  // The bytes last read; the worker reads them afresh and its entry replaces this one.
  e.before.assign(bytes.size(), std::byte{0});
  (void)source_.read(address, e.before);
  e.after.assign(bytes.begin(), bytes.end());
  return e;
}

Status Editor::submit(EditRequest request, Edit predicted) {
  queue_->submit(request);
  pending_.push_back({std::move(request), std::move(predicted)});
  predict(pending_.back(), undo_, redo_);
  return {};
}

// What a request does to a journal when it succeeds (the same rules as in place).
void Editor::predict(const Pending& p, std::vector<Edit>& undo, std::vector<Edit>& redo) {
  switch (p.request.kind) {
    case EditRequest::Kind::write:
    case EditRequest::Kind::write_bits:
      undo.push_back(p.predicted);
      redo.clear();
      break;
    case EditRequest::Kind::undo:
      if (!undo.empty()) {
        redo.push_back(std::move(undo.back()));
        undo.pop_back();
      }
      break;
    case EditRequest::Kind::redo:
      if (!redo.empty()) {
        undo.push_back(std::move(redo.back()));
        redo.pop_back();
      }
      break;
    case EditRequest::Kind::clear_history:
      undo.clear();
      redo.clear();
      break;
  }
}

std::vector<EditOutcome> Editor::collect() {
  if (!queue_) return {};
  std::vector<EditOutcome> outcomes = queue_->take_outcomes();
  if (outcomes.empty()) return outcomes;
  for (const EditOutcome& o : outcomes) {
    if (!pending_.empty()) pending_.pop_front();
    if (!o.status.ok()) continue;
    Pending done{o.request, o.edit};  // the worker's exact entry
    predict(done, confirmed_undo_, confirmed_redo_);
    for (const WrittenRun& w : o.written) {
      if (tracker_) tracker_->note_own_write(w.address, w.bytes);
    }
  }
  undo_ = confirmed_undo_;
  redo_ = confirmed_redo_;
  for (const Pending& p : pending_) predict(p, undo_, redo_);
  return outcomes;
}

EditOutcome Editor::run(const EditRequest& r) {
  EditOutcome o;
  o.request = r;
  if (queue_) {
    o.status = make_error(Errc::unsupported, "this editor hands its edits to a worker");
    return o;
  }
  std::vector<WrittenRun> written;
  written_ = &written;
  switch (r.kind) {
    case EditRequest::Kind::write:
      o.status = write(r.address, r.bytes);
      if (o.status.ok()) o.edit = undo_.back();
      break;
    case EditRequest::Kind::write_bits:
      o.status = write_bits(r.address, r.width, r.mask, r.value);
      if (o.status.ok()) o.edit = undo_.back();
      break;
    case EditRequest::Kind::undo:
      o.status = undo();
      if (o.status.ok()) o.edit = redo_.back();
      break;
    case EditRequest::Kind::redo:
      o.status = redo();
      if (o.status.ok()) o.edit = undo_.back();
      break;
    case EditRequest::Kind::clear_history:
      clear_history();
      break;
  }
  written_ = nullptr;
  if (o.status.ok()) o.written = std::move(written);
  return o;
}

}  // namespace memview
