#!/bin/sh
# models/tools/graph_figures.sh — executions against distinct execution graphs (options::graphs;
# models/README.md "Distinct execution graphs", relacy_tests/README.md "Read-from-aware sleep sets").
# Run from the repository root after building litmus_test and sluice_model_tests in BUILD
# (default build/dev). Each command takes the global build lock.
#   PART=litmus   one line per litmus row and memory model: distinct graphs, and executions (per
#                 graph) under the reduction (the default: read-from-aware sleep sets, covered
#                 races not reversed), with every race reversed (rf_races and mo_races off), with
#                 the plain sleep sets, and under the DFS (four-thread rows at bound 1;
#                 UNBOUNDED=1 passes --unbounded-dfs, about 4 minutes)
#   PART=channel  delivery_1p1c/bounded1 with SLUICE_MC_GRAPHS=1: dfs at bound 2 and bounded POR
#                 at bound 1 (the two searches that exhaust it)
set -u
BUILD=${BUILD:-build/dev}
PART=${PART:-all}
LOCK=${LOCK:-${TMPDIR:-/tmp}/sluice-build.lock}  # a shared machine passes its own global lock
T="$BUILD/relacy_tests/sluice_model_tests"
S=delivery_1p1c_no_loss_no_dup_fifo_exact_counts/bounded1
run() { flock "$LOCK" "$@"; }
echo "# $(nproc) vCPU, load $(cut -d' ' -f1-3 /proc/loadavg), commit $(git rev-parse --short HEAD)"
case $PART in all|litmus)
  flag=""
  [ "${UNBOUNDED:-0}" = 1 ] && flag=--unbounded-dfs
  run "$BUILD/models/tests/litmus_test" $flag | awk '
    /^--- memory model/ { model = $4; next }
    /^[A-Za-z0-9+'"'"'.-]+ +(ok|FAIL) / {
      name = $1; status = $2; pl = ""; rv = ""; b = "any"
      for (i = 3; i <= NF; ++i) {
        if ($i ~ /^executions=/) { ex = $i; sub(/executions=/, "", ex); if (ex == "") ex = $(i + 1) }
        if ($i == "dfs:") dfs = $(i + 1)
        if ($i ~ /^preemptions=/) { b = $i; sub(/preemptions=/, "", b) }
      }
      next
    }
    /^    plain sleep sets: executions=/ { pl = $4; sub(/executions=/, "", pl); next }
    /^    every race reversed: executions=/ { rv = $4; sub(/executions=/, "", rv); next }
    /^    graphs: / {
      g = $2; sub(/reduction=/, "", g)
      plain = pl == "" ? "(race row: not printed)" : sprintf("%-5s (%.2f/graph)", pl, pl / g)
      rev = rv == "" ? "(race row: not printed)" : sprintf("%-5s (%.2f/graph)", rv, rv / g)
      printf "%-6s %-16s %-4s graphs=%-3s reduction=%-5s (%.2f/graph) reversed=%s plain=%s dfs=%-9s (%.2f/graph, bound %s) %s %s\n",
             model, name, status, g, ex, ex / g, rev, plain, dfs, dfs / g, b, $(NF - 1), $NF
    }' ;;
esac
case $PART in all|channel)
  for args in "--mode dfs --bound 2" "--mode exhaustive --bound 1"; do
    echo "== $S $args SLUICE_MC_GRAPHS=1"
    SLUICE_MC_GRAPHS=1 run "$T" --filter "$S" $args 2>&1 | grep -E 'model graphs|execs'
  done ;;
esac
