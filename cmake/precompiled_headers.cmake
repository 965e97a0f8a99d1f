# Build time: CI builds the tree from scratch three times (release, ASan, package) on two
# cores. The standard library and fmt are about half of a core file's compile time
# (4.3 s -> 2.2 s of CPU for core/src/source_spec.cpp, measured), so the core, the CLI and
# the viewer get a precompiled header. The tests do not: their time goes to generating the
# tests' own code (6.8 s -> 5.9 s measured, less than the header costs to build).
# Every file must still include what it uses: scripts/lint runs clang-tidy without the PCH.
# The Windows cross-build sets up its own (third_party/windows.cmake).
option(MEMVIEW_PCH "Precompiled headers for the core and the front ends (build time)" ON)

function(memview_precompile)
  if(NOT MEMVIEW_PCH OR WIN32)
    return()
  endif()
  set(_common <algorithm> <chrono> <cstdint> <cstring> <functional> <map> <memory> <optional>
              <span> <string> <string_view> <vector> <fmt/format.h>)
  if(TARGET memview_core_objects)
    target_precompile_headers(memview_core_objects PRIVATE ${_common})
  endif()
  if(TARGET memview-cli)
    target_precompile_headers(memview-cli PRIVATE ${_common} <CLI/CLI.hpp> <nlohmann/json.hpp>)
  endif()
  if(TARGET memview_gui_lib)
    target_precompile_headers(memview_gui_lib PRIVATE ${_common} <imgui.h>)
  endif()
endfunction()
# Applied once every target exists (they are defined in other directories).
cmake_language(DEFER DIRECTORY ${CMAKE_SOURCE_DIR} CALL memview_precompile)
