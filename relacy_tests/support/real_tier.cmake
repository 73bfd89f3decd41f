# relacy_tests/support/real_tier.cmake — sluice_real_tier(): registers the ctest entries of a
# real-thread tier (tsan_tests, stress) for one runner binary, selecting scenarios by their tags
# (support/table.hpp), so every tier runs the same parts with the same selections.
#
#   sluice_real_tier(<binary> NAME <prefix> LABEL <label> [DEEP_NAME <prefix>]
#                    [PARTS <part>...] [DEEP_PARTS <part>...]
#                    [SECONDS <s>] [SHORT_SECONDS <s>] [DEEP_SECONDS <s>] [ENVIRONMENT <var=value>...])
#
# Parts (each one ctest entry, or one per flavor):
#   flavors       <prefix>.<flavor>: the channel scenarios of each MPMC flavor (tag channel)
#   kinds         <prefix>.kinds: oneshot, broadcast, watermark, spsc, mpsc
#   select_async  <prefix>.select_async: select, async, async_select, for SHORT_SECONDS
#   all           <prefix>: every scenario
# PARTS run for SECONDS (at least 20 runs of each scenario), DEEP_PARTS (registered under
# SLUICE_DEEP, named <deep prefix>.<part>) for DEEP_SECONDS (at least 1000 runs), label "<label>;deep".
set(SLUICE_TIER_FLAVORS bounded1 bounded2 rendezvous unbounded)
set(SLUICE_TIER_KINDS_TAGS --tag oneshot,broadcast,watermark,spsc,mpsc)
# Two scenarios of these groups have never run on real threads outside the whole-table runs
# (stress.std, valgrind, asan): the select_async entries keep them out as before, by name, until
# someone decides to add them (one line).
set(SLUICE_TIER_SELECT_ASYNC_TAGS --tag select,async,async_select
    --exclude select_default_never_fires_while_a_case_is_ready
    --exclude coro_destroyed_on_executor_late_post_resumes_nothing)

function(sluice_real_tier binary)
  cmake_parse_arguments(T "" "NAME;DEEP_NAME;LABEL;SECONDS;SHORT_SECONDS;DEEP_SECONDS"
                        "PARTS;DEEP_PARTS;ENVIRONMENT" ${ARGN})
  # sluice_real_tier_entry(name labels timeout seconds min_iterations selection...)
  function(sluice_real_tier_entry name labels timeout seconds min_iterations)
    add_test(NAME ${name} COMMAND ${binary} ${ARGN} --seconds ${seconds} --min-iterations ${min_iterations})
    set_tests_properties(${name} PROPERTIES LABELS "${labels}" TIMEOUT ${timeout})
    if(T_ENVIRONMENT)
      set_tests_properties(${name} PROPERTIES ENVIRONMENT "${T_ENVIRONMENT}")
    endif()
  endfunction()
  # One run of every part; `deep` selects the deep form.
  macro(sluice_real_tier_parts parts prefix labels timeout seconds short_seconds min_iterations)
    foreach(part IN LISTS ${parts})
      if(part STREQUAL "flavors")
        foreach(flavor IN LISTS SLUICE_TIER_FLAVORS)
          sluice_real_tier_entry(${prefix}.${flavor} "${labels}" ${timeout} ${seconds} ${min_iterations}
                                 --tag channel --tag ${flavor})
        endforeach()
      elseif(part STREQUAL "kinds")
        sluice_real_tier_entry(${prefix}.kinds "${labels}" ${timeout} ${seconds} ${min_iterations}
                               ${SLUICE_TIER_KINDS_TAGS})
      elseif(part STREQUAL "select_async")
        sluice_real_tier_entry(${prefix}.select_async "${labels}" ${timeout} ${short_seconds} ${min_iterations}
                               ${SLUICE_TIER_SELECT_ASYNC_TAGS})
      elseif(part STREQUAL "all")
        sluice_real_tier_entry(${prefix} "${labels}" ${timeout} ${seconds} ${min_iterations})
      else()
        message(FATAL_ERROR "sluice_real_tier: unknown part ${part}")
      endif()
    endforeach()
  endmacro()
  sluice_real_tier_parts(T_PARTS ${T_NAME} "${T_LABEL}" 600 "${T_SECONDS}" "${T_SHORT_SECONDS}" 20)
  if(SLUICE_DEEP AND T_DEEP_PARTS)
    sluice_real_tier_parts(T_DEEP_PARTS ${T_DEEP_NAME} "${T_LABEL};deep" 7200 "${T_DEEP_SECONDS}"
                           "${T_DEEP_SECONDS}" 1000)
  endif()
endfunction()
