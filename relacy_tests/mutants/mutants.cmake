# relacy_tests/mutants/mutants.cmake — orderings of core weakened through the checker's
# override table (options::overrides, `--override SITE=ORDER`), one ctest entry each, passing
# only if the checker finds the bug with the expected failure class (issue 4).
# The list is mutants.txt (one mutant a line: name, site, weakened order, the scenario that
# catches it, expected class), shared with tools/verification/model_figures.sh, which keeps
# each failure's trace in relacy_tests/mutants/traces/<name>.txt. Why each site matters:
#   array.stamp_publish  [A2] publishes the payload to the receiver's [A3]
#   array.stamp_release  hands the slot back to the sender of the next lap
#   list.publish         publishes the payload in the unbounded flavor
#   wait_list.unlock     the lock guarding the rendezvous waiter queues
#   counter.drop         the last drop must acquire the other side's work before freeing
#   wait_list.is_empty_* a store-buffering pair: release/acquire loses wake-ups (deadlock)
#   spsc_ring.pop_fence  [R5] the consumer's half of the store-buffering pair with a full sender
#   spsc_ring.refresh    [R3] the consumer's acquire of the published message
#   spsc_list.publish    [U2] publishes the payload in the SPSC block list
# Weakenings that are NOT caught are findings, listed in relacy_tests/README.md and not
# registered here (a test that cannot fail proves nothing).
file(STRINGS ${CMAKE_CURRENT_LIST_DIR}/mutants.txt sluice_mutant_lines REGEX "^[a-z]")
foreach(line IN LISTS sluice_mutant_lines)
  string(REPLACE " " ";" f "${line}")
  list(GET f 0 name)
  list(GET f 1 site)
  list(GET f 2 order)
  list(GET f 3 filter)
  list(GET f 4 expect)
  add_test(NAME mutant.${name}
    COMMAND sluice_model_tests --filter ${filter} --override ${site}=${order} --expect ${expect}
            --trace ${CMAKE_CURRENT_BINARY_DIR}/mutant.${name}.trace.txt)
  set_tests_properties(mutant.${name} PROPERTIES LABELS "model;mutant" TIMEOUT 600
    ENVIRONMENT "${SLUICE_MODEL_ENV}")
endforeach()

# Structural mutants (structural_mutants.txt: name, scenario, expected class, and optionally the
# search to use instead of the DFS at bound 2): the model tier's own binary with
# SLUICE_MC_MUTANT=name, which must catch it.
file(STRINGS ${CMAKE_CURRENT_LIST_DIR}/structural_mutants.txt sluice_structural_mutant_lines REGEX "^[a-z]")
foreach(line IN LISTS sluice_structural_mutant_lines)
  string(REPLACE " " ";" f "${line}")
  list(GET f 0 name)
  list(GET f 1 filter)
  list(GET f 2 expect)
  set(search --bound 2)
  list(LENGTH f nfields)
  if(nfields GREATER 3)
    list(SUBLIST f 3 -1 search)
  endif()
  add_test(NAME mutant.${name}
    COMMAND sluice_model_tests --filter ${filter} ${search} --expect ${expect}
            --trace ${CMAKE_CURRENT_BINARY_DIR}/mutant.${name}.trace.txt)
  set_tests_properties(mutant.${name} PROPERTIES LABELS "model;mutant" TIMEOUT 600
    ENVIRONMENT "${SLUICE_MODEL_ENV};SLUICE_MC_MUTANT=${name}")
endforeach()
