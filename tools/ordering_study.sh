#!/usr/bin/env bash
# tools/ordering_study.sh — the ordering study (issue 14) in one command; writes papers/orderings.md.
#
#   bash tools/ordering_study.sh                    # build, coverage, every site, AArch64 counts, paper
#   bash tools/ordering_study.sh --site NAME ...    # rerun one site (repeatable), merge, regenerate
#   bash tools/ordering_study.sh --model cxx20      # the same study under C++20 (default: RC11), compared in the paper
#   bash tools/ordering_study.sh --arm-only         # only the AArch64 instruction counts + paper
#   bash tools/ordering_study.sh --paper-only       # regenerate the paper from the saved results
#   bash tools/ordering_study.sh --bench-ab         # x86 timing A/B: default, seq_cst preset,
#                                                   # checker-weakest (a quiet machine!), into the paper
#
# Builds only sluice_model_tests, in build/ordering-study; 2 checker processes at a time, nice 19.
# On the shared machine (/work/build.lock exists) every mode but --paper-only runs entirely
# under that lock, taken once here: the checker runs are the machine's two cores for the run.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -e /work/build.lock ] && [ -z "${SLUICE_STUDY_LOCKED:-}" ] && [[ " $* " != *" --paper-only "* ]]; then
  echo "ordering_study.sh: waiting for /work/build.lock" >&2
  exec env SLUICE_STUDY_LOCKED=1 flock /work/build.lock bash "$0" "$@"
fi
root=$PWD
build=$root/build/ordering-study
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-/work}

mode=study
py_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --site) py_args+=(--site "$2"); shift 2 ;;
    --resume) py_args+=(--resume); shift ;;
    --model) py_args+=(--model "$2"); shift 2 ;;
    --arm-only) mode=arm; shift ;;
    --paper-only) mode=paper; shift ;;
    --bench-ab) mode=bench; shift ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

start=$(date +%s)
if [ "$mode" = paper ]; then
  python3 tools/ordering_study.py --build "$build" --paper-only
  exit 0
fi
if [ "$mode" = bench ]; then  # the x86 A/B (default, seq_cst preset, checker-weakest) into the paper
  bash tools/ordering_price.sh --bench-ab
  python3 tools/ordering_study.py --build "$build" --paper-only
  exit 0
fi
if [ "$mode" = study ]; then
  launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=g++ \
    "${launcher[@]}" >/dev/null
  cmake --build "$build" --target sluice_model_tests -j2
  python3 tools/ordering_study.py --build "$build" "${py_args[@]}"
fi
# The AArch64 counts only for a full run (a --site rerun keeps the saved ones).
if [ "$mode" = arm ] || { [ "$mode" = study ] && [ ${#py_args[@]} -eq 0 ]; }; then
  bash tools/ordering_price.sh --arm
  python3 tools/ordering_study.py --build "$build" --paper-only
fi
echo "ordering_study.sh: $(( $(date +%s) - start )) s"
