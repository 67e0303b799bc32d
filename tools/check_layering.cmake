# Checks the layering of cmake/loom_layout.cmake on a source tree (ctest layering.include_direction):
#   cmake [-DSOURCE_DIR=<tree>] -P tools/check_layering.cmake
# It fails, listing every offending line, when
#  - a file of a library folder includes a header of a folder after its own in LOOM_LIB_DIRS, or of
#    a folder of the tree outside the library (tests/, examples/, ...);
#  - an include of a library folder names a header that does not exist;
#  - a public header (every header of the library folders and loom.hpp, less LOOM_PRIVATE_HEADERS)
#    includes a private header or a third-party header of LOOM_PRIVATE_DEPENDENCY_REGEX, so that the
#    installed headers are closed under their includes;
#  - LOOM_PRIVATE_HEADERS names a file that does not exist (the list would rot silently).
# Includes are read from `#include "dir/..."` and `#include <dir/...>` lines.
# CMake script rather than Python: it must run wherever the project configures.
cmake_minimum_required(VERSION 3.25)
if(NOT SOURCE_DIR)
  get_filename_component(SOURCE_DIR "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
endif()
include(${SOURCE_DIR}/cmake/loom_layout.cmake)
list(JOIN LOOM_LIB_DIRS " <- " _chain)

set(_violations "")
macro(_violation text)
  list(APPEND _violations "${text}")
endmacro()

foreach(h IN LISTS LOOM_PRIVATE_HEADERS)
  if(NOT EXISTS ${SOURCE_DIR}/${h})
    _violation("cmake/loom_layout.cmake: LOOM_PRIVATE_HEADERS names ${h}, which does not exist")
  endif()
endforeach()

# Top-level folders of the tree that are not library folders: nothing in the library may include
# from them.
file(GLOB _top RELATIVE ${SOURCE_DIR} LIST_DIRECTORIES true ${SOURCE_DIR}/*)
set(_outside "")
foreach(d IN LISTS _top)
  if(IS_DIRECTORY ${SOURCE_DIR}/${d} AND NOT d IN_LIST LOOM_LIB_DIRS AND NOT d MATCHES "^(\\.|build)")
    list(APPEND _outside ${d})
  endif()
endforeach()

# Scans one file's include lines. `allowed` is the list of library folders it may include from
# (empty for loom.hpp: all of them); `public` says whether it is a public header.
function(_scan rel allowed public)
  file(STRINGS ${SOURCE_DIR}/${rel} _lines REGEX "^[ \t]*#[ \t]*include[ \t]*[\"<]")
  set(_found "")
  list(JOIN allowed ", " _allowed_text)
  foreach(line IN LISTS _lines)
    if(NOT line MATCHES "^[ \t]*#[ \t]*include[ \t]*[\"<]([^\">]+)[\">]")
      continue()
    endif()
    set(inc "${CMAKE_MATCH_1}")
    string(REGEX REPLACE "/.*" "" top "${inc}")
    if(public AND inc MATCHES "${LOOM_PRIVATE_DEPENDENCY_REGEX}")
      list(APPEND _found "${rel}: public header includes <${inc}>, a dependency only the library's .cpp files and private headers may include")
    endif()
    if(top IN_LIST _outside)
      list(APPEND _found "${rel}: includes ${inc}, outside the library folders (${_chain})")
      continue()
    endif()
    if(NOT top IN_LIST LOOM_LIB_DIRS OR inc STREQUAL top)
      continue()  # a system or third-party header
    endif()
    if(allowed AND NOT top IN_LIST allowed)
      list(APPEND _found "${rel}: includes ${inc}, but ${top}/ comes after the file's own folder in the chain ${_chain} (it may include only from ${_allowed_text})")
    endif()
    if(NOT EXISTS ${SOURCE_DIR}/${inc})
      list(APPEND _found "${rel}: includes ${inc}, which does not exist")
    elseif(public AND inc IN_LIST LOOM_PRIVATE_HEADERS)
      list(APPEND _found "${rel}: public header includes the private header ${inc} (LOOM_PRIVATE_HEADERS), which is not installed")
    endif()
  endforeach()
  set(_scan_found "${_found}" PARENT_SCOPE)
endfunction()

set(_allowed "")
set(_files 0)
foreach(dir IN LISTS LOOM_LIB_DIRS)
  list(APPEND _allowed ${dir})
  file(GLOB_RECURSE _srcs RELATIVE ${SOURCE_DIR} ${SOURCE_DIR}/${dir}/*.hpp ${SOURCE_DIR}/${dir}/*.cpp)
  list(SORT _srcs)
  foreach(rel IN LISTS _srcs)
    set(_public OFF)
    if(rel MATCHES "\\.hpp$" AND NOT rel IN_LIST LOOM_PRIVATE_HEADERS)
      set(_public ON)
    endif()
    _scan(${rel} "${_allowed}" ${_public})
    list(APPEND _violations ${_scan_found})
    math(EXPR _files "${_files} + 1")
  endforeach()
endforeach()
if(EXISTS ${SOURCE_DIR}/loom.hpp)
  _scan(loom.hpp "" ON)
  list(APPEND _violations ${_scan_found})
  math(EXPR _files "${_files} + 1")
endif()

list(LENGTH _violations _n)
if(_n GREATER 0)
  list(JOIN _violations "\n  " _text)
  message(FATAL_ERROR "layering: ${_n} violation(s) in ${SOURCE_DIR}:\n  ${_text}\n"
                      "The chain and the private headers are in cmake/loom_layout.cmake.")
endif()
list(LENGTH LOOM_PRIVATE_HEADERS _np)
message(STATUS "layering: ${_files} files follow ${_chain}; ${_np} private headers, none included by a public one")
