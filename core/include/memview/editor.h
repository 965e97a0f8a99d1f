// The editor: the only writer. Writes exactly the edited bytes through the Source and
// journals them for undo/redo. Undo and redo never write stale bytes over someone else's
// data: they first check that the bytes still hold what the journal expects.
//
// Thread-safety: none; use from the thread that owns the source.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "memview/change_tracker.h"
#include "memview/source.h"

namespace memview {

struct Edit {
  uint64_t address = 0;
  std::vector<std::byte> before;  // what was there when we wrote
  std::vector<std::byte> after;   // what we wrote
  // A bitfield edit (write_bits): only these bits were ours. Empty = every bit. Undo/redo
  // check and restore only these bits and leave the neighbouring bits as they are now.
  std::vector<std::byte> mask;
};

class Editor {
 public:
  // `tracker` may be null (no own-edit marks); both must outlive the editor.
  explicit Editor(Source& source, ChangeTracker* tracker = nullptr);

  // Reads the current bytes (for undo), writes `bytes`, journals the edit. Nothing is
  // written when the range is invalid, the source is read-only or the read fails.
  Status write(uint64_t address, std::span<const std::byte> bytes);

  // Replaces the bits selected by `mask` of the naturally aligned `width`-byte (1/2/4/8)
  // little-endian unit at address with those of `value`, by compare-and-swap: a concurrent
  // writer's other bits in the unit are never lost (bitfields). Journaled like write();
  // only the bytes the mask touches get the own-edit mark. Errc::unsupported when the
  // source has no compare-and-swap.
  Status write_bits(uint64_t address, unsigned width, uint64_t mask, uint64_t value);

  // Undo/redo the last edit. Fails with Errc::changed (writing nothing) if another process
  // changed those bytes since; the entry stays so the user can decide.
  Status undo();
  Status redo();
  bool can_undo() const { return !undo_.empty(); }
  bool can_redo() const { return !redo_.empty(); }
  const std::vector<Edit>& undo_stack() const { return undo_; }
  const std::vector<Edit>& redo_stack() const { return redo_; }  // next redo at back()
  // Drops the journal (after a reopen: addresses may mean other bytes now).
  void clear_history();

 private:
  Status apply(uint64_t address, std::span<const std::byte> expect,
               std::span<const std::byte> bytes);
  Status apply_bits(const Edit& e, std::span<const std::byte> expect,
                    std::span<const std::byte> bytes);
  void note_bits(uint64_t address, unsigned width, uint64_t mask, uint64_t value);
  Source& source_;
  ChangeTracker* tracker_;
  std::vector<Edit> undo_;
  std::vector<Edit> redo_;
};

}  // namespace memview
