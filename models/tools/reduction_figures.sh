#!/bin/sh
# models/tools/reduction_figures.sh — the figures of models/README.md "Search": the reduction
# (exhaustive) against the plain DFS. Run from the repository root after building litmus_test and
# sluice_model_tests in BUILD (default build/dev). Each command takes the global build lock.
#   1. litmus rows: executions under the reduction and under the DFS (litmus_test prints both);
#   2. every mutant ctest entry that searches exhaustively, rerun with --mode exhaustive:
#      executions until caught (dfs = the entry as registered, bound 2);
#   3. the heavy channel scenarios under the reduction, capped at CAP seconds each.
set -u
BUILD=${BUILD:-build/dev}
CAP=${CAP:-120}
LOCK=${LOCK:-${TMPDIR:-/tmp}/sluice-build.lock}  # a shared machine passes its own global lock
run() { flock "$LOCK" "$@"; }
echo "== litmus (machine: $(nproc) vCPU, load $(cut -d' ' -f1-3 /proc/loadavg))"
run "$BUILD/models/tests/litmus_test" | cut -c1-100
echo "== mutants: executions to catch, dfs (as registered) vs exhaustive (the reduction)"
ctest --test-dir "$BUILD" -N -V -L mutant | sed -n 's/^[0-9]*: Test command: //p' | while read -r cmd; do
  case "$cmd" in *'"--mode"'*) continue ;; esac
  name=$(printf '%s\n' "$cmd" | sed 's/.*"--override" "\([^"]*\)".*/\1/')
  dfs=$(eval "run timeout $CAP $cmd" 2>&1 | grep -E 'execs' | head -1 | awk '{print $2, $NF}')
  red=$(eval "run timeout $CAP $cmd --mode exhaustive" 2>&1 | grep -E 'execs' | head -1 | awk '{print $2, $NF}')
  echo "$name | dfs: $dfs | exhaustive: ${red:-not caught within ${CAP}s}"
done
echo "== heavy scenarios under the reduction (cap ${CAP}s each)"
for f in delivery_2p1c delivery_1p2c delivery_2p2c clone_and_drop; do
  for fl in bounded1 bounded2 rendezvous unbounded; do
    out=$(run timeout "$CAP" "$BUILD/relacy_tests/sluice_model_tests" --filter "$f" --exclude-other-flavors "$fl" \
          --mode exhaustive 2>&1 | grep execs | head -1)
    echo "$f/$fl: ${out:-not exhausted within ${CAP}s}"
  done
done
