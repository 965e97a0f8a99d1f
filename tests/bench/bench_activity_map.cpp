// Activity map drawing cost: CPU time of one headless frame of the hex grid (1920x1080, a
// 1 GiB shm object, change highlights active) with and without the activity map beside it,
// measured in the same run, with the map drawn from a real sweeper's published view in
// which chunks all over the object changed. Two map cases: the usual frame (the pixel rows'
// summaries cached since the last sweep) and the frame right after a sweep published (every
// row summarised again from the view's pyramid).
//
// Prints "DELTA map_frame_added = 0.031 ms (target <= 0.1 ms) OK". The object is
// MEMVIEW_BENCH_MAP_MIB MiB (default 1024). Targets only fail the program when
// MEMVIEW_BENCH_ENFORCE=1.
#if !__has_include("headless.h")
#include <cstdio>
int main() {
  std::puts("bench_activity_map: built without the GUI, skipped");
  return 0;
}
#else
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "headless.h"
#include "memview/activity.h"
#include "memview/clock.h"
#include "session.h"
#include "theme.h"
#include "views/activity_map.h"
#include "views/hex_view.h"

namespace {

using memview::gui::HexViewContext;
using memview::gui::Session;

const ImVec2 kDisplay(1920, 1080);
constexpr int64_t kFrameNs = 16'666'667;

size_t object_bytes() {
  const char* v = std::getenv("MEMVIEW_BENCH_MAP_MIB");
  return (v != nullptr ? std::strtoull(v, nullptr, 10) : 1024) << 20;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

struct Fixture {
  std::string name;
  size_t size = 0;
  unsigned char* map = nullptr;
  int fd = -1;
  memview::gui::HeadlessImGui imgui{kDisplay};
  std::unique_ptr<Session> session;
  memview::gui::Palette palette;
  int64_t now = memview::now_ns();
  uint64_t frame_no = 0;

  explicit Fixture(size_t bytes) : size(bytes) {
    name = fmt::format("/memview-bench-map-{}", getpid());
    fd = shm_open(name.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd < 0 || ftruncate(fd, static_cast<off_t>(bytes)) != 0) std::exit(2);
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) std::exit(2);
    map = static_cast<unsigned char*>(p);
    palette = memview::gui::apply_theme(memview::gui::Theme::dark);
    auto s = Session::open("shm:" + name.substr(1), {}, 1);
    if (!s.ok()) {
      std::fprintf(stderr, "open: %s\n", s.error().message.c_str());
      std::exit(2);
    }
    session = std::move(s.value());
    session->activity.enabled = true;
    session->activity.cpu_budget = 0;  // as fast as it can: the view is ready sooner
    memview::gui::hex_view_move_cursor(session->hex, session->info(), {.address = size / 2});
    session->hex.focus_request = false;
    for (int i = 0; i < 3; ++i) frame(false);
  }
  ~Fixture() {
    session.reset();
    munmap(map, size);
    close(fd);
    shm_unlink(name.c_str());
  }

  // Waits until the sweeper has published a view after `sweeps` sweeps.
  void wait_sweeps(uint64_t sweeps) {
    for (int i = 0; i < 6000; ++i) {
      session->refresh_activity();
      if (session->activity.view && session->activity.view->sweeps() >= sweeps) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::fprintf(stderr, "the sweeper published nothing: %s\n", session->activity.error.c_str());
    std::exit(2);
  }

  // A change in about every other pixel row of the map (the worst case for merging rows
  // into rectangles), and a quarter of the visible bytes, as bench_hex_view does.
  void scatter_changes() {
    const size_t step = std::max<size_t>(8192, size / 1080 * 2 / 8192 * 8192 + 8192);
    for (size_t a = 0; a < size; a += step) ++map[a];
  }
  void foreign_writes() {
    const memview::gui::HexViewState& h = session->hex;
    for (uint64_t a = h.visible_begin + (frame_no & 3); a < h.visible_end; a += 4) ++map[a];
  }

  // One frame of the grid, and of the map beside it when `with_map`.
  void frame(bool with_map) {
    imgui.frame([&] {
      ImGui::SetNextWindowPos(ImVec2(0, 0));
      ImGui::SetNextWindowSize(kDisplay);
      ImGui::Begin("bench", nullptr,
                   ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoSavedSettings |
                       ImGuiWindowFlags_NoScrollWithMouse);
      Session& s = *session;
      const float map_w = memview::gui::activity_map_width(s.activity);
      HexViewContext ctx{s.info(), s.poller->tracker(), s.editor.get(), palette, now, 16};
      memview::gui::hex_view_begin(s.hex, ctx, ImVec2(kDisplay.x - map_w - 30, 0));
      memview::gui::hex_view_request(s.hex, *s.poller);
      s.poll(now);
      memview::gui::hex_view_end(s.hex, ctx);
      if (with_map) {
        ImGui::SameLine(0.0f, 2.0f);
        ImGui::SetCursorScreenPos(ImVec2(ImGui::GetCursorScreenPos().x, s.hex.layout.rows_y));
        s.activity.clock_ns = memview::now_ns();
        memview::gui::draw_activity_map(s.activity, s.hex, s.info(), palette,
                                        s.hex.layout.grid_bottom - s.hex.layout.rows_y);
      }
      ImGui::End();
    });
    now += kFrameNs;
    ++frame_no;
  }
};

std::unique_ptr<Fixture> g_fixture;
std::map<std::string, double> g_ms;
double g_rows = 0;
double g_changed_rows = 0;

Fixture& fixture() {
  if (!g_fixture) {
    g_fixture = std::make_unique<Fixture>(object_bytes());
    g_fixture->wait_sweeps(1);
    g_fixture->scatter_changes();
    g_fixture->wait_sweeps(g_fixture->session->activity.view->sweeps() + 2);
  }
  return *g_fixture;
}

// Frames alternate without and with the map, so both see the same load and the same
// sweeper running beside them.
void BM_FrameWithAndWithoutMap(benchmark::State& state) {
  Fixture& f = fixture();
  std::vector<double> without, with, fresh;
  for (auto _ : state) {
    f.foreign_writes();
    auto t0 = std::chrono::steady_clock::now();
    f.frame(false);
    without.push_back(ms_since(t0));
    f.foreign_writes();
    t0 = std::chrono::steady_clock::now();
    f.frame(true);
    with.push_back(ms_since(t0));
    f.session->activity.cells_version = ~uint64_t{0};  // as if a sweep had just published
    f.foreign_writes();
    t0 = std::chrono::steady_clock::now();
    f.frame(true);
    fresh.push_back(ms_since(t0));
  }
  g_ms["without"] = median(without);
  g_ms["with"] = median(with);
  g_ms["fresh"] = median(fresh);
  g_rows = static_cast<double>(f.session->activity.cells.size());
  g_changed_rows = f.session->activity.changed_rows;
  state.counters["without_ms"] = g_ms["without"];
  state.counters["with_ms"] = g_ms["with"];
  state.counters["after_sweep_ms"] = g_ms["fresh"];
}

BENCHMARK(BM_FrameWithAndWithoutMap)->Unit(benchmark::kMillisecond);

bool report(const char* name, double value, double target) {
  const bool ok = value <= target;
  std::printf("%s = %.4f ms (target <= %.3g ms) %s\n", name, value, target, ok ? "OK" : "MISSED");
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  bool ok = true;
  if (g_ms.count("with")) {
    std::printf(
        "\nhex frame 1920x1080 on %zu MiB, activity map of %.0f rows (%.0f with a change)\n",
        object_bytes() >> 20, g_rows, g_changed_rows);
    std::printf("MEDIAN frame_without_map = %.4f ms\n", g_ms["without"]);
    std::printf("MEDIAN frame_with_map = %.4f ms\n", g_ms["with"]);
    std::printf("MEDIAN frame_with_map_after_sweep = %.4f ms\n", g_ms["fresh"]);
    ok &= report("DELTA map_frame_added", g_ms["with"] - g_ms["without"], 0.1);
    std::printf("DELTA map_frame_added_after_sweep = %.4f ms (once per sweep)\n",
                g_ms["fresh"] - g_ms["without"]);
  }
  g_fixture.reset();
  const char* enforce = std::getenv("MEMVIEW_BENCH_ENFORCE");
  if (enforce && std::string(enforce) == "1" && !ok) return 1;
  return 0;
}
#endif  // __has_include("headless.h")
