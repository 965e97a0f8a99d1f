// The Attached and Who writes panels, driven through real frames against real processes:
// who_target (tests/multiprocess/who_target.c) writing a counter at offset 0x40 of a POSIX
// shm object from two named functions in two threads, and a second who_target that only
// maps the object read-only and reads it. Hardware write breakpoints are real
// (perf_event_open): the counts checked are the writer's own.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "gui_test_support.h"
#include "memview/who_writes.h"

namespace memview::gui::testing {
namespace {

constexpr uint64_t kCounter = 0x40;  // where who_target keeps its counter in the object

// who_target running, driven over its stdin/stdout: "ready ADDR" first, then commands.
class WhoTarget {
 public:
  explicit WhoTarget(std::vector<std::string> args) {
    int in[2], out[2];
    if (pipe(in) != 0 || pipe(out) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(in[0], 0);
      dup2(out[1], 1);
      close(in[1]);
      close(out[0]);
      std::vector<char*> argv{const_cast<char*>(MEMVIEW_WHO_TARGET)};
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(MEMVIEW_WHO_TARGET, argv.data());
      _exit(127);
    }
    close(in[0]);
    close(out[1]);
    stdin_ = in[1];
    stdout_ = out[0];
    const std::string ready = expect("ready");
    if (ready.size() > 6) addr_ = std::strtoull(ready.c_str() + 6, nullptr, 16);
  }
  ~WhoTarget() { end(); }
  WhoTarget(const WhoTarget&) = delete;
  WhoTarget& operator=(const WhoTarget&) = delete;

  bool ok() const { return addr_ != 0; }
  int64_t pid() const { return pid_; }
  uint64_t addr() const { return addr_; }  // the counter's address in this process

  void send(const std::string& line) {
    const std::string l = line + "\n";
    (void)!write(stdin_, l.data(), l.size());
  }
  // The next line starting with `prefix` (earlier lines are skipped); empty on timeout.
  std::string expect(const std::string& prefix, int timeout_ms = 60'000) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      for (size_t nl; (nl = buffer_.find('\n')) != std::string::npos;) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        if (line.rfind(prefix, 0) == 0) return line;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                            deadline - std::chrono::steady_clock::now())
                            .count();
      if (left <= 0 || stdout_ < 0) {
        ADD_FAILURE() << "who_target: no '" << prefix << "' line";
        return {};
      }
      pollfd p{stdout_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left)) <= 0) continue;
      char buf[4096];
      const ssize_t n = read(stdout_, buf, sizeof buf);
      if (n <= 0) {
        ADD_FAILURE() << "who_target exited before '" << prefix << "'";
        return {};
      }
      buffer_.append(buf, static_cast<size_t>(n));
    }
  }
  // "alpha N" / "beta N": starts the thread, returns the writes it made (its own count).
  long write_from(const std::string& name, long n) {
    send(fmt::format("{} {}", name, n));
    const std::string done = expect(name + "-done");
    return done.empty() ? -1 : std::strtol(done.c_str() + name.size() + 6, nullptr, 10);
  }
  // Writes as fast as it can for `ms` milliseconds; returns how many writes it made.
  long spin(int ms) {
    send(fmt::format("spin {}", ms));
    const std::string line = expect("spin ");
    return line.empty() ? -1 : std::strtol(line.c_str() + 5, nullptr, 10);
  }
  // Closes its stdin: it ends (the shm writer unlinks its object first).
  void end() {
    if (stdin_ >= 0) close(stdin_);
    stdin_ = -1;
    if (pid_ > 0) {
      int status = 0;
      for (int i = 0; i < 500 && waitpid(pid_, &status, WNOHANG) == 0; ++i) usleep(10'000);
      if (waitpid(pid_, &status, WNOHANG) == 0) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
      }
    }
    pid_ = -1;
    if (stdout_ >= 0) close(stdout_);
    stdout_ = -1;
  }

 private:
  pid_t pid_ = -1;
  int stdin_ = -1;
  int stdout_ = -1;
  uint64_t addr_ = 0;
  std::string buffer_;
};

// The test's own view of the object (mapped with plain shm_open/mmap).
class Mapping {
 public:
  explicit Mapping(const std::string& name) {
    const int fd = shm_open(("/" + name).c_str(), O_RDWR, 0);
    if (fd < 0) return;
    void* p = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (p != MAP_FAILED) map_ = static_cast<unsigned char*>(p);
  }
  ~Mapping() {
    if (map_) munmap(map_, 4096);
  }
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  unsigned char* bytes() { return map_; }
  uint64_t counter() const {
    uint64_t v = 0;
    std::memcpy(&v, map_ + kCounter, sizeof v);
    return v;
  }

 private:
  unsigned char* map_ = nullptr;
};

// The writer and the reader of one object, named for this test.
struct WriterAndReader {
  std::string name = unique_name("who");
  WhoTarget writer{{"shm", name}};
  WhoTarget reader{{"reader", name}};
  ~WriterAndReader() {
    reader.end();
    writer.end();
    shm_unlink(("/" + name).c_str());
  }
};

// The source lines of who_target.c's marked stores: {"ALPHA": 64, ...}.
std::map<std::string, int> store_lines() {
  std::map<std::string, int> out;
  std::ifstream f(MEMVIEW_WHO_TARGET_SOURCE);
  std::string line;
  for (int n = 1; std::getline(f, line); ++n) {
    const size_t at = line.find("WHO-STORE-");
    if (at != std::string::npos) out[line.substr(at + 10)] = n;
  }
  return out;
}

void click(AppHarness& h, const WidgetRect& r) {
  ASSERT_TRUE(r.valid()) << "widget not drawn";
  h.imgui.click(r.center(), h.body);
}

const MappingProcess* find_process(const WhoMaps& w, int64_t pid) {
  for (const MappingProcess& p : w.processes) {
    if (p.pid == pid) return &p;
  }
  return nullptr;
}

// The scan lists every pid in `pids`.
bool scan_lists(const AttachedState& a, std::initializer_list<int64_t> pids) {
  if (!a.scan || !a.scan->result) return false;
  for (int64_t pid : pids) {
    if (!find_process(*a.scan->result, pid)) return false;
  }
  return true;
}

std::vector<std::string> status_of(Session& s) {
  StatusBarInput in;
  in.info = &s.info();
  in.hex = &s.hex;
  in.attached = attached_status(s.attached);
  return status_fields(in);
}

// Selects [address, address + length) in the grid with the keyboard.
void select_bytes(AppHarness& h, uint64_t address, uint64_t length) {
  h.goto_offset(fmt::format("0x{:x}", address));
  for (uint64_t i = 1; i < length; ++i) h.shift(GLFW_KEY_RIGHT);
}

// Writes per function in the table, and their (file, line) sets.
struct ByFunction {
  std::map<std::string, uint64_t> counts;
  std::map<std::string, std::set<std::pair<std::string, int>>> lines;
  std::set<int64_t> pids;
};
ByFunction by_function(const WhoWritesTable& t) {
  ByFunction f;
  for (const WriterRow& r : t.rows) {
    f.counts[r.where.function] += r.count;
    const size_t slash = r.where.file.rfind('/');
    f.lines[r.where.function].insert(
        {slash == std::string::npos ? r.where.file : r.where.file.substr(slash + 1), r.where.line});
    f.pids.insert(r.pid);
  }
  return f;
}

// This process's perf event file descriptors: the breakpoints a watch holds.
int perf_event_fds() {
  int n = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
    std::error_code link_ec;
    const std::string target = std::filesystem::read_symlink(e.path(), link_ec).string();
    if (target.find("perf_event") != std::string::npos) ++n;
  }
  return n;
}

bool watching(const Session& s) {
  return s.who_writes.active && s.who_writes.table &&
         s.who_writes.table->phase == WhoWritesPhase::watching;
}

TEST(AttachedPanel, ListsWriterAndReaderWhereTheyMapItAndOpensTheBytesInAProcess) {
  WriterAndReader pr;
  ASSERT_TRUE(pr.writer.ok() && pr.reader.ok()) << "who_target did not start";
  Mapping obj(pr.name);
  ASSERT_NE(obj.bytes(), nullptr);
  for (int i = 0; i < 4096; ++i) obj.bytes()[i] = static_cast<unsigned char>(i * 7 + 3);

  AppHarness h;
  ASSERT_TRUE(h.app.open("shm:" + pr.name).ok()) << h.app.open_view.error;
  Session& s = *h.app.last_opened();
  // The scan runs on the session's worker: the frames go on meanwhile.
  ASSERT_TRUE(frames_until(h,
                           [&] {
                             return scan_lists(s.attached, {pr.writer.pid(), pr.reader.pid()});
                           }))
      << (s.attached.scan && !s.attached.scan->result ? s.attached.scan->result.error().message
                                                      : "no scan");
  EXPECT_TRUE(s.attached.scanning);
  const WhoMaps& w = *s.attached.scan->result;
  EXPECT_EQ(w.object.path, "/dev/shm/" + pr.name);
  EXPECT_GE(attached_count(w), 2u);
  // Each at its own address: the counter (offset 0x40) is where each process said it is.
  const MappingProcess* writer = find_process(w, pr.writer.pid());
  const MappingProcess* reader = find_process(w, pr.reader.pid());
  ASSERT_EQ(writer->mappings.size(), 1u);
  ASSERT_EQ(reader->mappings.size(), 1u);
  EXPECT_EQ(writer->mappings[0].address_of(kCounter), pr.writer.addr());
  EXPECT_EQ(reader->mappings[0].address_of(kCounter), pr.reader.addr());
  EXPECT_EQ(writer->mappings[0].perms, "rw-s");
  EXPECT_EQ(reader->mappings[0].perms, "r--s");
  EXPECT_TRUE(writer->can_open && reader->can_open);
  EXPECT_NE(writer->command.find("who_target shm"), std::string::npos) << writer->command;
  EXPECT_NE(reader->command.find("who_target reader"), std::string::npos) << reader->command;

  // The status bar counts them (this viewer's own mapping is not counted).
  const std::vector<std::string> fields = status_of(s);
  const std::string want = fmt::format("attached: {} processes", attached_count(w));
  EXPECT_TRUE(std::any_of(fields.begin(), fields.end(), [&](const std::string& f) {
    return f.rfind(want, 0) == 0;
  })) << fmt::format("{}", fmt::join(fields, " | "));

  // The panel, opened by a click on its tab, lists a row per mapping with an "open" button.
  click(h, h.app.side_tab_rect(SideTab::attached));
  h.frames(2);
  ASSERT_EQ(h.app.side_tab, SideTab::attached);
  const AttachedRow* reader_row = nullptr;
  for (const AttachedRow& r : s.attached.rows) {
    if (r.pid == pr.reader.pid()) reader_row = &r;
  }
  ASSERT_NE(reader_row, nullptr) << "the reader has no row";
  const uint64_t reader_start = reader->mappings[0].start;
  EXPECT_EQ(reader_row->spec, fmt::format("pid:{}@0x{:x}+0x1000", pr.reader.pid(), reader_start));
  const size_t before = h.app.sessions.size();
  const std::string spec = reader_row->spec;
  click(h, reader_row->open_rect);
  h.frames(2);
  ASSERT_EQ(h.app.sessions.size(), before + 1) << h.app.open_view.error;
  Session& tab = *h.app.sessions.back();
  EXPECT_EQ(h.app.active_session(), &tab);
  EXPECT_EQ(tab.pid, pr.reader.pid());
  EXPECT_EQ(tab.info().base, reader_start);
  EXPECT_EQ(tab.info().size, 4096u);
  // The same bytes, read through the reader process: compare the whole object.
  h.frames(1);
  ChangeTracker& t = tab.poller->tracker();
  int checked = 0;
  for (uint64_t a = tab.hex.visible_begin; a < tab.hex.visible_end; ++a, ++checked) {
    ASSERT_TRUE(t.known(a)) << fmt::format("0x{:x}", a);
    ASSERT_EQ(t.value(a), std::byte{obj.bytes()[a - reader_start]}) << fmt::format("0x{:x}", a);
  }
  EXPECT_GT(checked, 256);

  // The pid: tab's own Attached panel: the reader itself and the others sharing the object.
  ASSERT_TRUE(frames_until(h, [&] {
    return scan_lists(tab.attached, {pr.reader.pid(), pr.writer.pid()});
  }));
  EXPECT_EQ(tab.attached.scan->result->pid_offset, 0u);
  EXPECT_FALSE(tab.attached.scan->result->object.anonymous);
  // The shm tab is not shown now: its scan stopped.
  EXPECT_FALSE(s.attached.scanning);
}

TEST(AttachedPanel, APidTabOfPrivateMemoryListsTheProcessItself) {
  WhoTarget target({"global"});
  ASSERT_TRUE(target.ok());
  AppHarness h;
  ASSERT_TRUE(h.app.open(fmt::format("pid:{}@0x{:x}+8", target.pid(), target.addr())).ok())
      << h.app.open_view.error;
  Session& s = *h.app.last_opened();
  ASSERT_TRUE(frames_until(h, [&] { return s.attached.scan != nullptr; }));
  ASSERT_TRUE(s.attached.scan->result) << s.attached.scan->result.error().message;
  const WhoMaps& w = *s.attached.scan->result;
  EXPECT_TRUE(w.object.anonymous);
  ASSERT_EQ(w.processes.size(), 1u);
  EXPECT_EQ(w.processes[0].pid, target.pid());
  EXPECT_EQ(attached_status(s.attached), "attached: 1 process");
}

TEST(AttachedPanel, AGdbTabHasNone) {
  // A gdb: tab to nowhere: no processes map it, so neither panel is offered and the status
  // bar has no attached field.
  AppHarness h;
  ASSERT_TRUE(h.app.open("gdb:127.0.0.1:1").ok()) << h.app.open_view.error;
  h.frames(2);
  Session& s = h.session();
  EXPECT_FALSE(s.who_supported());
  EXPECT_NE(s.attached.unsupported.find("shm:"), std::string::npos) << s.attached.unsupported;
  EXPECT_FALSE(h.app.side_tab_rect(SideTab::attached).valid());
  EXPECT_FALSE(h.app.side_tab_rect(SideTab::who_writes).valid());
  EXPECT_EQ(attached_status(s.attached), "");
  EXPECT_EQ(s.who_maps_job.worker, nullptr);
}

TEST(WhoWritesPanel, SelectionWatchReportsEachFunctionsExactCountAndClosingTheTabDetaches) {
  // Hit counts need write breakpoints that fire (some virtual machines deliver none).
  if (const Status fire = check_write_breakpoints_fire(); !fire)
    GTEST_SKIP() << fire.error().message;
  WriterAndReader pr;
  ASSERT_TRUE(pr.writer.ok() && pr.reader.ok()) << "who_target did not start";
  Mapping obj(pr.name);
  const std::map<std::string, int> lines = store_lines();
  ASSERT_TRUE(lines.count("ALPHA") && lines.count("BETA"));

  constexpr int kSpinMs = 300;
  long unwatched = 0;
  for (int i = 0; i < 3; ++i) unwatched = std::max(unwatched, pr.writer.spin(kSpinMs));

  AppHarness h;
  ASSERT_TRUE(h.app.open("shm:" + pr.name).ok()) << h.app.open_view.error;
  h.frames(2);
  Session& s = h.session();
  select_bytes(h, kCounter, 8);
  ASSERT_EQ(s.hex.selection_or_cursor(), (ByteRange{kCounter, 8}));
  h.tap(GLFW_KEY_F6);
  h.frames(1);
  EXPECT_EQ(h.app.side_tab, SideTab::who_writes) << "F6 shows the panel";
  ASSERT_TRUE(frames_until(h, [&] { return watching(s) || !s.who_writes.error.empty(); }))
      << "the watch never started";
  ASSERT_TRUE(watching(s)) << s.who_writes.error;
  EXPECT_EQ(s.who_writes.watches, (std::vector<WriteWatch>{{kCounter, 8}}));
  EXPECT_EQ(s.who_writes.plan, "1 watch: 8 bytes at 0x40");

  const long alpha = pr.writer.write_from("alpha", 3000);
  const long beta = pr.writer.write_from("beta", 2000);
  ASSERT_GT(alpha, 0);
  ASSERT_GT(beta, 0);
  const auto total = static_cast<uint64_t>(alpha + beta);
  ASSERT_TRUE(frames_until(
      h, [&] { return s.who_writes.table->samples >= total && s.who_writes.table->hits >= total; }))
      << "hits " << s.who_writes.table->hits;
  h.frames(2);
  const WhoWritesTable& t = *s.who_writes.table;
  EXPECT_EQ(t.hits, total) << "exact: every write traps once";
  EXPECT_EQ(t.lost, 0u);
  const ByFunction f = by_function(t);
  EXPECT_EQ(f.counts,
            (std::map<std::string, uint64_t>{{"writer_alpha", static_cast<uint64_t>(alpha)},
                                             {"writer_beta", static_cast<uint64_t>(beta)}}));
  EXPECT_EQ(f.lines.at("writer_alpha"),
            (std::set<std::pair<std::string, int>>{{"who_target.c", lines.at("ALPHA")}}));
  EXPECT_EQ(f.lines.at("writer_beta"),
            (std::set<std::pair<std::string, int>>{{"who_target.c", lines.at("BETA")}}));
  EXPECT_EQ(f.pids, (std::set<int64_t>{pr.writer.pid()})) << "the reader never writes";
  // Both processes carry breakpoints, each at its own address of the counter.
  std::map<int64_t, const AttachedProcess*> procs;
  for (const AttachedProcess& p : t.processes) procs[p.pid] = &p;
  ASSERT_TRUE(procs.count(pr.writer.pid()) && procs.count(pr.reader.pid()));
  EXPECT_EQ(procs[pr.reader.pid()]->hits, 0u);
  EXPECT_EQ(procs[pr.reader.pid()]->addresses, (std::vector<WatchAddress>{{0, pr.reader.addr()}}));
  EXPECT_EQ(procs[pr.writer.pid()]->addresses, (std::vector<WatchAddress>{{0, pr.writer.addr()}}));
  // The value shown for the last write is what the counter holds now.
  const WriterRow* last = &t.rows.front();
  for (const WriterRow& r : t.rows) {
    if (r.last_ns > last->last_ns) last = &r;
  }
  EXPECT_EQ(who_value_text(last->value), fmt::format("0x{:016x}", obj.counter()));
  // The panel draws the rows; the grid underlines the 8 watched bytes.
  EXPECT_EQ(s.who_writes.rows_drawn, t.rows.size());
  EXPECT_EQ(s.hex.marked_bytes, 8);
  EXPECT_TRUE(s.who_writes.stop_button.valid());
  EXPECT_EQ(who_writes_tab_label(s.who_writes), fmt::format("Who writes ({})###who_writes", total));

  const long during = pr.writer.spin(kSpinMs);
  EXPECT_GT(perf_event_fds(), 0) << "the breakpoints are this viewer's file descriptors";
  // Closing the tab closes every breakpoint: the writer runs at full speed again.
  h.ctrl(GLFW_KEY_W);
  h.frames(2);
  ASSERT_TRUE(h.app.sessions.empty());
  long after = 0;
  for (int i = 0; i < 3; ++i) after = std::max(after, pr.writer.spin(kSpinMs));
  std::printf("writes per %d ms: unwatched %ld, watched %ld, after the tab closed %ld\n", kSpinMs,
              unwatched, during, after);
  EXPECT_EQ(perf_event_fds(), 0) << "every breakpoint of this viewer is closed";
  EXPECT_LT(during, unwatched / 4) << "the watch traps every write";
  // A breakpoint left behind would hold the writer near the watched rate (each write traps,
  // ~10 us): thousands of times slower. The machine is shared, so the unwatched rate
  // itself varies by a few times between runs; a tenth of it is far above the trapped rate.
  EXPECT_GT(after, unwatched / 10) << "no breakpoint stays behind";
  EXPECT_GT(after, during * 100) << "no breakpoint stays behind";
}

TEST(WhoWritesPanel, StopButtonEndsTheWatchWithItsFinalCounts) {
  // Hit counts need write breakpoints that fire (some virtual machines deliver none).
  if (const Status fire = check_write_breakpoints_fire(); !fire)
    GTEST_SKIP() << fire.error().message;
  WriterAndReader pr;
  ASSERT_TRUE(pr.writer.ok() && pr.reader.ok());
  AppHarness h;
  ASSERT_TRUE(h.app.open("shm:" + pr.name).ok()) << h.app.open_view.error;
  h.app.side_tab_request = SideTab::who_writes;
  h.frames(2);
  Session& s = h.session();
  // The cursor's byte alone when nothing is selected: the panel's button watches 0x40.
  h.goto_offset("0x40");
  h.frames(1);
  EXPECT_EQ(s.who_writes.plan, "1 watch: 1 byte at 0x40");
  click(h, s.who_writes.watch_button);
  ASSERT_TRUE(frames_until(h, [&] { return watching(s) || !s.who_writes.error.empty(); }));
  ASSERT_TRUE(watching(s)) << s.who_writes.error;
  const long alpha = pr.writer.write_from("alpha", 1500);
  ASSERT_TRUE(
      frames_until(h, [&] { return s.who_writes.table->hits >= static_cast<uint64_t>(alpha); }));
  click(h, s.who_writes.stop_button);
  ASSERT_TRUE(frames_until(h, [&] { return !s.who_writes.active; }));
  ASSERT_NE(s.who_writes.table, nullptr);
  EXPECT_EQ(s.who_writes.table->phase, WhoWritesPhase::stopped);
  EXPECT_EQ(s.who_writes.table->hits, static_cast<uint64_t>(alpha));
  EXPECT_EQ(s.who_writes_job.worker, nullptr) << "the worker and its breakpoints are gone";
  EXPECT_EQ(perf_event_fds(), 0) << "every breakpoint is closed";
  EXPECT_TRUE(s.who_writes.error.empty()) << s.who_writes.error;
  h.frames(1);
  EXPECT_EQ(s.hex.marked_bytes, 0) << "no mark once stopped";
  EXPECT_FALSE(s.who_writes.stop_button.valid());
  // Writes after the stop are not counted: the final table stays.
  (void)pr.writer.write_from("beta", 500);
  h.frames(3);
  EXPECT_EQ(s.who_writes.table->hits, static_cast<uint64_t>(alpha));
}

TEST(WhoWritesPanel, SixteenUnalignedBytesAreRefusedWithTheReason) {
  WriterAndReader pr;
  ASSERT_TRUE(pr.writer.ok());
  AppHarness h;
  ASSERT_TRUE(h.app.open("shm:" + pr.name).ok()) << h.app.open_view.error;
  h.app.side_tab_request = SideTab::who_writes;
  h.frames(2);
  Session& s = h.session();
  // 16 bytes at 0x3c split into three aligned watches (4 + 8 + 4): allowed.
  select_bytes(h, 0x3c, 16);
  h.frames(1);
  EXPECT_TRUE(s.who_writes.plan_ok);
  EXPECT_EQ(s.who_writes.plan, "3 watches: 4 bytes at 0x3c, 8 bytes at 0x40, 4 bytes at 0x48");
  // 16 bytes at 0x41 need five (1 + 2 + 4 + 8 + 1): more than the four debug registers.
  select_bytes(h, 0x41, 16);
  h.frames(1);
  ASSERT_EQ(s.hex.selection_or_cursor(), (ByteRange{0x41, 16}));
  EXPECT_FALSE(s.who_writes.plan_ok);
  const Result<std::vector<WriteWatch>> core = plan_write_watches(0x41, 16);
  ASSERT_FALSE(core.ok());
  EXPECT_EQ(s.who_writes.plan, core.error().message) << "the core's reason, as it says it";
  h.tap(GLFW_KEY_F6);
  h.frames(2);
  EXPECT_EQ(s.who_writes.error, "cannot watch 16 bytes at 0x41: " + core.error().message);
  EXPECT_FALSE(s.who_writes.active);
  EXPECT_EQ(s.who_writes_job.worker, nullptr) << "nothing attached";
  EXPECT_EQ(perf_event_fds(), 0) << "nothing attached";
  EXPECT_EQ(s.hex.marked_bytes, 0);
}

TEST(WhoWritesPanel, DebugRegistersInUseAreExplained) {
  // The other watcher is a watch of memview's own, which needs breakpoints that fire.
  if (const Status fire = check_write_breakpoints_fire(); !fire)
    GTEST_SKIP() << fire.error().message;
  // Another watcher holds all four debug registers of the target's threads (as a
  // debugger's hardware watchpoints would): the viewer's watch fails and says why.
  WhoTarget target({"global"});
  ASSERT_TRUE(target.ok());
  WhoWritesOptions blocker;
  const uint64_t base = target.addr() & ~uint64_t{31};
  blocker.spec = fmt::format("pid:{}", target.pid());
  for (uint64_t i = 0; i < kMaxWriteWatches; ++i) blocker.watches.push_back({base + 8 * i, 8});
  WhoWritesJob held = start_who_writes(blocker);
  for (int i = 0; i < 3000; ++i) {
    std::shared_ptr<const WhoWritesTable> t = held.table->latest();
    if ((t && t->phase == WhoWritesPhase::watching) || held.worker->done()) break;
    usleep(1000);
  }
  ASSERT_FALSE(held.worker->done()) << held.worker->error()->message;

  AppHarness h;
  ASSERT_TRUE(h.app.open(fmt::format("pid:{}@0x{:x}+8", target.pid(), target.addr())).ok())
      << h.app.open_view.error;
  h.app.side_tab_request = SideTab::who_writes;
  h.frames(2);
  Session& s = h.session();
  h.tap(GLFW_KEY_F6);  // the cursor's byte
  ASSERT_TRUE(frames_until(h, [&] { return !s.who_writes.active && !s.who_writes.error.empty(); }))
      << "the watch did not fail";
  EXPECT_NE(s.who_writes.error.find("debug registers"), std::string::npos) << s.who_writes.error;
  EXPECT_NE(s.who_writes.error.find("in use"), std::string::npos) << s.who_writes.error;
  EXPECT_EQ(s.who_writes_job.worker, nullptr);
  // Once the other watcher lets go, the same watch works.
  held = {};
  h.tap(GLFW_KEY_F6);
  ASSERT_TRUE(frames_until(
      h, [&] { return watching(s) || (!s.who_writes.active && !s.who_writes.error.empty()); }));
  EXPECT_TRUE(watching(s)) << s.who_writes.error;
  EXPECT_TRUE(s.who_writes.error.empty()) << s.who_writes.error;
}

}  // namespace
}  // namespace memview::gui::testing
