#!/usr/bin/env bash
# bench/report.sh — install what is missing, build sluice and every peer that can be built, run
# the benchmark suite and write papers/benchmarks.md (+ papers/bench_*.svg).
#
#   bash bench/report.sh [--scale S] [--runs R] [--small-div D] [--no-install] [--quick]
#
#   --scale S      message-count scale; N = 5,000,000 * S for bounded(N) and unbounded rows
#                  (default 1, the crossbeam suite's N; the report states the scale)
#   --small-div D  bounded(0)/bounded(1) rows send N / D messages (default 100): they cost
#                  ~1-40 us per message on this machine, so they are scaled down and say so
#   --runs R       runs per workload and implementation; the report shows the median (default 5)
#   --no-install   never call apt-get (peers whose packages are missing are listed as skipped)
#   --quick        smoke test: --scale 0.02 --runs 1 (does not overwrite papers/)
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
while [[ $# -gt 0 ]]; do
  case $1 in
    --scale) SCALE=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --small-div) SMALL_DIV=$2; shift 2 ;;
    --no-install) INSTALL=0; shift ;;
    --quick) QUICK=1; SCALE=0.02; RUNS=1; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$OUT"
SKIPS=$OUT/skipped.txt
: > "$SKIPS"
skip() { echo "$1|$2" >> "$SKIPS"; echo "skipped $1: $2" >&2; }
T0=$(date +%s)

# ---- 1. packages (idempotent: only what dpkg says is missing) --------------------------------
PKGS=(librust-crossbeam-channel-dev librust-flume-dev golang-go libconcurrentqueue-dev libtbb-dev
      libboost-fiber-dev libasio-dev libbenchmark-dev gnuplot-nox linux-perf cmake ninja-build g++
      python3)
MISSING=()
for p in "${PKGS[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || MISSING+=("$p")
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
    if ! DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends \
        "${MISSING[@]}" >&2; then
      echo "apt-get install failed; continuing with what is installed" >&2
    fi
  else
    echo "not installing (--no-install): ${MISSING[*]}" >&2
  fi
fi

# ---- 2. C++: sluice, the C++ peers, the micro-benchmarks --------------------------------------
CXX_OK=1
if ! cmake -S "$ROOT" -B "$OUT/cmake" -G Ninja -DCMAKE_BUILD_TYPE=Release \
     -DSLUICE_BUILD_TESTS=OFF -DSLUICE_BUILD_MODELS=OFF -DSLUICE_BUILD_VERIFICATION=OFF \
     -DSLUICE_BUILD_BENCH=ON >"$OUT/cmake.log" 2>&1 \
   || ! cmake --build "$OUT/cmake" -j2 --target sluice_bench >>"$OUT/cmake.log" 2>&1; then
  CXX_OK=0
  skip "C++ harness" "build failed, see build/bench-report/cmake.log"
fi
cmake --build "$OUT/cmake" -j2 --target sluice_micro >>"$OUT/cmake.log" 2>&1 \
  || skip "micro-benchmarks" "sluice_micro did not build (Google Benchmark missing?)"
HARNESS=$OUT/cmake/bench/sluice_bench
MICRO=$OUT/cmake/bench/sluice_micro

# ---- 3. Rust: crossbeam-channel + flume from Debian's crate sources, offline ----------------
RUST_BIN=""
CARGO=${CARGO:-$(command -v cargo || echo /root/.cargo/bin/cargo)}
if [[ ! -x $CARGO ]]; then
  skip "crossbeam, flume" "no cargo found"
elif [[ ! -d /usr/share/cargo/registry/crossbeam-channel-0.5.6 && -z $(ls -d /usr/share/cargo/registry/crossbeam-channel-* 2>/dev/null) ]]; then
  skip "crossbeam, flume" "Debian crate sources not installed (librust-crossbeam-channel-dev, librust-flume-dev)"
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
        "$CARGO" build --release -j2) >"$OUT/cargo.log" 2>&1; then
    RUST_BIN=$OUT/rust-target/release/sluice-rust-peers
  else
    skip "crossbeam, flume" "cargo build failed, see build/bench-report/cargo.log"
  fi
fi

# ---- 4. Go channels -------------------------------------------------------------------------
GO_BIN=""
if command -v go >/dev/null 2>&1; then
  if (cd "$ROOT/bench/peers/go" && GOCACHE=$OUT/go-cache GOPATH=$OUT/go-path GOPROXY=off \
        GOFLAGS=-mod=mod go build -o "$OUT/go-peer" .) >"$OUT/go.log" 2>&1; then
    GO_BIN=$OUT/go-peer
  else
    skip "go" "go build failed, see build/bench-report/go.log"
  fi
else
  skip "go" "golang-go not installed"
fi

# ---- 5. run everything and write the report ---------------------------------------------------
ARGS=(--root "$ROOT" --out "$OUT" --scale "$SCALE" --runs "$RUNS" --small-div "$SMALL_DIV"
      --skips "$SKIPS" --build-secs $(( $(date +%s) - T0 )))
[[ $CXX_OK -eq 1 ]] && ARGS+=(--harness "$HARNESS")
[[ -x $MICRO ]] && ARGS+=(--micro "$MICRO")
[[ -n $RUST_BIN ]] && ARGS+=(--rust "$RUST_BIN")
[[ -n $GO_BIN ]] && ARGS+=(--go "$GO_BIN")
[[ ${#MISSING[@]} -gt 0 ]] && ARGS+=(--installed "${MISSING[*]}")
[[ $QUICK -eq 1 ]] && ARGS+=(--papers "$OUT/papers-quick")
python3 "$ROOT/bench/report.py" "${ARGS[@]}"
echo "total $(( $(date +%s) - T0 )) s" >&2
