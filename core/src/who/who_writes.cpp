// Who writes here: the worker job that keeps write breakpoints in every thread of every
// process mapping the watched bytes, drains their samples and publishes the table.
#include "memview/who_writes.h"

#include <algorithm>

#include <fmt/format.h>

#if defined(__linux__)
#include <poll.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <unordered_map>
#include <unordered_set>

#include "memview/clock.h"
#include "memview/source_spec.h"
#include "memview/who_maps.h"
#include "sources/pid_spec.h"
#include "who/perf_events.h"
#include "who/perf_explain.h"
#include "who/proc_facts.h"
#include "who/symbolizer.h"
#endif

namespace memview {

const char* who_writes_phase_name(WhoWritesPhase p) {
  switch (p) {
    case WhoWritesPhase::attaching:
      return "attaching";
    case WhoWritesPhase::watching:
      return "watching";
    case WhoWritesPhase::stopped:
      return "stopped";
  }
  return "unknown";
}

size_t WhoWritesTable::attached_count() const {
  return static_cast<size_t>(std::count_if(
      processes.begin(), processes.end(),
      [](const AttachedProcess& p) { return !p.detached && !p.exited && p.threads > 0; }));
}

#if defined(__linux__)
namespace {

using detail::EventFd;
using detail::PerfRecord;
using detail::PerfRing;

// The breakpoints of one thread opened directly (threads it creates inherit them).
struct DirectThread {
  pid_t tid = 0;
  std::vector<EventFd> fds;  // one per CPU and watch address
};

struct ProcState {
  pid_t pid = 0;
  std::string command;
  std::string comm;
  std::vector<WatchAddress> addrs;
  std::vector<DirectThread> direct;
  std::unordered_set<pid_t> covered;       // threads with breakpoints: direct or inherited
  std::unordered_map<pid_t, int> unknown;  // in /proc/PID/task but not covered: scans seen
  size_t threads = 0;
  uint64_t closed_hits = 0;  // counts of breakpoints already closed
  bool exited = false;
  bool detached = false;
  std::string error;
};

struct RowKey {
  unsigned watch;
  pid_t pid;
  pid_t tid;
  uint64_t ip;
  bool operator==(const RowKey&) const = default;
};

struct RowKeyHash {
  size_t operator()(const RowKey& k) const {
    uint64_t h = k.ip * 0x9e3779b97f4a7c15ULL;
    h ^=
        (static_cast<uint64_t>(static_cast<uint32_t>(k.tid)) << 32 | static_cast<uint32_t>(k.pid)) +
        0x632be59bd9b4e019ULL + (h << 6) + (h >> 2);
    return static_cast<size_t>(h ^ k.watch);
  }
};

struct EventOwner {
  size_t proc = 0;
  unsigned watch = 0;
};

struct Target {
  pid_t pid = 0;
  std::string command;
  std::vector<WatchAddress> addrs;
};

constexpr int kPollMs = 5;
constexpr unsigned kMinRingPages = 1;
constexpr int kUnknownScansBeforeAttach = 2;

class Session {
 public:
  Session(WhoWritesOptions options, std::shared_ptr<Published<WhoWritesTable>> out)
      : opts_(std::move(options)), out_(std::move(out)) {}

  Status run(WorkerContext& ctx);

 private:
  Status check_options();
  Status open_rings();
  void open_value_source();
  Result<std::vector<Target>> find_targets(std::string* uninspected);
  void attach(const Target& t);
  bool attach_thread(ProcState& p, size_t index, pid_t tid);
  void detach(ProcState& p, const char* why);
  void rescan_threads();
  void rescan_processes();
  void drain();
  void on_sample(const PerfRecord& r);
  void read_values();
  void refresh_thread_names();
  uint64_t process_hits(const ProcState& p) const;
  void publish(WhoWritesPhase phase);
  void finish();
  Status first_attach_outcome(const std::string& uninspected) const;

  WhoWritesOptions opts_;
  std::shared_ptr<Published<WhoWritesTable>> out_;
  bool pid_spec_ = false;
  std::vector<PerfRing> rings_;
  std::vector<std::unique_ptr<ProcState>> procs_;
  std::unordered_map<uint64_t, EventOwner> owners_;
  std::vector<WriterRow> rows_;
  std::unordered_map<RowKey, size_t, RowKeyHash> row_index_;
  std::vector<size_t> touched_;
  std::unordered_set<uint64_t> wrote_since_publish_;  // (pid << 32 | tid) of writing threads
  std::vector<PerfRecord> records_;
  detail::Symbolizer symbols_;
  SourcePtr source_;
  std::vector<std::string> notes_;
  std::string values_note_;
  uint64_t lost_ = 0;
  uint64_t throttled_ = 0;
  int64_t started_ns_ = now_ns();
  bool raised_fd_limit_ = false;
};

Status Session::check_options() {
  if (opts_.watches.empty() || opts_.watches.size() > kMaxWriteWatches) {
    return make_error(Errc::invalid_argument, fmt::format("watch 1 to {} ranges (got {})",
                                                          kMaxWriteWatches, opts_.watches.size()));
  }
  for (const WriteWatch& w : opts_.watches) {
    if ((w.length != 1 && w.length != 2 && w.length != 4 && w.length != 8) ||
        w.address % w.length != 0) {
      return make_error(
          Errc::invalid_argument,
          fmt::format("a hardware watch is an aligned 1, 2, 4 or 8 bytes (got {} at 0x{:x})",
                      w.length, w.address));
    }
  }
  Result<SourceSpec> spec = parse_source_spec(opts_.spec);
  if (!spec) return spec.error();
  opts_.spec = spec->text();
  pid_spec_ = spec->scheme == "pid";
  if (opts_.ring_pages == 0 || (opts_.ring_pages & (opts_.ring_pages - 1)) != 0)
    opts_.ring_pages = 64;
  return {};
}

Status Session::open_rings() {
  for (const int cpu : detail::online_cpus()) {
    unsigned pages = opts_.ring_pages;
    for (;;) {
      int err = 0;
      bool mmap_failed = false;
      Result<PerfRing> ring = PerfRing::open(cpu, pages, err, mmap_failed);
      if (ring) {
        rings_.push_back(std::move(*ring));
        break;
      }
      if (err == ENODEV) break;  // went offline meanwhile
      if (mmap_failed && (err == EPERM || err == ENOMEM) && pages > kMinRingPages) {
        pages /= 2;  // the locked-memory allowance: a smaller ring still works
        continue;
      }
      detail::PerfFacts f = detail::gather_perf_facts(
          mmap_failed ? detail::PerfStep::mmap : detail::PerfStep::open, err, 0, 0, 0);
      f.ring_kib =
          static_cast<unsigned>(pages * static_cast<unsigned>(sysconf(_SC_PAGESIZE)) / 1024);
      return make_error(err == EACCES || err == EPERM ? Errc::permission : Errc::unsupported,
                        detail::explain_perf_error(f));
    }
    if (pages < opts_.ring_pages && !rings_.empty() && rings_.back().cpu() == cpu) {
      notes_.push_back(fmt::format(
          "the sample ring of CPU {} holds {} KiB instead of {} KiB (locked-memory limit): bursts "
          "may lose samples (counts stay exact)",
          cpu, rings_.back().bytes() / 1024, opts_.ring_pages * sysconf(_SC_PAGESIZE) / 1024));
    }
  }
  if (rings_.empty())
    return make_error(Errc::unsupported, "no online CPU could take a sample ring");
  return {};
}

void Session::open_value_source() {
  OpenOptions o;
  o.read_only = true;
  Result<SourcePtr> s = open_source(opts_.spec, o);
  if (s) {
    source_ = std::move(*s);
  } else {
    values_note_ = "values are not shown: " + s.error().message;
  }
}

Result<std::vector<Target>> Session::find_targets(std::string* uninspected) {
  std::vector<Target> out;
  if (pid_spec_) {
    Result<SourceSpec> spec = parse_source_spec(opts_.spec);
    Result<detail::PidTarget> t = detail::parse_pid_target(spec->target);
    if (!t) return t.error();
    const auto pid = static_cast<pid_t>(t->pid);
    if (!detail::process_exists(pid)) {
      return make_error(Errc::not_found, fmt::format("no process with id {}", pid));
    }
    Target target;
    target.pid = pid;
    target.command = detail::process_command(pid);
    for (unsigned i = 0; i < opts_.watches.size(); ++i)
      target.addrs.push_back({i, opts_.watches[i].address});
    out.push_back(std::move(target));
    return out;
  }
  Result<WhoMaps> who = who_maps(opts_.spec);
  if (!who) return who.error();
  if (uninspected != nullptr) *uninspected = who->uninspected_summary();
  for (const MappingProcess& p : who->processes) {
    if (p.self) continue;  // memview's own mapping (the value reader)
    Target t;
    t.pid = static_cast<pid_t>(p.pid);
    t.command = p.command;
    bool private_only = false;
    for (const ObjectMapping& m : p.mappings) {
      for (unsigned i = 0; i < opts_.watches.size(); ++i) {
        const std::optional<uint64_t> a = m.address_of(opts_.watches[i].address);
        if (!a) continue;
        if (m.perms.size() == 4 && m.perms[3] == 'p') {
          private_only = true;  // copy-on-write: its writes never reach the object
          continue;
        }
        t.addrs.push_back({i, *a});
      }
    }
    if (t.addrs.empty()) {
      if (private_only) {
        notes_.push_back(
            fmt::format("process {} maps the object privately (copy-on-write): its "
                        "writes do not reach the object and are not watched",
                        t.pid));
      }
      continue;
    }
    if (t.addrs.size() > kMaxWriteWatches) {
      notes_.push_back(
          fmt::format("process {} maps the watched bytes {} times: only {} breakpoints "
                      "fit in a thread's debug registers",
                      t.pid, t.addrs.size(), kMaxWriteWatches));
      t.addrs.resize(kMaxWriteWatches);
    }
    out.push_back(std::move(t));
  }
  return out;
}

bool Session::attach_thread(ProcState& p, size_t index, pid_t tid) {
  DirectThread t;
  t.tid = tid;
  for (const PerfRing& ring : rings_) {
    for (size_t k = 0; k < p.addrs.size(); ++k) {
      const WatchAddress& wa = p.addrs[k];
      int fd = detail::open_write_breakpoint(tid, ring.cpu(), wa.address,
                                             opts_.watches[wa.watch].length, k == 0, ring);
      if (fd < 0 && errno == EMFILE && !raised_fd_limit_) {
        raised_fd_limit_ = true;  // one breakpoint per thread, CPU and watch: use the hard limit
        rlimit lim{};
        if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
          lim.rlim_cur = lim.rlim_max;
          setrlimit(RLIMIT_NOFILE, &lim);
        }
        fd = detail::open_write_breakpoint(tid, ring.cpu(), wa.address,
                                           opts_.watches[wa.watch].length, k == 0, ring);
      }
      if (fd < 0) {
        const int err = errno;
        if (detail::perf_error_is_vanished_thread(err)) return false;  // exited meanwhile
        const std::string why = detail::explain_perf_error(detail::gather_perf_facts(
            detail::PerfStep::open, err, p.pid, tid, static_cast<unsigned>(p.addrs.size())));
        if (p.error.empty()) p.error = why;
        return false;
      }
      owners_[detail::event_id(fd)] = EventOwner{index, wa.watch};
      t.fds.emplace_back(fd);
    }
  }
  p.direct.push_back(std::move(t));
  p.covered.insert(tid);
  return true;
}

void Session::attach(const Target& t) {
  auto p = std::make_unique<ProcState>();
  p->pid = t.pid;
  p->command = t.command;
  p->comm = detail::task_comm(t.pid, t.pid);
  p->addrs = t.addrs;
  const size_t index = procs_.size();
  for (const pid_t tid : detail::list_tasks(t.pid)) attach_thread(*p, index, tid);
  p->threads = p->covered.size();
  if (p->covered.empty() && p->error.empty()) p->error = "the process exited";
  if (!p->error.empty()) notes_.push_back(p->error);
  procs_.push_back(std::move(p));
}

void Session::detach(ProcState& p, const char* why) {
  for (DirectThread& t : p.direct) {
    for (EventFd& fd : t.fds) detail::disable_event(fd.get());
  }
  p.closed_hits = process_hits(p);
  p.direct.clear();  // closes the breakpoints (and their inherited copies)
  p.detached = true;
  p.threads = 0;
  if (why != nullptr && p.error.empty()) p.error = why;
}

uint64_t Session::process_hits(const ProcState& p) const {
  uint64_t n = p.closed_hits;
  for (const DirectThread& t : p.direct) {
    for (const EventFd& fd : t.fds) n += detail::event_count(fd.get());
  }
  return n;
}

void Session::rescan_threads() {
  for (size_t i = 0; i < procs_.size(); ++i) {
    ProcState& p = *procs_[i];
    if (p.detached) continue;
    if (!detail::process_exists(p.pid)) {
      p.exited = true;
      detach(p, "the process exited");
      symbols_.forget(p.pid);
      continue;
    }
    size_t live = 0;
    std::unordered_map<pid_t, int> unknown;
    for (const pid_t tid : detail::list_tasks(p.pid)) {
      if (p.covered.count(tid) != 0) {
        ++live;
        continue;
      }
      // Not covered: created before its parent thread had breakpoints (during the first
      // attach), or inherited with its fork record not drained yet. Wait one more scan.
      const int seen = (p.unknown.count(tid) != 0 ? p.unknown[tid] : 0) + 1;
      if (seen >= kUnknownScansBeforeAttach) {
        if (attach_thread(p, i, tid)) ++live;
      } else {
        unknown[tid] = seen;
      }
    }
    p.unknown = std::move(unknown);
    p.threads = live;
  }
}

void Session::rescan_processes() {
  Result<std::vector<Target>> targets = find_targets(nullptr);
  if (!targets) return;  // the object was removed: keep watching who still maps it
  std::unordered_map<pid_t, const Target*> now;
  for (const Target& t : *targets) now[t.pid] = &t;
  for (auto& pp : procs_) {
    ProcState& p = *pp;
    if (p.detached) continue;
    auto it = now.find(p.pid);
    if (it == now.end()) {
      detach(p, "unmapped the object");
    } else if (it->second->addrs != p.addrs) {
      detach(p, "remapped the object elsewhere");  // attached again below at the new address
    } else {
      now.erase(it);
    }
  }
  for (const Target& t : *targets) {
    if (now.count(t.pid) != 0) attach(t);
  }
}

void Session::on_sample(const PerfRecord& r) {
  auto owner = owners_.find(r.id);
  if (owner == owners_.end()) return;
  const RowKey key{owner->second.watch, static_cast<pid_t>(r.pid), static_cast<pid_t>(r.tid), r.ip};
  auto [it, fresh] = row_index_.emplace(key, rows_.size());
  if (fresh) {
    WriterRow row;
    row.watch = key.watch;
    row.pid = key.pid;
    row.tid = key.tid;
    row.ip = r.ip;
    const ProcState& p = *procs_[owner->second.proc];
    row.process = p.comm;
    row.thread = key.tid == key.pid ? p.comm : detail::task_comm(key.pid, key.tid);
    if (row.thread.empty()) row.thread = p.comm;
    // The IP is the instruction after the store: its last byte is at ip - 1.
    row.where = symbols_.resolve(key.pid, r.ip - 1);
    row.first_ns = static_cast<int64_t>(r.time);
    rows_.push_back(std::move(row));
  }
  WriterRow& row = rows_[it->second];
  ++row.count;
  row.last_ns = static_cast<int64_t>(r.time);
  touched_.push_back(it->second);
  wrote_since_publish_.insert(static_cast<uint64_t>(r.pid) << 32 | r.tid);
}

void Session::drain() {
  for (PerfRing& ring : rings_) {
    records_.clear();
    ring.drain(records_);
    for (const PerfRecord& r : records_) {
      switch (r.kind) {
        case PerfRecord::Kind::sample:
          on_sample(r);
          break;
        case PerfRecord::Kind::lost:
          lost_ += r.lost;
          break;
        case PerfRecord::Kind::throttle:
          ++throttled_;
          break;
        case PerfRecord::Kind::fork:
          if (r.pid != r.ppid) break;  // a new process: threads only inherit
          for (auto& p : procs_) {
            if (p->pid == static_cast<pid_t>(r.pid) && !p->detached)
              p->covered.insert(static_cast<pid_t>(r.tid));
          }
          break;
        case PerfRecord::Kind::exit:
          break;
      }
    }
  }
  if (!touched_.empty()) read_values();
}

void Session::read_values() {
  if (source_) {
    for (unsigned w = 0; w < opts_.watches.size(); ++w) {
      const WriteWatch& watch = opts_.watches[w];
      std::vector<std::byte> bytes(watch.length);
      const ReadOutcome r = source_->read(watch.address, bytes);
      if (!r.complete()) bytes.clear();
      for (const size_t i : touched_) {
        if (rows_[i].watch == w) rows_[i].value = bytes;
      }
    }
  }
  touched_.clear();
}

// A thread is often named just after it starts (pthread_setname_np from its creator), so
// its first write may come under the process's name: rows show the latest name read while
// the thread was alive (only threads that wrote since the last publish are read again).
void Session::refresh_thread_names() {
  if (wrote_since_publish_.empty()) return;
  std::unordered_map<uint64_t, std::string> names;
  for (const uint64_t k : wrote_since_publish_) {
    const auto pid = static_cast<pid_t>(k >> 32);
    const auto tid = static_cast<pid_t>(k & 0xffffffffU);
    if (tid == pid) continue;
    std::string name = detail::task_comm(pid, tid);
    if (!name.empty()) names.emplace(k, std::move(name));
  }
  wrote_since_publish_.clear();
  for (WriterRow& row : rows_) {
    const auto found =
        names.find(static_cast<uint64_t>(row.pid) << 32 | static_cast<uint32_t>(row.tid));
    if (found != names.end()) row.thread = found->second;
  }
}

void Session::publish(WhoWritesPhase phase) {
  refresh_thread_names();
  WhoWritesTable t;
  t.spec = opts_.spec;
  t.watches = opts_.watches;
  t.phase = phase;
  for (const auto& pp : procs_) {
    const ProcState& p = *pp;
    AttachedProcess a;
    a.pid = p.pid;
    a.command = p.command;
    a.addresses = p.addrs;
    a.threads = p.threads;
    a.hits = process_hits(p);
    a.exited = p.exited;
    a.detached = p.detached;
    a.error = p.error;
    t.hits += a.hits;
    t.processes.push_back(std::move(a));
  }
  std::sort(t.processes.begin(), t.processes.end(),
            [](const AttachedProcess& a, const AttachedProcess& b) { return a.pid < b.pid; });
  t.rows = rows_;
  std::stable_sort(t.rows.begin(), t.rows.end(),
                   [](const WriterRow& a, const WriterRow& b) { return a.count > b.count; });
  for (const WriterRow& r : rows_) t.samples += r.count;
  t.lost = lost_;
  t.notes = notes_;
  if (throttled_ != 0) {
    t.notes.push_back(
        fmt::format("the kernel throttled sampling {} time{}: some writes were counted "
                    "but not sampled",
                    throttled_, throttled_ == 1 ? "" : "s"));
  }
  t.values_note = values_note_;
  t.started_ns = started_ns_;
  t.updated_ns = now_ns();
  out_->publish(std::move(t));
}

void Session::finish() {
  // Stop every breakpoint first, then read the final counts, then take the last samples:
  // after this, hits == samples + lost exactly.
  for (auto& p : procs_) {
    for (DirectThread& t : p->direct) {
      for (EventFd& fd : t.fds) detail::disable_event(fd.get());
    }
  }
  for (auto& p : procs_) {
    if (!p->detached) {
      const size_t threads = p->threads;
      detach(*p, nullptr);
      p->detached = false;   // shown as stopped, not as unmapped
      p->threads = threads;  // what it had when the watch stopped
    }
  }
  drain();
  rings_.clear();
  // A sample dropped in a full ring is reported by the kernel only when its next record
  // fits, and a throttled one not at all: whatever the final counts hold beyond the
  // samples and the losses seen is lost too.
  uint64_t hits = 0;
  for (const auto& p : procs_) hits += process_hits(*p);
  uint64_t seen = lost_;
  for (const WriterRow& r : rows_) seen += r.count;
  if (hits > seen) lost_ += hits - seen;
}

Status Session::first_attach_outcome(const std::string& uninspected) const {
  bool any = false;
  std::string errors;
  for (const auto& p : procs_) {
    if (!p->covered.empty()) any = true;
    if (!p->error.empty() && p->covered.empty()) errors += (errors.empty() ? "" : "; ") + p->error;
  }
  if (any) return {};
  if (!errors.empty()) return make_error(Errc::permission, errors);
  if (!uninspected.empty() && !pid_spec_) {
    return make_error(Errc::permission,
                      fmt::format("no process that maps {} could be watched: none of this user's "
                                  "processes maps it, and {}; run memview as root or as the user "
                                  "who runs the writers",
                                  opts_.spec, uninspected));
  }
  return {};
}

Status Session::run(WorkerContext& ctx) {
  if (Status s = check_options(); !s) return s;
  publish(WhoWritesPhase::attaching);
  ctx.set_stage("opening sample rings");
  if (Status s = open_rings(); !s) return s;
  open_value_source();
  ctx.set_stage("attaching");
  std::string uninspected;
  Result<std::vector<Target>> targets = find_targets(&uninspected);
  if (!targets) return targets.error();
  for (const Target& t : *targets) attach(t);
  Status outcome = first_attach_outcome(uninspected);
  if (outcome) outcome = check_write_breakpoints_fire();
  if (!outcome) {
    finish();
    publish(WhoWritesPhase::stopped);
    return outcome;
  }
  if (targets->empty()) {
    notes_.push_back(
        fmt::format("no process maps {} yet: processes that map it later are attached "
                    "within a second",
                    opts_.spec));
  }
  ctx.set_stage("watching");
  publish(WhoWritesPhase::watching);

  std::vector<pollfd> fds;
  for (const PerfRing& r : rings_) fds.push_back({r.fd(), POLLIN, 0});
  int64_t next_threads = now_ns() + opts_.thread_rescan_ns;
  int64_t next_processes = now_ns() + opts_.process_rescan_ns;
  int64_t next_publish = now_ns() + opts_.publish_interval_ns;
  while (!ctx.cancelled()) {
    poll(fds.data(), fds.size(), kPollMs);
    drain();
    const int64_t now = now_ns();
    if (now >= next_threads) {
      rescan_threads();
      next_threads = now + opts_.thread_rescan_ns;
    }
    if (!pid_spec_ && now >= next_processes) {
      rescan_processes();
      next_processes = now_ns() + opts_.process_rescan_ns;
    }
    if (now >= next_publish) {
      uint64_t samples = lost_;
      for (const WriterRow& r : rows_) samples += r.count;
      ctx.set_progress(samples, 0);
      // Republished also without new samples: counts, threads and processes change too.
      publish(WhoWritesPhase::watching);
      next_publish = now + opts_.publish_interval_ns;
    }
  }
  finish();
  publish(WhoWritesPhase::stopped);
  return {};
}

}  // namespace

Status check_write_breakpoints_fire() {
  constexpr unsigned kWrites = 4;
  uint64_t counted = 0;
  if (detail::probe_write_breakpoint(kWrites, counted) != 0 || counted > 0) return {};
  return make_error(Errc::unsupported,
                    fmt::format("hardware write breakpoints do not fire on this machine: a "
                                "self-test wrote a watched word {} times and the breakpoint "
                                "counted {} (this CPU or its hypervisor does not deliver debug "
                                "exceptions, as on some virtual machines), so a watch would "
                                "count nothing",
                                kWrites, counted));
}

WhoWritesJob start_who_writes(WhoWritesOptions options) {
  WhoWritesJob job;
  job.table = std::make_shared<Published<WhoWritesTable>>();
  auto session = std::make_shared<Session>(std::move(options), job.table);
  job.worker =
      Worker::start("who-writes", [session](WorkerContext& ctx) { return session->run(ctx); });
  return job;
}

#else

Status check_write_breakpoints_fire() {
  return make_error(Errc::unsupported, "who writes here is not available on Windows");
}

WhoWritesJob start_who_writes(WhoWritesOptions options) {
  WhoWritesJob job;
  job.table = std::make_shared<Published<WhoWritesTable>>();
  WhoWritesTable t;
  t.spec = options.spec;
  t.watches = options.watches;
  t.phase = WhoWritesPhase::stopped;
  job.table->publish(std::move(t));
  job.worker = Worker::start("who-writes", [](WorkerContext&) -> Status {
    return make_error(Errc::unsupported, "who writes here is not available on Windows");
  });
  return job;
}

#endif

}  // namespace memview
