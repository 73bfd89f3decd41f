#!/bin/sh
# models/tools/mutant_figures.sh — executions to catch each mutant of relacy_tests/mutants
# (relacy_tests/README.md "Mutants under bounded POR"): the DFS at bound 2 (what the mutant.*
# ctest entries run), and bounded POR at bound 2 without sleep sets (SLUICE_MC_BOUNDED_SLEEP=0,
# the search of main at 516e6a3) and with them (the default). Run from the repository root after
# building sluice_model_tests in BUILD (default build/dev); each run under the global build lock,
# stopped after CAP seconds. Prints one Markdown row per mutant.
set -u
BUILD=${BUILD:-build/dev}
CAP=${CAP:-120}
LOCK=${LOCK:-${TMPDIR:-/tmp}/sluice-build.lock}  # a shared machine passes its own global lock
T="$BUILD/relacy_tests/sluice_model_tests"
M=relacy_tests/mutants
echo "# $(nproc) vCPU, load $(cut -d' ' -f1-3 /proc/loadavg), commit $(git rev-parse --short HEAD), cap ${CAP} s"
# One run: prints "executions (class)" of the scenario that failed, or "not caught".
catch() {
  out=$(flock "$LOCK" timeout "$CAP" env "$@" </dev/null 2>/dev/null)
  if echo "$out" | grep -q 'mutant caught as expected'; then
    echo "$out" | grep -E ' execs ' | grep -v ' pass$' | tail -1 | awk '{print $2}'
  else
    echo "NOT caught"
  fi
}
row() {  # name, structural mutant (or empty), then the selection and expectation arguments
  name=$1; mut=$2; shift 2
  d=$(catch SLUICE_MC_MUTANT="$mut" "$T" "$@" --mode dfs --bound 2)
  n=$(catch SLUICE_MC_MUTANT="$mut" SLUICE_MC_BOUNDED_SLEEP=0 "$T" "$@" --mode exhaustive --bound 2)
  s=$(catch SLUICE_MC_MUTANT="$mut" SLUICE_MC_BOUNDED_SLEEP=1 "$T" "$@" --mode exhaustive --bound 2)
  echo "| \`$name\` | $d | $n | $s |"
}
echo "| mutant | dfs, bound 2 | bounded POR, bound 2, no sleep sets (516e6a3) | bounded POR, bound 2, sleep sets under a bound |"
echo "|---|---:|---:|---:|"
grep -E '^[a-z]' "$M/mutants.txt" | while read -r name site order filter expect; do
  row "$name" "" --filter "$filter" --override "$site=$order" --expect "$expect"
done
grep -E '^[a-z]' "$M/structural_mutants.txt" | while read -r name filter expect; do
  row "$name" "$name" --filter "$filter" --expect "$expect"
done
