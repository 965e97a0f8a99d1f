// Shared machinery of the fd-backed mapped sources (POSIX shm objects and regular files):
// mmap of the whole object, fault-guarded reads/diffs/writes, and per-poll checks of the
// size (fstat) and of the name (stat of the path: gone or replaced means removed).
#pragma once

#if !defined(_WIN32)

#include <sys/types.h>

#include <string>

#include "guarded_view.h"
#include "in_place_source.h"
#include "memview/source.h"
#include "memview/source_spec.h"

namespace memview::detail {

class MappedFdSource : public Source, public InPlaceSource {
 public:
  // Takes ownership of fd. `path` is what the name resolves to (for removal checks).
  static Result<SourcePtr> create(int fd, bool writable, std::string read_only_reason,
                                  std::string path, SourceInfo info);
  ~MappedFdSource() override;

  const SourceInfo& info() const override { return info_; }
  ReadOutcome read(uint64_t address, std::span<std::byte> out) override;
  ReadOutcome diff(uint64_t address, std::span<std::byte> cache, const DiffSink& sink) override;
  bool run_in_place(uint64_t address, uint64_t length, InPlaceFn fn, void* context) override;
  Status write(uint64_t address, std::span<const std::byte> data) override;
  Result<bool> compare_exchange(uint64_t address, unsigned width, uint64_t& expected,
                                uint64_t desired) override;
  std::vector<SourceEvent> refresh() override;

 private:
  MappedFdSource() = default;
  Status map_to(uint64_t size);
  Result<uint64_t> current_size() const;
  GuardedView view() const { return {map_, map_len_}; }

  int fd_ = -1;
  std::byte* map_ = nullptr;
  uint64_t map_len_ = 0;
  SourceInfo info_;
  std::string path_;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
  bool removed_ = false;
};

// The second half of creating an object that this process has just made with
// O_CREAT|O_EXCL (fd): sets the exact mode (the umask narrowed the one given to open), the
// size, and maps it. On any failure `remove_name` takes the new name away again, but only
// while `path` still names the object made here: a failed create leaves nothing behind and
// never removes someone else's object. `what` names the object in messages.
Result<SourcePtr> finish_create(int fd, const CreateOptions& options, const std::string& path,
                                const std::string& what, SourceInfo info,
                                void (*remove_name)(const std::string& path));

// errno -> Errc and a message naming what failed.
Error errno_error(int err, const std::string& what);

}  // namespace memview::detail

#endif
