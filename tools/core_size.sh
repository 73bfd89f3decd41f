#!/usr/bin/env bash
# tools/core_size.sh — the size of core/include at one or more commits: files, total lines, and
# code lines (not blank, not a // comment line), and the largest file.
#
#   bash tools/core_size.sh [COMMIT...]      (default: HEAD)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[[ $# -eq 0 ]] && set -- HEAD
printf '%-12s %6s %7s %7s  %s\n' commit files total code largest
for c in "$@"; do
  files=0 total=0 code=0 big=0 bigname=
  while read -r f; do
    text=$(git -C "$ROOT" show "$c:$f")
    t=$(printf '%s\n' "$text" | wc -l)
    k=$(printf '%s\n' "$text" | grep -cvE '^\s*$|^\s*//' || true)
    files=$((files + 1)) total=$((total + t)) code=$((code + k))
    if ((t > big)); then big=$t bigname=${f#core/include/}; fi
  done < <(git -C "$ROOT" ls-tree -r --name-only "$c" core/include | grep -E '\.(hpp|h)$')
  printf '%-12s %6d %7d %7d  %s (%d)\n' "$(git -C "$ROOT" rev-parse --short "$c")" "$files" "$total" "$code" "$bigname" "$big"
done
