// Overlay performance: CPU time of a whole viewer frame (App::frame in a headless 1920x1080
// ImGui context: menu, tabs, hex grid, inspector, side panel, status bar, one poll) with an
// overlay of 1,000 fields, all of them visible in the grid (32 bytes per row) and all
// changing every frame, against the same frame of the same object without the overlay,
// measured in the same run with the frames interleaved. The tree shows as many of the
// fields as fit below the inspector (its rows are clipped: cost follows what is visible).
//
// Prints "DIFF overlay_frame_minus_plain = 0.21 ms (target <= 1 ms) OK"; targets only fail
// the program when MEMVIEW_BENCH_ENFORCE=1.
#if !__has_include("headless.h")
#include <cstdio>
int main() {
  std::puts("bench_overlay: built without the GUI, skipped");
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
#include "memview/layout.h"

namespace {

using memview::gui::App;
using memview::gui::HeadlessImGui;

constexpr int kFields = 1000;
constexpr int64_t kFrameNs = 16'666'667;

struct Object {
  std::string name;
  size_t size = 0;
  unsigned char* map = nullptr;
  int fd = -1;

  explicit Object(size_t bytes) : size(bytes) {
    name = fmt::format("/memview-bench-overlay-{}", getpid());
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

std::string many_fields_decl() {
  std::string s = "#include <stdint.h>\nstruct many {\n";
  for (int i = 0; i < kFields; ++i) s += fmt::format("  uint8_t f{};\n", i);
  return s + "};\n";
}

// One viewer (its own ImGui context and App) on the shared object.
struct Viewer {
  HeadlessImGui imgui;
  std::string config;
  std::unique_ptr<App> app;
  int64_t now = memview::now_ns();

  Viewer(ImVec2 display, const std::string& spec, bool overlay) : imgui(display) {
    config = (std::filesystem::temp_directory_path() /
              fmt::format("memview-bench-overlay-cfg-{}-{}", getpid(), overlay ? 1 : 0))
                 .string();
    memview::gui::AppOptions o;
    o.config_dir = config;
    o.persist = false;
    o.control_socket = false;
    app = std::make_unique<App>(o);
    app->settings.bytes_per_row = 32;
    if (!app->open(spec).ok()) {
      std::fprintf(stderr, "open: %s\n", app->open_view.error.c_str());
      std::exit(2);
    }
    frame();
    if (overlay) {
      memview::gui::DeclOrigin origin;
      origin.kind = memview::gui::DeclOrigin::Kind::text;
      origin.text = many_fields_decl();
      memview::gui::Session& s = *app->sessions.front();
      memview::gui::Overlay* ov = app->add_overlay(s, origin, "struct many", 0);
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
      while (ov->state() != memview::gui::Overlay::State::ready) {
        frame();
        if (ov->state() == memview::gui::Overlay::State::failed ||
            std::chrono::steady_clock::now() > deadline) {
          std::fprintf(stderr, "overlay: %s\n", ov->error().c_str());
          std::exit(2);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    }
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

// Every field changes before every frame.
void foreign_writes(Object& obj) {
  for (int i = 0; i < kFields; ++i) ++obj.map[i];
}

void BM_Frame_PlainVsOverlay(benchmark::State& state) {
  Object& obj = object();
  Viewer plain(ImVec2(1920, 1080), obj.spec(), false);
  Viewer with(ImVec2(1920, 1080), obj.spec(), true);
  std::vector<double> a, b;
  for (auto _ : state) {
    foreign_writes(obj);
    a.push_back(plain.frame());
    foreign_writes(obj);
    b.push_back(with.frame());
  }
  auto& hs = with.session().hex;
  auto& ov = with.session().overlays;
  g["plain"] = median(a);
  g["overlay"] = median(b);
  g["tinted"] = hs.tinted_bytes;
  g["glowing"] = hs.highlighted_bytes;
  g["tree_rows"] = static_cast<double>(ov.drawn.size());
  int lit = 0;
  for (const auto& r : ov.drawn) lit += r.glow > 0;
  g["tree_lit"] = lit;
  state.counters["plain_ms"] = g["plain"];
  state.counters["overlay_ms"] = g["overlay"];
}

BENCHMARK(BM_Frame_PlainVsOverlay)->Unit(benchmark::kMillisecond)->MinTime(2.0);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  g_obj.reset();

  bool ok = true;
  if (g.count("plain")) {
    const double diff = g["overlay"] - g["plain"];
    std::printf(
        "\nwhole viewer frame, 1920x1080, 32 bytes/row, an overlay of %d one-byte fields "
        "all changing every frame\n",
        kFields);
    std::printf(
        "grid: %.0f bytes coloured by fields, %.0f glowing; tree: %.0f rows drawn, %.0f "
        "lit\n",
        g["tinted"], g["glowing"], g["tree_rows"], g["tree_lit"]);
    std::printf("MEDIAN frame_without_overlay = %.3f ms\n", g["plain"]);
    std::printf("MEDIAN frame_with_overlay = %.3f ms\n", g["overlay"]);
    // The measured frame must really show the overlay: every field coloured and glowing in
    // the grid, tree rows drawn and lit.
    const bool shown = g["tinted"] >= kFields && g["glowing"] >= kFields && g["tree_rows"] > 10 &&
                       g["tree_lit"] > 10;
    if (!shown) std::printf("the overlay was not fully visible in the measured frames: MISS\n");
    ok &= shown;
    const bool hit = diff <= 1.0;
    std::printf("DIFF overlay_frame_minus_plain = %.3f ms (target <= 1 ms) %s\n", diff,
                hit ? "OK" : "MISS");
    ok &= hit;
  }
  const char* enforce = std::getenv("MEMVIEW_BENCH_ENFORCE");
  if (enforce && std::string(enforce) == "1" && !ok) return 1;
  return 0;
}
#endif  // __has_include("headless.h")
