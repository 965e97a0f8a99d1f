# Cross-compiling memview for 64-bit Windows with Debian's mingw-w64
# (g++-mingw-w64-x86-64-posix). The -posix variant uses winpthreads, so std::thread,
# std::mutex and std::condition_variable work. Everything is linked statically: the .exe
# files need no DLLs beyond the system's (kernel32, user32, gdi32, opengl32, ...).
#
#   cmake -S . -B build/windows -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/mingw-w64-x86_64.cmake
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(MEMVIEW_MINGW_TRIPLET x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${MEMVIEW_MINGW_TRIPLET}-gcc-posix)
set(CMAKE_CXX_COMPILER ${MEMVIEW_MINGW_TRIPLET}-g++-posix)
set(CMAKE_RC_COMPILER ${MEMVIEW_MINGW_TRIPLET}-windres)
set(CMAKE_AR ${MEMVIEW_MINGW_TRIPLET}-gcc-ar-posix CACHE FILEPATH "archiver")
set(CMAKE_RANLIB ${MEMVIEW_MINGW_TRIPLET}-gcc-ranlib-posix CACHE FILEPATH "ranlib")

# Libraries and headers come from the mingw sysroot only, never from the Linux host;
# programs (python3, wine) from the host.
set(CMAKE_FIND_ROOT_PATH /usr/${MEMVIEW_MINGW_TRIPLET})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -static-libgcc -static-libstdc++")

# ctest (and try_run) start the .exe files through wine.
find_program(MEMVIEW_WINE NAMES wine wine64)
if(MEMVIEW_WINE)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${MEMVIEW_WINE})
endif()
