# Proves that a source checker of tools/ can fail (ctests layering.checker_fails_on_violation and
# docs.checker_fails_on_violation):
#   cmake -DCHECKER=<tools/check_x.cmake> -DSOURCE_DIR=<tree> -DWORK_DIR=<scratch> -P checker_fails.cmake
# For each case below it copies part of the tree into WORK_DIR, runs the checker on the clean copy
# (it must pass, so that the failure that follows is the planted line's doing), plants one
# violation, and requires the checker to fail with a message naming it.
# The planted lines are assembled from pieces so that this file itself holds none of them.
cmake_minimum_required(VERSION 3.25)
get_filename_component(_checker_name ${CHECKER} NAME_WE)

set(_q "\"")
if(_checker_name STREQUAL "check_layering")
  set(_copy core autograd layers optim train saving cmake loom.hpp tests/test_util.hpp)
  # case name | file the line is appended to | line | regex the checker's output must match
  set(_cases
    "upward|core/shape.cpp|#include ${_q}layers/layer.hpp${_q}|core/shape.cpp: includes layers/layer.hpp, but layers/ comes after"
    "upward_angle|autograd/tape.hpp|#include <train/model.hpp>|autograd/tape.hpp: includes train/model.hpp, but train/ comes after"
    "outside_library|optim/adam.cpp|#include ${_q}tests/test_util.hpp${_q}|optim/adam.cpp: includes tests/test_util.hpp, outside the library"
    "public_includes_private|layers/dense.hpp|#include ${_q}autograd/ops/rnn_lanes.hpp${_q}|layers/dense.hpp: public header includes the private header autograd/ops/rnn_lanes.hpp"
    "public_includes_intrinsics|core/tensor.hpp|#include <immintrin.h>|core/tensor.hpp: public header includes <immintrin.h>"
    "missing_header|train/model.hpp|#include ${_q}train/no_such_header.hpp${_q}|train/model.hpp: includes train/no_such_header.hpp, which does not exist")
elseif(_checker_name STREQUAL "check_docs")
  set(_copy docs README.md core layers)
  string(CONCAT _abs "/wo" "rk/sha" "red/sp" "ec/keras" "_gru.md")
  string(CONCAT _design "DESI" "GN.md")
  string(CONCAT _spec "keras" "_gru.md")
  string(CONCAT _home "/ho" "me/user/notes.md")
  string(CONCAT _missing "do" "cs/no_such_page.md")
  string(CONCAT _old_name "(spe" "c §2.1)")
  string(CONCAT _tmp "/tm" "p/corpus")
  set(_cases
    "absolute_path|layers/gru_cell.hpp|// Contract: ${_abs} §1-2.|layers/gru_cell.hpp:[0-9]+: .*a path outside the repository"
    "home_path|docs/guide.md|See ${_home}.|docs/guide.md:[0-9]+: .*a path outside the repository"
    "external_design|core/blas.hpp|// Measured in ${_design} §3.|core/blas.hpp:[0-9]+: .*a document that is not in the repository"
    "external_spec|docs/keras_compat.md|As the spec ${_spec} §5 says.|docs/keras_compat.md:[0-9]+: .*a document that is not in the repository"
    "old_spec_name|layers/rnn.cpp|// Masks are cleared at the end ${_old_name}.|layers/rnn.cpp:[0-9]+: cites the Keras contract by its old name"
    "tmp_in_doc_example|docs/reliability.md|mkdir -p ${_tmp}|docs/reliability.md:[0-9]+: names a path outside the repository"
    "missing_doc|README.md|See ${_missing}.|README.md:[0-9]+: ${_missing} does not exist")
else()
  message(FATAL_ERROR "checker_fails.cmake: no cases for ${CHECKER}")
endif()

function(_run_checker dir out_rc out_text)
  execute_process(COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${dir} -P ${CHECKER}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  set(${out_rc} "${rc}" PARENT_SCOPE)
  set(${out_text} "${out}${err}" PARENT_SCOPE)
endfunction()

set(_failed 0)
foreach(case IN LISTS _cases)
  string(REPLACE "|" ";" parts "${case}")
  list(GET parts 0 name)
  list(GET parts 1 file)
  list(GET parts 2 line)
  list(GET parts 3 expect)
  set(dir ${WORK_DIR}/${name})
  file(REMOVE_RECURSE ${dir})
  file(MAKE_DIRECTORY ${dir})
  foreach(p IN LISTS _copy)
    get_filename_component(parent "${p}" DIRECTORY)
    file(COPY ${SOURCE_DIR}/${p} DESTINATION ${dir}/${parent})
  endforeach()
  _run_checker(${dir} rc text)
  if(NOT rc EQUAL 0)
    message(SEND_ERROR "${name}: the checker fails on the clean copy already:\n${text}")
    math(EXPR _failed "${_failed} + 1")
    continue()
  endif()
  file(APPEND ${dir}/${file} "\n${line}\n")
  _run_checker(${dir} rc text)
  if(rc EQUAL 0)
    message(SEND_ERROR "${name}: the checker passed with `${line}` planted in ${file}:\n${text}")
    math(EXPR _failed "${_failed} + 1")
  elseif(NOT text MATCHES "${expect}")
    message(SEND_ERROR "${name}: the checker failed, but without a message matching `${expect}`:\n${text}")
    math(EXPR _failed "${_failed} + 1")
  else()
    string(REGEX MATCH "[^\n]*${expect}[^\n]*" shown "${text}")
    string(STRIP "${shown}" shown)
    message(STATUS "${name}: planted `${line}` in ${file}; the checker failed with: ${shown}")
  endif()
endforeach()
list(LENGTH _cases _n)
if(_failed GREATER 0)
  message(FATAL_ERROR "${_failed} of ${_n} planted violations were not caught as expected")
endif()
message(STATUS "${_checker_name}: all ${_n} planted violations caught")
