# Checks that the repository cites only what it contains (ctest docs.references_in_repository):
#   cmake [-DSOURCE_DIR=<tree>] -P tools/check_docs.cmake
# It fails, listing file and line, when a text file
#  - names an absolute path into a machine's own folders (the work, home, root or tmp folder at the
#    file system's root), or a sibling folder of the checkout (the old shared notes and spec);
#  - cites a design-notes or Keras-spec document that lived outside the repository, or the spec by
#    that name and a section sign; the contract is docs/keras_contract.md and the design notes are
#    docs/design.md;
#  - refers to docs/<name>.md (or, inside docs/, to <name>.md) when that file does not exist.
# The files are those git tracks when SOURCE_DIR is a git checkout, else every file of the tree
# outside build folders; fuzz seeds are skipped, and of the data folders only the .md files are
# read. Code that writes scratch files asks std::filesystem::temp_directory_path() rather than
# naming the tmp folder, so no exception is needed for it.
# The patterns below are written so that this file does not match them itself.
cmake_minimum_required(VERSION 3.25)
if(NOT SOURCE_DIR)
  get_filename_component(SOURCE_DIR "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
endif()

# Each pattern, and what a line that matches it does wrong.
set(_outside "names a path outside the repository")
set(_res "(^|[^A-Za-z0-9_.~$-])/(work|home|root|tmp)/" "\\.\\./+shared" "shared/+spec" "DESIGN\\.md" "keras_gru\\.md"
         "(^|[^A-Za-z])[Ss]pec('s)? \\(?§")
set(_whats "${_outside}" "${_outside}" "${_outside}"
  "cites a document that is not in the repository (the design notes are docs/design.md)"
  "cites a document that is not in the repository (the Keras contract is docs/keras_contract.md)"
  "cites the Keras contract by its old name (write docs/keras_contract.md §N)")

# The files to read.
set(_files "")
find_program(_git git)
set(_toplevel "")
if(_git AND EXISTS ${SOURCE_DIR}/.git)
  execute_process(COMMAND ${_git} -C ${SOURCE_DIR} rev-parse --show-toplevel
                  OUTPUT_VARIABLE _toplevel OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
endif()
get_filename_component(_real_source ${SOURCE_DIR} REALPATH)
if(_toplevel AND _toplevel STREQUAL _real_source)
  execute_process(COMMAND ${_git} -C ${SOURCE_DIR} ls-files
                  OUTPUT_VARIABLE _ls RESULT_VARIABLE _rc)
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "docs: git ls-files failed in ${SOURCE_DIR}")
  endif()
  string(REGEX REPLACE "\n$" "" _ls "${_ls}")
  string(REPLACE "\n" ";" _files "${_ls}")
else()
  file(GLOB_RECURSE _files RELATIVE ${SOURCE_DIR} ${SOURCE_DIR}/*)
  list(FILTER _files EXCLUDE REGEX "^(\\.git|build[^/]*)/")
endif()
list(FILTER _files EXCLUDE REGEX "^tests/fuzz/corpus/")
list(FILTER _files INCLUDE REGEX
     "(\\.(cpp|hpp|h|c|md|txt|cmake|in|sh|py|supp|yml|yaml|json)|CMakeLists\\.txt|^\\.ci/[^/.]+|\\.gitignore)$")

set(_violations "")
set(_nfiles 0)
list(LENGTH _res _nrules)
math(EXPR _last_rule "${_nrules} - 1")
foreach(rel IN LISTS _files)
  if(NOT EXISTS ${SOURCE_DIR}/${rel} OR IS_DIRECTORY ${SOURCE_DIR}/${rel})
    continue()  # deleted in the work tree but still in the index
  endif()
  if(rel MATCHES "(^|/)data/" AND NOT rel MATCHES "\\.md$")
    continue()  # data files: csv, npy, text corpora
  endif()
  math(EXPR _nfiles "${_nfiles} + 1")
  file(READ ${SOURCE_DIR}/${rel} _text)
  get_filename_component(_dir ${rel} DIRECTORY)
  # Only the patterns that occur somewhere in the file are tried line by line.
  set(_rules "")
  foreach(i RANGE ${_last_rule})
    list(GET _res ${i} _re)
    if(_text MATCHES "${_re}")
      list(APPEND _rules ${i})
    endif()
  endforeach()
  set(_pages OFF)
  if(_text MATCHES "docs/[A-Za-z0-9_-]+\\.md" OR (_dir STREQUAL "docs" AND _text MATCHES "\\.md"))
    set(_pages ON)
  endif()
  list(LENGTH _rules _nr)
  if(_nr EQUAL 0 AND NOT _pages)
    continue()
  endif()
  # Split into lines by hand (file(STRINGS) drops empty lines, which would shift the numbers);
  # the characters that list splitting treats specially are replaced first.
  string(REPLACE "\\" "/" _text "${_text}")
  string(REPLACE ";" "," _text "${_text}")
  string(REPLACE "[" "(" _text "${_text}")
  string(REPLACE "]" ")" _text "${_text}")
  string(REPLACE "\n" ";" _lines "${_text}")
  set(_n 0)
  foreach(line IN LISTS _lines)
    math(EXPR _n "${_n} + 1")
    foreach(i IN LISTS _rules)
      list(GET _res ${i} _re)
      if(line MATCHES "${_re}")
        list(GET _whats ${i} _what)
        string(STRIP "${line}" _shown)
        list(APPEND _violations "${rel}:${_n}: ${_what}: ${_shown}")
        break()  # one report per line is enough
      endif()
    endforeach()
    if(NOT _pages)
      continue()
    endif()
    # docs/<name>.md must exist; inside docs/ a bare <name>.md must be a page of docs/ or the root.
    string(REGEX MATCHALL "docs/[A-Za-z0-9_-]+\\.md" _refs "${line}")
    foreach(ref IN LISTS _refs)
      if(NOT EXISTS ${SOURCE_DIR}/${ref})
        list(APPEND _violations "${rel}:${_n}: ${ref} does not exist")
      endif()
    endforeach()
    if(_dir STREQUAL "docs")
      string(REGEX MATCHALL "(^|[^A-Za-z0-9_./-])[A-Za-z0-9_-]+\\.md" _refs "${line}")
      foreach(ref IN LISTS _refs)
        string(REGEX REPLACE "^[^A-Za-z0-9_-]" "" ref "${ref}")
        if(NOT EXISTS ${SOURCE_DIR}/docs/${ref} AND NOT EXISTS ${SOURCE_DIR}/${ref})
          list(APPEND _violations "${rel}:${_n}: ${ref} is neither in docs/ nor at the root")
        endif()
      endforeach()
    endif()
  endforeach()
endforeach()

list(LENGTH _violations _count)
if(_count GREATER 0)
  list(JOIN _violations "\n  " _report)
  message(FATAL_ERROR "docs: ${_count} reference(s) to outside the repository or to missing pages "
                      "in ${SOURCE_DIR}:\n  ${_report}")
endif()
message(STATUS "docs: ${_nfiles} text files cite only documents in the repository")
