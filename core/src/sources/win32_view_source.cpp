#if defined(_WIN32)

#include "sources/win32_view_source.h"

#include <algorithm>
#include <optional>

#include <fmt/format.h>

namespace memview::detail {

Result<MappedView> map_whole_view(HANDLE section, bool writable, const std::string& what) {
  void* p =
      MapViewOfFile(section, writable ? FILE_MAP_WRITE | FILE_MAP_READ : FILE_MAP_READ, 0, 0, 0);
  if (!p) return win_error(GetLastError(), "cannot map a view of " + what);
  // The view's extent: every region of this allocation (page-rounded by nature).
  uint64_t size = 0;
  auto* base = static_cast<std::byte*>(p);
  for (;;) {
    MEMORY_BASIC_INFORMATION mbi{};
    if (VirtualQuery(base + size, &mbi, sizeof(mbi)) != sizeof(mbi)) break;
    if (mbi.AllocationBase != p || mbi.RegionSize == 0) break;
    size += mbi.RegionSize;
  }
  if (size == 0) {
    const DWORD err = GetLastError();
    UnmapViewOfFile(p);
    return win_error(err, "cannot query the view of " + what);
  }
  return MappedView{base, size};
}

Result<std::unique_ptr<Win32ViewSource>> Win32ViewSource::create(HANDLE section, HANDLE file,
                                                                 bool writable,
                                                                 std::string read_only_reason,
                                                                 uint64_t size, SourceInfo info,
                                                                 Hooks hooks) {
  std::unique_ptr<Win32ViewSource> src(new Win32ViewSource());
  src->section_ = section;
  src->file_ = file;
  src->info_ = std::move(info);
  src->hooks_ = std::move(hooks);
  src->info_.base = 0;
  src->info_.writable = writable;
  src->info_.read_only_reason = writable ? std::string() : std::move(read_only_reason);
  if (section) {
    Result<MappedView> view = map_whole_view(section, writable, src->info_.name);
    if (!view) return view.error();
    src->view_ = view->base;
    src->view_len_ = view->size;
  }
  if (size == 0) {
    src->info_.size = src->view_len_;
    src->info_.size_exact = false;
  } else {
    src->info_.size = std::min(size, src->view_len_);
    src->info_.size_exact = true;
  }
  return src;
}

Win32ViewSource::~Win32ViewSource() {
  if (view_) UnmapViewOfFile(view_);
  if (section_) CloseHandle(section_);
  if (file_ != INVALID_HANDLE_VALUE) CloseHandle(file_);
}

Status Win32ViewSource::remap(HANDLE section, uint64_t size) {
  Result<MappedView> view = map_whole_view(section, info_.writable, info_.name);
  if (!view) {
    CloseHandle(section);
    return view.error();
  }
  if (view_) UnmapViewOfFile(view_);
  if (section_) CloseHandle(section_);
  section_ = section;
  view_ = view->base;
  view_len_ = view->size;
  info_.size = std::min(size, view_len_);
  return {};
}

ReadOutcome Win32ViewSource::read(uint64_t address, std::span<std::byte> out) {
  return view().read_object(info_.size, address, out,
                            "a page of the view could not be read (uncommitted or I/O error)");
}

ReadOutcome Win32ViewSource::diff(uint64_t address, std::span<std::byte> cache,
                                  const DiffSink& sink) {
  return view().diff_object(info_.size, address, cache, sink,
                            "a page of the view could not be read (uncommitted or I/O error)");
}

bool Win32ViewSource::run_in_place(uint64_t address, uint64_t length, InPlaceFn fn, void* context) {
  return view().run_in_place(info_.size, address, length, fn, context);
}

Status Win32ViewSource::write(uint64_t address, std::span<const std::byte> data) {
  if (Status s = check_write_range(info_, address, data.size()); !s) return s;
  if (data.empty()) return {};
  if (address + data.size() > view_len_) {
    return make_error(Errc::out_of_range, "write past the end of the view (nothing written)");
  }
  // A guarded write that faults half-way may have stored a prefix; check the whole range
  // is readable first (a committed, readable page of a section stays so while mapped), so
  // a fault here means an I/O error on a file-backed view.
  std::vector<std::byte> probe(data.size());
  if (ReadOutcome r = read(address, probe); !r.complete()) {
    return make_error(Errc::io, fmt::format("write at 0x{:x} not done: {} (nothing written)",
                                            address, r.message));
  }
  const std::optional<uint64_t> fault = view().store(address, data);
  if (fault) {
    return make_error(Errc::io,
                      fmt::format("the view faulted during the write at 0x{:x}; bytes from "
                                  "0x{:x} on were not written",
                                  address, *fault));
  }
  return {};
}

Result<bool> Win32ViewSource::compare_exchange(uint64_t address, unsigned width, uint64_t& expected,
                                               uint64_t desired) {
  if (width != 1 && width != 2 && width != 4 && width != 8) {
    return make_error(Errc::invalid_argument,
                      fmt::format("compare-and-swap width {} is not 1, 2, 4 or 8", width));
  }
  if (address % width != 0) {
    return make_error(
        Errc::invalid_argument,
        fmt::format("compare-and-swap at 0x{:x} is not {}-byte aligned", address, width));
  }
  if (Status s = check_write_range(info_, address, width); !s) return s.error();
  const std::optional<bool> swapped = view().compare_exchange(address, width, expected, desired);
  if (!swapped) return make_error(Errc::io, "the view faulted during compare-and-swap");
  return *swapped;
}

std::vector<SourceEvent> Win32ViewSource::refresh() {
  // A pagefile-backed section has a fixed size and its name lives as long as any handle
  // (ours included): nothing can change. File-backed sources check their file.
  if (hooks_.refresh) return hooks_.refresh(*this);
  return {};
}

}  // namespace memview::detail

#endif
