# CMake glue only: imported targets for the Debian packages memview builds against.
# Nothing here is third-party source; scripts/install-deps installs the packages.

# The Windows cross build has its own glue (mingw-w64, sources fetched by scripts/build-windows).
if(WIN32)
  include(${CMAKE_CURRENT_LIST_DIR}/windows.cmake)
  return()
endif()

find_package(Threads REQUIRED)
find_package(fmt REQUIRED)                 # libfmt-dev
find_package(nlohmann_json 3 REQUIRED)     # nlohmann-json3-dev
find_package(CLI11 REQUIRED)               # libcli11-dev
find_package(PkgConfig REQUIRED)
# zstd (libzstd-dev): compression of recordings and snapshots.
pkg_check_modules(ZSTD REQUIRED IMPORTED_TARGET libzstd)
add_library(memview::zstd INTERFACE IMPORTED)
target_link_libraries(memview::zstd INTERFACE PkgConfig::ZSTD)
# xxHash (libxxhash-dev): XXH3 hashes of memory chunks.
pkg_check_modules(XXHASH REQUIRED IMPORTED_TARGET libxxhash)
add_library(memview::xxhash INTERFACE IMPORTED)
target_link_libraries(memview::xxhash INTERFACE PkgConfig::XXHASH)
# elfutils (libdw-dev, libelf-dev): libdwfl resolves the instruction addresses of "who
# writes here" to function and file:line in live processes (Linux only).
pkg_check_modules(ELFUTILS REQUIRED IMPORTED_TARGET libdw)
add_library(memview::elfutils INTERFACE IMPORTED)
target_link_libraries(memview::elfutils INTERFACE PkgConfig::ELFUTILS)

# PCRE2 (libpcre2-dev, its 8-bit library libpcre2-8): regular expressions over raw bytes
# for `memview-cli find --regex` and the Find panel (JIT-compiled where PCRE2 has a JIT).
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)
add_library(memview::pcre2 INTERFACE IMPORTED)
target_link_libraries(memview::pcre2 INTERFACE PkgConfig::PCRE2)
set(MEMVIEW_HAVE_PCRE2 ON)

# libclang (libclang-14-dev): used by the struct layout engine.
set(MEMVIEW_LLVM_ROOT "/usr/lib/llvm-14" CACHE PATH "LLVM installation that provides libclang")
find_library(MEMVIEW_LIBCLANG NAMES clang clang-14 HINTS "${MEMVIEW_LLVM_ROOT}/lib" NO_DEFAULT_PATH)
find_path(MEMVIEW_LIBCLANG_INCLUDE clang-c/Index.h HINTS "${MEMVIEW_LLVM_ROOT}/include" NO_DEFAULT_PATH)
if(MEMVIEW_LIBCLANG AND MEMVIEW_LIBCLANG_INCLUDE)
  # Not linked: the layout engine dlopens libclang on the first parse (libLLVM's start-up cost
  # is paid only by processes that parse C). This target carries the headers, libdl and the
  # file to load: the SONAME in the real library's directory (survives a minor upgrade that
  # renames the file), else the real file.
  file(REAL_PATH "${MEMVIEW_LIBCLANG}" MEMVIEW_LIBCLANG_REAL)
  set(MEMVIEW_LIBCLANG_RUNTIME "${MEMVIEW_LIBCLANG_REAL}")
  if(CMAKE_OBJDUMP)
    execute_process(COMMAND "${CMAKE_OBJDUMP}" -p "${MEMVIEW_LIBCLANG_REAL}"
      OUTPUT_VARIABLE libclang_dump ERROR_QUIET RESULT_VARIABLE libclang_dump_rc)
    if(libclang_dump_rc EQUAL 0 AND libclang_dump MATCHES "SONAME[ \t]+([^ \t\r\n]+)")
      get_filename_component(libclang_dir "${MEMVIEW_LIBCLANG_REAL}" DIRECTORY)
      if(EXISTS "${libclang_dir}/${CMAKE_MATCH_1}")
        set(MEMVIEW_LIBCLANG_RUNTIME "${libclang_dir}/${CMAKE_MATCH_1}")
      endif()
    endif()
  endif()
  add_library(memview::libclang INTERFACE IMPORTED)
  set_target_properties(memview::libclang PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${MEMVIEW_LIBCLANG_INCLUDE}"
    INTERFACE_COMPILE_DEFINITIONS "MEMVIEW_LIBCLANG_PATH=\"${MEMVIEW_LIBCLANG_RUNTIME}\""
    INTERFACE_LINK_LIBRARIES "${CMAKE_DL_LIBS}")
  message(STATUS "libclang (loaded at run time): ${MEMVIEW_LIBCLANG_RUNTIME}")
  # clang's builtin headers (<stddef.h>, <stdarg.h>) live in the resource directory.
  file(GLOB MEMVIEW_CLANG_RESOURCE_DIRS LIST_DIRECTORIES true "${MEMVIEW_LLVM_ROOT}/lib/clang/*")
  list(SORT MEMVIEW_CLANG_RESOURCE_DIRS)
  list(POP_BACK MEMVIEW_CLANG_RESOURCE_DIRS MEMVIEW_CLANG_RESOURCE_DIR)
  set(MEMVIEW_CLANG_RESOURCE_DIR "${MEMVIEW_CLANG_RESOURCE_DIR}" CACHE PATH "clang resource directory")
  set(MEMVIEW_HAVE_LIBCLANG ON)
else()
  message(WARNING "libclang not found: struct layouts from C headers are disabled in this build")
  set(MEMVIEW_HAVE_LIBCLANG OFF)
endif()

if(MEMVIEW_BUILD_GUI)
  find_package(glfw3 3.3 REQUIRED)         # libglfw3-dev
  find_package(OpenGL REQUIRED)            # libgl-dev
  # Debian's libimgui-dev: a PIC static library with the GLFW and OpenGL3 backends inside.
  pkg_check_modules(IMGUI REQUIRED IMPORTED_TARGET imgui)
  add_library(memview::imgui INTERFACE IMPORTED)
  target_link_libraries(memview::imgui INTERFACE PkgConfig::IMGUI glfw OpenGL::GL ${CMAKE_DL_LIBS})
endif()

if(MEMVIEW_BUILD_TESTS)
  find_package(GTest REQUIRED)             # libgtest-dev, libgmock-dev
endif()
if(MEMVIEW_BUILD_BENCH)
  find_package(benchmark REQUIRED)         # libbenchmark-dev
endif()
