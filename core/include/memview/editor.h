// The editor: the only writer. Writes exactly the edited bytes through the Source and
// journals them for undo/redo. Undo and redo never write stale bytes over someone else's
// data: they first check that the bytes still hold what the journal expects.
//
// A source whose I/O runs on a worker (Source::edit_queue(), e.g. AsyncSource) is edited
// the same way without waiting for it: the Editor checks what it can at once (range,
// read-only, an empty journal), hands the edit to the worker, whose own Editor makes the
// same reads, checks and writes against the real source in the order submitted, and
// returns ok: the edit is pending. Until collect() brings the outcomes in, the journal
// shown is the one expected if the pending edits succeed; collect() replaces it with the
// worker's exact journal and sets the own-edit marks of the edits that succeeded (the
// bytes shown stay what the source held until then: nothing is shown as written before
// the source has it).
//
// Thread-safety: none; use from the thread that owns the source.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
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

// One edit as a request, for an editor on another thread (see EditQueue).
struct EditRequest {
  enum class Kind { write, write_bits, undo, redo, clear_history };
  Kind kind = Kind::write;
  uint64_t address = 0;          // write, write_bits
  std::vector<std::byte> bytes;  // write
  unsigned width = 0;            // write_bits: the unit, its mask and the new bits
  uint64_t mask = 0;
  uint64_t value = 0;
};

// Bytes an edit stored (the own-edit marks it leaves).
struct WrittenRun {
  uint64_t address = 0;
  std::vector<std::byte> bytes;
};

// How one EditRequest ended.
struct EditOutcome {
  EditRequest request;
  Status status;
  Edit edit;                        // when ok: the journal entry made, undone or redone
  std::vector<WrittenRun> written;  // when ok: what it stored
};

// Runs edits on another thread, one at a time in the order submitted, each with the
// Editor's own checks against a Source that thread owns. Implemented by sources whose I/O
// must not run on the caller's thread; Source::edit_queue() returns it.
class EditQueue {
 public:
  virtual ~EditQueue() = default;
  virtual void submit(EditRequest request) = 0;
  // Outcomes of submitted requests that ended since the last call, in submission order.
  // Every request gets exactly one outcome (a failure when the worker is gone).
  virtual std::vector<EditOutcome> take_outcomes() = 0;
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

  // Edits handed to the source's EditQueue that have not ended yet (always 0 for sources
  // written in place).
  size_t pending() const { return pending_.size(); }
  // Brings in the outcomes of pending edits (oldest first) so the caller can show them:
  // updates the journal and the own-edit marks. Returns nothing for sources written in place.
  std::vector<EditOutcome> collect();

  // Runs one request in place, as the worker behind an EditQueue does with its own Editor
  // (an Editor over a source written in place; with a queue this fails).
  EditOutcome run(const EditRequest& request);

 private:
  struct Pending {
    EditRequest request;
    Edit predicted;  // write, write_bits: the entry expected in the journal
  };
  Status apply(uint64_t address, std::span<const std::byte> expect,
               std::span<const std::byte> bytes);
  Status apply_bits(const Edit& e, std::span<const std::byte> expect,
                    std::span<const std::byte> bytes);
  void note_write(uint64_t address, std::span<const std::byte> bytes);
  void note_bits(uint64_t address, unsigned width, uint64_t mask, uint64_t value);
  Status submit(EditRequest request, Edit predicted);
  static void predict(const Pending& p, std::vector<Edit>& undo, std::vector<Edit>& redo);
  Edit predicted_write(uint64_t address, std::span<const std::byte> bytes);

  Source& source_;
  ChangeTracker* tracker_;
  std::vector<Edit> undo_;
  std::vector<Edit> redo_;
  // In place: what the current operation stored, for run(). With a queue: the requests
  // not ended yet and the journal as the worker confirmed it.
  std::vector<WrittenRun>* written_ = nullptr;
  EditQueue* queue_ = nullptr;
  std::deque<Pending> pending_;
  std::vector<Edit> confirmed_undo_;
  std::vector<Edit> confirmed_redo_;
};

}  // namespace memview
