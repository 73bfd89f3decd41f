#!/usr/bin/env python3
"""bench/report.py — runs the benchmark suite and writes papers/benchmarks.md (called by report.sh).

Every figure in the report is computed from the runs made by this invocation; nothing is
hard-coded. Each (implementation, workload, run) is its own process, and the runs of all
implementations are interleaved (run 1 of every row, then run 2, ...) so that slow drifts in
the load of this shared machine hit every implementation alike.
"""
import argparse
import datetime
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import perf_profile  # noqa: E402  (bench/perf_profile.py)

BASE_N = 5_000_000
THREADS = 4
ORDER = ["sluice", "sluice-spsc", "sluice-async", "crossbeam", "flume", "go", "moodycamel", "tbb", "boost-fiber", "mutex-deque",
         "asio", "limit-ring"]
NOT_PEERS = {"sluice", "sluice-spsc", "sluice-async", "limit-ring"}  # "fastest peer" is over the others
WORKLOADS = ["seq", "spsc", "mpsc", "mpmc", "select_rx", "select_both"]
FLAVORS = ["bounded0", "bounded1", "bounded", "unbounded"]
LABEL = {"bounded0": "bounded(0)", "bounded1": "bounded(1)", "bounded": "bounded(N)",
         "unbounded": "unbounded"}


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def sh(cmd, default=""):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True,
                              timeout=30).stdout.strip()
    except Exception:
        return default


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--root", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--scale", type=float, default=1.0)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--small-div", type=int, default=100)
    p.add_argument("--skips")
    p.add_argument("--harness")
    p.add_argument("--micro")
    p.add_argument("--rust")
    p.add_argument("--go")
    p.add_argument("--installed", default="")
    p.add_argument("--papers")
    p.add_argument("--build-secs", type=int, default=0)
    p.add_argument("--toolchains", help="file of 'language|version' lines: the compilers used")
    p.add_argument("--budget", type=float, default=780.0,
                   help="seconds for the whole run; fewer runs are made if the first round "
                        "shows the requested number would not fit")
    return p.parse_args()


class Impl:
    def __init__(self, name, binary, lang):
        self.name, self.binary, self.lang = name, binary, lang


def parse_lines(text):
    res, uns, mem, micro = [], [], {}, {}
    for line in text.splitlines():
        f = line.split()
        if not f:
            continue
        if f[0] == "RESULT" and len(f) >= 7:
            res.append({"peer": f[1], "test": f[2], "secs": float(f[3]), "n": int(f[4]),
                        "ok": f[5] == "ok", "rss_kb": int(f[6])})
        elif f[0] == "UNSUPPORTED":
            uns.append((f[1], f[2], " ".join(f[3:])))
        elif f[0] == "MEM" and len(f) >= 4:
            mem[f[2]] = f[3]
        elif f[0] == "MICRO" and len(f) >= 4:
            micro[f[2]] = float(f[3])
    return res, uns, mem, micro


def run_cmd(argv, timeout):
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
        return p.stdout, (p.returncode if p.returncode != 0 else None)
    except subprocess.TimeoutExpired:
        return None, "timeout"


def main():
    a = parse_args()
    t_start = time.time()
    a.load_start = sh("cat /proc/loadavg")  # before any run: is the machine idle?
    a.busy_start = cpu_busy(5.0)
    papers = a.papers or os.path.join(a.root, "papers")
    os.makedirs(papers, exist_ok=True)
    n_big = int(round(BASE_N * a.scale / THREADS)) * THREADS
    n_small = max(THREADS, int(round(n_big / a.small_div / THREADS)) * THREADS)
    pp_iters = max(100, n_small // 4)

    skipped = []
    if a.skips and os.path.exists(a.skips):
        for line in open(a.skips):
            if "|" in line:
                skipped.append(tuple(line.rstrip("\n").split("|", 1)))

    impls = []
    if a.harness:
        out, _ = run_cmd([a.harness, "list"], 30)
        for line in (out or "").splitlines():
            if line.startswith("SKIPPED"):
                f = line.split(None, 2)
                skipped.append((f[1], f[2]))
            elif line.strip():
                impls.append(Impl(line.strip(), a.harness, "C++"))
    else:
        skipped.append(("sluice and the C++ peers", "the C++ harness did not build"))
    if a.rust:
        impls += [Impl("crossbeam", a.rust, "Rust"), Impl("flume", a.rust, "Rust")]
    if a.go:
        impls.append(Impl("go", a.go, "Go"))
    impls.sort(key=lambda i: ORDER.index(i.name) if i.name in ORDER else 99)
    names = [i.name for i in impls]
    have_sluice = "sluice" in names
    log(f"implementations: {names}; N={n_big}, small N={n_small}, runs={a.runs}")

    # ---- the job list -----------------------------------------------------------------------
    tests = []
    for fl in FLAVORS:
        for w in WORKLOADS:
            if w == "seq" and fl in ("bounded0", "bounded1"):
                continue
            tests.append(f"{fl}_{w}")
    status = {}  # (impl, test) -> reason when not run
    jobs = []
    for t in tests:
        fl, w = t.split("_", 1)
        n = n_small if fl in ("bounded0", "bounded1") else n_big
        for im in impls:
            if w.startswith("select") and im.lang == "C++" and im.name != "sluice":
                status[(im.name, t)] = "no select"
                continue
            jobs.append((im, t, ["run", im.name, t, str(n), str(THREADS)]))
    for fl in ("bounded0", "bounded1"):
        for im in impls:
            jobs.append((im, f"pingpong_{fl}", ["pingpong", im.name, fl, str(pp_iters)]))
    if a.harness:
        parker = Impl("parker", a.harness, "C++")
        for k in ("futex_parker", "atomic_wait"):
            jobs.append((parker, f"parker_{k}", ["parker", k, str(pp_iters)]))

    results = {}  # (impl, test) -> [run dicts]
    runs_done = 0
    runs_target = a.runs
    note_runs = ""
    r = 0
    # A run slower than SLOW_RUN_S (a peer's pathological row, e.g. TBB's mpmc at ~10 us/msg x 5M)
    # is made once only, so that it does not decide how many runs every other row gets.
    SLOW_RUN_S = 10.0
    slow = {}  # key -> seconds of its single run
    while r < runs_target:
        t_round = time.time()
        for j, (im, test, argv) in enumerate(jobs):
            if j and j % max(1, len(jobs) // 10) == 0:
                log(f"round {r + 1}: {j}/{len(jobs)} jobs (elapsed {time.time() - t_start:.0f} s)")
            key = (im.name, test)
            if key in status or key in slow:
                continue
            t_job = time.time()
            out, err = run_cmd([im.binary] + argv, 90)
            if r == 0 and time.time() - t_job > SLOW_RUN_S:
                slow[key] = time.time() - t_job
            if err == "timeout":
                status[key] = "timed out (> 90 s)"
                continue
            if out is None or err is not None:
                status[key] = f"failed (exit {err})"
                continue
            res, uns, _, _ = parse_lines(out)
            if uns:
                status[key] = uns[0][2]
                continue
            for x in res:
                results.setdefault(key, []).append(x)
        r += 1
        runs_done = r
        dt = time.time() - t_round
        log(f"round {r} took {dt:.0f} s (elapsed {time.time() - t_start:.0f} s)")
        if r == 1 and slow:
            slow_list = ", ".join(f"{k[0]} {k[1]} ({v:.0f} s)" for k, v in sorted(slow.items()))
            note_runs = (f"Runs slower than {SLOW_RUN_S:.0f} s were made once only: {slow_list}. ")
            log(note_runs)
        if r == 1 and a.runs > 1:
            remaining = a.budget - a.build_secs - (time.time() - t_start) - 90
            dt_repeat = max(1.0, dt - sum(slow.values()))
            fit = 1 + int(max(0, remaining) // dt_repeat)
            if fit < a.runs:
                runs_target = max(1, fit)
                note_runs += (f"{a.runs} runs were requested; a round of the other rows took "
                              f"{dt_repeat:.0f} s, so {runs_target} were made to stay within the time budget.")
                log(note_runs)

    # ---- memory, micro -----------------------------------------------------------------------
    memory = {}
    for im in impls:
        if im.name == "limit-ring":
            continue
        out, _ = run_cmd([im.binary, "memory", im.name], 120)
        if out:
            memory[im.name] = parse_lines(out)[2]
    micro_other = {}
    for im in impls:
        if im.lang in ("Rust", "Go"):
            out, _ = run_cmd([im.binary, "micro", im.name], 120)
            if out:
                micro_other[im.name] = parse_lines(out)[3]
    gbench = []
    gbench_ctx = {}
    if a.micro:
        jpath = os.path.join(a.out, "micro.json")
        out, err = run_cmd([a.micro, "--benchmark_format=json", "--benchmark_repetitions=7",
                            "--benchmark_min_time=0.05",
                            f"--benchmark_out={jpath}", "--benchmark_out_format=json"], 300)
        if os.path.exists(jpath):
            try:
                j = json.load(open(jpath))
                gbench_ctx = j.get("context", {})
                reps = {}
                for b in j.get("benchmarks", []):
                    if b.get("run_type") == "aggregate":
                        continue
                    nm = b.get("run_name", b["name"])
                    if nm not in reps:
                        reps[nm] = dict(b, times=[])
                    if not b.get("error_occurred"):
                        reps[nm]["times"].append(b["real_time"])
                        reps[nm].setdefault("cpu_times", []).append(b["cpu_time"])
                for nm, b in reps.items():
                    b["run_name"] = nm
                    if b["times"]:
                        b["real_time"] = min(b["times"])
                        b["median_time"] = statistics.median(b["times"])
                        b["cpu_min"] = min(b["cpu_times"])
                    gbench.append(b)
            except Exception as e:  # noqa
                log("micro json unreadable:", e)

    # ---- profiles of the rows sluice loses (the report's "Why the misses") ------------------
    prof = None
    if have_sluice:
        def row_ns(name, test):
            rs = results.get((name, test))
            return med([x["secs"] * 1e9 / x["n"] for x in rs]) if rs else None
        losses = []
        for t in tests:
            v = row_ns("sluice", t)
            peers = [(row_ns(i.name, t), i.name) for i in impls
                     if i.name not in NOT_PEERS and row_ns(i.name, t) is not None]
            if v is not None and peers and v > min(peers)[0]:
                losses.append((v / min(peers)[0], t, min(peers)[1]))
        losses.sort(reverse=True)
        picked, seen_fl = [], set()
        for ratio, t, peer in losses:  # the worst row of each flavor
            fl = t.split("_", 1)[0]
            if fl not in seen_fl:
                seen_fl.add(fl)
                picked.append((t, peer))
        if ("limit-ring", "bounded_spsc") in results and "bounded_spsc" not in [t for t, _ in picked]:
            picked.append(("bounded_spsc", "limit-ring"))
        binaries = {i.name: i.binary for i in impls}
        rows = [t for t, _ in picked]
        who = {"sluice"} | {peer for _, peer in picked} | ({"crossbeam"} if "crossbeam" in binaries else set())
        t_prof = time.time()
        prof = perf_profile.profile({n: binaries[n] for n in who if n in binaries}, rows,
                                      lambda t: n_small if t.split("_", 1)[0] in ("bounded0", "bounded1") else n_big,
                                      THREADS)
        prof["picked"] = picked
        log(f"profiles took {time.time() - t_prof:.0f} s")

    elapsed = time.time() - t_start
    write_report(a, papers, impls, tests, results, status, skipped, memory, micro_other, gbench,
                 gbench_ctx, n_big, n_small, pp_iters, runs_done, note_runs, elapsed,
                 have_sluice, prof)


# ---- report ------------------------------------------------------------------------------------
def med(xs):
    return statistics.median(xs) if xs else None


def fmt_ns(x):
    if x is None:
        return "—"
    if x >= 1000:
        return f"{x:,.0f}"
    if x >= 100:
        return f"{x:.0f}"
    if x >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def read_toolchains(path):
    """language -> the version line of the compiler bench/report.sh used for it."""
    out = {}
    if path and os.path.exists(path):
        for line in open(path):
            if "|" in line:
                lang, ver = line.rstrip("\n").split("|", 1)
                out[lang] = ver
    return out


def machine_info(a):
    cpu = sh("lscpu | sed -n 's/^Model name:[ \\t]*//p' | head -1") or platform.processor()
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "mem": sh("free -g | awk '/Mem:/{print $2\" GiB\"}'"),
        "kernel": platform.release(),
        "os": sh(". /etc/os-release && echo $PRETTY_NAME"),
        "gxx": sh("g++ --version | head -1"),
        "clang": sh("clang++ --version | head -1") or "not installed",
        "toolchains": read_toolchains(a.toolchains),
        "commit": sh(f"git -C {a.root} rev-parse --short=12 HEAD"),
        "dirty": sh(f"git -C {a.root} status --porcelain -- core bench | head -1") != "",
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "load": sh("cat /proc/loadavg"),
        "pkgs": sh("dpkg-query -W -f='${Package} ${Version}\\n' libtbb-dev libboost-fiber-dev "
                   "libconcurrentqueue-dev libasio-dev libbenchmark-dev 2>/dev/null"),
        "crates": sh("ls /usr/share/cargo/registry | grep -E '^(crossbeam-channel|flume)-'"),
        "cxxflags": "-O3 -DNDEBUG (CMake Release), -std=c++20, g++ (the default c++)",
    }


def gnuplot_group(papers, outdir, fl, tests, impls, cell):
    """Grouped bars (one group per workload, one bar per implementation), like crossbeam's plot."""
    if not shutil.which("gnuplot"):
        return None
    rows = [t for t in tests if t.startswith(fl + "_")]
    cols = [i for i in impls if any(cell(i, t) is not None for t in rows)]
    if not rows or not cols:
        return None
    dat = os.path.join(outdir, f"plot_{fl}.dat")
    with open(dat, "w") as f:
        f.write("workload " + " ".join(cols) + "\n")
        for t in rows:
            vals = [cell(i, t) for i in cols]
            f.write(t.split("_", 1)[1] + " " +
                    " ".join("?" if v is None else f"{v:.3f}" for v in vals) + "\n")
    svg = os.path.join(papers, f"bench_{fl}.svg")
    gp = f"""
set terminal svg size 900,420 dynamic noenhanced font 'Helvetica,12' background rgb 'white'
set output '{svg}'
set title '{LABEL[fl]}: ns per message, median (lower is better, log scale)'
set datafile missing '?'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y
set grid ytics
set key outside right top vertical
set ylabel 'ns / message'
set xtics nomirror
plot for [c=2:{len(cols) + 1}] '{dat}' using c:xtic(1) title columnheader(c)
"""
    try:
        subprocess.run(["gnuplot"], input=gp, text=True, capture_output=True, timeout=60)
    except Exception:
        return None
    return os.path.basename(svg) if os.path.exists(svg) else None


SPREAD_LIMIT = 1.5   # slowest / fastest run of a row beyond which its median is not trusted


IDLE_BUSY = 0.10     # share of all CPUs busy, sampled before the first run, below which it is idle


def cpu_busy(secs):
    """Share of all CPUs' time spent not idle over `secs` seconds (/proc/stat), or None."""
    def sample():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return sum(v), v[3] + (v[4] if len(v) > 4 else 0)  # total, idle + iowait
    try:
        t0, i0 = sample()
        time.sleep(secs)
        t1, i1 = sample()
        return 1.0 - (i1 - i0) / max(1, t1 - t0)
    except (OSError, ValueError, IndexError):
        return None


def write_report(a, papers, impls, tests, results, status, skipped, memory, micro_other, gbench,
                 gbench_ctx, n_big, n_small, pp_iters, runs_done, note_runs, elapsed, have_sluice,
                 prof=None):
    m = machine_info(a)
    names = [i.name for i in impls]

    def ns(name, test):
        rs = results.get((name, test))
        if not rs:
            return None
        return med([x["secs"] * 1e9 / x["n"] for x in rs])

    def best_peer(test):
        cands = [(ns(n, test), n) for n in names if n not in NOT_PEERS and ns(n, test) is not None]
        return min(cands) if cands else (None, None)

    bad = [(k, x) for k, rs in results.items() for x in rs if not x["ok"]]
    L = []
    w = L.append
    w("# sluice benchmarks")
    w("")
    w("Generated by `bash bench/report.sh"
      + (f" --scale {a.scale:g}" if a.scale != 1 else "")
      + (f" --runs {a.runs}" if a.runs != 5 else "")
      + (f" --small-div {a.small_div}" if a.small_div != 100 else "")
      + f"` on {m['date']}. Every figure below was measured by that run; none is typed in.")
    w("")
    w("## Machine and build")
    w("")
    w(f"- CPU: {m['cpu']}, {m['cpus']} logical CPUs, {m['mem']} RAM; {m['os']}, "
      f"Linux {m['kernel']}")
    start = getattr(a, "load_start", "") or "not recorded"
    busy = getattr(a, "busy_start", None)
    idle = busy is not None and busy < IDLE_BUSY
    w(f"- Load average before the first run: `{start}`; when the report was written: `{m['load']}` "
      "(the machine is shared; that is why every comparison below is against peers measured in "
      "the same run; the load at the end includes this run's own threads). "
      + (f"In the 5 s before the first run the CPUs were {busy * 100:.0f}% busy" if busy is not None
         else "CPU use before the first run was not recorded")
      + (f": the machine was otherwise idle (below {IDLE_BUSY * 100:.0f}%) when the measurements "
         "started (the 1-minute load average still counts this script's own build)." if idle else
         f": **the machine was not idle when the measurements started** ({IDLE_BUSY * 100:.0f}% or "
         "more): every row was measured beside other work; see \"Rows this run cannot trust\"."))
    w(f"- C++: {m['gxx']}; flags {m['cxxflags']}. Also installed: {m['clang']}")
    tc = m["toolchains"]
    w("- Toolchains this run built with: " + ("; ".join(f"{k}: {v}" for k, v in tc.items())
                                                 or "not recorded"))
    w(f"- Rust: {tc.get('Rust', 'not built')}, release profile; crates (Debian packages): "
      f"{', '.join(m['crates'].split())}")
    w(f"- Go: {tc.get('Go', 'not built')} (GOMAXPROCS = number of CPUs)")
    w("- C++ peer packages: " + "; ".join(m["pkgs"].splitlines()))
    w(f"- sluice commit: `{m['commit']}`" + (" (with uncommitted changes in core/ or bench/)"
                                             if m["dirty"] else ""))
    if a.installed:
        w(f"- Packages installed by this run: `{a.installed}`")
    w("")
    w("## Method")
    w("")
    w(f"- Workloads: crossbeam-channel's benchmark suite (its benches/ folder), T = {THREADS} "
      "producers (and consumers for mpmc), 8-byte message carrying the loop index, blocking send "
      "and receive; each measurement times construction, thread spawn, the transfer, join and "
      "destruction, as crossbeam's `run` does. Receivers checksum what they get; "
      + ("**checksum failures: " + ", ".join(f"{k[0]}/{k[1]}" for k, _ in bad) + "**"
         if bad else "every run's checksum matched."))
    w(f"- **Scale {a.scale:g}:** bounded(N) and unbounded rows send N = {n_big:,} messages "
      f"(crossbeam: 5,000,000), and bounded(N) has capacity N. bounded(0) and bounded(1) rows "
      f"send N / {a.small_div} = {n_small:,} messages, because they cost microseconds per message "
      "on this machine (futex wake-ups on a VM); ns/msg is comparable across scales, totals are "
      "not.")
    w(f"- {runs_done} runs per (implementation, workload), each run its own process, rounds "
      "interleaved across implementations; the tables show the **median** ns per message. "
      + note_runs)
    w(f"- Ping-pong: {pp_iters:,} round trips over two channels, the echo thread returns v + 1; "
      "ns per round trip.")
    w("- \"Fastest peer\" excludes sluice and the limit ring. The limit ring is a lock-free SPSC "
      "ring with cached indices that spins (pause, yield every 128 spins) instead of blocking: "
      "what the hardware allows, not a channel.")
    w("- C++ peers are wrapped in a `std::shared_ptr` so that every thread holds a handle, like "
      "sluice's copyable sender/receiver. T = 4 oversubscribes the 2 vCPUs (mpmc runs 8 threads).")
    w("- The two M:N rows run the same workloads as coroutines on a pool with one thread per CPU "
      "(T producer and consumer coroutines, not threads): **sluice-async** uses `async_send`/"
      "`async_recv` on a small pool (bench/harness/async_peer.hpp); **asio** uses standalone "
      "Asio's `experimental::concurrent_channel` with `asio::awaitable` coroutines on one "
      "`io_context` run by that many threads (bench/harness/asio_peer.hpp). Go's row is the same "
      "shape (goroutines on GOMAXPROCS threads).")
    w("")

    # ---- skipped / not expressible --------------------------------------------------------
    w("## Peers built, skipped, and what they cannot express")
    w("")
    w("Built and run: " + ", ".join(f"{i.name} ({i.lang})" for i in impls) + ".")
    w("")
    if skipped:
        w("Skipped:")
        w("")
        for who, why in skipped:
            w(f"- **{who}**: {why}")
        w("")
    by_reason = {}
    for (n, t), why in status.items():
        by_reason.setdefault((n, why), []).append(t)
    if by_reason:
        w("Not run (the peer cannot express the workload, or the run failed):")
        w("")
        for (n, why), ts in sorted(by_reason.items(), key=lambda kv: (
                ORDER.index(kv[0][0]) if kv[0][0] in ORDER else 99, kv[0][1])):
            w(f"- {n}: {why} — {', '.join(ts)}")
        w("")

    # ---- main table ----------------------------------------------------------------------------
    w("## Throughput: median ns per message (ratio to the fastest peer)")
    w("")
    cols = [n for n in names]
    w("| workload | " + " | ".join(cols) + " | fastest peer |")
    w("|---|" + "---:|" * len(cols) + "---|")
    for t in tests:
        bp, bn = best_peer(t)
        cells = []
        for n in cols:
            v = ns(n, t)
            if v is None:
                st = status.get((n, t), "")
                cells.append("pending" if st.startswith("pending") else "—")
            else:
                c = fmt_ns(v)
                if bp:
                    c += f" ({v / bp:.2f}×)"
                if n == bn:
                    c = f"**{c}**"
                cells.append(c)
        w(f"| {t} | " + " | ".join(cells) + f" | {bn or '—'} |")
    w("")
    w("— = not expressible by that peer, or not run (see above). Ratios < 1 are faster than the "
      "fastest peer.")
    w("")
    w("### Rows this run cannot trust")
    w("")
    w(f"A row is listed when sluice's runs, or its fastest peer's, spread by more than {SPREAD_LIMIT:g}x "
      "(slowest / fastest run): its median, and so its ratio, can move that much on a rerun.")
    w("")
    shaky = []
    for t in tests:
        _, bn = best_peer(t)
        bad_spread = []
        for n in ["sluice", "sluice-async", bn]:
            rs = results.get((n, t)) if n else None
            if not rs or len(rs) < 2:
                continue
            xs = [x["secs"] / x["n"] for x in rs]
            if max(xs) / min(xs) > SPREAD_LIMIT:
                bad_spread.append(f"{n} {max(xs) / min(xs):.1f}x")
        if bad_spread:
            shaky.append(f"- {t}: " + ", ".join(bad_spread))
    if not idle:
        w("Every row (the machine was not idle when the measurements started); these spread most:")
        w("")
    for line in shaky or ["- none"]:
        w(line)
    w("")
    plots = []
    for fl in FLAVORS:
        p = gnuplot_group(papers, a.out, fl, tests, names, ns)
        if p:
            plots.append(p)
    if plots:
        w("### Plots")
        w("")
        for p in plots:
            w(f"![{p}]({p})")
            w("")
    else:
        w("(No plots: gnuplot is not installed.)")
        w("")

    # ---- ping-pong and parker ----------------------------------------------------------------
    w("## Latency: ping-pong round trip (median ns)")
    w("")
    w("| channel | " + " | ".join(names) + " |")
    w("|---|" + "---:|" * len(names))
    for fl in ("bounded0", "bounded1"):
        t = f"pingpong_{fl}"
        row = []
        for n in names:
            v = ns(n, t)
            row.append(fmt_ns(v) if v is not None else "—")
        w(f"| {LABEL[fl]} | " + " | ".join(row) + " |")
    w("")
    fp, aw = ns("parker", "parker_futex_parker"), ns("parker", "parker_atomic_wait")
    w("### The std platform's parker (issue 2: futex or `std::atomic::wait`?)")
    w("")
    if fp is not None and aw is not None:
        faster = "futex_parker" if fp < aw else "atomic::wait"
        w(f"Ping-pong of {pp_iters:,} round trips between two threads, median of {runs_done}: "
          f"`sluice::detail::futex_parker` (an adaptive pause spin, sched_yield rounds, then FUTEX_WAIT; FUTEX_WAKE only "
          f"when the owner sleeps) **{fmt_ns(fp)} ns** per round trip; C++20 "
          f"`std::atomic<uint32_t>::wait/notify_one` (libstdc++ 12) **{fmt_ns(aw)} ns**. "
          f"{faster} is faster by {max(fp, aw) / min(fp, aw):.1f}×.")
    else:
        w("Not measured (the harness did not build).")
    w("")

    # ---- memory --------------------------------------------------------------------------------
    w("## Memory")
    w("")
    w("Bytes requested from the allocator (C++: a counting `operator new`/`delete` in the harness; "
      "Rust: a counting `GlobalAlloc`; Go: `runtime.MemStats.TotalAlloc`), single thread. C++ "
      "peers' figures include the adapter's `shared_ptr` control block. Per-message: 1,000,000 "
      "8-byte messages queued in an unbounded channel; after drain: bytes still live once they "
      "are received (channel still open).")
    w("")
    keys = [("empty_bounded0_bytes", "empty bounded(0) B"), ("empty_bounded1_bytes",
                                                             "empty bounded(1) B"),
            ("empty_bounded1024_bytes", "empty bounded(1024) B"),
            ("empty_unbounded_bytes", "empty unbounded B"),
            ("unbounded_bytes_per_msg", "unbounded B/msg"),
            ("unbounded_allocs_per_msg", "allocs/msg"),
            ("unbounded_after_drain_bytes", "after drain B")]
    w("| implementation | " + " | ".join(k[1] for k in keys) + " | peak RSS mpmc bounded(N) / "
      "unbounded / bounded(0), MiB |")
    w("|---|" + "---:|" * (len(keys) + 1))
    for n in names:
        if n == "limit-ring":
            continue
        mm = dict(memory.get(n, {}))
        # The operator new hook does not see peers that allocate with malloc directly
        # (moodycamel) or through their own allocator (TBB's scalable allocator): fall back to
        # malloc's accounting, marked, or say that neither saw the allocations.
        if mm.get("unbounded_allocs_per_msg") is not None and \
                float(mm["unbounded_allocs_per_msg"]) == 0 and \
                float(mm.get("unbounded_bytes_per_msg", 0)) == 0:
            mb = float(mm.get("malloc_bytes_per_msg", 0))
            if mb > 0.5:
                mm["unbounded_bytes_per_msg"] = f"{mb:.3f}‡"
                mm["unbounded_allocs_per_msg"] = "?"
                mm["unbounded_after_drain_bytes"] = f"{mm.get('malloc_after_drain_bytes')}‡"
            else:
                mm["unbounded_bytes_per_msg"] = "not seen†"
                mm["unbounded_allocs_per_msg"] = "not seen†"
                mm["unbounded_after_drain_bytes"] = "not seen†"
        cells = []
        for k, _ in keys:
            v = mm.get(k)
            if v is None:
                cells.append("—")
            else:
                base = k.replace("_bytes", "_allocs")
                allocs = mm.get(base) if k.startswith("empty") else None
                cells.append(f"{v}" + (f" ({allocs} alloc)" if allocs not in (None, "") else ""))
        rss = []
        for t in ("bounded_mpmc", "unbounded_mpmc", "bounded0_mpmc"):
            rs = results.get((n, t))
            rss.append(f"{med([x['rss_kb'] for x in rs]) / 1024:.1f}" if rs else "—")
        w(f"| {n} | " + " | ".join(cells) + " | " + " / ".join(rss) + " |")
    w("")
    w("‡ = from glibc's `mallinfo2()` (in-use bytes) because the peer allocates with `malloc` "
      "directly; † = the peer's allocations are invisible to both the hook and glibc's "
      "accounting (TBB allocates through its own scalable allocator).")
    w("")
    w("Peak RSS is the whole process's high-water mark (VmHWM) for that run, runtime included "
      "(Go's and Rust's baselines differ from C++'s), so compare it within a language first.")
    w("")

    # ---- micro -----------------------------------------------------------------------------
    w("## Micro-benchmarks (single thread, uncontended)")
    w("")
    if gbench:
        w(f"Google Benchmark (`bench/micro`, 7 repetitions: the minimum, which is the least "
          f"disturbed by the other work on this shared machine, and the median; library built "
          f"{gbench_ctx.get('library_build_type', '?')}, "
          f"{gbench_ctx.get('num_cpus', '?')} CPUs at {gbench_ctx.get('mhz_per_cpu', '?')} MHz):")
        w("")
        w("CPU time is reported too: when the machine is loaded, wall time includes the time "
          "this thread waited for a CPU, CPU time does not. The targets below use the minimum "
          "CPU time.")
        w("")
        w("| benchmark | min CPU ns/op | min wall ns/op | median wall ns/op |")
        w("|---|---:|---:|---:|")
        for b in gbench:
            nm = b["run_name"]
            if not b.get("times"):
                w(f"| {nm} | {b.get('error_message', 'error')} | | |")
            else:
                w(f"| {nm} | {b['cpu_min']:.1f} | {b['real_time']:.1f} | {b['median_time']:.1f} |")
        w("")
    else:
        w("Google Benchmark micro-benchmarks were not built or did not run.")
        w("")
    if micro_other:
        w("The Rust and Go peers, same operations (best of 5 rounds, ns/op):")
        w("")
        ks = sorted({k for v in micro_other.values() for k in v})
        w("| operation | " + " | ".join(micro_other) + " |")
        w("|---|" + "---:|" * len(micro_other))
        for k in ks:
            w(f"| {k} | " + " | ".join(
                f"{micro_other[p][k]:.1f}" if k in micro_other[p] else "—" for p in micro_other)
              + " |")
        w("")

    # ---- targets and reading ----------------------------------------------------------------
    w("## Targets (issues 5 and 16)")
    w("")
    gb = {b["run_name"]: b for b in gbench if b.get("times")}
    targets = []
    if not have_sluice:
        w("**Pending:** `<sluice/sluice.hpp>` was not present when this report was built, so no "
          "target can be evaluated yet; the peers' figures above are the baseline it will be "
          "measured against.")
        w("")
    else:
        def best_sluice(t):
            """sluice's best channel for the row: the MPMC one, or the dedicated spsc/mpsc one."""
            c = [(ns(n, t), n) for n in ("sluice", "sluice-spsc") if ns(n, t) is not None]
            return min(c) if c else (None, None)

        rows_all, lost = 0, []
        for t in tests:
            (v, _), (bp, bn) = best_sluice(t), best_peer(t)
            if v is None or bp is None:
                continue
            rows_all += 1
            if v > bp:
                lost.append((t, v / bp, bn))
        targets.append(("sluice (its best channel for the row: MPMC, or sluice-spsc's dedicated "
                        "spsc/mpsc channels) at least as fast as the fastest peer on every workload",
                        not lost and rows_all > 0,
                        f"fastest on {rows_all - len(lost)} of {rows_all} rows" +
                        ("" if not lost else "; slower on: " + ", ".join(
                            f"{t} ({r:.2f}× {bn})" for t, r, bn in lost))))
        pairs = [(ns("sluice", t), ns("crossbeam", t)) for t in tests]
        pairs = [(s, c) for s, c in pairs if s is not None and c is not None]
        if pairs:
            g = math.exp(sum(math.log(c / s) for s, c in pairs) / len(pairs))
            targets.append(("≥ 1.3× faster than crossbeam-channel, geometric mean over all rows",
                            g >= 1.3, f"{g:.2f}× over {len(pairs)} rows"
                            + ("" if g >= 1.3 else f" (missed by {1.3 / g:.2f}×)")))
        (s, sname), lim = best_sluice("bounded_spsc"), ns("limit-ring", "bounded_spsc")
        if s is not None and lim is not None:
            targets.append(("bounded(N) spsc within 2× of the lock-free limit ring", s <= 2 * lim,
                            f"{sname} {fmt_ns(s)} vs {fmt_ns(lim)} ns/msg = {s / lim:.2f}×"
                            + ("" if sname == "sluice" or ns("sluice", "bounded_spsc") is None else
                               f" (the MPMC channel: {ns('sluice', 'bounded_spsc') / lim:.2f}×)")))
        for bname, lim_ns, label in (
                ("sluice_oneshot_bounded1", 60, "create+send+recv+destroy bounded(1) < 60 ns"),
                ("sluice_create_destroy_unbounded", 30, "create+destroy unbounded < 30 ns"),
                ("sluice_create_destroy_bounded0", 30, "create+destroy rendezvous < 30 ns")):
            b = gb.get(bname)
            if b:
                c = b["cpu_min"]
                targets.append((label, c < lim_ns,
                                f"{c:.1f} ns CPU (min of 7; wall min {b['real_time']:.1f}, "
                                f"median {b['median_time']:.1f})"
                                + ("" if c < lim_ns else f", missed by {c / lim_ns:.1f}×")))
        sm, cm = memory.get("sluice", {}), memory.get("crossbeam", {})
        if sm.get("unbounded_bytes_per_msg"):
            v = float(sm["unbounded_bytes_per_msg"])
            targets.append(("unbounded holds ≤ 9 B per buffered 8-byte message", v <= 9,
                            f"{v:.2f} B/msg (crossbeam {cm.get('unbounded_bytes_per_msg', '?')}, "
                            f"flume {memory.get('flume', {}).get('unbounded_bytes_per_msg', '?')})"))
        if sm.get("unbounded_after_drain_bytes") and sm.get("unbounded_bytes_per_msg"):
            after = int(sm["unbounded_after_drain_bytes"])
            full = float(sm["unbounded_bytes_per_msg"]) * 1_000_000
            targets.append(("gives its blocks back as it drains (after-drain bytes ≤ 1% of the "
                            "full queue's)", after <= 0.01 * full,
                            f"{after:,} B live after draining 1,000,000 messages "
                            f"(full: {full:,.0f} B)"))
        for k, label in (("empty_bounded0_bytes", "rendezvous"),
                         ("empty_unbounded_bytes", "unbounded")):
            if sm.get(k) and cm.get(k):
                targets.append((f"empty {label} channel no bigger than crossbeam's",
                                int(sm[k]) <= int(cm[k]), f"{sm[k]} B vs crossbeam {cm[k]} B"))
        # Issue 16: blocking hand-off ahead of the thread-based peers; the coroutine form vs Go.
        threaded = ("mutex-deque", "flume", "tbb", "boost-fiber", "crossbeam")
        for t in ("bounded1_spsc", "bounded1_mpsc", "bounded1_mpmc"):
            v = ns("sluice", t)
            cands = [(ns(n, t), n) for n in threaded if ns(n, t) is not None]
            if v is not None and cands:
                bp, bn = min(cands)
                targets.append((f"{t}: at most 0.67× the fastest thread-based peer", v <= 0.67 * bp,
                                f"{v / bp:.2f}× {bn} ({fmt_ns(v)} vs {fmt_ns(bp)} ns/msg)"))
        for t in tests:
            v, g = ns("sluice-async", t), ns("go", t)
            if v is None or g is None or not t.startswith("bounded"):
                continue
            limit = 1.5 if t.startswith(("bounded0", "bounded1")) else 1.0
            targets.append((f"sluice-async {t}: within {limit:g}× of Go", v <= limit * g,
                            f"{v / g:.2f}× Go ({fmt_ns(v)} vs {fmt_ns(g)} ns/msg)"))
        w("| target | met? | measured |")
        w("|---|---|---|")
        for label, ok, detail in targets:
            w(f"| {label} | {'met' if ok else '**missed**'} | {detail} |")
        w("")

    if prof is not None:
        for line in why_the_misses(prof):
            w(line)
    w("## Reading")
    w("")
    for line in reading(names, tests, ns, best_peer, have_sluice, status):
        w(f"- {line}")
    w("")
    w("## Raw runs")
    w("")
    w("<details><summary>ns per message of every run (per implementation and workload)"
      "</summary>")
    w("")
    w("| implementation | workload | runs (ns/msg) | peak RSS (KiB, median) |")
    w("|---|---|---|---:|")
    for (n, t), rs in sorted(results.items()):
        w(f"| {n} | {t} | " + ", ".join(fmt_ns(x['secs'] * 1e9 / x['n']) for x in rs)
          + f" | {med([x['rss_kb'] for x in rs]):.0f} |")
    w("")
    w("</details>")
    w("")
    w(f"Run time: {elapsed:.0f} s for the measurements plus {a.build_secs} s for installing "
      "and building.")
    path = os.path.join(papers, "benchmarks.md")
    with open(path, "w") as f:
        f.write("\n".join(L) + "\n")
    log(f"wrote {path}")


SPIN_SYMBOLS = ("park_impl", "snooze", "spin", "backoff", "pause", "sched_yield", "clock_gettime")


def why_the_misses(prof):
    """The report's profile section, written from bench/profile.py's measurements."""
    L = []
    w = L.append
    w("## Why the misses: profiles")
    w("")
    if "skipped" in prof:
        w(f"Not profiled: {prof['skipped']}.")
        w("")
        return L
    if not prof.get("picked"):
        w("sluice was not behind any peer in this run: nothing to profile.")
        w("")
        return L
    w(f"For the worst row of each channel flavor where sluice is behind (and bounded(N) spsc against "
      f"the limit ring), `perf stat` of sluice, the row's fastest peer and crossbeam (median of "
      f"{prof['runs']} runs by wall time), then `perf record` of sluice (user and kernel samples). "
      "CPUs busy = CPU time / wall time: below 1 the threads mostly wait; CPU ns per message above "
      "the wall figure means several threads burn CPU at once (spinning).")
    w("")
    w("| row | implementation | wall ns/msg | CPU ns/msg | context switches per 1,000 msgs | CPUs busy |")
    w("|---|---|---:|---:|---:|---:|")
    st = prof["stats"]
    for t, peer in prof["picked"]:
        for name in ["sluice", peer, "crossbeam"]:
            r = st.get((name, t))
            if not r:
                continue
            n = r["n"]
            w(f"| {t} | {name} | {fmt_ns(r['wall_s'] * 1e9 / n)} | {fmt_ns(r['cpu_ms'] * 1e6 / n)} | "
              f"{r['cs'] * 1000 / n:,.1f} | {r['cpu_ms'] / 1000 / r['wall_s']:.2f} |")
            if name == peer == "crossbeam":
                break
    w("")
    for t, peer in prof["picked"]:
        s, p = st.get(("sluice", t)), st.get((peer, t))
        hot = prof["hot"].get(t) or []
        spin = sum(pc for pc, sym in hot if any(k in sym for k in SPIN_SYMBOLS))
        kern = sum(pc for pc, sym in hot if sym.startswith("kernel:"))
        parts = [f"**{t}** (vs {peer})"]
        if s and p:
            sn, pn = s["n"], p["n"]
            gap = (s["wall_s"] / sn) / (p["wall_s"] / pn)
            s_cs, p_cs = s["cs"] / sn, p["cs"] / pn
            s_cpu, p_cpu = s["cpu_ms"] * 1e6 / sn, p["cpu_ms"] * 1e6 / pn
            parts.append(f"sluice takes {gap:.2f}× the peer's time per message in this profile run")
            if s_cs > 2 * p_cs and s_cs * 1000 >= 10:
                parts.append(f"its threads sleep and wake {s_cs * 1000:,.0f} times per 1,000 messages "
                             f"against the peer's {p_cs * 1000:,.0f}: the gap is kernel wake-ups "
                             "(futex), not work")
            if s_cpu > 1.5 * p_cpu and spin >= 20:
                parts.append(f"it burns {s_cpu / max(p_cpu, 1e-9):.1f}× the peer's CPU per message "
                             f"({fmt_ns(s_cpu)} vs {fmt_ns(p_cpu)} ns), {spin:.0f}% of the listed samples "
                             "in backoff, yields and parking: waiting by polling, on a machine where "
                             "the poller holds a CPU its partner needs")
            elif s_cpu > 1.2 * p_cpu:
                parts.append(f"it spends {s_cpu / max(p_cpu, 1e-9):.1f}× the peer's CPU per message "
                             f"({fmt_ns(s_cpu)} vs {fmt_ns(p_cpu)} ns) in its own code, not in waiting "
                             "(the hottest symbols are the channel's send and receive paths)")
            elif s_cpu < p_cpu and gap > 1:
                parts.append(f"it uses less CPU per message than the peer ({fmt_ns(s_cpu)} vs "
                             f"{fmt_ns(p_cpu)} ns): the time is spent waiting, not computing")
        if hot:
            parts.append("hottest symbols: " + ", ".join(f"{sym} {pc:.0f}%" for pc, sym in hot)
                         + (f" (spinning/parking {spin:.0f}%, kernel {kern:.0f}% of the samples "
                            "listed)" if spin or kern else ""))
        w("- " + "; ".join(parts) + ".")
    w("")
    w("What limits these rows, and what would close the gaps:")
    w("")
    w("- **bounded(0) and bounded(1) against Go.** A Go channel hands a message to a parked goroutine "
      "and its P switches to the next runnable goroutine in user space; no OS thread sleeps. sluice's "
      "blocking API parks OS threads, and with 4-8 threads on 2 vCPUs most of them are asleep at any "
      "time, so most hand-offs pay a futex wake-up (and, on this VM, the wake of an idle vCPU). "
      "The receiver already completes a blocked sender's send itself (array.hpp [A9]), so a wake-up "
      "is off the critical path where the other side has work queued; what remains is the "
      "sleep/wake of a partner that has nothing queued. Closing it for threads would take a "
      "user-space scheduler: that is sluice's coroutine API (async_send/async_recv resume the partner "
      "inline, with no system call), not its thread API.")
    w("- **Polling before parking.** Where sluice's CPU per message exceeds the peer's, it is the "
      "backoff and the parker's spin and sched_yield rounds (backoff.hpp, std_parker.hpp). A "
      "sched_yield is a system call of about a microsecond on this VM, so the parker first spins "
      "on its word for an adaptive number of pauses (doubled after a spin that caught the token, "
      "halved after one that did not, between 64 and 1,024): a fixed 20 µs spin was measured "
      "slowing the rendezvous rows many times over on a loaded machine, because the spinner holds "
      "the CPU its partner needs. `bash bench/parker_ab.sh` compares the parker with and without "
      "the spin in one run.")
    w("- **bounded(N) spsc against the limit ring.** The limit ring has one producer and one consumer "
      "and cached indices; an MPMC ring pays a CAS per claim and a stamp per slot. The dedicated "
      "SPSC channel (`sluice::spsc_bounded`, row sluice-spsc where measured) removes both.")
    w("")
    return L


def reading(names, tests, ns, best_peer, have_sluice, status):
    out = []
    # Which peer wins where.
    wins = {}
    for t in tests:
        _, bn = best_peer(t)
        if bn:
            wins.setdefault(bn, []).append(t)
    if wins:
        out.append("Fastest peer per row: " + "; ".join(
            f"{n} on {len(ts)} ({', '.join(ts)})" for n, ts in sorted(wins.items(),
                                                                      key=lambda kv: -len(kv[1]))))
    # Rendezvous / cap-1: user-space hand-off vs futex.
    for t in ("bounded0_spsc", "bounded1_spsc"):
        g, c = ns("go", t), ns("crossbeam", t)
        if g and c:
            out.append(f"{t}: Go {fmt_ns(g)} ns/msg vs crossbeam {fmt_ns(c)} ({c / g:.1f}×): Go's "
                       "goroutine hand-off stays in user space, while a thread that sleeps pays a "
                       "futex wake-up, which costs tens of µs on this VM.")
    fl = [(ns("flume", t), ns("crossbeam", t)) for t in tests]
    fl = [f / c for f, c in fl if f and c]
    if fl:
        g = math.exp(sum(math.log(x) for x in fl) / len(fl))
        out.append(f"flume's time / crossbeam's time, geometric mean over {len(fl)} rows: "
                   f"{g:.2f}.")
    lim, cb = ns("limit-ring", "bounded_spsc"), ns("crossbeam", "bounded_spsc")
    if lim and cb:
        out.append(f"bounded(N) spsc: the limit ring moves a message in {fmt_ns(lim)} ns, "
                   f"crossbeam in {fmt_ns(cb)} ns ({cb / lim:.1f}×): the price of MPMC-safe slots, "
                   "per-slot stamps and waker checks, and of timing spawn and 5M-slot "
                   "allocation.")
    if have_sluice:
        rows = [(t, ns("sluice", t), best_peer(t)) for t in tests]
        rows = [(t, s, bp, bn) for t, s, (bp, bn) in rows if s and bp]
        if rows:
            best = min(rows, key=lambda r: r[1] / r[2])
            worst = max(rows, key=lambda r: r[1] / r[2])
            out.append(f"sluice's best row relative to the fastest peer is {best[0]} "
                       f"({best[1] / best[2]:.2f}× {best[3]}), its worst {worst[0]} "
                       f"({worst[1] / worst[2]:.2f}× {worst[3]}).")
        pend = sorted({t for (n, t), why in status.items() if n == "sluice"
                       and why.startswith("pending")})
        if pend:
            out.append("sluice rows still pending (select is another issue): "
                       + ", ".join(pend) + ".")
    else:
        out.append("sluice rows are pending: the core had not landed when this report was "
                   "built.")
    out.append("Noise: single runs on this shared 2-vCPU VM vary by up to 2× on the blocking "
               "rows (see Raw runs); read ratios between implementations of the same run, not "
               "absolute numbers.")
    return out


if __name__ == "__main__":
    main()
