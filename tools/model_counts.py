#!/usr/bin/env python3
"""Executions per model-tier scenario, for a before/after comparison of a change to core/.

  python3 tools/model_counts.py BUILD_DIR [--binary PATH] > counts.tsv
  python3 tools/model_counts.py --compare before.tsv after.tsv

The first form runs every ctest entry labelled `model` (not `deep`, not a mutant) of BUILD_DIR
with its own arguments, but with PATH as the model binary when given (e.g. a copy of the binary
built from the previous commit), and prints `entry<TAB>scenario<TAB>executions<TAB>exhausted`.
The second form prints the scenarios whose exhaustive search explored more executions after
than before (growth), the totals, and exits 1 if any exhaustive count grew.
"""
import re
import shlex
import subprocess
import sys

LINE = re.compile(r"^\s+(\S+)\s+(\d+) execs (exhausted|sampled|stopped|\S+)")


def entries(build):
    out = subprocess.run(["ctest", "--test-dir", build, "-N", "-V", "-L", "model", "-LE", "deep"],
                         capture_output=True, text=True, check=True).stdout
    name = None
    for line in out.splitlines():
        m = re.search(r"Test command: (.*)$", line)
        if m:
            cmd = shlex.split(m.group(1))
            continue
        m = re.search(r"Test\s+#\d+: (\S+)", line)
        if m:
            name = m.group(1)
            if "sluice_model_tests" in cmd[0] and not name.startswith("mutant."):
                yield name, cmd


def run(build, binary):
    for name, cmd in entries(build):
        if binary:
            cmd = [binary] + cmd[1:]
        out = subprocess.run(cmd, capture_output=True, text=True).stdout
        for line in out.splitlines():
            m = LINE.match(line)
            if m:
                print(f"{name}\t{m.group(1)}\t{m.group(2)}\t{m.group(3)}", flush=True)


def load(path):
    rows = {}
    for line in open(path):
        entry, scen, n, how = line.rstrip("\n").split("\t")
        rows[(entry, scen)] = (int(n), how)
    return rows


def compare(before, after):
    b, a = load(before), load(after)
    grew, tb, ta, fewer = [], 0, 0, 0
    for key, (n, how) in sorted(b.items()):
        if key not in a:
            print(f"missing after: {key[0]} {key[1]}")
            continue
        m, how2 = a[key]
        if how == "exhausted" and how2 == "exhausted":
            tb, ta = tb + n, ta + m
            if m > n:
                grew.append((key, n, m))
            elif m < n:
                fewer += 1
        elif how == "exhausted":
            grew.append((key, n, f"{m} {how2}"))
    for key, n, m in grew:
        print(f"GREW {key[0]} {key[1]}: {n} -> {m}")
    print(f"exhaustive scenarios: {len(b)} rows; {fewer} fewer, {len(grew)} grew; "
          f"executions {tb} -> {ta}")
    return 1 if grew else 0


if __name__ == "__main__":
    if sys.argv[1] == "--compare":
        sys.exit(compare(sys.argv[2], sys.argv[3]))
    binary = sys.argv[3] if len(sys.argv) > 3 and sys.argv[2] == "--binary" else None
    run(sys.argv[1], binary)
