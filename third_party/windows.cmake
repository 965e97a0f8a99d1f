# CMake glue for the Windows cross build (cmake/toolchains/mingw-w64-x86_64.cmake).
# Included by dependencies.cmake when WIN32. Nothing here is third-party source:
#  - fmt (header-only mode), nlohmann_json, CLI11 and stb_image (libstb-dev): Debian's
#    headers from the build host, exposed through a folder of links that holds only those
#    (never all of /usr/include, whose glibc headers would shadow mingw's).
#  - Dear ImGui 1.86 and GLFW 3.3.8: Debian's *source* packages, fetched by
#    scripts/build-windows with `apt-get source` into the build tree and passed in as
#    MEMVIEW_WIN_IMGUI_SRC / MEMVIEW_WIN_GLFW_SRC; compiled here with the cross compiler.
#  - xxHash: Debian's header (libxxhash-dev) in XXH_INLINE_ALL mode (no library to link).
#  - zstd 1.5.4: Debian's source package, fetched like ImGui and GLFW (MEMVIEW_WIN_ZSTD_SRC),
#    its lib/ compiled here with the cross compiler (no assembly: ZSTD_DISABLE_ASM).
#  - libclang: none for Windows; the layout engine reports "not available in this build"
#    and layouts come in as JSON (see docs/windows.md).
#  - PCRE2: none for Windows; regular expressions report "not available in this build".

find_package(Threads REQUIRED)

set(MEMVIEW_WIN_HOST_INCLUDE "/usr/include" CACHE PATH "where Debian's fmt, nlohmann and CLI11 headers are")
set(_memview_hdrs "${CMAKE_BINARY_DIR}/host-headers")
foreach(_dir fmt nlohmann CLI stb)
  if(NOT EXISTS "${MEMVIEW_WIN_HOST_INCLUDE}/${_dir}")
    message(FATAL_ERROR "${MEMVIEW_WIN_HOST_INCLUDE}/${_dir} missing: run scripts/install-deps-windows")
  endif()
  file(MAKE_DIRECTORY "${_memview_hdrs}")
  if(NOT EXISTS "${_memview_hdrs}/${_dir}")
    file(CREATE_LINK "${MEMVIEW_WIN_HOST_INCLUDE}/${_dir}" "${_memview_hdrs}/${_dir}" SYMBOLIC)
  endif()
endforeach()

add_library(memview_win_fmt INTERFACE)
target_include_directories(memview_win_fmt SYSTEM INTERFACE "${_memview_hdrs}")
target_compile_definitions(memview_win_fmt INTERFACE FMT_HEADER_ONLY=1)
add_library(fmt::fmt ALIAS memview_win_fmt)

add_library(memview_win_json INTERFACE)
target_include_directories(memview_win_json SYSTEM INTERFACE "${_memview_hdrs}")
add_library(nlohmann_json::nlohmann_json ALIAS memview_win_json)

if(NOT EXISTS "${MEMVIEW_WIN_HOST_INCLUDE}/xxhash.h")
  message(FATAL_ERROR "${MEMVIEW_WIN_HOST_INCLUDE}/xxhash.h missing: run scripts/install-deps-windows")
endif()
set(_memview_xxh "${CMAKE_BINARY_DIR}/host-headers-xxhash")
file(MAKE_DIRECTORY "${_memview_xxh}")
if(NOT EXISTS "${_memview_xxh}/xxhash.h")
  file(CREATE_LINK "${MEMVIEW_WIN_HOST_INCLUDE}/xxhash.h" "${_memview_xxh}/xxhash.h" SYMBOLIC)
endif()
add_library(memview_win_xxhash INTERFACE)
target_include_directories(memview_win_xxhash SYSTEM INTERFACE "${_memview_xxh}")
target_compile_definitions(memview_win_xxhash INTERFACE XXH_INLINE_ALL=1)
add_library(memview::xxhash ALIAS memview_win_xxhash)

set(MEMVIEW_WIN_ZSTD_SRC "" CACHE PATH "unpacked Debian source of libzstd 1.5.4 (apt-get source libzstd)")
if(NOT EXISTS "${MEMVIEW_WIN_ZSTD_SRC}/lib/zstd.h")
  message(FATAL_ERROR "MEMVIEW_WIN_ZSTD_SRC does not point at the unpacked Debian source of "
                      "libzstd: use scripts/build-windows, which fetches it")
endif()
file(GLOB _zstd_c "${MEMVIEW_WIN_ZSTD_SRC}/lib/common/*.c" "${MEMVIEW_WIN_ZSTD_SRC}/lib/compress/*.c"
     "${MEMVIEW_WIN_ZSTD_SRC}/lib/decompress/*.c")
add_library(memview_win_zstd STATIC ${_zstd_c})
target_include_directories(memview_win_zstd SYSTEM PUBLIC "${MEMVIEW_WIN_ZSTD_SRC}/lib")
target_compile_definitions(memview_win_zstd PRIVATE ZSTD_DISABLE_ASM=1 ZSTD_MULTITHREAD=0)
target_compile_options(memview_win_zstd PRIVATE -w -O2)
add_library(memview::zstd ALIAS memview_win_zstd)

add_library(memview_win_cli11 INTERFACE)
target_include_directories(memview_win_cli11 SYSTEM INTERFACE "${_memview_hdrs}")
add_library(CLI11::CLI11 ALIAS memview_win_cli11)

set(MEMVIEW_HAVE_LIBCLANG OFF)
# No PCRE2 for Windows: `find --regex` and the panel's Regex report "not available in this
# build" (core/src/scan/find_regex.cpp).
set(MEMVIEW_HAVE_PCRE2 OFF)

if(MEMVIEW_BUILD_GUI)
  set(MEMVIEW_WIN_IMGUI_SRC "" CACHE PATH "unpacked Debian source of imgui 1.86 (apt-get source imgui)")
  set(MEMVIEW_WIN_GLFW_SRC "" CACHE PATH "unpacked Debian source of glfw3 3.3.8 (apt-get source glfw3)")
  if(NOT EXISTS "${MEMVIEW_WIN_IMGUI_SRC}/imgui.h" OR NOT EXISTS "${MEMVIEW_WIN_GLFW_SRC}/CMakeLists.txt")
    message(FATAL_ERROR "MEMVIEW_WIN_IMGUI_SRC/MEMVIEW_WIN_GLFW_SRC do not point at the unpacked "
                        "Debian sources of imgui and glfw3: use scripts/build-windows, which fetches them")
  endif()

  # GLFW's own CMake project, only the library (its Win32 + WGL backend).
  set(GLFW_BUILD_EXAMPLES OFF CACHE BOOL "" FORCE)
  set(GLFW_BUILD_TESTS OFF CACHE BOOL "" FORCE)
  set(GLFW_BUILD_DOCS OFF CACHE BOOL "" FORCE)
  set(GLFW_INSTALL OFF CACHE BOOL "" FORCE)
  add_subdirectory("${MEMVIEW_WIN_GLFW_SRC}" "${CMAKE_BINARY_DIR}/third_party/glfw" EXCLUDE_FROM_ALL)
  target_compile_options(glfw PRIVATE -w)

  # stb_image for the window icon: Debian's header with its implementation compiled once
  # (on Linux the implementation comes from libstb.so).
  set(_stb_impl "${CMAKE_BINARY_DIR}/third_party/stb_image_impl.c")
  file(WRITE "${_stb_impl}.in" "#define STB_IMAGE_IMPLEMENTATION\n#include <stb/stb_image.h>\n")
  configure_file("${_stb_impl}.in" "${_stb_impl}" COPYONLY)
  add_library(memview_win_stb_image STATIC "${_stb_impl}")
  target_include_directories(memview_win_stb_image SYSTEM PUBLIC "${_memview_hdrs}")
  target_compile_options(memview_win_stb_image PRIVATE -w)

  # ImGui the way Debian's libimgui-dev packages it (core, std::string helpers, the GLFW
  # and OpenGL3 backends), but with ImGui's own stb copies instead of libstb, and without
  # imgui_demo.cpp (the viewer never shows ImGui's demo window).
  set(_im "${MEMVIEW_WIN_IMGUI_SRC}")
  add_library(memview_win_imgui STATIC
    ${_im}/imgui.cpp ${_im}/imgui_draw.cpp ${_im}/imgui_tables.cpp ${_im}/imgui_widgets.cpp
    ${_im}/misc/cpp/imgui_stdlib.cpp
    ${_im}/backends/imgui_impl_glfw.cpp ${_im}/backends/imgui_impl_opengl3.cpp)
  # Debian's layout: <imgui.h>, <imgui_stdlib.h>, <backends/imgui_impl_glfw.h>.
  target_include_directories(memview_win_imgui SYSTEM PUBLIC ${_im} ${_im}/misc/cpp)
  target_link_libraries(memview_win_imgui PUBLIC glfw opengl32 imm32 memview_win_stb_image)
  target_compile_options(memview_win_imgui PRIVATE -w)
  add_library(memview::imgui ALIAS memview_win_imgui)
endif()

# Build time: the Windows job must fit CI's budget on 2 cores. fmt in header-only mode,
# CLI11 and nlohmann/json cost most of each translation unit's compile time, so the
# targets that use them get a precompiled header. Applied at the end of the top-level
# directory, once every target exists (targets are defined in other directories).
option(MEMVIEW_WIN_UNITY "Unity-build memview-cli (build time)" ON)
function(memview_win_precompile)
  set(_common <string> <vector> <memory> <optional> <span> <fmt/format.h>)
  if(TARGET memview_core_objects)
    target_precompile_headers(memview_core_objects PRIVATE ${_common})
  endif()
  if(TARGET memview-cli)
    target_precompile_headers(memview-cli PRIVATE ${_common} <CLI/CLI.hpp> <nlohmann/json.hpp>)
    # One translation unit for all subcommands: CLI11's and fmt's inline code is then
    # compiled once, not once per cmd_*.cpp (ten times faster here). Needs helpers with
    # distinct names across files; scripts/build-windows retries without unity if not.
    set_target_properties(memview-cli PROPERTIES UNITY_BUILD ${MEMVIEW_WIN_UNITY} UNITY_BUILD_BATCH_SIZE 0)
  endif()
  if(TARGET memview)
    # A windowed program: no console window opens beside the viewer (-mwindows; mingw's
    # runtime still calls main()).
    set_target_properties(memview PROPERTIES WIN32_EXECUTABLE ON)
  endif()
  if(TARGET memview_gui_lib)
    # (Not unity-built: the viewer's files share helper names.)
    target_precompile_headers(memview_gui_lib PRIVATE ${_common} <imgui.h>)
  endif()
  # Everything of ours compiles about twice as fast at -O1; the core's hot loops (diffing,
  # byte compares, change tracking, scan compares) and ImGui/GLFW keep the build type's -O2.
  set(_hot ${CMAKE_SOURCE_DIR}/core/src/mem_ops.cpp ${CMAKE_SOURCE_DIR}/core/src/byte_compare.cpp
           ${CMAKE_SOURCE_DIR}/core/src/change_tracker.cpp
           ${CMAKE_SOURCE_DIR}/core/src/scan/scan_kernels.cpp)
  foreach(_f ${_hot})
    if(EXISTS ${_f})
      set_source_files_properties(${_f} DIRECTORY ${CMAKE_SOURCE_DIR}/core
                                  PROPERTIES COMPILE_OPTIONS -O2 SKIP_PRECOMPILE_HEADERS ON)
    endif()
  endforeach()
  foreach(_t memview_core_objects memview-cli memview memview_gui_lib seed_creator seed_opener
             win32_core_test)
    if(TARGET ${_t})
      target_compile_options(${_t} PRIVATE -O1)
    endif()
  endforeach()
endfunction()
cmake_language(DEFER DIRECTORY ${CMAKE_SOURCE_DIR} CALL memview_win_precompile)
