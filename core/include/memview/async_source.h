// A Source for a frame loop in front of a backend whose I/O may block (a gdb stub over
// TCP: SourceBackend::blocking_io). The real source lives on a worker (worker.h) that opens
// it, reads the ranges the frame last asked for, runs the edits and publishes what it read.
// None of the calls below waits for the worker:
//
//   info()      what the worker last reported. Until the open finishes: the backend's
//               describe() of the spec, not writable, status "connecting to ...".
//   read()      served from the worker's latest published bytes. Bytes it has not read
//               (yet) are unreadable, with the reason "waiting for ...". The ranges asked
//               between two refresh() calls become the worker's next fetch.
//   refresh()   hands those ranges to the worker, takes its newest bytes and info, and
//               returns what it saw since the last call: a failed open or a dropped link
//               (disconnected), resizes, removals. info().status says when the worker has
//               been waiting on the source for a while.
//   edit_queue()  edits go through the Editor, which hands them to the worker (editor.h):
//               pending at once, their outcomes later. write() itself is refused.
//
// The worker starts at the first refresh(), so a source dropped before its first poll (the
// viewer selecting a tab already open) never touches the link. It fetches when the frame
// has asked since its last round and the link has rested as long as that round took (a slow
// link is busy at most half the time), and runs edits as soon as they arrive, followed by
// a fetch, so the bytes published with an edit's outcome include it. One round reads at
// most 4 MiB (in 64 KiB pieces, so a cancel is seen in between); asked bytes beyond that
// stay "waiting". When the real source shrinks or goes away its refresh() events come
// through refresh() here, with the info that shows them; bytes past a new end are
// reported outside the source, as by any backend.
//
// Destruction never waits: the worker is cancelled and let go (Worker::detach_on_destroy);
// it closes the real source when the I/O it is in returns (a connect or reply timeout).
//
// Thread-safety: like every Source, one thread at a time; the worker is internal.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "memview/editor.h"
#include "memview/source.h"
#include "memview/source_spec.h"
#include "memview/worker.h"

namespace memview {

class AsyncSource final : public Source, public EditQueue {
 public:
  // Works for any spec (the worker opens it with open_source); front ends use it for
  // blocking_io backends through open_source_nonblocking().
  static std::unique_ptr<AsyncSource> open(const SourceSpec& spec, const OpenOptions& options);
  ~AsyncSource() override;

  const SourceInfo& info() const override { return info_; }
  ReadOutcome read(uint64_t address, std::span<std::byte> out) override;
  Status write(uint64_t address, std::span<const std::byte> data) override;
  std::vector<SourceEvent> refresh() override;
  EditQueue* edit_queue() override { return this; }

  void submit(EditRequest request) override;
  std::vector<EditOutcome> take_outcomes() override;

  // True once the worker has opened the real source (as of the last refresh()).
  bool opened() const { return opened_; }

  struct Shared;    // what the frame and the worker hand each other
  struct Snapshot;  // one publication of the worker: info and the bytes it read

 private:
  AsyncSource(const SourceSpec& spec, const OpenOptions& options);
  void start();
  void take_snapshot(std::vector<SourceEvent>& events);
  void update_status(int64_t now);
  void serve(uint64_t address, std::span<std::byte> out, uint64_t lo, uint64_t hi,
             ReadOutcome& outcome) const;

  std::shared_ptr<Shared> shared_;
  std::string spec_text_;
  std::string waiting_reason_;  // of bytes not read yet
  std::unique_ptr<Worker> worker_;
  std::shared_ptr<const Snapshot> snapshot_;  // what reads are served from
  uint64_t snapshot_version_ = 0;
  SourceInfo info_;
  bool opened_ = false;
  bool ended_ = false;            // the worker is gone (failed open or failure)
  std::string end_reason_;        // why
  std::vector<ByteRange> asked_;  // reads since the last refresh()
};

// Opens a source for a frame loop: a blocking_io backend behind an AsyncSource (returns at
// once; the open runs on its worker, its failure arrives as a disconnected event), any
// other backend directly, as open_source does. A malformed spec fails at once either way.
Result<SourcePtr> open_source_nonblocking(std::string_view spec, const OpenOptions& options = {});

}  // namespace memview
