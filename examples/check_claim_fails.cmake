# Proves that check_claim.cmake can fail (ctest examples.check_claim_fails_on_stale_claim): a
# stand-in program prints digits' old default figure (0.950, issue 25) and check_claim must refuse
# it against a README row stating 97.8% over a 95.6% baseline, and against one whose figure is
# right but whose baseline it does not beat; and accept it where both hold.
#   cmake -DCHECKER=<check_claim.cmake> -DWORK_DIR=<folder> -P check_claim_fails.cmake
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
file(WRITE "${WORK_DIR}/stale.sh" "#!/bin/sh\necho 'final: test_accuracy=0.950 test_loss=0.2'\n")
file(CHMOD "${WORK_DIR}/stale.sh" PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE)
function(expect name baseline loom want_rc_zero reason)
  file(WRITE "${WORK_DIR}/${name}.md" "| example | task | baseline | loom |\n|---|---|---|---|\n"
             "| `examples/digits` | digits | 1-NN **${baseline}** | **${loom}** test accuracy |\n")
  execute_process(COMMAND ${CMAKE_COMMAND} -DEXE=${WORK_DIR}/stale.sh -DOUT=${WORK_DIR}/out
                          -DREADME=${WORK_DIR}/${name}.md -DNAME=digits -DMETRIC=test_accuracy -DBETTER=higher
                          -DTOL=0.006 -P ${CHECKER}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(want_rc_zero AND NOT rc EQUAL 0)
    message(FATAL_ERROR "check_claim refused a claim that holds (${name}):\n${err}")
  elseif(NOT want_rc_zero AND rc EQUAL 0)
    message(FATAL_ERROR "check_claim accepted a stale claim (${name}):\n${out}")
  elseif(NOT want_rc_zero AND NOT err MATCHES "${reason}")
    message(FATAL_ERROR "check_claim refused ${name} for another reason than '${reason}':\n${err}")
  endif()
  message("${name}: rc ${rc} ${err}")
endfunction()
expect(stated_figure_drifted 95.6% 97.8% FALSE "README states 97.8%")
expect(baseline_not_beaten 95.6% 95.0% FALSE "expected above the baseline's 95.6%")
expect(claim_holds 94.0% 95.0% TRUE "")
