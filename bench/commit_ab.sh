#!/usr/bin/env bash
# bench/commit_ab.sh — same-run A/B of sluice at two commits on the report's workloads.
#
#   [PEER=sluice-async] bash bench/commit_ab.sh [BASE [HEAD]] [rounds] [messages]
#        (defaults: BASE = HEAD~1, HEAD = the working tree, 5 rounds, 200000 messages;
#         the blocking bounded(0)/bounded(1) rows use a tenth of that; PEER = sluice, or
#         sluice-async for the coroutine row, which has no select rows)
#
# Builds the C++ harness's sluice peer (bench/harness, -O3, g++) from each tree — BASE from
# `git archive`, so nothing is checked out — then runs every crossbeam-suite row for both
# builds round-robin (A, B, A, B, ...) with 4 threads, and prints per row the median seconds of
# each and the ratio HEAD/BASE. A ratio within the rounds' own spread is noise. Load changes the
# answer: the script prints the load average before and after; run it with nothing else of
# yours running, and compare only within one run.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BASE=${1:-HEAD~1}
HEAD=${2:-worktree}
ROUNDS=${3:-5}
N=${4:-200000}
PEER=${PEER:-sluice}
OUT=$ROOT/build/commit-ab
rm -rf "$OUT" && mkdir -p "$OUT/base" "$OUT/head"
git -C "$ROOT" archive "$BASE" core bench test_support | tar -x -C "$OUT/base"
if [[ $HEAD == worktree ]]; then
  cp -r "$ROOT/core" "$ROOT/bench" "$ROOT/test_support" "$OUT/head/"
else
  git -C "$ROOT" archive "$HEAD" core bench test_support | tar -x -C "$OUT/head"
fi
for side in base head; do
  "${CXX:-g++}" -O3 -DNDEBUG -std=c++20 -I "$OUT/$side/core/include" -I "$OUT/$side/test_support" -DBENCH_SLUICE_PRESENT=1 \
    "$OUT/$side/bench/harness/main.cpp" "$OUT/$side/bench/harness/alloc_hook.cpp" -pthread -o "$OUT/bench_$side"
done
ROWS=()
for f in bounded0 bounded1 bounded unbounded; do
  for w in seq spsc mpsc mpmc select_rx select_both; do
    [[ $f == bounded0 && $w == seq ]] && continue
    [[ $PEER == sluice-async && $w == select_* ]] && continue
    ROWS+=("${f}_$w")
  done
done
echo "peer: $PEER; base: $(git -C "$ROOT" rev-parse --short "$BASE"); head: $HEAD; $ROUNDS rounds; $N messages; $(nproc) CPUs"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
: > "$OUT/runs.txt"
for r in $(seq "$ROUNDS"); do
  for row in "${ROWS[@]}"; do
    n=$N
    [[ $row == bounded0_* || $row == bounded1_* ]] && n=$((N / 10))
    for side in base head; do
      s=$(timeout 300 "$OUT/bench_$side" run "$PEER" "$row" "$n" 4 | awk '/^RESULT/{print $4}')
      echo "$side $row ${s:-nan}" >> "$OUT/runs.txt"
    done
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 "$ROOT/bench/ab_table.py" "$OUT/runs.txt" s
