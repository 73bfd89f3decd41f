#!/bin/sh
# models/tools/heavy_figures.sh — how far the exhaustive searches get on the heavy scenarios
# (relacy_tests/README.md, "Heavy scenarios under exhaustive search"). Run from the repository
# root after building sluice_model_tests in BUILD (default build/dev). One scenario and one
# search at a time, each under the global build lock, each stopped after CAP seconds
# (SLUICE_MC_TIME_BUDGET: the row then says how many executions it reached, exhausted "no").
#   CONFIGS  searches to run, MODE:BOUND[:nosleep] (default "dfs:1 exhaustive:1"; exhaustive =
#            bounded POR, with its sleep sets unless ":nosleep", SLUICE_MC_BOUNDED_SLEEP=0)
#   SETS     tag selections, ';'-separated (default: every heavy channel, select, async and
#            async_select scenario)
#   FILTER   only scenarios whose name contains it
# Prints one Markdown row per run: scenario, search, bound, executions, exhausted, seconds, verdict.
set -u
BUILD=${BUILD:-build/dev}
CAP=${CAP:-60}
CONFIGS=${CONFIGS:-"dfs:1 exhaustive:1"}
SETS=${SETS:-"--tag channel --tag heavy;--tag select,async,async_select --tag heavy"}
FILTER=${FILTER:-}
LOCK=${LOCK:-${TMPDIR:-/tmp}/sluice-build.lock}  # a shared machine passes its own global lock
T="$BUILD/relacy_tests/sluice_model_tests"
echo "# $(nproc) vCPU, load $(cut -d' ' -f1-3 /proc/loadavg), commit $(git rev-parse --short HEAD), cap ${CAP} s"
rows=$(mktemp)
echo "$SETS" | tr ';' '\n' | while read -r sel; do
  # shellcheck disable=SC2086
  "$T" $sel --list
done | grep -F -- "$FILTER" | while read -r name; do
  for cfg in $CONFIGS; do
    mode=${cfg%%:*}
    rest=${cfg#*:}
    bound=${rest%%:*}
    sleep=1; label=$mode
    case $rest in *:nosleep) sleep=0; label="$mode (no sleep sets)" ;; esac
    [ "$mode" = exhaustive ] && [ $sleep = 1 ] && label="exhaustive (sleep sets)"
    : >"$rows"
    SLUICE_MC_BOUNDED_SLEEP=$sleep SLUICE_MC_TIME_BUDGET=$CAP flock "$LOCK" timeout $((CAP + 120)) "$T" --filter "$name" --exclude "$name+" \
      --mode "$mode" --bound "$bound" --table "$rows" </dev/null >/dev/null 2>&1
    if [ -s "$rows" ]; then sed "s/| $mode |/| $label |/" "$rows"; else echo "| \`$name\` | $label | $bound | – | no (killed) | > $CAP | – |"; fi
  done
done
rm -f "$rows"
