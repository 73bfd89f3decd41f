"""bench/perf_profile.py — the profiles behind the report's "Why the misses" section (used by report.py).

For the rows where sluice is behind its fastest peer, this measures, in the same run:
  - `perf stat`: CPU time (task-clock) and context switches per message, for sluice and the
    peers that ran the row, so the report can say whether a gap is spent computing or waiting;
  - `perf record`: sluice's hottest symbols (user and kernel) on the worst rows.
Nothing here is typed in: the section is written from these measurements. Without `perf`
(linux-perf), the section says it was skipped.
"""
import os
import re
import shutil
import subprocess
import tempfile

STAT_EVENTS = "task-clock,context-switches,cpu-migrations"


def _run(argv, timeout):
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
        return p.stdout, p.stderr, p.returncode
    except subprocess.TimeoutExpired:
        return None, None, "timeout"


def perf_stat(binary, peer, test, n, threads, timeout=90):
    """Returns {'wall_s', 'cpu_ms', 'cs', 'migrations'} for one run, or None."""
    out, err, rc = _run(["perf", "stat", "-x,", "-e", STAT_EVENTS, "--", binary, "run", peer, test,
                         str(n), str(threads)], timeout)
    if out is None or rc != 0:
        return None
    m = re.search(r"^RESULT \S+ \S+ ([0-9.]+) (\d+) ok", out, re.M)
    if not m:
        return None
    r = {"wall_s": float(m.group(1)), "n": int(m.group(2))}
    for line in err.splitlines():
        f = line.split(",")
        if len(f) < 3:
            continue
        try:
            v = float(f[0])
        except ValueError:
            continue
        if f[2] == "task-clock":
            r["cpu_ms"] = v
        elif f[2] == "context-switches":
            r["cs"] = v
        elif f[2] == "cpu-migrations":
            r["migrations"] = v
    return r if "cpu_ms" in r and "cs" in r else None


def perf_record(binary, peer, test, n, threads, top=6, timeout=90):
    """sluice's hottest symbols on one run: [(percent, symbol)]."""
    tmp = tempfile.mkdtemp(prefix="sluice-perf-")
    data = os.path.join(tmp, "perf.data")
    try:
        _, _, rc = _run(["perf", "record", "-q", "-F", "999", "-o", data, "--", binary, "run", peer,
                         test, str(n), str(threads)], timeout)
        if rc != 0 or not os.path.exists(data):
            return []
        out, _, rc = _run(["perf", "report", "-i", data, "--stdio", "--sort", "symbol", "-q",
                           "--percent-limit", "2"], 60)
        rows = []
        for line in (out or "").splitlines():
            m = re.match(r"\s*([0-9.]+)%\s+\[(.)\]\s+(.*?)\s*(?:-\s+-\s*)?$", line)
            if m:
                rows.append((float(m.group(1)), ("kernel: " if m.group(2) == "k" else "") + shorten(m.group(3))))
        return rows[:top]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def shorten(sym):
    """sluice::detail::blocking_recv<sluice::std_platform, ...> -> blocking_recv<...>."""
    sym = sym.strip()
    depth, out = 0, []
    for ch in sym:
        if ch == "<":
            if depth == 0:
                out.append("<…>")
            depth += 1
        elif ch == ">":
            depth -= 1
        elif depth == 0:
            out.append(ch)
    s = "".join(out)
    for prefix in ("sluice::detail::", "sluice::", "std::"):
        s = s.replace(prefix, "")
    return s[:90]


def profile(impls, rows, n_of, threads, runs=3):
    """impls: name -> binary; rows: workloads to profile. Median of `runs` perf-stat runs per cell."""
    if not shutil.which("perf"):
        return {"skipped": "perf (linux-perf) is not installed"}
    probe = _run(["perf", "stat", "-e", "task-clock", "--", "true"], 30)
    if probe[2] != 0:
        return {"skipped": "perf stat does not work here: " + (probe[1] or "").strip()[:200]}
    stats = {}
    for test in rows:
        for name, binary in impls.items():
            got = []
            for _ in range(runs):
                r = perf_stat(binary, name, test, n_of(test), threads)
                if r:
                    got.append(r)
            if got:
                got.sort(key=lambda r: r["wall_s"])
                stats[(name, test)] = got[len(got) // 2]
    hot = {}
    if "sluice" in impls:
        for test in rows:
            hot[test] = perf_record(impls["sluice"], "sluice", test, n_of(test), threads)
    return {"stats": stats, "hot": hot, "runs": runs}
