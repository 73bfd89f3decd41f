#!/usr/bin/env bash
# The test command: installs what is missing, then configures, builds and runs every fast
# tier (unit, conventions, checker, litmus, model, tsan, stress, valgrind, asan) with g++.
# The deep tiers: cmake --workflow --preset deep.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/deps.sh
cmake --workflow --preset test
