#!/usr/bin/env python3
"""tools/ordering_price.py — counts AArch64 barriers and acquire/release instructions per flavor.

Contract: cross-compiles tools/ordering_price_tu.cpp with aarch64-linux-gnu-g++ -O2 -S for each
(configuration, -march) pair, and for every `price_*` function counts, in its body and in every
function of the translation unit it calls (transitively, each once), the instructions of
COLUMNS. Writes papers/orderings/aarch64.json (read by tools/ordering_paper.py).
Configurations: default orders; -DSLUICE_ALL_SEQ_CST=1. core/ has no per-name compile-time
override of a named_order, so the proven-weakest set cannot be compiled (the paper says so).
"""
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.path.join("tools", "ordering_price_tu.cpp")
OUT = os.path.join(ROOT, "papers", "orderings", "aarch64.json")
CXX = "aarch64-linux-gnu-g++"
CONFIGS = [("default", []), ("seq_cst preset", ["-DSLUICE_ALL_SEQ_CST=1"])]
# ARMv8.0 without LSE: -mno-outline-atomics keeps the LL/SC loops inline (Debian's g++ would
# otherwise call libgcc's __aarch64_* helpers, which pick LSE at run time).
MARCHES = [("armv8-a", ["-march=armv8-a", "-mno-outline-atomics"]), ("armv8.1-a", ["-march=armv8.1-a"])]
COLUMNS = {
    "dmb": r"dmb",
    "ldar": r"ldar[bh]?",
    "ldapr": r"ldapr[bh]?",
    "stlr": r"stlr[bh]?",
    "ldaxr": r"ldaxr[bh]?",
    "stlxr": r"stlxr[bh]?",
    "ldxr": r"ldxr[bh]?",
    "stxr": r"stxr[bh]?",
    "cas*": r"cas(a|l|al)?[bh]?",
    "ldadd*": r"ldadd(a|l|al)?[bh]?",
    "swp*": r"swp(a|l|al)?[bh]?",
    "ldset/ldclr*": r"ld(set|clr|eor)(a|l|al)?[bh]?",
}
COL_RE = {k: re.compile(r"^\t(" + v + r")\b") for k, v in COLUMNS.items()}


def functions(asm):
    """symbol -> list of instruction lines, for every function in the assembly."""
    out, cur = {}, None
    for line in asm.splitlines():
        m = re.match(r"^([A-Za-z_.$][\w.$]*):", line)
        if m and not m.group(1).startswith(".L"):
            cur = m.group(1)
            out[cur] = []
        elif cur and line.startswith("\t.cfi_endproc"):
            cur = None
        elif cur and line.startswith("\t") and not line.startswith("\t."):
            out[cur].append(line)
    return out


def reachable(fns, root):
    seen, todo = set(), [root]
    while todo:
        f = todo.pop()
        if f in seen or f not in fns:
            continue
        seen.add(f)
        for line in fns[f]:
            m = re.match(r"^\tb(l)?\s+([\w.$]+)", line)
            if m and m.group(2) in fns:
                todo.append(m.group(2))
    return seen


def count(fns, root, body_only=False):
    c = {k: 0 for k in COLUMNS}
    calls = 0
    for f in ({root} if body_only else reachable(fns, root)):
        for line in fns[f]:
            for k, r in COL_RE.items():
                if r.match(line):
                    c[k] += 1
            if re.match(r"^\tbl\s+(__aarch64_|__atomic)", line):
                calls += 1
    c["libcalls"] = calls
    return c


def main():
    rows = []
    flags_common = ["-std=c++20", "-O2", "-S", "-I" + os.path.join(ROOT, "core", "include"), "-o", "-"]
    for cfg, cdefs in CONFIGS:
        for march, mflags in MARCHES:
            asm = subprocess.run([CXX] + flags_common + mflags + cdefs + [os.path.join(ROOT, SRC)],
                                 capture_output=True, text=True, check=True).stdout
            fns = functions(asm)
            for f in sorted(fns):
                if f.startswith("price_"):
                    rows.append({"function": f, "config": cfg, "march": march, "counts": count(fns, f),
                                 "body": count(fns, f, body_only=True),
                                 "functions": len(reachable(fns, f))})
    rows.sort(key=lambda r: (r["function"], r["march"], r["config"] != "default"))
    ver = subprocess.run([CXX, "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    doc = {"compiler": ver, "flags": "-std=c++20 -O2 -S; armv8-a with -mno-outline-atomics",
           "source": SRC, "columns": list(COLUMNS) + ["libcalls"], "rows": rows,
           "note": "Configurations: `default` (today's named orders) and `seq_cst preset` "
                   "(-DSLUICE_ALL_SEQ_CST=1). The third configuration the issue asks for, the "
                   "proven-weakest set, is not compiled: core/ has no compile-time override of a "
                   "single named_order (only the all-seq_cst switch), so only default vs seq_cst "
                   "is counted. The first table counts the `price_*` function's own body (what was inlined "
                   "into it: the fast paths); the second adds every function of "
                   "the translation unit it calls (out-of-line slow paths included, each once); "
                   "`libcalls` counts calls to out-of-line atomic helpers (none expected)."}
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as fh:
        json.dump(doc, fh, indent=1)
    print(f"ordering_price: {len(rows)} rows -> {os.path.relpath(OUT, ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
