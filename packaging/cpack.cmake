# CPack: `scripts/package` -> memview_VERSION_amd64.deb from the install tree (configured
# with CMAKE_INSTALL_PREFIX=/usr). The version is project()'s, the one place it is set.
# MEMVIEW_PACKAGE_MAINTAINER: packaging/CMakeLists.txt.

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME memview)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "memview maintainers")
set(CPACK_PACKAGE_CONTACT "${MEMVIEW_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "live viewer and editor for named shared memory")
set(CPACK_PACKAGE_DESCRIPTION
  "memview opens POSIX and System V shared memory, memory-mapped files, other\n\
processes' memory and targets behind a GDB remote stub by name, shows their\n\
bytes changing live, edits them in place and overlays C structs exactly as the\n\
compiler laid them out (libclang). memview-cli lists, dumps, pokes, watches and\n\
creates them from the shell and tells which processes map and write them. With\n\
extensions for gdb and lldb.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # memview_VERSION_amd64.deb
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)    # Depends from the binaries (dpkg-shlibdeps)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS OFF)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

# libclang is not linked (dpkg-shlibdeps cannot see it): the layout engine dlopens it on
# the first parse (core/src/layout/libclang_loader.h) and needs clang's builtin headers.
# Struct layouts are one feature among many, so the packages that hold the very files it
# loads are Recommends, found here from the files themselves.
set(_recommends)
find_program(MEMVIEW_DPKG_QUERY dpkg-query)
foreach(_file IN ITEMS "${MEMVIEW_LIBCLANG_RUNTIME}" "${MEMVIEW_CLANG_RESOURCE_DIR}/include/stddef.h")
  if(MEMVIEW_DPKG_QUERY AND MEMVIEW_HAVE_LIBCLANG AND EXISTS "${_file}")
    execute_process(COMMAND ${MEMVIEW_DPKG_QUERY} -S "${_file}"
      OUTPUT_VARIABLE _owner ERROR_QUIET RESULT_VARIABLE _rc)
    if(_rc EQUAL 0 AND _owner MATCHES "^([^:, ]+)(:[^:]+)?: ")
      list(APPEND _recommends ${CMAKE_MATCH_1})
    endif()
  endif()
endforeach()
# The debugger extensions are for gdb and lldb users; the GUI's font is DejaVu Sans Mono.
list(APPEND _recommends fonts-dejavu-core)
list(JOIN _recommends ", " CPACK_DEBIAN_PACKAGE_RECOMMENDS)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "gdb, lldb-14")
message(STATUS "Package Recommends: ${CPACK_DEBIAN_PACKAGE_RECOMMENDS}")

include(CPack)
