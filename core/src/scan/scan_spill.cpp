// The temporary file of spilled blocks, and the memory cap that decides what goes there.
#include "scan/scan_spill.h"

#if defined(_WIN32)
#include <windows.h>
#else
#include <fcntl.h>
#include <unistd.h>
#endif

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include <fmt/format.h>

#include "scan/scan_block.h"

namespace memview {
namespace {

// A spilled block's record: a header (sizes of everything), then the snapshot and each
// lane's bitmap, offsets and values. Only this process reads it back.
struct LaneHeader {
  uint8_t type;
  uint8_t all;
  uint8_t pad[2];
  uint32_t step;
  uint32_t origin;
  uint32_t pad2;
  uint64_t words;
  uint64_t offsets;
  uint64_t values;
};

struct BlockHeader {
  uint64_t snapshot;
  uint64_t lanes;
};

Error spill_error(const std::string& dir, const std::string& what) {
  return make_error(Errc::io,
                    fmt::format("the scan is over its memory cap and cannot use a temporary file "
                                "in {}: {}",
                                dir, what));
}

}  // namespace

Result<std::shared_ptr<ScanSpill>> ScanSpill::create() {
  std::error_code ec;
  std::filesystem::path dir = std::filesystem::temp_directory_path(ec);
  if (ec) dir = ".";
  std::shared_ptr<ScanSpill> s(new ScanSpill());
  s->dir_ = dir.string();
#if defined(_WIN32)
  const std::wstring path = (dir / fmt::format("memview-scan-{}-{}.tmp", GetCurrentProcessId(),
                                               reinterpret_cast<uintptr_t>(s.get())))
                                .wstring();
  HANDLE h = CreateFileW(path.c_str(), GENERIC_READ | GENERIC_WRITE, 0, nullptr, CREATE_NEW,
                         FILE_ATTRIBUTE_TEMPORARY | FILE_FLAG_DELETE_ON_CLOSE, nullptr);
  if (h == INVALID_HANDLE_VALUE) {
    return spill_error(s->dir_, fmt::format("error {}", GetLastError()));
  }
  s->handle_ = h;
#else
  std::string path = (dir / "memview-scan-XXXXXX").string();
  const int fd = mkstemp(path.data());
  if (fd < 0) return spill_error(s->dir_, std::strerror(errno));
  unlink(path.c_str());  // no name: nothing is left behind, whatever happens next
  fcntl(fd, F_SETFD, FD_CLOEXEC);
  s->fd_ = fd;
#endif
  return s;
}

ScanSpill::~ScanSpill() {
#if defined(_WIN32)
  if (handle_) CloseHandle(static_cast<HANDLE>(handle_));
#else
  if (fd_ >= 0) close(fd_);
#endif
}

Status ScanSpill::write_at(uint64_t offset, const void* p, size_t n) {
  const auto* bytes = static_cast<const char*>(p);
  while (n > 0) {
#if defined(_WIN32)
    std::lock_guard<std::mutex> lock(io_);
    OVERLAPPED ov{};
    ov.Offset = static_cast<DWORD>(offset);
    ov.OffsetHigh = static_cast<DWORD>(offset >> 32);
    DWORD done = 0;
    const DWORD chunk = static_cast<DWORD>(std::min<size_t>(n, 1u << 30));
    if (!WriteFile(static_cast<HANDLE>(handle_), bytes, chunk, &done, &ov) || done == 0) {
      return spill_error(dir_, fmt::format("write error {} (disk full?)", GetLastError()));
    }
    const size_t got = done;
#else
    const ssize_t r = pwrite(fd_, bytes, n, static_cast<off_t>(offset));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      return spill_error(dir_, r < 0 ? std::strerror(errno) : "nothing written (disk full?)");
    }
    const auto got = static_cast<size_t>(r);
#endif
    bytes += got;
    offset += got;
    n -= got;
  }
  return {};
}

Status ScanSpill::read_at(uint64_t offset, void* p, size_t n) const {
  auto* bytes = static_cast<char*>(p);
  while (n > 0) {
#if defined(_WIN32)
    std::lock_guard<std::mutex> lock(io_);
    OVERLAPPED ov{};
    ov.Offset = static_cast<DWORD>(offset);
    ov.OffsetHigh = static_cast<DWORD>(offset >> 32);
    DWORD done = 0;
    const DWORD chunk = static_cast<DWORD>(std::min<size_t>(n, 1u << 30));
    if (!ReadFile(static_cast<HANDLE>(handle_), bytes, chunk, &done, &ov) || done == 0) {
      return make_error(
          Errc::io, fmt::format("cannot read the scan's temporary file: error {}", GetLastError()));
    }
    const size_t got = done;
#else
    const ssize_t r = pread(fd_, bytes, n, static_cast<off_t>(offset));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      return make_error(Errc::io, fmt::format("cannot read the scan's temporary file: {}",
                                              r < 0 ? std::strerror(errno) : "it is short"));
    }
    const auto got = static_cast<size_t>(r);
#endif
    bytes += got;
    offset += got;
    n -= got;
  }
  return {};
}

Status ScanSpill::store(ScanBlock& block) {
  BlockHeader bh{block.snapshot.size(), block.lanes.size()};
  std::vector<LaneHeader> lanes;
  uint64_t total = sizeof bh + block.snapshot.size();
  for (const ScanLane& lane : block.lanes) {
    LaneHeader h{};
    h.type = static_cast<uint8_t>(lane.type);
    h.all = lane.all ? 1 : 0;
    h.step = lane.step;
    h.origin = lane.origin;
    h.words = lane.bits.size();
    h.offsets = lane.offsets.size();
    h.values = lane.values.size();
    lanes.push_back(h);
    total += sizeof h + h.words * sizeof(uint64_t) + h.offsets * sizeof(uint32_t) + h.values;
  }
  const uint64_t count = scan_detail::block_candidates(block);
  // Reserve the bytes first: other threads append beside this one.
  const uint64_t at = end_.fetch_add(total);
  uint64_t pos = at;
  auto put = [&](const void* p, size_t n) -> Status {
    if (n == 0) return {};
    Status s = write_at(pos, p, n);
    pos += n;
    return s;
  };
  if (Status s = put(&bh, sizeof bh); !s) return s;
  if (Status s = put(lanes.data(), lanes.size() * sizeof(LaneHeader)); !s) return s;
  if (Status s = put(block.snapshot.data(), block.snapshot.size()); !s) return s;
  for (const ScanLane& lane : block.lanes) {
    if (Status s = put(lane.bits.data(), lane.bits.size() * sizeof(uint64_t)); !s) return s;
    if (Status s = put(lane.offsets.data(), lane.offsets.size() * sizeof(uint32_t)); !s) return s;
    if (Status s = put(lane.values.data(), lane.values.size()); !s) return s;
  }
  // Fresh vectors, not `= {}` (which keeps the capacity): the memory is given back.
  block.snapshot = std::vector<std::byte>();
  block.lanes = std::vector<ScanLane>();
  block.spill_offset = at;
  block.spill_bytes = total;
  block.spill_count = count;
  return {};
}

Result<std::shared_ptr<const ScanBlock>> ScanSpill::load(const ScanBlock& spilled) const {
  {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    if (cached_ && cached_offset_ == spilled.spill_offset) return cached_;
  }
  Result<ScanBlock> b = read_back(spilled);
  if (!b) return b.error();
  auto out = std::make_shared<const ScanBlock>(std::move(*b));
  std::lock_guard<std::mutex> lock(cache_mutex_);
  cached_offset_ = spilled.spill_offset;
  cached_ = out;
  return std::shared_ptr<const ScanBlock>(std::move(out));
}

Result<ScanBlock> ScanSpill::read_back(const ScanBlock& spilled) const {
  ScanBlock block;
  ScanBlock* b = &block;
  b->address = spilled.address;
  b->length = spilled.length;
  b->extent = spilled.extent;
  BlockHeader bh{};
  uint64_t pos = spilled.spill_offset;
  auto get = [&](void* p, size_t n) -> Status {
    if (n == 0) return {};
    Status s = read_at(pos, p, n);
    pos += n;
    return s;
  };
  if (Status s = get(&bh, sizeof bh); !s) return s.error();
  if (bh.lanes > 64 || bh.snapshot > spilled.spill_bytes) {
    return make_error(Errc::io, "the scan's temporary file does not hold what was written");
  }
  std::vector<LaneHeader> lanes(static_cast<size_t>(bh.lanes));
  if (Status s = get(lanes.data(), lanes.size() * sizeof(LaneHeader)); !s) return s.error();
  b->snapshot.resize(static_cast<size_t>(bh.snapshot));
  if (Status s = get(b->snapshot.data(), b->snapshot.size()); !s) return s.error();
  for (const LaneHeader& h : lanes) {
    if (h.words + h.offsets + h.values > spilled.spill_bytes) {
      return make_error(Errc::io, "the scan's temporary file does not hold what was written");
    }
    ScanLane lane;
    lane.type = static_cast<ScalarType>(h.type);
    lane.all = h.all != 0;
    lane.step = h.step;
    lane.origin = h.origin;
    lane.bits.resize(static_cast<size_t>(h.words));
    lane.offsets.resize(static_cast<size_t>(h.offsets));
    lane.values.resize(static_cast<size_t>(h.values));
    if (Status s = get(lane.bits.data(), lane.bits.size() * sizeof(uint64_t)); !s) return s.error();
    if (Status s = get(lane.offsets.data(), lane.offsets.size() * sizeof(uint32_t)); !s)
      return s.error();
    if (Status s = get(lane.values.data(), lane.values.size()); !s) return s.error();
    b->lanes.push_back(std::move(lane));
  }
  return block;
}

namespace scan_detail {

uint64_t block_memory(const ScanBlock& b) {
  uint64_t n = sizeof(ScanBlock) + b.snapshot.capacity();
  for (const ScanLane& lane : b.lanes) {
    n += sizeof(ScanLane) + lane.bits.capacity() * sizeof(uint64_t) +
         lane.offsets.capacity() * sizeof(uint32_t) + lane.values.capacity();
  }
  return n;
}

Status SpillBudget::keep(ScanBlock& b) {
  const uint64_t bytes = block_memory(b);
  if (cap_ == 0) return {};
  // Reserve first, give back on spill: two threads never both squeeze under the cap.
  const uint64_t before = used_.fetch_add(bytes);
  if (before + bytes <= cap_) return {};
  used_.fetch_sub(bytes);
  std::shared_ptr<ScanSpill> spill;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!spill_) {
      Result<std::shared_ptr<ScanSpill>> made = ScanSpill::create();
      if (!made) return made.error();
      spill_ = std::move(*made);
    }
    spill = spill_;
  }
  if (Status s = spill->store(b); !s) return s;
  spilled_.fetch_add(b.spill_bytes);
  return {};
}

std::shared_ptr<ScanSpill> SpillBudget::spill() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return spill_;
}

Result<std::shared_ptr<const ScanBlock>> resident(const ScanState& s, const ScanBlock& b) {
  if (!b.spilled()) return std::shared_ptr<const ScanBlock>(std::shared_ptr<void>(), &b);
  if (!s.spill) return make_error(Errc::io, "a spilled block without its temporary file");
  return s.spill->load(b);
}

}  // namespace scan_detail
}  // namespace memview
