#!/usr/bin/env bash
# The main job: model-check the channels (the model tier), then measure them against their
# peers and write papers/benchmarks.md (bench/report.sh). It builds only what it runs: the
# model tier's one binary (preset `main`, in build/main) and, inside the report, the benchmark
# harness; the test command (tools/test.sh) builds every tier. Options are passed to the
# report, e.g. --scale 0.2. Each stage prints its number and the time since the start; a long
# silent step prints a progress line every 30 s.
set -euo pipefail
cd "$(dirname "$0")/.."
T0=$(date +%s)
STAGES=4

elapsed() {
  local s=$(($(date +%s) - T0))
  printf '%dm%02ds' $((s / 60)) $((s % 60))
}
stage() { printf '\n== main job [%s/%s] %s (at %s)\n' "$1" "$STAGES" "$2" "$(elapsed)"; }

# with_progress WHAT CMD...: runs CMD; while it runs, says every 30 s that it is still WHAT.
with_progress() {
  local what=$1 rc=0 ticker
  shift
  (while sleep 30; do echo "   ... still $what ($(elapsed) since the start)"; done) &
  ticker=$!
  "$@" || rc=$?
  kill "$ticker" 2>/dev/null || true
  wait "$ticker" 2>/dev/null || true
  return "$rc"
}

stage 1 "packages: cmake, ninja, g++, python3 (apt-get, only what is missing)"
bash tools/deps.sh main

stage 2 "building the model tier (cmake --preset main; one binary, sluice_model_tests)"
cmake --preset main >/dev/null
with_progress "compiling the model tier" cmake --build --preset main

stage 3 "model-checking the channels (ctest --preset main: every test labelled 'model')"
if ctest --preset main -N | grep -q "Total Tests: [1-9]"; then
  with_progress "model-checking" ctest --preset main
  echo "   model tier passed (at $(elapsed))"
else
  echo "   no test carries the label 'model'; nothing to check"
fi

stage 4 "benchmarks against the peers (bench/report.sh $*)"
with_progress "benchmarking" bash bench/report.sh "$@"
echo
echo "== main job finished in $(elapsed): papers/benchmarks.md"
