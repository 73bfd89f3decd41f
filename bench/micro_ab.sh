#!/usr/bin/env bash
# bench/micro_ab.sh — same-run A/B of the uncontended micro-benchmarks (bench/micro) at two commits.
#
#   bash bench/micro_ab.sh [BASE [HEAD]] [rounds]
#        (defaults: BASE = HEAD~1, HEAD = the working tree, 5 rounds)
#
# Builds bench/micro from each tree (g++ -O3, Google Benchmark; BASE from `git archive`, so
# nothing is checked out), runs the two binaries alternately `rounds` times (one repetition of
# every benchmark per run), and prints per benchmark the median ns per iteration of each and
# the ratio HEAD/BASE, with each side's spread (max-min over median). A ratio inside the spread
# is noise. Prints the load average before and after: run it with nothing else of yours running.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BASE=${1:-HEAD~1}
HEAD=${2:-worktree}
ROUNDS=${3:-5}
OUT=$ROOT/build/micro-ab
rm -rf "$OUT" && mkdir -p "$OUT/base" "$OUT/head"
git -C "$ROOT" archive "$BASE" core bench | tar -x -C "$OUT/base"
if [[ $HEAD == worktree ]]; then
  cp -r "$ROOT/core" "$ROOT/bench" "$OUT/head/"
else
  git -C "$ROOT" archive "$HEAD" core bench | tar -x -C "$OUT/head"
fi
for side in base head; do
  "${CXX:-g++}" -O3 -DNDEBUG -std=c++20 -I "$OUT/$side/core/include" -DBENCH_SLUICE_PRESENT=1 \
    "$OUT/$side"/bench/micro/*.cpp -lbenchmark -pthread -o "$OUT/micro_$side"
done
echo "base: $(git -C "$ROOT" rev-parse --short "$BASE"); head: $HEAD; $ROUNDS rounds; $(nproc) CPUs"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$ROUNDS"); do
  for side in base head; do
    "$OUT/micro_$side" --benchmark_format=json --benchmark_min_time=0.2 >"$OUT/$side.$r.json" 2>/dev/null
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
for side in base head; do
  for r in $(seq "$ROUNDS"); do
    python3 -c 'import json, sys
for b in json.load(open(sys.argv[1]))["benchmarks"]: print(sys.argv[2], b["name"], b["cpu_time"])' "$OUT/$side.$r.json" "$side"
  done
done >"$OUT/runs.txt"
python3 "$ROOT/bench/ab_table.py" "$OUT/runs.txt" ns
