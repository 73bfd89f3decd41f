#!/usr/bin/env bash
# tools/ordering_price.sh — the price half of the ordering study (issue 14).
#
#   bash tools/ordering_price.sh --arm       # AArch64 static counts -> papers/orderings/aarch64.json
#   bash tools/ordering_price.sh --bench-ab [runs=5] [n=2000000]  # x86-64 timing A/B, 3 configurations
#
# --arm installs Debian's cross compiler if it is missing (idempotent). --bench-ab is a timing:
# run it on a quiet machine only; it builds the channel benchmarks and micro-benchmarks three
# times (build/bench-default; build/bench-seqcst with -DSLUICE_ALL_SEQ_CST=ON, as the `seqcst`
# preset; build/bench-weakest with -DSLUICE_ORDER_OVERRIDES=papers/orderings/checker_weakest.inc)
# and interleaves their runs; writes medians (ns/message, ns/iteration) and the ratios to
# default per test to papers/orderings/x86_ab.json (the paper's x86 section).
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
    weakest=$PWD/papers/orderings/checker_weakest.inc
    [ -e "$weakest" ] || { echo "no $weakest: run the study (or --paper-only) first" >&2; exit 1; }
    for cfg in default seqcst weakest; do
      flags=(-DSLUICE_ALL_SEQ_CST=OFF -DSLUICE_ORDER_OVERRIDES=)
      [ "$cfg" = seqcst ] && flags=(-DSLUICE_ALL_SEQ_CST=ON -DSLUICE_ORDER_OVERRIDES=)
      [ "$cfg" = weakest ] && flags=(-DSLUICE_ALL_SEQ_CST=OFF "-DSLUICE_ORDER_OVERRIDES=$weakest")
      cmake -S . -B "build/bench-$cfg" -G Ninja -DCMAKE_BUILD_TYPE=Release "${flags[@]}" >/dev/null
      cmake --build "build/bench-$cfg" --target sluice_bench -j2
      cmake --build "build/bench-$cfg" --target sluice_micro -j2 || true  # needs Google Benchmark
    done
    out=$(mktemp)
    echo "PARAMS $runs $n" >> "$out"
    micro_filter='^(sluice_inout|sluice_try_recv|sluice_oneshot|kinds_oneshot_create_send_recv|kinds_oneshot_cross_thread|kinds_broadcast_send_recv|kinds_watermark)'
    for r in $(seq 1 "$runs"); do  # interleaved, so a load change hits every configuration alike
      for t in bounded_mpmc unbounded_mpmc bounded0_mpmc bounded_spsc bounded1_spsc bounded0_spsc; do
        for cfg in default seqcst weakest; do
          echo "CFG $cfg $(cut -d' ' -f1 /proc/loadavg)" >> "$out"
          "build/bench-$cfg/bench/sluice_bench" run sluice "$t" "$n" 4 >> "$out"
        done
      done
      for cfg in default seqcst weakest; do
        m=build/bench-$cfg/bench/sluice_micro
        [ -x "$m" ] || continue
        echo "CFG $cfg $(cut -d' ' -f1 /proc/loadavg)" >> "$out"
        echo MICRO_JSON >> "$out"
        "$m" --benchmark_filter="$micro_filter" --benchmark_format=json 2>/dev/null >> "$out"
        echo END_MICRO_JSON >> "$out"
      done
    done
    python3 tools/ordering_price.py --ab "$out"
    ;;
  *) echo "usage: $0 --arm | --bench-ab" >&2; exit 2 ;;
esac
