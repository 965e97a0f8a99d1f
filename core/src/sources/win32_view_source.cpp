#if defined(_WIN32)

#include "sources/win32_view_source.h"

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "fault_guard.h"
#include "mem_ops.h"

namespace memview::detail {

namespace {

uint64_t page_size() {
  static const uint64_t size = [] {
    SYSTEM_INFO si;
    GetSystemInfo(&si);
    return static_cast<uint64_t>(si.dwPageSize);
  }();
  return size;
}

void forward_run(void* context, size_t index, size_t length) {
  const auto* sink = static_cast<const DiffSink*>(context);
  if (*sink) (*sink)(index, length);
}

struct CopyJob {
  std::byte* out;
  const std::byte* live;
  size_t n;
  void on_fault() {}
  static void run(void* c) {
    auto* j = static_cast<CopyJob*>(c);
    load_bytes(j->out, j->live, j->n);
  }
};

struct DiffJob {
  std::byte* cache;
  const std::byte* live;
  size_t n;
  const DiffSink* sink;
  PendingRun pending;
  static void run(void* c) {
    auto* j = static_cast<DiffJob*>(c);
    diff_into(j->cache, j->live, j->n, forward_run, const_cast<DiffSink*>(j->sink), j->pending);
  }
  // After a fault: report what was committed to the cache but not yet reported.
  void on_fault() {
    if (pending.length != 0)
      forward_run(const_cast<DiffSink*>(sink), pending.start, pending.length);
    pending.length = 0;
  }
};

// Runs Job::run over [address, address+n) of the view, shrinking the range to the part
// before the faulting page. Returns how many leading bytes were processed completely.
template <class Job>
uint64_t guarded_prefix(std::byte* view, uint64_t view_len, uint64_t address, uint64_t n,
                        Job& job) {
  uint64_t len = n;
  for (int attempt = 0; attempt < 4 && len > 0; ++attempt) {
    job.n = static_cast<size_t>(len);
    const std::optional<uintptr_t> fault = run_guarded(view, view_len, &Job::run, &job);
    if (!fault) return len;
    job.on_fault();
    const uintptr_t start = reinterpret_cast<uintptr_t>(view + address);
    const uintptr_t fault_page = *fault & ~static_cast<uintptr_t>(page_size() - 1);
    len = fault_page > start ? std::min<uint64_t>(len, fault_page - start) : 0;
  }
  return len;
}

}  // namespace

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

uint64_t Win32ViewSource::readable_span(uint64_t address, uint64_t length,
                                        ReadOutcome& outcome) const {
  const uint64_t limit = std::min(info_.size, view_len_);
  const uint64_t n = address >= limit ? 0 : std::min(length, limit - address);
  if (n < length) {
    outcome.unreadable.push_back({address + n, length - n});
    outcome.message = fmt::format("past the end of the object ({} bytes)", info_.size);
  }
  return n;
}

ReadOutcome Win32ViewSource::read(uint64_t address, std::span<std::byte> out) {
  ReadOutcome outcome;
  const uint64_t n = readable_span(address, out.size(), outcome);
  if (n == 0) return outcome;
  CopyJob job{out.data(), view_ + address, 0};
  const uint64_t done = guarded_prefix(view_, view_len_, address, n, job);
  if (done < n) {
    outcome.unreadable.clear();
    outcome.unreadable.push_back({address + done, out.size() - done});
    outcome.message = "a page of the view could not be read (uncommitted or I/O error)";
  }
  return outcome;
}

ReadOutcome Win32ViewSource::diff(uint64_t address, std::span<std::byte> cache,
                                  const DiffSink& sink) {
  ReadOutcome outcome;
  const uint64_t n = readable_span(address, cache.size(), outcome);
  if (n == 0) return outcome;
  DiffJob job{cache.data(), view_ + address, 0, &sink, {}};
  const uint64_t done = guarded_prefix(view_, view_len_, address, n, job);
  if (done < n) {
    outcome.unreadable.clear();
    outcome.unreadable.push_back({address + done, cache.size() - done});
    outcome.message = "a page of the view could not be read (uncommitted or I/O error)";
  }
  return outcome;
}

Status Win32ViewSource::write(uint64_t address, std::span<const std::byte> data) {
  if (Status s = check_write_range(info_, address, data.size()); !s) return s;
  if (data.empty()) return {};
  if (address + data.size() > view_len_) {
    return make_error(Errc::out_of_range, "write past the end of the view (nothing written)");
  }
  struct StoreJob {
    std::byte* dst;
    const std::byte* data;
    size_t n;
  } job{view_ + address, data.data(), data.size()};
  // A guarded write that faults half-way may have stored a prefix; check the whole range
  // is readable first (a committed, readable page of a section stays so while mapped), so
  // a fault here means an I/O error on a file-backed view.
  std::vector<std::byte> probe(data.size());
  if (ReadOutcome r = read(address, probe); !r.complete()) {
    return make_error(Errc::io, fmt::format("write at 0x{:x} not done: {} (nothing written)",
                                            address, r.message));
  }
  const std::optional<uintptr_t> fault = run_guarded(
      view_, view_len_,
      [](void* c) {
        auto* j = static_cast<StoreJob*>(c);
        store_bytes(j->dst, j->data, j->n);
      },
      &job);
  if (fault) {
    return make_error(Errc::io,
                      fmt::format("the view faulted during the write at 0x{:x}; bytes from "
                                  "0x{:x} on were not written",
                                  address, *fault - reinterpret_cast<uintptr_t>(view_)));
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
  struct CasJob {
    std::byte* dst;
    unsigned width;
    uint64_t* expected;
    uint64_t desired;
    bool swapped;
  } job{view_ + address, width, &expected, desired, false};
  const std::optional<uintptr_t> fault = run_guarded(
      view_, view_len_,
      [](void* c) {
        auto* j = static_cast<CasJob*>(c);
        j->swapped = compare_exchange_bytes(j->dst, j->width, *j->expected, j->desired);
      },
      &job);
  if (fault) return make_error(Errc::io, "the view faulted during compare-and-swap");
  return job.swapped;
}

std::vector<SourceEvent> Win32ViewSource::refresh() {
  // A pagefile-backed section has a fixed size and its name lives as long as any handle
  // (ours included): nothing can change. File-backed sources check their file.
  if (hooks_.refresh) return hooks_.refresh(*this);
  return {};
}

}  // namespace memview::detail

#endif
