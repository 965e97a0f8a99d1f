// memview: GLFW window, OpenGL context and ImGui setup. Everything else is in
// memview_gui_lib (App::frame draws the UI).
#include <GLFW/glfw3.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>
#include <stb/stb_image.h>
#include <unistd.h>

#include <algorithm>
#include <cfloat>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "app.h"
#include "assets.h"
#include "fonts.h"
#include "input_queue.h"
#include "memview/clock.h"
#include "memview/file_read.h"
#include "memview/source_spec.h"
#include "memview/text_bytes.h"
#include "settings.h"

namespace {

memview::gui::InputQueue g_input;
// SIGINT/SIGTERM end the loop normally, so the demo object is unlinked and settings saved.
volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) {
  g_stop = 1;
}

// One "error: ..." line on stderr, whatever bytes the paths and names in it hold.
void say_error(const std::string& message) {
  std::fprintf(stderr, "error: %s\n", memview::printable_text(message).c_str());
}

void on_glfw_error(int code, const char* text) {
  std::fprintf(stderr, "memview: GLFW error %d: %s\n", code, text);
}

// Keys and characters only queue; the frame loop feeds them to ImGui (see input_queue.h).
// MEMVIEW_TRACE_INPUT=1 logs every key and character as GLFW reports it (to find out
// whether a lost key ever reached the application).
bool g_trace_input = false;

void on_key(GLFWwindow*, int key, int scancode, int action, int mods) {
  if (g_trace_input) {
    std::fprintf(stderr, "input: key %d scancode %d action %d mods %d (queued %zu)\n", key,
                 scancode, action, mods, g_input.size());
  }
  g_input.push_key(key, scancode, action, mods);
}
void on_char(GLFWwindow*, unsigned int c) {
  if (g_trace_input) std::fprintf(stderr, "input: char U+%04X (queued %zu)\n", c, g_input.size());
  g_input.push_char(c);
}

void on_focus(GLFWwindow* window, int focused) {
  if (g_trace_input) std::fprintf(stderr, "input: window focus %d\n", focused);
  ImGui_ImplGlfw_WindowFocusCallback(window, focused);
}

// A cheap fingerprint of what ImGui would draw. When a frame draws exactly what the last
// one drew (nothing changed in the mapping or the UI), rendering and the buffer swap are
// skipped: on a software renderer they cost far more than building the frame.
uint64_t draw_data_hash(const ImDrawData* d) {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](const void* p, size_t n) {
    const unsigned char* b = static_cast<const unsigned char*>(p);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      uint64_t w;
      std::memcpy(&w, b + i, 8);
      h = (h ^ w) * 1099511628211ull;
      h ^= h >> 29;
    }
    for (; i < n; ++i) h = (h ^ b[i]) * 1099511628211ull;
  };
  mix(&d->DisplaySize, sizeof(d->DisplaySize));
  for (int i = 0; i < d->CmdListsCount; ++i) {
    const ImDrawList* l = d->CmdLists[i];
    mix(l->VtxBuffer.Data, static_cast<size_t>(l->VtxBuffer.Size) * sizeof(ImDrawVert));
    mix(l->IdxBuffer.Data, static_cast<size_t>(l->IdxBuffer.Size) * sizeof(ImDrawIdx));
    for (const ImDrawCmd& c : l->CmdBuffer) {
      mix(&c.ClipRect, sizeof(c.ClipRect));
      mix(&c.TextureId, sizeof(c.TextureId));
      mix(&c.ElemCount, sizeof(c.ElemCount));
    }
  }
  return h;
}

bool g_refresh = true;  // the window system asked for a redraw (exposed, resized)
void on_refresh(GLFWwindow*) {
  g_refresh = true;
}

float g_new_scale = 0;  // the window moved to a monitor with another content scale
void on_content_scale(GLFWwindow*, float x, float y) {
  g_new_scale = std::max(x, y);
}

// A press that arrives in the same frame as a mouse move (a fast flick, or a synthetic
// "move and click" from xdotool) is held back one frame: some ImGui items (tabs, items that
// allow overlap) only take a click when the mouse already hovered them in the previous
// frame. The press is then delivered in the next frame even if the button was released.
void settle_mouse_presses(ImGuiIO& io) {
  static ImVec2 last_pos(-FLT_MAX, -FLT_MAX);
  static bool was_down[IM_ARRAYSIZE(io.MouseDown)] = {};
  static bool pending[IM_ARRAYSIZE(io.MouseDown)] = {};
  const bool moved = io.MousePos.x != last_pos.x || io.MousePos.y != last_pos.y;
  last_pos = io.MousePos;
  for (int i = 0; i < IM_ARRAYSIZE(io.MouseDown); ++i) {
    if (pending[i]) {
      io.MouseDown[i] = true;
      pending[i] = false;
    } else if (io.MouseDown[i] && !was_down[i] && moved) {
      io.MouseDown[i] = false;
      pending[i] = true;
    }
    was_down[i] = io.MouseDown[i];
  }
}

void set_window_icon(GLFWwindow* window) {
  const std::string path = memview::gui::window_icon_path();
  if (path.empty()) return;
  int w = 0, h = 0, n = 0;
  unsigned char* pixels = stbi_load(path.c_str(), &w, &h, &n, 4);
  if (!pixels) return;
  GLFWimage image{w, h, pixels};
  glfwSetWindowIcon(window, 1, &image);
  stbi_image_free(pixels);
}

// What the command line asks for.
struct CommandLine {
  std::vector<std::string> specs;
  bool demo = false;
  bool read_only = false;
  std::string theme;
  int bytes_per_row = 0;
  std::string font;
  std::string workspace;
  std::string layout;
  std::string layout_title;
  std::string save_workspace;
};

constexpr int kRun = -1;  // parse_command_line: go on and run the viewer

// Parses argv into `cl`; returns kRun, or the exit code to stop with (--help, errors).
int parse_command_line(int argc, char** argv, CommandLine& cl) {
  CLI::App cli{"memview: a live viewer and editor for named shared memory"};
  cli.add_option("SPEC", cl.specs,
                 "sources to open, one tab each: " + memview::source_spec_syntax());
  cli.add_flag("--demo", cl.demo, "start the built-in demo producer and open its mapping");
  cli.add_flag("--read-only", cl.read_only, "open the sources read-only");
  cli.add_option("--theme", cl.theme, "dark or light")->check(CLI::IsMember({"dark", "light"}));
  cli.add_option("--bytes-per-row", cl.bytes_per_row, "8, 16 or 32")
      ->check(CLI::IsMember({8, 16, 32}));
  cli.add_option("--font", cl.font, "a TrueType font file (default: DejaVu Sans Mono)");
  cli.add_option("--workspace", cl.workspace,
                 "reopen a saved workspace (sources, overlays, bookmarks, view settings)");
  cli.add_option("--layout", cl.layout,
                 "a layout JSON file (memview-cli layout --json, the gdb extension) to overlay "
                 "at the start of the first source");
  cli.add_option("--layout-title", cl.layout_title,
                 "the name of the --layout overlay (default: its type's name; the debugger "
                 "extensions pass the expression, as they do to a running viewer)")
      ->needs("--layout");
  cli.add_option("--save-workspace", cl.save_workspace,
                 "save the workspace to this file when the viewer quits");
  cli.set_version_flag("--version", "memview " MEMVIEW_VERSION);
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return cli.exit(e);  // --help, --version
    // One "error:" line like every other tool here, then where to look.
    std::fprintf(stderr, "error: %s\nRun 'memview --help' for usage.\n", e.what());
    return 2;
  }
  return kRun;
}

// The window (sized for the monitor's content scale, kept inside its work area) with a
// current OpenGL 3.0 context; null after saying why.
GLFWwindow* create_window() {
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
  glfwWindowHint(GLFW_SCALE_TO_MONITOR, GLFW_TRUE);
  GLFWwindow* window = glfwCreateWindow(1400, 860, "memview", nullptr, nullptr);
  if (!window) {
    std::fprintf(stderr, "error: cannot create an OpenGL 3.0 window\n");
    return nullptr;
  }
  if (GLFWmonitor* monitor = glfwGetPrimaryMonitor()) {
    int x = 0, y = 0, w = 0, h = 0, ww = 0, wh = 0;
    glfwGetMonitorWorkarea(monitor, &x, &y, &w, &h);
    glfwGetWindowSize(window, &ww, &wh);
    if (w > 0 && h > 0 && (ww > w || wh > h)) {
      glfwSetWindowSize(window, std::min(ww, w), std::min(wh, h));
    }
  }
  glfwMakeContextCurrent(window);
  glfwSwapInterval(1);
  set_window_icon(window);
  return window;
}

// ImGui's context, fonts and GLFW/OpenGL backends; returns the UI scale.
float init_imgui(GLFWwindow* window, std::string& ini_path, const std::string& font) {
  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  // The layout goes under the XDG config directory, never the working directory.
  const std::string dir = memview::gui::config_dir();
  if (!dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (!ec) ini_path = dir + "/imgui.ini";
    // ImGui reads the file whole, without limit: a FIFO, a device or a huge file there is
    // said and skipped (the layout is then not remembered).
    if (!ini_path.empty()) {
      memview::Result<uint64_t> ini =
          memview::check_regular_file(ini_path, memview::kMaxTextFileBytes, "window layout");
      if (!ini && ini.error().code != memview::Errc::not_found) {
        std::fprintf(stderr, "memview: %s (not used)\n",
                     memview::printable_text(ini.error().message).c_str());
        ini_path.clear();
      }
    }
  }
  io.IniFilename = ini_path.empty() ? nullptr : ini_path.c_str();
  io.LogFilename = nullptr;

  float xscale = 1.0f, yscale = 1.0f;
  glfwGetWindowContentScale(window, &xscale, &yscale);
  const float ui_scale = std::max(xscale, yscale);
  if (const memview::gui::FontInfo f = memview::gui::load_fonts(io, ui_scale, font);
      !f.error.empty()) {
    say_error(f.error + " (using the built-in font instead)");
  }

  // Callbacks are installed here, not by the backend: keys and characters go through the
  // queue; the others go straight to the backend.
  ImGui_ImplGlfw_InitForOpenGL(window, /*install_callbacks=*/false);
  glfwSetKeyCallback(window, on_key);
  glfwSetCharCallback(window, on_char);
  glfwSetMouseButtonCallback(window, ImGui_ImplGlfw_MouseButtonCallback);
  glfwSetScrollCallback(window, ImGui_ImplGlfw_ScrollCallback);
  glfwSetWindowFocusCallback(window, on_focus);
  glfwSetCursorEnterCallback(window, ImGui_ImplGlfw_CursorEnterCallback);
  glfwSetMonitorCallback(ImGui_ImplGlfw_MonitorCallback);
  glfwSetWindowRefreshCallback(window, on_refresh);
  glfwSetWindowContentScaleCallback(window, on_content_scale);
  ImGui_ImplOpenGL3_Init("#version 130");
  return ui_scale;
}

// Opens what the command line names. A workspace first; the command line's view settings
// then win over the workspace's.
void apply_command_line(memview::gui::App& app, const CommandLine& cl) {
  if (!cl.workspace.empty()) {
    if (auto st = app.open_workspace(cl.workspace); !st.ok()) {
      // File errors name the workspace already; the others get its name here.
      const std::string& m = st.error().message;
      say_error(m.rfind("workspace ", 0) == 0 ? m : "workspace " + cl.workspace + ": " + m);
    }
  }
  if (!cl.theme.empty()) {
    app.set_theme(cl.theme == "light" ? memview::gui::Theme::light : memview::gui::Theme::dark);
  }
  if (cl.bytes_per_row) app.set_bytes_per_row(cl.bytes_per_row);
  if (cl.demo) {
    if (auto st = app.start_demo(true); !st.ok()) {
      say_error("cannot start the demo: " + st.error().message);
    }
  }
  for (const std::string& spec : cl.specs) {
    memview::OpenOptions options;
    options.read_only = cl.read_only;
    if (auto st = app.open(spec, options); !st.ok()) {
      // The Open view shows it too; the viewer stays up so the user can fix the spec.
      say_error("cannot open '" + spec + "': " + st.error().message);
    }
  }
  if (cl.layout.empty()) return;
  if (app.sessions.empty()) {
    say_error("--layout " + cl.layout + ": no source is open to overlay it on");
    return;
  }
  memview::gui::Session& first = *app.sessions.front();
  if (auto o = app.add_layout_file_overlay(first, cl.layout, first.info().base, cl.layout_title);
      !o.ok()) {
    say_error(o.error().message);
  }
}

// Frames until the window closes, Ctrl+Q or a signal. Frames run continuously (the mapping
// is polled every frame) at about 60 Hz; input wakes the loop early, and queued keys keep
// it running until they are delivered.
void run_frames(memview::gui::App& app, GLFWwindow* window, float ui_scale,
                const std::string& font) {
  ImGuiIO& io = ImGui::GetIO();
  const memview::gui::InputSink sink{
      [window](int key, int scancode, int action, int mods) {
        if (g_trace_input) std::fprintf(stderr, "input: feed key %d action %d\n", key, action);
        ImGui_ImplGlfw_KeyCallback(window, key, scancode, action, mods);
      },
      [window](unsigned c) { ImGui_ImplGlfw_CharCallback(window, c); }};
  using clock = std::chrono::steady_clock;
  const auto frame_period = std::chrono::microseconds(16667);
  auto frame_start = clock::now();
  std::string title;
  uint64_t last_hash = 0;
  float font_zoom = 1.0f;  // the zoom the atlas was built at (init_imgui: none)
  while (!glfwWindowShouldClose(window) && !app.quit_requested() && !g_stop) {
    const auto due = frame_start + frame_period;
    const auto now = clock::now();
    if (g_input.empty() && now < due) {
      glfwWaitEventsTimeout(std::chrono::duration<double>(due - now).count());
    } else {
      glfwPollEvents();
    }
    frame_start = clock::now();
    const bool rescaled = g_new_scale > 0 && g_new_scale != ui_scale;
    if (rescaled || app.settings.font_zoom != font_zoom) {
      // Fonts are rasterised for one size: rebuild the atlas and its texture (a new
      // monitor scale, or the text zoom: Ctrl+= / Ctrl+- / Ctrl+0).
      if (rescaled) ui_scale = g_new_scale;
      font_zoom = app.settings.font_zoom;
      io.Fonts->Clear();
      memview::gui::load_fonts(io, ui_scale * font_zoom, font);
      ImGui_ImplOpenGL3_DestroyFontsTexture();
      ImGui_ImplOpenGL3_CreateFontsTexture();
      app.set_font_atlas_zoom(font_zoom);
      if (rescaled) app.set_ui_scale(ui_scale);
    }
    g_new_scale = 0;
    g_input.drain_frame(sink);

    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    settle_mouse_presses(io);
    ImGui::NewFrame();
    app.frame(memview::now_ns());
    ImGui::Render();

    std::string want = "memview";
    if (memview::gui::Session* s = app.active_session()) {
      want += " - " + memview::printable_text(s->info().spec);
    }
    if (want != title) {
      title = want;
      glfwSetWindowTitle(window, title.c_str());
    }
    int w = 0, h = 0;
    glfwGetFramebufferSize(window, &w, &h);
    const uint64_t hash = draw_data_hash(ImGui::GetDrawData()) ^ (uint64_t(w) << 32 | h);
    if (hash == last_hash && !g_refresh) continue;
    last_hash = hash;
    g_refresh = false;
    glViewport(0, 0, w, h);
    const ImVec4 bg = ImGui::GetStyle().Colors[ImGuiCol_WindowBg];
    glClearColor(bg.x, bg.y, bg.z, 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    glfwSwapBuffers(window);
  }
}

int run(int argc, char** argv) {
  CommandLine cl;
  if (const int rc = parse_command_line(argc, argv, cl); rc != kRun) return rc;

  g_trace_input = std::getenv("MEMVIEW_TRACE_INPUT") != nullptr;
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  glfwSetErrorCallback(on_glfw_error);
  if (!glfwInit()) {
    std::fprintf(stderr, "error: cannot initialise GLFW (is DISPLAY set?)\n");
    return 1;
  }
  GLFWwindow* window = create_window();
  if (!window) {
    glfwTerminate();
    return 1;
  }
  std::string ini_path;  // ImGui keeps a pointer to it
  const float ui_scale = init_imgui(window, ini_path, cl.font);

  int exit_code = 0;
  {
    memview::gui::App app;
    app.set_ui_scale(ui_scale);
    apply_command_line(app, cl);
    run_frames(app, window, ui_scale, cl.font);
    app.save_settings_if_dirty();
    if (!cl.save_workspace.empty()) {
      if (auto st = app.save_workspace(cl.save_workspace); !st.ok()) {
        say_error("cannot save the workspace: " + st.error().message);
        exit_code = 1;
      }
    }
  }

  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  glfwDestroyWindow(window);
  glfwTerminate();
  return exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  // Nothing may end the viewer with an uncaught exception: say what went wrong instead.
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    say_error(e.what());
  } catch (...) {
    std::fprintf(stderr, "error: unexpected failure\n");
  }
  return 1;
}
