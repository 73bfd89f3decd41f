#!/usr/bin/env bash
# tools/ordering_price.sh — the price half of the ordering study (issue 14).
#
#   bash tools/ordering_price.sh --arm       # AArch64 static counts -> papers/orderings/aarch64.json
#   bash tools/ordering_price.sh --bench-ab [runs=5] [n=2000000]  # x86-64 timing A/B: default vs seq_cst
#
# --arm installs Debian's cross compiler if it is missing (idempotent). --bench-ab is a timing:
# run it on a quiet machine only; it builds the channel benchmarks twice (build/bench-default,
# build/bench-seqcst with -DSLUICE_ALL_SEQ_CST=ON, as the `seqcst` preset) and interleaves their runs;
# prints medians in ns/message and the seq_cst/default ratio per test.
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in
  --arm)
    if ! command -v aarch64-linux-gnu-g++ >/dev/null; then
      apt-get install -y g++-aarch64-linux-gnu >/dev/null
    fi
    python3 tools/ordering_price.py
    ;;
  --bench-ab)
    runs=${2:-5}
    n=${3:-2000000}
    for cfg in default seqcst; do
      flag=OFF
      [ "$cfg" = seqcst ] && flag=ON
      cmake -S . -B "build/bench-$cfg" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSLUICE_ALL_SEQ_CST=$flag >/dev/null
      cmake --build "build/bench-$cfg" --target sluice_bench -j2
    done
    out=$(mktemp)
    for r in $(seq 1 "$runs"); do  # interleaved, so a load change hits both alike
      for t in bounded_mpmc unbounded_mpmc bounded0_mpmc bounded_spsc bounded1_spsc bounded0_spsc; do
        for cfg in default seqcst; do
          echo "CFG $cfg $(cut -d' ' -f1 /proc/loadavg)" >> "$out"
          "build/bench-$cfg/bench/sluice_bench" run sluice "$t" "$n" 4 >> "$out"
        done
      done
    done
    python3 - "$out" <<'PY'
import collections, statistics, sys
d, cfg = collections.defaultdict(list), None
for line in open(sys.argv[1]):
    p = line.split()
    if p and p[0] == "CFG":
        cfg = p[1]
    elif p and p[0] == "RESULT" and p[5] == "ok":
        d[(p[2], cfg)].append(float(p[3]) * 1e9 / float(p[4]))
print(f"{'test':16}{'default ns/msg':>16}{'seq_cst ns/msg':>16}{'seq_cst/default':>17}")
for t in sorted({k[0] for k in d}):
    a, b = statistics.median(d[(t, "default")]), statistics.median(d[(t, "seqcst")])
    print(f"{t:16}{a:16.1f}{b:16.1f}{b / a:17.2f}")
PY
    ;;
  *) echo "usage: $0 --arm | --bench-ab" >&2; exit 2 ;;
esac
