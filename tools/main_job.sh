#!/usr/bin/env bash
# The main job: model-check the channels (the model tier), then measure them against their
# peers and write papers/benchmarks.md (bench/report.sh). Options are passed to the report,
# e.g. --scale 0.2.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/deps.sh
cmake --preset gcc >/dev/null
cmake --build --preset gcc
if ctest --test-dir build/gcc -N -L model | grep -q "Total Tests: [1-9]"; then
  echo "== model-checking the channels (ctest -L model)"
  ctest --test-dir build/gcc -L model --output-on-failure
else
  echo "== the model tier is not built yet: no test carries the label 'model'"
fi
if [ -f bench/report.sh ]; then
  echo "== benchmarks against the peers"
  bash bench/report.sh "$@"
else
  echo "== the benchmark report is not built yet (bench/report.sh is missing)"
fi
