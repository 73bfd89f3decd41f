#!/usr/bin/env bash
# bench/report.sh — install what is missing, build sluice and every peer that can be built, run
# the benchmark suite and write papers/benchmarks.md (+ papers/bench_*.svg).
#
#   bash bench/report.sh [--scale S] [--runs R] [--small-div D] [--no-install] [--quick]
#                        [--build-only]
#
#   --scale S      message-count scale; N = 5,000,000 * S for bounded(N) and unbounded rows
#                  (default 1, the crossbeam suite's N; the report states the scale)
#   --small-div D  bounded(0)/bounded(1) rows send N / D messages (default 100): they cost
#                  ~1-40 us per message on this machine, so they are scaled down and say so
#   --runs R       runs per workload and implementation; the report shows the median (default 5)
#   --no-install   never call apt-get (peers whose packages are missing are listed as skipped)
#   --quick        smoke test: --scale 0.02 --runs 1 (does not overwrite papers/)
#   --build-only   install and build sluice and every peer, print the toolchains, run nothing
#
# Without --no-install it installs what every peer needs from Debian's archive (apt-get, only
# what is missing: cargo, rustc, the crossbeam-channel and flume crate sources, golang-go, the
# C++ peers' -dev packages) and stops with an error when a peer whose packages are installed
# did not build. The report names the compilers it used (build/bench-report/toolchains.txt).
#
# Everything it builds goes under build/bench-report (gitignored): the CMake build, the Rust
# target directory, CARGO_HOME with the offline source replacement, and the Go caches.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$ROOT/build/bench-report
SCALE=1
RUNS=5
SMALL_DIV=100
INSTALL=1
QUICK=0
BUILD_ONLY=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --scale) SCALE=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --small-div) SMALL_DIV=$2; shift 2 ;;
    --no-install) INSTALL=0; shift ;;
    --quick) QUICK=1; SCALE=0.02; RUNS=1; shift ;;
    --build-only) BUILD_ONLY=1; shift ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$OUT"
SKIPS=$OUT/skipped.txt
: > "$SKIPS"
skip() { echo "$1|$2" >> "$SKIPS"; echo "skipped $1: $2" >&2; }
T0=$(date +%s)

# A peer whose packages are installed (or were installed by this run) must build: if it does not,
# the report stops with an error instead of listing the peer as skipped. A peer is skipped only
# when its packages are missing and --no-install said not to install them.
FAILED=()
fail_peer() { FAILED+=("$1: $2"); echo "ERROR: $1 did not build: $2" >&2; }
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
stage() { echo "== report [$1/5] $2 (at $(( $(date +%s) - T0 )) s)" >&2; }

# ---- 1. packages (idempotent: only what dpkg says is missing) --------------------------------
# Rust peers: Debian's cargo and rustc, and the crate sources of crossbeam-channel and flume
# (the librust-*-dev packages put them and their dependencies in /usr/share/cargo/registry);
# Go: golang-go; C++ peers: moodycamel's concurrentqueue, oneTBB, Boost.Fiber, standalone Asio.
stage 1 "packages"
RUST_PKGS=(cargo rustc librust-crossbeam-channel-dev librust-flume-dev)
PKGS=("${RUST_PKGS[@]}" golang-go libconcurrentqueue-dev libtbb-dev libboost-fiber-dev
      libasio-dev libbenchmark-dev gnuplot-nox linux-perf cmake ninja-build g++ python3)
MISSING=()
for p in "${PKGS[@]}"; do
  have_pkg "$p" || MISSING+=("$p")
done
# gnuplot-nox is not needed if some other gnuplot is installed.
if command -v gnuplot >/dev/null 2>&1; then
  MISSING=("${MISSING[@]/gnuplot-nox}")
fi
MISSING=($(printf '%s\n' "${MISSING[@]}" | grep -v '^$' || true))
if [[ ${#MISSING[@]} -gt 0 ]]; then
  if [[ $INSTALL -eq 1 ]]; then
    SUDO=""
    [[ $(id -u) -ne 0 ]] && SUDO="sudo"
    echo "installing: ${MISSING[*]}" >&2
    $SUDO apt-get update -qq >&2 || echo "apt-get update failed; trying the install anyway" >&2
    if ! DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
        "${MISSING[@]}" >&2; then
      echo "ERROR: apt-get install ${MISSING[*]} failed; rerun with --no-install to measure" \
           "only the peers that are installed" >&2
      exit 1
    fi
  else
    echo "not installing (--no-install): ${MISSING[*]}" >&2
  fi
fi
TOOLS=$OUT/toolchains.txt  # "language|version" of each compiler the report used
: > "$TOOLS"

# ---- 2. C++: sluice, the C++ peers, the micro-benchmarks --------------------------------------
stage 2 "building the C++ harness and micro-benchmarks (build/bench-report/cmake)"
CXX_OK=1
if ! cmake -S "$ROOT" -B "$OUT/cmake" -G Ninja -DCMAKE_BUILD_TYPE=Release \
     -DSLUICE_BUILD_TESTS=OFF -DSLUICE_BUILD_MODELS=OFF -DSLUICE_BUILD_VERIFICATION=OFF \
     -DSLUICE_BUILD_BENCH=ON >"$OUT/cmake.log" 2>&1 \
   || ! cmake --build "$OUT/cmake" -j2 --target sluice_bench >>"$OUT/cmake.log" 2>&1; then
  CXX_OK=0
  fail_peer "the C++ harness (sluice and the C++ peers)" "see build/bench-report/cmake.log"
fi
HARNESS=$OUT/cmake/bench/sluice_bench
MICRO=$OUT/cmake/bench/sluice_micro
if have_pkg libbenchmark-dev; then
  cmake --build "$OUT/cmake" -j2 --target sluice_micro >>"$OUT/cmake.log" 2>&1 \
    || fail_peer "micro-benchmarks" "sluice_micro did not build, see build/bench-report/cmake.log"
else
  skip "micro-benchmarks" "libbenchmark-dev not installed (--no-install)"
fi
CXX_PATH=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$OUT/cmake/CMakeCache.txt" 2>/dev/null || true)
echo "C++|${CXX_PATH:-c++}: $("${CXX_PATH:-c++}" --version | head -1)" >> "$TOOLS"
if [[ $CXX_OK -eq 1 ]]; then
  BUILT=$("$HARNESS" list)
  for pair in libconcurrentqueue-dev:moodycamel libtbb-dev:tbb libboost-fiber-dev:boost-fiber; do
    pkg=${pair%%:*} peer=${pair#*:}
    if ! have_pkg "$pkg"; then
      skip "$peer" "$pkg not installed (--no-install)"
    elif ! grep -qx "$peer" <<<"$BUILT"; then
      fail_peer "$peer" "$pkg is installed but the harness was built without it (build/bench-report/cmake.log)"
    fi
  done
fi

# ---- 3. Rust: crossbeam-channel + flume from Debian's crate sources, offline ----------------
# Debian's cargo and rustc unless CARGO/RUSTC name others: a rustup toolchain that happens to be
# on the PATH is not what a plain Debian machine has, and the report names what it used.
stage 3 "building the Rust peers (crossbeam-channel, flume: cargo, offline)"
RUST_BIN=""
CARGO=${CARGO:-/usr/bin/cargo}
RUSTC=${RUSTC:-/usr/bin/rustc}
if [[ ! -x $CARGO || ! -x $RUSTC ]]; then
  skip "crossbeam, flume" "no $CARGO or $RUSTC (cargo, rustc not installed: --no-install)"
elif [[ -z $(ls -d /usr/share/cargo/registry/crossbeam-channel-* /usr/share/cargo/registry/flume-* 2>/dev/null) ]]; then
  skip "crossbeam, flume" "Debian crate sources not installed (librust-crossbeam-channel-dev, librust-flume-dev: --no-install)"
else
  mkdir -p "$OUT/cargo-home"
  cat > "$OUT/cargo-home/config.toml" <<'EOF'
[source.crates-io]
replace-with = "debian"
[source.debian]
directory = "/usr/share/cargo/registry"
[net]
offline = true
EOF
  if (cd "$ROOT/bench/peers/rust" && CARGO_HOME=$OUT/cargo-home CARGO_TARGET_DIR=$OUT/rust-target \
        RUSTC=$RUSTC "$CARGO" build --release -j2) >"$OUT/cargo.log" 2>&1; then
    RUST_BIN=$OUT/rust-target/release/sluice-rust-peers
    echo "Rust|$("$RUSTC" --version), $("$CARGO" --version)" >> "$TOOLS"
  else
    tail -20 "$OUT/cargo.log" >&2
    fail_peer "crossbeam, flume" "cargo build failed, see build/bench-report/cargo.log"
  fi
fi

# ---- 4. Go channels -------------------------------------------------------------------------
stage 4 "building the Go peer"
GO_BIN=""
GO=${GO:-$(command -v go || true)}
if [[ -n $GO && -x $GO ]]; then
  if (cd "$ROOT/bench/peers/go" && GOCACHE=$OUT/go-cache GOPATH=$OUT/go-path GOPROXY=off \
        GOFLAGS=-mod=mod "$GO" build -o "$OUT/go-peer" .) >"$OUT/go.log" 2>&1; then
    GO_BIN=$OUT/go-peer
    echo "Go|$("$GO" version)" >> "$TOOLS"
  else
    tail -20 "$OUT/go.log" >&2
    fail_peer "go" "go build failed, see build/bench-report/go.log"
  fi
else
  skip "go" "golang-go not installed (--no-install)"
fi

if [[ ${#FAILED[@]} -gt 0 ]]; then
  echo "ERROR: peers whose packages are installed did not build; the report would lack their rows:" >&2
  printf '  %s\n' "${FAILED[@]}" >&2
  exit 1
fi
if [[ $BUILD_ONLY -eq 1 ]]; then
  echo "built; toolchains:" >&2
  sed 's/|/: /; s/^/  /' "$TOOLS" >&2
  [[ -s $SKIPS ]] && { echo "skipped:" >&2; sed 's/|/: /; s/^/  /' "$SKIPS" >&2; }
  exit 0
fi

# ---- 5. run everything and write the report ---------------------------------------------------
stage 5 "running the workloads and writing the report"
ARGS=(--root "$ROOT" --out "$OUT" --scale "$SCALE" --runs "$RUNS" --small-div "$SMALL_DIV"
      --skips "$SKIPS" --toolchains "$TOOLS" --build-secs $(( $(date +%s) - T0 )))
[[ $CXX_OK -eq 1 ]] && ARGS+=(--harness "$HARNESS")
[[ -x $MICRO ]] && ARGS+=(--micro "$MICRO")
[[ -n $RUST_BIN ]] && ARGS+=(--rust "$RUST_BIN")
[[ -n $GO_BIN ]] && ARGS+=(--go "$GO_BIN")
[[ ${#MISSING[@]} -gt 0 ]] && ARGS+=(--installed "${MISSING[*]}")
[[ $QUICK -eq 1 ]] && ARGS+=(--papers "$OUT/papers-quick")
python3 "$ROOT/bench/report.py" "${ARGS[@]}"
echo "total $(( $(date +%s) - T0 )) s" >&2
