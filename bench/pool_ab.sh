#!/usr/bin/env bash
# bench/pool_ab.sh — the coroutine row's pool policies against Go, all in ONE run.
#
#   bash bench/pool_ab.sh [rounds]        (default: 5 rounds)
#
# Builds the C++ harness once (-O3, g++) and, when `go` is installed, the Go peer
# (bench/peers/go, offline, as bench/report.sh does), then runs the rows where the pool decides
# (bounded(0)/bounded(1) spsc and mpmc, bounded(N) mpmc) round-robin: sluice-async on
# test_support's coro_pool with policy fifo (SLUICE_BENCH_POOL=fifo) and local_first (the
# report's), and Go. 4 producers (and consumers), 50,000 messages on the blocking rows,
# 5,000,000 on bounded_mpmc, as in the report. Prints the median ns per message of each and the
# load average before and after; compare only within one run.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROUNDS=${1:-5}
OUT=$ROOT/build/pool-ab
mkdir -p "$OUT"
cmake -S "$ROOT" -B "$OUT/cmake" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSLUICE_BUILD_TESTS=OFF \
  -DSLUICE_BUILD_BENCH=ON >/dev/null
cmake --build "$OUT/cmake" --target sluice_bench >/dev/null
BENCH=$OUT/cmake/bench/sluice_bench
GO_BIN=
if command -v go >/dev/null 2>&1; then
  if (cd "$ROOT/bench/peers/go" && GOCACHE=$OUT/go-cache GOPATH=$OUT/go-path GOPROXY=off \
        GOFLAGS=-mod=mod go build -o "$OUT/go-peer" .) >"$OUT/go.log" 2>&1; then
    GO_BIN=$OUT/go-peer
  else
    echo "go build failed (see $OUT/go.log): Go is left out"
  fi
else
  echo "go is not installed: Go is left out (apt-get install golang-go)"
fi
ROWS=(bounded0_spsc bounded0_mpmc bounded1_spsc bounded1_mpmc bounded_mpmc)
count() { [[ $1 == bounded0_* || $1 == bounded1_* ]] && echo 50000 || echo 5000000; }
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs; $ROUNDS rounds; $(git -C "$ROOT" rev-parse --short HEAD)"
: >"$OUT/runs.txt"
for r in $(seq "$ROUNDS"); do
  for w in "${ROWS[@]}"; do
    n=$(count "$w")
    s=$(SLUICE_BENCH_POOL=fifo timeout 300 "$BENCH" run sluice-async "$w" "$n" 4 | awk '/^RESULT/{print $4}')
    echo "fifo $w ${s:-nan} $n" >>"$OUT/runs.txt"
    s=$(timeout 300 "$BENCH" run sluice-async "$w" "$n" 4 | awk '/^RESULT/{print $4}')
    echo "local_first $w ${s:-nan} $n" >>"$OUT/runs.txt"
    if [[ -n $GO_BIN ]]; then
      s=$(timeout 300 "$GO_BIN" run go "$w" "$n" 4 | awk '/^RESULT/{print $4}')
      echo "go $w ${s:-nan} $n" >>"$OUT/runs.txt"
    fi
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$OUT/runs.txt" <<'PY'
import collections, statistics, sys
runs, sizes = collections.defaultdict(list), {}
for line in open(sys.argv[1]):
    v, w, s, n = line.split()
    sizes[w] = int(n)
    if s != "nan":
        runs[(w, v)].append(float(s))
rows = list(dict.fromkeys(w for w, _ in runs))
variants = list(dict.fromkeys(v for _, v in runs))
print("| row | " + " | ".join(f"{v} (ns/msg, median)" for v in variants) + " |")
print("|---|" + "---:|" * len(variants))
for w in rows:
    print(f"| {w} | " + " | ".join(
        f"{statistics.median(runs[(w, v)]) * 1e9 / sizes[w]:.0f}" if runs[(w, v)] else "—" for v in variants) + " |")
PY
