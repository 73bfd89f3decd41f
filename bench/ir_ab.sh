#!/usr/bin/env bash
# bench/ir_ab.sh — instructions per uncontended operation at two commits (callgrind), exact
# where timings on a shared VM are not.
#
#   bash bench/ir_ab.sh [BASE [HEAD]]      (defaults: BASE = HEAD~1, HEAD = the working tree)
#
# Builds bench/ir/ops.cpp (g++ -O3) against each tree's core/ (HEAD's ops.cpp for both), runs
# every workload once under `valgrind --tool=callgrind`, and prints instructions per iteration
# (program total / 100,000, so a few hundred instructions of process start-up are included, the
# same on both sides) and the ratio HEAD/BASE. Needs valgrind. IR_WORKLOADS="unb b1" runs a subset.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BASE=${1:-HEAD~1}
HEAD=${2:-worktree}
OUT=$ROOT/build/ir-ab
rm -rf "$OUT" && mkdir -p "$OUT/base" "$OUT/head"
git -C "$ROOT" archive "$BASE" core | tar -x -C "$OUT/base"
if [[ $HEAD == worktree ]]; then cp -r "$ROOT/core" "$OUT/head/"; else git -C "$ROOT" archive "$HEAD" core | tar -x -C "$OUT/head"; fi
for side in base head; do
  "${CXX:-g++}" -O3 -DNDEBUG -std=c++20 -I "$OUT/$side/core/include" "$ROOT/bench/ir/ops.cpp" -pthread -o "$OUT/ops_$side"
done
echo "base: $(git -C "$ROOT" rev-parse --short "$BASE"); head: $HEAD; instructions per iteration"
printf '%-10s %8s %8s %9s\n' workload base head head/base
for w in ${IR_WORKLOADS:-bcast unb b1 seqb sequ aseqb apong tryempty sel sel4 spsc spscl}; do
  for side in base head; do
    valgrind --tool=callgrind --callgrind-out-file="$OUT/cg.$side" "$OUT/ops_$side" "$w" >/dev/null 2>&1
  done
  b=$(awk '/^summary/{print $2 / 100000}' "$OUT/cg.base")
  h=$(awk '/^summary/{print $2 / 100000}' "$OUT/cg.head")
  printf '%-10s %8.1f %8.1f %9.2f\n' "$w" "$b" "$h" "$(echo "$h / $b" | bc -l)"
done
