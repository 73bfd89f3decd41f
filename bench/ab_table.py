#!/usr/bin/env python3
"""The table of a same-run A/B (bench/commit_ab.sh, bench/micro_ab.sh).

  python3 bench/ab_table.py RUNS UNIT

RUNS holds one measurement per line, `side name value` (side: base or head; value "nan" when a
run failed). Prints per name the median of each side, the ratio head/base and each side's
spread (max-min over the median): a ratio inside the spread is noise.
"""
import statistics
import sys

runs = {}
for line in open(sys.argv[1]):
    side, name, value = line.split()
    if value != "nan":
        runs.setdefault(name, {}).setdefault(side, []).append(float(value))
unit = sys.argv[2]
print(f"{'row':40} {'base ' + unit:>10} {'head ' + unit:>10} {'head/base':>9}  spread(base) spread(head)")
for name, d in runs.items():
    if "base" not in d or "head" not in d:
        continue
    b, h = statistics.median(d["base"]), statistics.median(d["head"])
    sb = (max(d["base"]) - min(d["base"])) / b if b else 0
    sh = (max(d["head"]) - min(d["head"])) / h if h else 0
    print(f"{name:40} {b:10.4g} {h:10.4g} {h / b:9.2f}  {sb:11.0%} {sh:11.0%}")
