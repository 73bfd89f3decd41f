#!/usr/bin/env bash
# bench/spsc_ab.sh — same-run A/B of the SPSC/MPSC flavors: sluice (MPMC handles), sluice-spsc
# (spsc handles on spsc/seq rows, mpsc handles on mpsc rows) and the limit ring, runs
# interleaved so the load of a shared machine hits all alike; prints per-row medians
# [min-max] in ns/message and the ratios (the table in core/include/sluice/spsc.hpp).
#
#   bash bench/spsc_ab.sh <path/to/sluice_bench> [runs=5] [n=5000000]
# Build the harness in Release first, e.g.
#   cmake -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=Release && cmake --build build/bench --target sluice_bench
set -euo pipefail
B=${1:?usage: spsc_ab.sh <sluice_bench> [runs] [n]}
RUNS=${2:-5}
N=${3:-5000000}
ROWS="bounded_spsc unbounded_spsc bounded_mpsc unbounded_mpsc bounded_seq unbounded_seq"
OUT=$(mktemp)
for r in $(seq 1 "$RUNS"); do
  echo "# run $r load $(cut -d' ' -f1 /proc/loadavg)" >> "$OUT"
  for row in $ROWS; do
    for impl in sluice sluice-spsc limit-ring; do "$B" run "$impl" "$row" "$N" 4 >> "$OUT"; done
  done
done
python3 - "$OUT" <<'PY'
import collections, statistics, sys
d, loads = collections.defaultdict(list), []
for line in open(sys.argv[1]):
    p = line.split()
    if line.startswith("# run"):
        loads.append(p[4])
    elif p and p[0] == "RESULT":
        if p[5] != "ok":
            sys.exit(f"checksum failed: {line}")
        d[(p[2], p[1])].append(float(p[3]) * 1e9 / float(p[4]))
impls = ["sluice", "sluice-spsc", "limit-ring"]
print("load average (1 min) at each run:", " ".join(loads))
print(f"{'row':16}" + "".join(f"{i:>22}" for i in impls) + f"{'spsc/MPMC':>11}{'spsc/limit':>11}")
for row in sorted({k[0] for k in d}):
    med = {i: statistics.median(d[(row, i)]) for i in impls if d.get((row, i))}
    cells = "".join(f"{f'{med[i]:.1f} [{min(d[(row, i)]):.1f}-{max(d[(row, i)]):.1f}]' if i in med else '-':>22}"
                    for i in impls)
    r1 = f"{med['sluice-spsc'] / med['sluice']:.2f}" if {"sluice", "sluice-spsc"} <= med.keys() else "-"
    r2 = f"{med['sluice-spsc'] / med['limit-ring']:.2f}" if {"limit-ring", "sluice-spsc"} <= med.keys() else "-"
    print(f"{row:16}{cells}{r1:>11}{r2:>11}")
PY
rm -f "$OUT"
