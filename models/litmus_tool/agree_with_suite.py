#!/usr/bin/env python3
# models/litmus_tool/agree_with_suite.py — ctest models.litmus_agrees_with_suite: every row of the
# hand-written C++ suite (models/tests/litmus_test.cpp) has a corpus file (header "Suite: ROW
# names..."), and sluice-litmus reaches exactly the outcome set the suite reached for that row
# (as tuples in the row's order), and reports a data race exactly where the suite does.
import argparse
import glob
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus_lib  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--tool", required=True)
ap.add_argument("--suite", required=True)
ap.add_argument("corpus")
a = ap.parse_args()

out = subprocess.run([a.suite], capture_output=True, text=True).stdout
suite = {}
for line in out.splitlines():
    m = re.match(r"(\S+)\s+(ok|FAIL)\s+executions=.*?reached=\{(.*?)\}", line)
    if m:
        suite[m.group(1)] = ("outcomes", {tuple(int(v) for v in t.split(",")) for t in re.findall(r"\(([^)]*)\)", m.group(3))})
        continue
    m = re.match(r"(\S+)\s+(ok|FAIL)\s+executions=.*(data race reported|no data race)", line)
    if m:
        suite[m.group(1)] = ("race", m.group(3) == "data race reported")
if not suite:
    sys.exit("could not read the suite's output:\n" + out)

rows = {}
for f in sorted(glob.glob(os.path.join(a.corpus, "*.litmus"))):
    s = corpus_lib.header(f).get("Suite")
    if s:
        parts = s.split()
        rows[parts[0]] = (f, parts[1:])
reports, err, _ = corpus_lib.run_tool(a.tool, "cxx20", [f for f, _ in rows.values()])
failures = 0
for name, (kind, want) in suite.items():
    if name not in rows:
        print(f"FAIL  {name}: no corpus file mirrors this suite row")
        failures += 1
        continue
    f, names = rows[name]
    r = reports.get(f)
    if r is None or "error" in r:
        print(f"FAIL  {name}: the tool did not run {f}")
        failures += 1
        continue
    if kind == "race":
        ok = r["race"] == want
        print(f"{'ok  ' if ok else 'FAIL'}  {name}: race {r['race']} (suite {want})")
    else:
        got = {tuple(corpus_lib.state_dict(s["state"])[n] for n in names) for s in r["states"]}
        ok = got == want
        print(f"{'ok  ' if ok else 'FAIL'}  {name}: {sorted(got)}" + ("" if ok else f"  suite: {sorted(want)}"))
    failures += not ok
print(f"{len(suite)} suite rows, {failures} disagreement(s)")
sys.exit(1 if failures else 0)
