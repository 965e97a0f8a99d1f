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

Editor::Editor(Source& source, ChangeTracker* tracker) : source_(source), tracker_(tracker) {}

Status Editor::write(uint64_t address, std::span<const std::byte> bytes) {
  if (bytes.empty()) return make_error(Errc::invalid_argument, "nothing to write (0 bytes)");
  if (Status s = check_write_range(source_.info(), address, bytes.size()); !s) return s;
  Edit edit;
  edit.address = address;
  edit.before.resize(bytes.size());
  if (Status s = read_exact(source_, address, edit.before); !s) return s;
  if (Status s = source_.write(address, bytes); !s) return s;
  edit.after.assign(bytes.begin(), bytes.end());
  if (tracker_) tracker_->note_own_write(address, bytes);
  undo_.push_back(std::move(edit));
  redo_.clear();
  return {};
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
      if (tracker_) tracker_->note_own_write(address, bytes);
      return {};
    }
    if (swapped.error().code != Errc::unsupported) return swapped.error();
  }
  std::vector<std::byte> now(n);
  if (Status s = read_exact(source_, address, now); !s) return s;
  if (!std::equal(now.begin(), now.end(), expect.begin(), expect.end())) return changed_error(now);
  if (Status s = source_.write(address, bytes); !s) return s;
  if (tracker_) tracker_->note_own_write(address, bytes);
  return {};
}

Status Editor::undo() {
  if (undo_.empty()) return make_error(Errc::invalid_argument, "nothing to undo");
  const Edit& e = undo_.back();
  if (Status s = apply(e.address, e.after, e.before); !s) return s;
  redo_.push_back(std::move(undo_.back()));
  undo_.pop_back();
  return {};
}

Status Editor::redo() {
  if (redo_.empty()) return make_error(Errc::invalid_argument, "nothing to redo");
  const Edit& e = redo_.back();
  if (Status s = apply(e.address, e.before, e.after); !s) return s;
  undo_.push_back(std::move(redo_.back()));
  redo_.pop_back();
  return {};
}

void Editor::clear_history() {
  undo_.clear();
  redo_.clear();
}

}  // namespace memview
