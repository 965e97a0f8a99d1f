// Shared machinery of the Windows mapped sources (named file mappings "win:NAME" and
// mapped files "file:PATH"): a view of a section (file-mapping object) mapped whole,
// fault-guarded reads, fused diffs, single-store writes and compare-and-swap.
//
// Sizes: a section never shrinks while a view of it exists, and a file that has a mapped
// view cannot be truncated (Windows refuses with ERROR_USER_MAPPED_FILE), so the shrink
// cases of the POSIX backends do not arise; the fault guard still covers a file-backed
// view whose file becomes unreadable (in-page error) and uncommitted pages of a
// SEC_RESERVE section (access violation): both are reported as unreadable, never a crash.
#pragma once

#if defined(_WIN32)

#include <functional>
#include <string>

#include "guarded_view.h"
#include "memview/source.h"
#include "sources/win32_util.h"

namespace memview::detail {

class Win32ViewSource : public Source, public InPlaceSource {
 public:
  // How a backend refreshes: returns events and may ask for a new view (file growth).
  struct Hooks {
    // Called once per poll. May return a new size for the object (file grew/shrank).
    std::function<std::vector<SourceEvent>(Win32ViewSource&)> refresh;
  };

  // Takes ownership of `section` (and of `file`, may be INVALID_HANDLE_VALUE), maps it whole
  // with write access when `writable`. `size` 0 means: the view's size from VirtualQuery
  // (page-rounded; info.size_exact becomes false).
  static Result<std::unique_ptr<Win32ViewSource>> create(HANDLE section, HANDLE file, bool writable,
                                                         std::string read_only_reason,
                                                         uint64_t size, SourceInfo info,
                                                         Hooks hooks = {});
  ~Win32ViewSource() override;

  const SourceInfo& info() const override { return info_; }
  ReadOutcome read(uint64_t address, std::span<std::byte> out) override;
  ReadOutcome diff(uint64_t address, std::span<std::byte> cache, const DiffSink& sink) override;
  bool run_in_place(uint64_t address, uint64_t length, InPlaceFn fn, void* context) override;
  Status write(uint64_t address, std::span<const std::byte> data) override;
  Result<bool> compare_exchange(uint64_t address, unsigned width, uint64_t& expected,
                                uint64_t desired) override;
  std::vector<SourceEvent> refresh() override;

  // For hooks.
  HANDLE file() const { return file_; }
  uint64_t view_size() const { return view_len_; }
  GuardedView view() const { return {view_, view_len_}; }
  SourceInfo& mutable_info() { return info_; }
  // Replaces the section (file growth): maps the new one, keeps the old view on failure.
  Status remap(HANDLE section, uint64_t size);

 private:
  Win32ViewSource() = default;

  HANDLE section_ = nullptr;
  HANDLE file_ = INVALID_HANDLE_VALUE;
  std::byte* view_ = nullptr;
  uint64_t view_len_ = 0;  // page-rounded extent of the view (VirtualQuery)
  SourceInfo info_;
  Hooks hooks_;
};

// Maps a whole section; returns the view and its page-rounded size from VirtualQuery.
struct MappedView {
  std::byte* base = nullptr;
  uint64_t size = 0;
};
Result<MappedView> map_whole_view(HANDLE section, bool writable, const std::string& what);

}  // namespace memview::detail

#endif
