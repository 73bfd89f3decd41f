#!/usr/bin/env python3
"""tools/verification/deep_table.py — the deep tier's run as Markdown (relacy_tests/README.md, "Deep tier").

    python3 tools/verification/deep_table.py BUILD/Testing/Temporary/LastTest.log

Reads the log ctest writes for a run of `cmake --workflow --preset deep` and prints one row per
test of the deep tier (name containing `.deep.`): its seconds and verdict; for model entries, the
executions it ran and, per scenario that an exhaustive search did not finish (stopped by its time
budget), the scenario, its executions and its seconds (random and PCT entries are samples by design:
nothing is listed for them). Then the totals. Nothing is typed in.
"""
import re
import sys


def parse(path):
    tests = []
    cur = None
    for line in open(path, encoding="utf-8", errors="replace"):
        m = re.match(r"^\d+/\d+ Test: (\S+)", line)
        if m:
            cur = {"name": m.group(1), "lines": [], "time": None, "verdict": None}
            tests.append(cur)
            continue
        if cur is None:
            continue
        m = re.match(r"^Test time = +([\d.]+) sec", line)
        if m:
            cur["time"] = float(m.group(1))
            continue
        m = re.match(r"^Test (Passed|Failed)", line)
        if m:
            cur["verdict"] = m.group(1).lower()
            continue
        if line.startswith("Test time") or "Test Failed" in line:
            continue
        cur["lines"].append(line.rstrip("\n"))
    return tests


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    tests = [t for t in parse(sys.argv[1]) if ".deep." in t["name"]]
    print("| ctest entry | seconds | verdict | executions | stopped by the budget (not exhausted) |")
    print("|---|---:|---|---:|---|")
    total = 0.0
    for t in tests:
        total += t["time"] or 0
        execs = ""
        partial = []
        sampled = any(l.startswith("Command:") and ('"random"' in l or '"pct"' in l) for l in t["lines"])
        for line in t["lines"]:
            m = re.match(r"^model: \d+ scenarios, \d+ failed, (\d+) executions", line)
            if m:
                execs = f"{int(m.group(1)):,}"
            m = re.match(r"^\s+(\S+)\s+(\d+) execs bounded\s+([\d.]+) s", line)
            if m and not sampled:
                partial.append(f"`{m.group(1)}` {int(m.group(2)):,} in {float(m.group(3)):.0f} s")
        verdict = t["verdict"] or "timeout"
        print(f"| `{t['name']}` | {t['time'] or 0:.0f} | {verdict} | {execs} | {'; '.join(partial)} |")
    print()
    passed = sum(1 for t in tests if t["verdict"] == "passed")
    print(f"{len(tests)} deep entries, {passed} passed, {total:.0f} s of test time in all.")


if __name__ == "__main__":
    main()
