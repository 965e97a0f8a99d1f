// Watches performance: CPU time of a whole viewer frame (App::frame in a headless 1920x1080
// ImGui context, the Watches panel shown) with 50 watches, every one changing every frame
// and drawing its sparkline when visible, against the same frame with no watch, in the same
// run with the frames interleaved. The watches' histories are full (the sparklines cover
// their whole 10 s) before measuring.
//
// Prints "DIFF watches_frame_minus_plain = 0.12 ms (target <= 0.3 ms) OK"; targets only fail
// the program when MEMVIEW_BENCH_ENFORCE=1.
#if !__has_include("headless.h")
#include <cstdio>
int main() {
  std::puts("bench_watches: built without the GUI, skipped");
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
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "app.h"
#include "headless.h"
#include "memview/clock.h"
#include "views/watches_view.h"

namespace {

using memview::gui::App;
using memview::gui::HeadlessImGui;

constexpr int kWatches = 50;
constexpr int64_t kFrameNs = 16'666'667;

struct Object {
  std::string name;
  size_t size = 0;
  unsigned char* map = nullptr;
  int fd = -1;

  explicit Object(size_t bytes) : size(bytes) {
    name = fmt::format("/memview-bench-watches-{}", getpid());
    fd = shm_open(name.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd < 0 || ftruncate(fd, static_cast<off_t>(bytes)) != 0) {
      std::fprintf(stderr, "cannot create %s\n", name.c_str());
      std::exit(2);
    }
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) std::exit(2);
    map = static_cast<unsigned char*>(p);
  }
  ~Object() {
    munmap(map, size);
    close(fd);
    shm_unlink(name.c_str());
  }
  std::string spec() const { return "shm:" + name.substr(1); }
};

// One viewer (its own ImGui context and App) on the shared object, the Watches panel shown.
struct Viewer {
  HeadlessImGui imgui;
  std::string config;
  std::unique_ptr<App> app;
  int64_t now = memview::now_ns();

  Viewer(ImVec2 display, const std::string& spec, int watches) : imgui(display) {
    config = (std::filesystem::temp_directory_path() /
              fmt::format("memview-bench-watches-cfg-{}-{}", getpid(), watches))
                 .string();
    memview::gui::AppOptions o;
    o.config_dir = config;
    o.persist = false;
    o.control_socket = false;
    app = std::make_unique<App>(o);
    if (!app->open(spec).ok()) {
      std::fprintf(stderr, "open: %s\n", app->open_view.error.c_str());
      std::exit(2);
    }
    app->side_tab_request = memview::gui::SideTab::watches;
    frame();
    memview::gui::WatchesState& w = session().watches;
    for (int i = 0; i < watches; ++i) {
      memview::gui::WatchTarget t;
      t.type = memview::ScalarType::u32;
      t.address = static_cast<uint64_t>(i) * 4;
      w.add(t);
    }
    w.selected = 0;  // the table only: the plot is one more sparkline, measured apart
    for (int i = 0; i < 5; ++i) frame();  // layout, first polls, fonts
  }
  ~Viewer() {
    app.reset();
    std::error_code ec;
    std::filesystem::remove_all(config, ec);
  }

  double frame() {
    const auto t0 = std::chrono::steady_clock::now();
    imgui.frame([&] { app->frame(now); });
    now += kFrameNs;
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  }
  memview::gui::Session& session() { return *app->sessions.front(); }
};

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

std::map<std::string, double> g;
std::unique_ptr<Object> g_obj;

Object& object() {
  if (!g_obj) g_obj = std::make_unique<Object>(64 * 1024);
  return *g_obj;
}

// Every watched value changes before every frame.
void foreign_writes(Object& obj) {
  auto* v = reinterpret_cast<uint32_t*>(obj.map);
  for (int i = 0; i < kWatches; ++i) v[i] += static_cast<uint32_t>(i + 1);
}

void BM_Frame_PlainVsWatches(benchmark::State& state) {
  Object& obj = object();
  Viewer plain(ImVec2(1920, 1080), obj.spec(), 0);
  Viewer with(ImVec2(1920, 1080), obj.spec(), kWatches);
  // Ten seconds of frames: full sparklines.
  for (int i = 0; i < 600; ++i) {
    foreign_writes(obj);
    with.frame();
  }
  std::vector<double> a, b;
  for (auto _ : state) {
    foreign_writes(obj);
    a.push_back(plain.frame());
    foreign_writes(obj);
    b.push_back(with.frame());
  }
  const memview::gui::WatchesState& w = with.session().watches;
  g["plain"] = median(a);
  g["watches"] = median(b);
  g["rows_drawn"] = 0;
  for (const auto& r : w.row_rects) g["rows_drawn"] += r.valid() ? 1 : 0;
  double samples = 0;
  for (const auto& x : w.watches) samples += static_cast<double>(x->history.size());
  g["samples"] = samples / kWatches;
  g["changes"] = static_cast<double>(w.watches.front()->changes);
  state.counters["plain_ms"] = g["plain"];
  state.counters["watches_ms"] = g["watches"];
}

BENCHMARK(BM_Frame_PlainVsWatches)->Unit(benchmark::kMillisecond)->MinTime(2.0);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  g_obj.reset();

  bool ok = true;
  if (g.count("plain")) {
    const double diff = g["watches"] - g["plain"];
    std::printf(
        "\nwhole viewer frame, 1920x1080, the Watches panel with %d u32 watches all "
        "changing every frame\n",
        kWatches);
    std::printf(
        "rows drawn (with sparklines): %.0f; samples kept per watch: %.0f; changes "
        "counted by the first: %.0f\n",
        g["rows_drawn"], g["samples"], g["changes"]);
    std::printf("MEDIAN frame_without_watches = %.3f ms\n", g["plain"]);
    std::printf("MEDIAN frame_with_watches = %.3f ms\n", g["watches"]);
    const bool shown = g["rows_drawn"] >= 5 && g["changes"] > 600;
    if (!shown) std::printf("the watches were not visible or not changing: MISS\n");
    ok &= shown;
    const bool hit = diff <= 0.3;
    std::printf("DIFF watches_frame_minus_plain = %.3f ms (target <= 0.3 ms) %s\n", diff,
                hit ? "OK" : "MISS");
    ok &= hit;
  }
  const char* enforce = std::getenv("MEMVIEW_BENCH_ENFORCE");
  if (enforce && std::string(enforce) == "1" && !ok) return 1;
  return 0;
}
#endif  // __has_include("headless.h")
