// Per-CPU perf ring buffers and write breakpoint events (Linux).
#if defined(__linux__)

#include "who/perf_events.h"

#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <ctime>

#include <fmt/format.h>

namespace memview::detail {
namespace {

long sys_perf_event_open(perf_event_attr* attr, pid_t pid, int cpu, int group,
                         unsigned long flags) {
  return syscall(SYS_perf_event_open, attr, pid, cpu, group, flags);
}

void common_attr(perf_event_attr& a) {
  a.size = sizeof a;
  a.exclude_kernel = 1;  // user-space writes only: allowed at perf_event_paranoid 2
  a.exclude_hv = 1;
  a.use_clockid = 1;  // sample times in memview::now_ns()'s time base
  a.clockid = CLOCK_MONOTONIC;
}

unsigned bp_len(unsigned length) {
  switch (length) {
    case 1:
      return HW_BREAKPOINT_LEN_1;
    case 2:
      return HW_BREAKPOINT_LEN_2;
    case 4:
      return HW_BREAKPOINT_LEN_4;
    default:
      return HW_BREAKPOINT_LEN_8;
  }
}

// Kernels before 5.13 do not know inherit_thread/remove_on_exec (EINVAL, or E2BIG for the
// attr size): remembered after the first refusal, then events inherit to child processes
// too and survive exec (both harmless: a forked child's writes land in its own copy).
std::atomic<bool> g_old_kernel{false};

}  // namespace

EventFd::~EventFd() {
  if (fd_ >= 0) close(fd_);
}

EventFd& EventFd::operator=(EventFd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) close(fd_);
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

Result<PerfRing> PerfRing::open(int cpu, unsigned data_pages, int& err, bool& mmap_failed) {
  err = 0;
  mmap_failed = false;
  perf_event_attr a{};
  a.type = PERF_TYPE_SOFTWARE;
  a.config = PERF_COUNT_SW_DUMMY;
  common_attr(a);
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  // Wake a poller when a quarter of the ring is used: bursts are drained before they
  // overflow, a steady trickle is drained by the poll timeout.
  a.watermark = 1;
  a.wakeup_watermark = static_cast<uint32_t>(page * data_pages / 4);
  const long fd = sys_perf_event_open(&a, getpid(), cpu, -1, PERF_FLAG_FD_CLOEXEC);
  if (fd < 0) {
    err = errno;
    return make_error(Errc::io, fmt::format("perf_event_open of the ring on CPU {}: {}", cpu,
                                            std::strerror(err)));
  }
  PerfRing ring;
  ring.cpu_ = cpu;
  ring.fd_ = EventFd(static_cast<int>(fd));
  ring.map_size_ = page * (1 + data_pages);
  void* base = mmap(nullptr, ring.map_size_, PROT_READ | PROT_WRITE, MAP_SHARED, ring.fd_.get(), 0);
  if (base == MAP_FAILED) {
    err = errno;
    mmap_failed = true;
    return make_error(Errc::io,
                      fmt::format("cannot map the ring on CPU {}: {}", cpu, std::strerror(err)));
  }
  ring.base_ = base;
  const auto* meta = static_cast<const perf_event_mmap_page*>(base);
  ring.data_offset_ = meta->data_offset != 0 ? meta->data_offset : page;
  ring.data_size_ = meta->data_size != 0 ? meta->data_size : page * data_pages;
  return ring;
}

PerfRing::~PerfRing() {
  if (base_ != nullptr) munmap(base_, map_size_);
}

PerfRing::PerfRing(PerfRing&& o) noexcept
    : cpu_(o.cpu_),
      fd_(std::move(o.fd_)),
      base_(o.base_),
      map_size_(o.map_size_),
      data_offset_(o.data_offset_),
      data_size_(o.data_size_),
      scratch_(std::move(o.scratch_)) {
  o.base_ = nullptr;
}

PerfRing& PerfRing::operator=(PerfRing&& o) noexcept {
  if (this != &o) {
    if (base_ != nullptr) munmap(base_, map_size_);
    cpu_ = o.cpu_;
    fd_ = std::move(o.fd_);
    base_ = o.base_;
    map_size_ = o.map_size_;
    data_offset_ = o.data_offset_;
    data_size_ = o.data_size_;
    scratch_ = std::move(o.scratch_);
    o.base_ = nullptr;
  }
  return *this;
}

namespace {

template <class T>
T take(const unsigned char*& p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  p += sizeof v;
  return v;
}

// Decodes one record (header included). Layouts follow the attributes set in this file:
// samples carry IP, TID, TIME, ID in that order; sample_id_all is off.
bool decode(const unsigned char* rec, size_t size, PerfRecord& out) {
  perf_event_header h{};
  std::memcpy(&h, rec, sizeof h);
  const unsigned char* p = rec + sizeof h;
  const size_t body = size - sizeof h;
  switch (h.type) {
    case PERF_RECORD_SAMPLE:
      if (body < 32) return false;
      out.kind = PerfRecord::Kind::sample;
      out.ip = take<uint64_t>(p);
      out.pid = take<uint32_t>(p);
      out.tid = take<uint32_t>(p);
      out.time = take<uint64_t>(p);
      out.id = take<uint64_t>(p);
      return true;
    case PERF_RECORD_LOST:
      if (body < 16) return false;
      out.kind = PerfRecord::Kind::lost;
      out.id = take<uint64_t>(p);
      out.lost = take<uint64_t>(p);
      return true;
    case PERF_RECORD_LOST_SAMPLES:
      if (body < 8) return false;
      out.kind = PerfRecord::Kind::lost;
      out.lost = take<uint64_t>(p);
      return true;
    case PERF_RECORD_FORK:
    case PERF_RECORD_EXIT:
      if (body < 24) return false;
      out.kind = h.type == PERF_RECORD_FORK ? PerfRecord::Kind::fork : PerfRecord::Kind::exit;
      out.pid = take<uint32_t>(p);
      out.ppid = take<uint32_t>(p);
      out.tid = take<uint32_t>(p);
      out.ptid = take<uint32_t>(p);
      out.time = take<uint64_t>(p);
      return true;
    case PERF_RECORD_THROTTLE:
      if (body < 16) return false;
      out.kind = PerfRecord::Kind::throttle;
      out.time = take<uint64_t>(p);
      out.id = take<uint64_t>(p);
      return true;
    default:
      return false;
  }
}

}  // namespace

void PerfRing::drain(std::vector<PerfRecord>& out) {
  if (base_ == nullptr) return;
  auto* meta = static_cast<perf_event_mmap_page*>(base_);
  const uint64_t head = __atomic_load_n(&meta->data_head, __ATOMIC_ACQUIRE);
  uint64_t tail = meta->data_tail;
  const auto* data = static_cast<const unsigned char*>(base_) + data_offset_;
  while (tail + sizeof(perf_event_header) <= head) {
    const size_t at = static_cast<size_t>(tail % data_size_);
    perf_event_header h{};
    if (at + sizeof h <= data_size_) {
      std::memcpy(&h, data + at, sizeof h);
    } else {
      const size_t first = data_size_ - at;
      std::memcpy(&h, data + at, first);
      std::memcpy(reinterpret_cast<unsigned char*>(&h) + first, data, sizeof h - first);
    }
    if (h.size < sizeof h || tail + h.size > head) break;
    const unsigned char* rec = data + at;
    if (at + h.size > data_size_) {  // wraps: copy it out in two pieces
      scratch_.resize(h.size);
      const size_t first = data_size_ - at;
      std::memcpy(scratch_.data(), data + at, first);
      std::memcpy(scratch_.data() + first, data, h.size - first);
      rec = scratch_.data();
    }
    PerfRecord r;
    if (decode(rec, h.size, r)) out.push_back(r);
    tail += h.size;
  }
  __atomic_store_n(&meta->data_tail, tail, __ATOMIC_RELEASE);
}

int open_write_breakpoint(pid_t tid, int cpu, uint64_t address, unsigned length, bool sideband,
                          const PerfRing& ring) {
  perf_event_attr a{};
  a.type = PERF_TYPE_BREAKPOINT;
  common_attr(a);
  a.bp_type = HW_BREAKPOINT_W;
  a.bp_addr = address;
  a.bp_len = bp_len(length);
  a.sample_period = 1;  // every write is one sample: counts per writer are exact
  a.sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_ID;
  a.inherit = 1;  // threads this thread creates later are watched from their start
  a.task = sideband ? 1 : 0;
  if (!g_old_kernel.load(std::memory_order_relaxed)) {
    a.inherit_thread = 1;  // threads only: a forked child writes its own copy
    a.remove_on_exec = 1;  // an exec'd image has nothing at that address
  }
  long fd = sys_perf_event_open(&a, tid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
  if (fd < 0 && (errno == EINVAL || errno == E2BIG) && !g_old_kernel.load()) {
    a.inherit_thread = 0;
    a.remove_on_exec = 0;
    fd = sys_perf_event_open(&a, tid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
    if (fd >= 0) g_old_kernel.store(true);
  }
  if (fd < 0) return -1;
  if (ioctl(static_cast<int>(fd), PERF_EVENT_IOC_SET_OUTPUT, ring.fd()) != 0) {
    const int err = errno;
    close(static_cast<int>(fd));
    errno = err;
    return -1;
  }
  return static_cast<int>(fd);
}

uint64_t event_id(int fd) {
  uint64_t id = 0;
  if (ioctl(fd, PERF_EVENT_IOC_ID, &id) != 0) return 0;
  return id;
}

uint64_t event_count(int fd) {
  uint64_t count = 0;
  if (::read(fd, &count, sizeof count) != static_cast<ssize_t>(sizeof count)) return 0;
  return count;
}

void disable_event(int fd) {
  ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
}

namespace {
volatile uint64_t g_probe_word = 0;  // what the self-test watches and writes
}  // namespace

int probe_write_breakpoint(unsigned writes, uint64_t& counted) {
  perf_event_attr a{};
  a.type = PERF_TYPE_BREAKPOINT;
  common_attr(a);
  a.bp_type = HW_BREAKPOINT_W;
  a.bp_addr = reinterpret_cast<uint64_t>(&g_probe_word);
  a.bp_len = HW_BREAKPOINT_LEN_8;
  const long fd = sys_perf_event_open(&a, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
  if (fd < 0) return errno;
  for (unsigned i = 0; i < writes; ++i) g_probe_word = g_probe_word + 1;
  counted = event_count(static_cast<int>(fd));
  close(static_cast<int>(fd));
  return 0;
}

}  // namespace memview::detail

#endif
