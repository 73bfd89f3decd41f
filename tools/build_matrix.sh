#!/usr/bin/env bash
# tools/build_matrix.sh — builds every target with warnings as errors, per compiler and build
# type, from scratch (issue 17: "every target builds warning-free in Debug, Release and
# RelWithDebInfo with g++ and clang"). CI builds two of the six (g++ RelWithDebInfo through the
# test preset, clang Release through test-clang); this script builds any of them.
#
#   bash tools/build_matrix.sh                         # all six combinations
#   bash tools/build_matrix.sh gcc:Debug clang:Debug   # the named ones
#
# Each combination configures build/matrix/<compiler>-<type> with SLUICE_WERROR=ON and every
# option at its default (the sanitizer copies included, as a plain user build has them), builds
# every target, and prints its time. Stops at the first combination that fails. Nothing runs.
set -euo pipefail
cd "$(dirname "$0")/.."

combos=("$@")
if [ ${#combos[@]} -eq 0 ]; then
  for c in gcc clang; do
    for t in Debug Release RelWithDebInfo; do combos+=("$c:$t"); done
  done
fi

for combo in "${combos[@]}"; do
  compiler=${combo%%:*}
  type=${combo#*:}
  case $compiler in
    gcc) cxx=g++ ;;
    clang) cxx=clang++ ;;
    *) echo "unknown compiler '$compiler' (gcc or clang)" >&2; exit 2 ;;
  esac
  case $type in
    Debug | Release | RelWithDebInfo) ;;
    *) echo "unknown build type '$type' (Debug, Release, RelWithDebInfo)" >&2; exit 2 ;;
  esac
  dir=build/matrix/$compiler-$type
  start=$(date +%s)
  echo "== $compiler $type ($($cxx --version | head -1)) in $dir"
  rm -rf "$dir"
  cmake -S . -B "$dir" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE="$type" \
    -DSLUICE_WERROR=ON >/dev/null
  cmake --build "$dir" -j"$(nproc)"
  echo "== $compiler $type: every target built warning-free in $(($(date +%s) - start)) s"
done
