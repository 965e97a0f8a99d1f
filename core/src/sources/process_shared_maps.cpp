// Another process's shared mappings mapped into this one (see process_shared_maps.h).
#if defined(__linux__)

#include "sources/process_shared_maps.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include <fmt/format.h>

namespace memview::detail {

namespace {

// Enough for any sane process; a process with more shared mappings than this has the
// rest read through the syscall path.
constexpr size_t kMaxEntries = 256;

bool same_region(const ProcessSharedMaps::Entry& e, const MapRegion& r) {
  return e.start == r.start && e.end == r.end && e.offset == r.offset && e.inode == r.inode &&
         e.device == r.device && r.shared;
}

}  // namespace

ProcessSharedMaps::~ProcessSharedMaps() {
  for (Entry& e : entries_) unmap(e);
}

void ProcessSharedMaps::unmap(Entry& e) {
  if (e.local) munmap(e.local, e.end - e.start);
  e.local = nullptr;
}

std::optional<ProcessSharedMaps::Entry> ProcessSharedMaps::map_region(const MapRegion& r) {
  if (!r.shared || !r.read || r.path.empty() || r.path.front() == '[') return std::nullopt;
  const std::string link = fmt::format("/proc/{}/map_files/{:x}-{:x}", pid_, r.start, r.end);
  bool writable = writable_ && r.write;
  int fd = open(link.c_str(), (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
  if (fd < 0 && writable && (errno == EACCES || errno == EROFS)) {
    writable = false;
    fd = open(link.c_str(), O_RDONLY | O_CLOEXEC);
  }
  if (fd < 0) {
    if (errno == EPERM) refused_ = true;  // needs CAP_SYS_ADMIN: no use trying others
    return std::nullopt;
  }
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return std::nullopt;
  }
  void* p = mmap(nullptr, r.size(), PROT_READ | (writable ? PROT_WRITE : 0), MAP_SHARED, fd,
                 static_cast<off_t>(r.offset));
  close(fd);
  if (p == MAP_FAILED) return std::nullopt;
  Entry e;
  e.start = r.start;
  e.end = r.end;
  e.offset = r.offset;
  e.device = r.device;
  e.inode = r.inode;
  e.local = static_cast<std::byte*>(p);
  e.writable = writable;
  return e;
}

void ProcessSharedMaps::sync(const std::vector<MapRegion>& maps) {
  // Drop what no longer matches (unmapped, or something else mapped at that address).
  std::vector<Entry> kept;
  for (Entry& e : entries_) {
    const MapRegion* r = region_at_or_after(maps, e.start);
    if (r && same_region(e, *r)) {
      kept.push_back(e);
    } else {
      unmap(e);
    }
  }
  entries_ = std::move(kept);
  if (refused_) return;
  for (const MapRegion& r : maps) {
    if (entries_.size() >= kMaxEntries || refused_) break;
    if (!r.shared || find(r.start)) continue;
    if (std::optional<Entry> e = map_region(r)) entries_.push_back(*e);
  }
  std::sort(entries_.begin(), entries_.end(),
            [](const Entry& a, const Entry& b) { return a.start < b.start; });
}

const ProcessSharedMaps::Entry* ProcessSharedMaps::find(uint64_t address) const {
  auto it = std::upper_bound(entries_.begin(), entries_.end(), address,
                             [](uint64_t a, const Entry& e) { return a < e.end; });
  if (it == entries_.end() || it->start > address) return nullptr;
  return &*it;
}

uint64_t ProcessSharedMaps::next_start(uint64_t address) const {
  auto it = std::upper_bound(entries_.begin(), entries_.end(), address,
                             [](uint64_t a, const Entry& e) { return a < e.start; });
  return it == entries_.end() ? ~uint64_t{0} : it->start;
}

bool ProcessSharedMaps::load(const Entry& e, uint64_t address, std::byte* out, size_t n) const {
  return view(e).load(address - e.start, {out, n}) == n;
}

bool ProcessSharedMaps::diff(const Entry& e, uint64_t address, std::byte* cache, size_t n,
                             const Sink& sink) const {
  return view(e).diff(address - e.start, {cache, n}, sink) == n;
}

Status ProcessSharedMaps::store(const Entry& e, uint64_t address, const std::byte* data,
                                size_t n) const {
  if (const std::optional<uint64_t> fault = view(e).store(address - e.start, {data, n})) {
    return make_error(Errc::removed,
                      fmt::format("the shared object behind 0x{:x} shrank during the write; "
                                  "bytes from 0x{:x} on were not written",
                                  address, e.start + *fault));
  }
  return {};
}

Result<bool> ProcessSharedMaps::compare_exchange(const Entry& e, uint64_t address, unsigned width,
                                                 uint64_t& expected, uint64_t desired) const {
  const std::optional<bool> swapped =
      view(e).compare_exchange(address - e.start, width, expected, desired);
  if (!swapped)
    return make_error(Errc::removed, "the shared object shrank during compare-and-swap");
  return *swapped;
}

}  // namespace memview::detail

#endif
