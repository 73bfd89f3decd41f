#!/usr/bin/env bash
# bench/parker_ab.sh — A/B of the std parker's waiting strategy, all variants in ONE run.
#
#   bash bench/parker_ab.sh [rounds] [messages]        (defaults: 5 rounds, 20000 messages)
#
# Builds the C++ harness once per variant (the parker's adaptive pause spin between a minimum
# and a maximum, 0 0 for none, then sched_yield rounds before the futex; set through
# bench/harness/peers_ext.hpp's BENCH_PARKER_* decorator over std_platform; see
# core/include/sluice/std_parker.hpp), then runs the blocking rows that the parker decides (bounded(0)/bounded(1) spsc, mpsc and mpmc,
# ping-pong) round-robin across variants, and prints the median seconds per variant and row.
# Load changes the answer (a spinner holds a CPU its partner may need), so the script prints
# the load average before and after; compare variants only within one run.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROUNDS=${1:-5}
N=${2:-20000}
OUT=$ROOT/build/parker-ab
mkdir -p "$OUT"
VARIANTS=("nospin 8 0 0" "adaptive 8 64 1024")
for v in "${VARIANTS[@]}"; do
  set -- $v
  "${CXX:-g++}" -O3 -DNDEBUG -std=c++20 -I "$ROOT/core/include" -I "$ROOT/test_support" -DBENCH_SLUICE_PRESENT=1 \
    -DBENCH_PARKER_YIELD_ROUNDS="$2" -DBENCH_PARKER_MIN_SPIN="$3" -DBENCH_PARKER_MAX_SPIN="$4" \
    "$ROOT/bench/harness/main.cpp" "$ROOT/bench/harness/alloc_hook.cpp" -pthread -o "$OUT/bench_$1"
done
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs; $N messages (ping-pong: round trips); $ROUNDS rounds"
: > "$OUT/runs.txt"
for r in $(seq "$ROUNDS"); do
  for w in bounded0_spsc bounded0_mpsc bounded0_mpmc bounded1_spsc bounded1_mpsc bounded1_mpmc pingpong_bounded0 pingpong_bounded1; do
    for v in "${VARIANTS[@]}"; do
      set -- $v
      if [[ $w == pingpong_* ]]; then
        s=$(timeout 300 "$OUT/bench_$1" pingpong sluice "${w#pingpong_}" "$N" | awk '/^RESULT/{print $4}')
      else
        s=$(timeout 300 "$OUT/bench_$1" run sluice "$w" "$N" 4 | awk '/^RESULT/{print $4}')
      fi
      echo "$1 $w ${s:-nan}" >> "$OUT/runs.txt"
    done
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$OUT/runs.txt" "$N" <<'PY'
import collections, statistics, sys
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    v, w, s = line.split()
    if s != "nan":
        runs[(w, v)].append(float(s))
n = int(sys.argv[2])
rows = sorted({w for w, _ in runs})
variants = list(dict.fromkeys(v for _, v in runs))
print("| row | " + " | ".join(f"{v} (µs/msg, median)" for v in variants) + " |")
print("|---|" + "---:|" * len(variants))
for w in rows:
    print(f"| {w} | " + " | ".join(
        f"{statistics.median(runs[(w, v)]) * 1e6 / n:.2f}" if runs[(w, v)] else "—" for v in variants) + " |")
PY
