#include "headless.h"

#include <GLFW/glfw3.h>

#include <cctype>

#include "fonts.h"

namespace memview::gui {

HeadlessImGui::HeadlessImGui(ImVec2 display_size, bool use_app_font) {
  IMGUI_CHECKVERSION();
  context_ = ImGui::CreateContext();
  ImGui::SetCurrentContext(context_);
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;  // never write imgui.ini from tests
  io.LogFilename = nullptr;
  io.DisplaySize = display_size;
  io.DeltaTime = 1.0f / 60.0f;
  set_glfw_key_map(io);
  if (use_app_font) {
    load_fonts(io, 1.0f);
  } else {
    io.Fonts->AddFontDefault();
  }
  // No renderer: building the atlas is all NewFrame needs.
  unsigned char* pixels = nullptr;
  int w = 0, h = 0;
  io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);
  io.Fonts->SetTexID(reinterpret_cast<ImTextureID>(static_cast<intptr_t>(1)));
  sink_ = imgui_io_sink(io);
}

HeadlessImGui::~HeadlessImGui() {
  ImGui::DestroyContext(context_);
}

void HeadlessImGui::frame(const std::function<void()>& body) {
  ImGui::SetCurrentContext(context_);
  ImGuiIO& io = ImGui::GetIO();
  input_.drain_frame(sink_);
  io.MousePos = mouse_pos_;
  io.MouseDown[0] = mouse_down_[0];
  io.MouseDown[1] = mouse_down_[1];
  io.MouseWheel = wheel_;
  wheel_ = 0;
  ImGui::NewFrame();
  if (body) body();
  ImGui::Render();
}

int HeadlessImGui::frames_until_idle(const std::function<void()>& body, int min_frames,
                                     int max_frames) {
  int n = 0;
  while (n < max_frames && (n < min_frames || !input_.empty())) {
    frame(body);
    ++n;
  }
  // One more frame so that the last release is seen.
  frame(body);
  return n + 1;
}

void HeadlessImGui::key_down(int k) {
  input_.push_key(k, 0, GLFW_PRESS, 0);
}
void HeadlessImGui::key_up(int k) {
  input_.push_key(k, 0, GLFW_RELEASE, 0);
}

void HeadlessImGui::tap(int k) {
  key_down(k);
  key_up(k);
}

void HeadlessImGui::chord(int modifier, int k) {
  key_down(modifier);
  key_down(k);
  key_up(k);
  key_up(modifier);
}

void HeadlessImGui::type(std::string_view text) {
  for (char ch : text) {
    const unsigned char c = static_cast<unsigned char>(ch);
    int key = GLFW_KEY_UNKNOWN;
    if (std::isalpha(c)) key = std::toupper(c);  // GLFW_KEY_A.. equal 'A'..
    if (std::isdigit(c) || c == ' ') key = c;
    if (key != GLFW_KEY_UNKNOWN) key_down(key);
    input_.push_char(c);
    if (key != GLFW_KEY_UNKNOWN) key_up(key);
  }
}

void HeadlessImGui::click(ImVec2 pos, const std::function<void()>& body, int button) {
  mouse_move(pos);
  frame(body);
  mouse_button(true, button);
  frame(body);
  mouse_button(false, button);
  frame(body);
}

void HeadlessImGui::double_click(ImVec2 pos, const std::function<void()>& body) {
  mouse_move(pos);
  frame(body);
  for (int i = 0; i < 2; ++i) {
    mouse_button(true);
    frame(body);
    mouse_button(false);
    frame(body);
  }
}

}  // namespace memview::gui
