#!/usr/bin/env python3
"""tools/ordering_price.py — counts AArch64 barriers and acquire/release instructions per flavor.

Contract: cross-compiles tools/ordering_price_tu.cpp with aarch64-linux-gnu-g++ -O2 -S for each
(configuration, -march) pair, and for every `price_*` function counts, in its body and in every
function of the translation unit it calls (transitively, each once), the instructions of
COLUMNS. Writes papers/orderings/aarch64.json (read by tools/ordering_paper.py).
Configurations: default orders; -DSLUICE_ALL_SEQ_CST=1; the checker-weakest set
(-DSLUICE_ORDER_OVERRIDES=papers/orderings/checker_weakest.inc, written by the study).
`ordering_price.py --ab FILE` instead summarises an x86 A/B run (tools/ordering_price.sh
--bench-ab) into papers/orderings/x86_ab.json: medians and ratios per test and configuration.
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
WEAKEST = os.path.join(ROOT, "papers", "orderings", "checker_weakest.inc")
AB_OUT = os.path.join(ROOT, "papers", "orderings", "x86_ab.json")
CONFIGS = [("default", []), ("seq_cst preset", ["-DSLUICE_ALL_SEQ_CST=1"]),
           ("checker-weakest", ['-DSLUICE_ORDER_OVERRIDES="%s"' % WEAKEST])]
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


def ab_summary(path):
    """RESULT lines of sluice_bench and Google Benchmark JSON blobs, tagged by CFG lines."""
    import collections
    import statistics
    d, cfg, loads, blob = collections.defaultdict(list), None, [], None
    params = None
    for line in open(path):
        p = line.split()
        if p and p[0] == "PARAMS":
            params = (int(p[1]), int(p[2]))
        elif p and p[0] == "CFG":
            cfg = p[1]
            loads.append(float(p[2]))
        elif p and p[0] == "RESULT" and len(p) > 5 and p[5] == "ok":
            d[(p[2], cfg)].append(float(p[3]) * 1e9 / float(p[4]))  # ns per message
        elif line.startswith("MICRO_JSON"):
            blob = []
        elif line.startswith("END_MICRO_JSON"):
            for b in json.loads("".join(blob))["benchmarks"]:
                if b.get("run_type", "iteration") == "iteration":
                    d[(b["name"], cfg)].append(float(b["real_time"]))  # ns per iteration
            blob = None
        elif blob is not None:
            blob.append(line)
    cfgs = ["default", "seqcst", "weakest"]
    rows = []
    for t in sorted({k[0] for k in d}):
        med = {c: statistics.median(d[(t, c)]) for c in cfgs if d.get((t, c))}
        if "default" not in med:
            continue
        rows.append({"test": t, "runs": len(d[(t, "default")]), "median_ns": med,
                     "ratio_to_default": {c: med[c] / med["default"] for c in med}})
    doc = {"rows": rows, "load_min": min(loads, default=0), "load_max": max(loads, default=0),
           "machine": "2-vCPU Debian 12 VM, g++ 12.2, -O3 (CMake Release), x86-64",
           "command": ("bash tools/ordering_price.sh --bench-ab %d %d" % params) if params else
                      "bash tools/ordering_study.sh --bench-ab",
           "weakest": [l for l in open(WEAKEST).read().splitlines() if l.startswith("SLUICE_ORDER")]}
    with open(AB_OUT, "w") as fh:
        json.dump(doc, fh, indent=1)
    print(f"{'test':44}{'default':>10}{'seq_cst':>10}{'weakest':>10}{'sc/def':>8}{'wk/def':>8}")
    for r in rows:
        m, q = r["median_ns"], r["ratio_to_default"]
        print(f"{r['test']:44}{m['default']:10.1f}{m.get('seqcst', 0):10.1f}{m.get('weakest', 0):10.1f}"
              f"{q.get('seqcst', 0):8.2f}{q.get('weakest', 0):8.2f}")
    print(f"ordering_price: load average {doc['load_min']}-{doc['load_max']} during the runs -> "
          f"{os.path.relpath(AB_OUT, ROOT)}")
    return 0


def check_override_hook():
    """The compile-time override substitutes a listed site's order (platform.hpp)."""
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        inc, tu = os.path.join(d, "probe.inc"), os.path.join(d, "probe.cpp")
        with open(inc, "w") as fh:
            fh.write('SLUICE_ORDER("probe.listed", relaxed)\n')
        with open(tu, "w") as fh:
            fh.write("#include <sluice/platform.hpp>\n"
                     'constexpr sluice::named_order listed{"probe.listed", std::memory_order_seq_cst};\n'
                     'constexpr sluice::named_order other{"probe.other", std::memory_order_seq_cst};\n'
                     "static_assert(listed.value() == std::memory_order_relaxed);\n"
                     "static_assert(other.value() == std::memory_order_seq_cst);\n")
        subprocess.run([CXX, "-std=c++20", "-fsyntax-only", "-I" + os.path.join(ROOT, "core", "include"),
                        '-DSLUICE_ORDER_OVERRIDES="%s"' % inc, tu], check=True)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--ab":
        return ab_summary(sys.argv[2])
    check_override_hook()
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
    rank = {c: i for i, (c, _) in enumerate(CONFIGS)}
    rows.sort(key=lambda r: (r["function"], r["march"], rank[r["config"]]))
    ver = subprocess.run([CXX, "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    doc = {"compiler": ver, "flags": "-std=c++20 -O2 -S; armv8-a with -mno-outline-atomics",
           "source": SRC, "columns": list(COLUMNS) + ["libcalls"], "rows": rows,
           "weakest": [l for l in open(WEAKEST).read().splitlines() if l.startswith("SLUICE_ORDER")],
           "note": "Configurations: `default` (the named orders in core/), `seq_cst preset` "
                   "(-DSLUICE_ALL_SEQ_CST=1) and `checker-weakest` (-DSLUICE_ORDER_OVERRIDES="
                   "papers/orderings/checker_weakest.inc: every site at the weakest order the "
                   "model tier does not catch, a bound on what relaxing can buy, not a safe "
                   "configuration). The first table counts the `price_*` function's own body (what was inlined "
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
