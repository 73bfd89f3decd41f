#!/usr/bin/env bash
# Installs the Debian packages the tests need, only those missing (idempotent). Root or sudo.
#   bash tools/deps.sh         what every fast tier needs (tools/test.sh)
#   bash tools/deps.sh main    what the main job's model tier needs (bench/report.sh installs the rest)
set -euo pipefail
if [ "${1:-}" = main ]; then
  packages=(cmake ninja-build g++ python3)
else
  packages=(cmake ninja-build g++ clang libclang-rt-14-dev googletest libgtest-dev libbenchmark-dev
            valgrind python3 libasio-dev pkgconf
            chromium)  # chromium: models.litmus_html_renders opens sluice-litmus pages headless
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
