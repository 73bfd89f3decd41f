#!/usr/bin/env python3
"""tools/ordering_study.py — the ordering study (issue 14): the weakest order the model tier
accepts at every named ordering of core/, and the paper papers/orderings.md.

Contract (run through tools/ordering_study.sh, which builds sluice_model_tests first):
  1. the model tier's searches are read from ctest (label `model`, mutants left out), so the
     study runs every scenario with exactly the options CI checks it with;
  2. coverage: each search runs once with SLUICE_MC_COVERAGE, giving (scenario, site, use);
     a static scan of core/ lists every declared named_order (a site no scenario runs is
     reported 'never executed');
  3. for each site and each order strictly weaker than today's and valid for every use the
     site has, the scenarios that execute it run one at a time under `--override SITE=ORDER`,
     cheapest under CI first, each with CI's search (a DFS capped at the executions CI's run
     of that scenario took at today's orders), stopping at the first failure (caught) or after
     all of them (not caught). The weakest order runs first: not caught there implies not
     caught at every stronger candidate (each of its executions is one of the weaker's); then
     the strongest remaining: a failure at O implies failures at every order weaker than O.
     Implied verdicts are recorded as such and not run;
  4. results go to papers/orderings/results.json (merged by --site), traces and DOT graphs of
     the strongest failing weakening to papers/orderings/, the checker-weakest configuration
     to papers/orderings/checker_weakest.inc, the paper is regenerated from JSON.
At most --jobs (default 2) checker processes run at once, at nice 19; the costliest sites start
first. tools/ordering_study.sh holds /work/build.lock for the whole run when it exists.
"""
import argparse
import concurrent.futures as cf
import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "papers", "orderings")
RESULTS = os.path.join(OUT_DIR, "results.json")
WEAKEST = os.path.join(OUT_DIR, "checker_weakest.inc")  # SLUICE_ORDER_OVERRIDES for the price

STRENGTH = {"relaxed": 0, "acquire": 1, "release": 1, "acq_rel": 2, "seq_cst": 3}
# order a is at least as strong as b
def at_least(a, b):
    if a == b:
        return True
    return {a, b} != {"acquire", "release"} and STRENGTH[a] > STRENGTH[b]

VALID = {
    "load": {"relaxed", "acquire", "seq_cst"},
    "store": {"relaxed", "release", "seq_cst"},
    "rmw": {"relaxed", "acquire", "release", "acq_rel", "seq_cst"},
    "cas_success": {"relaxed", "acquire", "release", "acq_rel", "seq_cst"},
    "cas_failure": {"relaxed", "acquire", "seq_cst"},
    "fence": {"relaxed", "acquire", "release", "acq_rel", "seq_cst"},  # relaxed fence = none
}


def weaker_orders(today, uses):
    """Orders strictly weaker than `today`, valid for every use, strongest first."""
    cands = [o for o in STRENGTH if o != today and at_least(today, o)]
    for u in uses:
        cands = [o for o in cands if o in VALID.get(u, set())]
    return sorted(cands, key=lambda o: (-STRENGTH[o], o))


MODEL_ENV = {}  # SLUICE_MC_MODEL, when --model is given
DEFAULT_MODEL = "rc11"  # the checker's default (models/include/sluice/model/options.hpp)
KEEP_TRACES = True  # a second model's run keeps its verdicts only (the paper links the default's traces)


def clean_env(extra=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_MC_")}
    env.update(MODEL_ENV)
    env.update(extra or {})
    return env


def tier_searches(build):
    """The model tier's ctest entries (mutants excluded): name -> argument list."""
    out = subprocess.run(["ctest", "--show-only=json-v1", "-L", "model"], cwd=build,
                         capture_output=True, text=True, check=True).stdout
    tests = []
    for t in json.loads(out)["tests"]:
        labels = []
        for p in t.get("properties", []):
            if p["name"] == "LABELS":
                labels = p["value"]
        if "mutant" in labels or "deep" in labels or t["name"].startswith("mutant."):
            continue
        tests.append({"name": t["name"], "args": t["command"][1:]})
    return tests


def search_of(args):
    """The search options (mode, bound, iterations, seed) of a tier entry's arguments."""
    keep = {"--mode", "--bound", "--iterations", "--seed", "--seeds", "--pct-depth",
            "--per-producer"}
    s, i = [], 0
    while i < len(args):
        if args[i] in keep and i + 1 < len(args):
            s += [args[i], args[i + 1]]
            i += 2
        else:
            i += 1
    return s


def describe_search(args):
    d = dict(zip(args[::2], args[1::2]))
    mode = d.get("--mode", "dfs")  # the harness's default: the DFS at a preemption bound
    if mode in ("dfs", "exhaustive"):
        cap = f", at most {d['--iterations']} executions (CI's count)" if "--iterations" in d else ""
        return f"{mode}, preemption bound {d.get('--bound', '2')}{cap}"
    return f"{mode}, {d.get('--iterations', '10000')} executions, seed {d.get('--seed', '0')}"


def nice(cmd):
    return ["nice", "-n", "19"] + cmd


def run_checker(binary, args, env=None, timeout=None):
    p = subprocess.run(nice([binary] + args), capture_output=True, text=True, env=clean_env(env),
                       timeout=timeout)
    return p.returncode, p.stdout, p.stderr


# ---------------------------------------------------------------- coverage and static scan

def static_sites():
    """Every named_order declared in core/: name -> {order, file, line}."""
    decl = re.compile(r'named_order\s+\w+\s*\{\s*"([^"]+)"\s*,\s*std::memory_order[_:]*(\w+)\s*\}')
    sites = {}
    core = os.path.join(ROOT, "core", "include")
    for d, _, files in os.walk(core):
        for f in sorted(files):
            path = os.path.join(d, f)
            with open(path) as fh:
                for n, line in enumerate(fh, 1):
                    for m in decl.finditer(line):
                        sites[m.group(1)] = {"order": m.group(2),
                                             "file": os.path.relpath(path, ROOT), "line": n}
    return sites


LINE = re.compile(r"^\s+(\S+)\s+(\d+) execs (exhausted|bounded)\s+([\d.]+) s\s+(.*)$")


def parse_lines(out):
    """scenario -> (executions, exhausted, seconds, verdict) from a model binary's output."""
    res = {}
    for line in out.splitlines():
        m = LINE.match(line)
        if m:
            res[m.group(1)] = (int(m.group(2)), m.group(3) == "exhausted", float(m.group(4)),
                               m.group(5))
    return res


def coverage(binary, tests, work, jobs):
    """Runs the tier once with SLUICE_MC_COVERAGE. Returns scenario -> [tier entries],
    site -> {uses}, site -> {scenarios}, (entry, scenario) -> CI's cost, seconds taken."""
    os.makedirs(work, exist_ok=True)
    t0 = time.time()
    cache = os.path.join(work, "coverage.json")
    stamp = [os.path.getmtime(binary), [t["args"] for t in tests], MODEL_ENV]
    byname = {t["name"]: t for t in tests}
    if os.path.exists(cache):
        c = json.load(open(cache))
        if c["stamp"] == stamp and "cost" in c:
            print("  coverage: reusing " + cache + " (same binary and tier)", flush=True)
            return ({k: [byname[n] for n in v] for k, v in c["search"].items()},
                    {k: set(v) for k, v in c["uses"].items()}, {k: set(v) for k, v in c["scen"].items()},
                    {tuple(k.split("\t")): v for k, v in c["cost"].items()}, c.get("seconds", 0))
    scen_search = {}
    for t in tests:
        rc, out, _ = run_checker(binary, t["args"] + ["--list"])
        for s in out.split():
            scen_search.setdefault(s, []).append(t)  # every tier entry that runs it

    def one(t):
        f = os.path.join(work, t["name"] + ".cov")
        if os.path.exists(f):
            os.remove(f)
        start = time.time()
        rc, out, err = run_checker(binary, t["args"], {"SLUICE_MC_COVERAGE": f})
        return t["name"], f, rc, time.time() - start, parse_lines(out)

    uses, scen_of, cost = {}, {}, {}
    # the longest entries first (from the previous coverage, when there is one): a shorter makespan
    prev = json.load(open(cache)).get("entry_seconds", {}) if os.path.exists(cache) else {}
    ordered = sorted(tests, key=lambda t: -prev.get(t["name"], 0))
    entry_seconds = {}
    with cf.ThreadPoolExecutor(jobs) as ex:
        for name, f, rc, secs, lines in ex.map(one, ordered):
            print(f"  coverage {name}: {secs:.1f} s{'' if rc == 0 else ' (FAILED without override)'}",
                  flush=True)
            entry_seconds[name] = round(secs, 1)
            for scen, (execs, exhausted, s, verdict) in lines.items():
                cost[(name, scen)] = {"executions": execs, "exhausted": exhausted, "seconds": s}
            if not os.path.exists(f):
                continue
            for line in open(f):
                parts = line.rstrip("\n").split("\t")
                if len(parts) != 3:
                    continue
                scen, site, use = parts
                uses.setdefault(site, set()).add(use)
                scen_of.setdefault(site, set()).add(scen)
    secs = round(time.time() - t0, 1)
    with open(cache, "w") as fh:
        json.dump({"stamp": stamp, "seconds": secs, "entry_seconds": entry_seconds,
                   "search": {k: [t["name"] for t in v] for k, v in scen_search.items()},
                   "uses": {k: sorted(v) for k, v in uses.items()},
                   "scen": {k: sorted(v) for k, v in scen_of.items()},
                   "cost": {"\t".join(k): v for k, v in cost.items()}}, fh)
    return scen_search, uses, scen_of, cost, secs


# ---------------------------------------------------------------- one weakening

def is_walk(search):
    d = dict(zip(search[::2], search[1::2]))
    return d.get("--mode", "dfs") in ("dfs", "exhaustive")


def site_runs(scenarios, scen_search, cost):
    """Every (tier entry, scenario) that executes the site, cheapest under CI first."""
    runs = []
    for s in scenarios:
        for t in scen_search.get(s, []):
            c = cost.get((t["name"], s), {"executions": 0, "exhausted": False, "seconds": 1e9})
            runs.append((c["seconds"], t["name"], s, t, c))
    runs.sort(key=lambda r: (r[0], r[1], r[2]))
    return [(t, s, c) for _, _, s, t, c in runs]


def run_args(t, scen, ci, all_names):
    """One scenario of one tier entry: CI's search, a walk capped at CI's execution count."""
    args = ["--filter", scen]
    for other in all_names:  # --filter is a substring match: leave out longer names holding it
        if other != scen and scen in other:
            args += ["--exclude", other]
    search = search_of(t["args"])
    if is_walk(search) and ci["exhausted"] and ci["executions"] > 0:
        search = search + ["--iterations", str(ci["executions"])]
    return args + search, search


def try_weakening(binary, site, order, runs, all_names):
    """Runs each scenario executing `site` with SITE=ORDER, cheapest first; stops at a failure."""
    searched = []
    tag = f"{site}={order}"
    trace = os.path.join(OUT_DIR, tag + ".trace.txt")
    dot = os.path.join(OUT_DIR, tag + ".dot")
    for t, scen, ci in runs:
        args, search = run_args(t, scen, ci, all_names)
        args += ["--override", tag, "--expect", "data_race", "--trace", trace]
        start = time.time()
        try:
            rc, out, err = run_checker(binary, args, {"SLUICE_MC_DOT": dot}, timeout=900)
        except subprocess.TimeoutExpired:
            rc, out, err = 124, "", "timed out after 900 s"
        secs = time.time() - start
        line = parse_lines(out).get(scen)
        execs, exhausted, verdict = (line[0], line[1], line[3]) if line else (0, False, "no output")
        searched.append({"test": t["name"], "scenario": scen, "search": describe_search(search),
                         "ci_executions": ci["executions"], "executions": execs,
                         "exhausted": exhausted and is_walk(search), "seconds": round(secs, 1)})
        if line and verdict != "pass":
            if not KEEP_TRACES:
                for f in (trace, dot):
                    if os.path.exists(f):
                        os.remove(f)
            return {"order": order, "caught": True, "scenario": scen, "kind": verdict,
                    "executions": execs, "search": describe_search(search), "test": t["name"],
                    "seconds": round(sum(x["seconds"] for x in searched), 1), "runs": len(searched),
                    "trace": os.path.relpath(trace, ROOT) if os.path.exists(trace) else None,
                    "dot": os.path.relpath(dot, ROOT) if os.path.exists(dot) else None}
        if rc not in (0, 1) or not line:
            return {"order": order, "caught": False, "error": f"exit {rc}: {err[-300:]}",
                    "searched": searched}
    for f in (trace, dot):
        if os.path.exists(f):
            os.remove(f)
    return {"order": order, "caught": False, "searched": searched}


def study_site(binary, site, info, uses, scenarios, scen_search, cost, all_names):
    """Weakest candidate first: not caught there implies not caught at every stronger candidate
    (its executions are a subset); then strongest first: caught implies caught at every weaker."""
    today = info["order"]
    res = {"site": site, "today": today, "file": info["file"], "line": info["line"],
           "uses": sorted(uses), "scenarios": len(scenarios), "steps": []}
    cands = weaker_orders(today, uses)  # strongest first
    if not scenarios:
        res["never_executed"] = True
        res["candidates"] = cands
        return res
    runs = site_runs(scenarios, scen_search, cost)
    verdict = {}
    ran_any = False
    while True:
        for o in cands:  # propagate
            if o in verdict:
                continue
            c = next((v for v in verdict.values() if v["caught"] and not v.get("implied_by")
                      and at_least(v["order"], o)), None)
            n = next((v for v in verdict.values() if not v["caught"] and not v.get("implied_by")
                      and not v.get("error") and at_least(o, v["order"])), None)
            if c:
                verdict[o] = {"order": o, "caught": True, "implied_by": c["order"]}
            elif n:
                verdict[o] = {"order": o, "caught": False, "implied_by": n["order"]}
        todo = [o for o in cands if o not in verdict]
        if not todo:
            break
        o = todo[-1] if not ran_any else todo[0]
        ran_any = True
        verdict[o] = try_weakening(binary, site, o, runs, all_names)
        st = verdict[o]
        print(f"  {site} -> {o}: " + (f"caught by {st['scenario']} ({st['kind']}) in {st['seconds']} s"
              if st["caught"] else f"not caught ({sum(x['seconds'] for x in st['searched']):.0f} s)"),
              flush=True)
    res["steps"] = [verdict[o] for o in cands]
    # keep the trace and graph of the strongest weakening that failed when run
    ran_caught = [s for s in res["steps"] if s["caught"] and not s.get("implied_by")]
    for s in ran_caught[1:]:
        for k in ("trace", "dot"):
            if s.get(k) and os.path.exists(os.path.join(ROOT, s[k])):
                os.remove(os.path.join(ROOT, s[k]))
            s[k] = None
    passing = [s["order"] for s in res["steps"] if not s["caught"]]
    res["weakest_passing"] = min(passing, key=lambda o: STRENGTH[o]) if passing else today
    res["passing"] = passing
    res["seconds"] = round(sum(s.get("seconds", 0) + sum(x["seconds"] for x in s.get("searched", []))
                               for s in res["steps"]), 1)
    return res


def write_weakest(doc):
    """The checker-weakest configuration as a SLUICE_ORDER_OVERRIDES file (platform.hpp)."""
    lines = ["// Generated by tools/ordering_study.py from papers/orderings/results.json; do not edit.",
             "// The checker-weakest configuration: every site at the weakest order no scenario of the",
             "// model tier catches when that site alone is weakened. A bound on what relaxing can buy,",
             "// for the price (tools/ordering_price.sh), NOT a configuration to ship: several sites are",
             "// kept stronger by an argument (papers/orderings.md), and weakenings were tried one at a time."]
    for name, r in sorted(doc["sites"].items()):
        w = r.get("weakest_passing")
        if w and w != r["today"] and not r.get("never_executed"):
            lines.append(f'SLUICE_ORDER("{name}", {w})')
    with open(WEAKEST, "w") as fh:
        fh.write("\n".join(lines) + "\n")


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--site", action="append", default=[])
    ap.add_argument("--model", default=None, help="cxx20|rc11 (SLUICE_MC_MODEL, if the checker has it)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--paper-only", action="store_true")
    ap.add_argument("--resume", action="store_true", help="keep saved sites, run only the missing ones")
    a = ap.parse_args()

    # A model other than the checker's default is a second study beside the first: its results
    # go to papers/orderings/<model>/results.json, and the paper compares them with the default's.
    global OUT_DIR, RESULTS, KEEP_TRACES
    other_model = bool(a.model) and a.model != DEFAULT_MODEL and not a.paper_only
    if other_model:
        OUT_DIR = os.path.join(ROOT, "papers", "orderings", a.model)
        RESULTS = os.path.join(OUT_DIR, "results.json")
        KEEP_TRACES = False
    os.makedirs(OUT_DIR, exist_ok=True)
    binary = os.path.join(a.build, "relacy_tests", "sluice_model_tests")
    start = time.time()
    old = json.load(open(RESULTS)) if os.path.exists(RESULTS) else {"sites": {}}
    if a.paper_only:
        import ordering_paper
        if old.get("sites"):
            write_weakest(old)
        ordering_paper.write(old)
        return 0
    load_before = open("/proc/loadavg").read().split()[:3]
    print(f"ordering study: load average before {' '.join(load_before)}", flush=True)
    if a.model:
        MODEL_ENV["SLUICE_MC_MODEL"] = a.model

    tests = tier_searches(a.build)
    sites = static_sites()
    print(f"ordering study: {len(tests)} tier searches, {len(sites)} named orders in core/", flush=True)
    scen_search, uses, scen_of, cost, cov_secs = coverage(binary, tests, os.path.join(a.build, "coverage"),
                                                          a.jobs)
    all_names = sorted(scen_search)
    weak_start = time.time()
    targets = a.site or sorted(sites)
    unknown = [s for s in targets if s not in sites]
    if unknown:
        print(f"unknown site(s): {unknown}", file=sys.stderr)
        return 2

    results = dict(old.get("sites", {})) if (a.site or a.resume) else {}
    if a.resume:
        targets = [s for s in targets if s not in results]
    # the costliest sites first (CI's time for the scenarios running them): a shorter makespan
    def estimate(site):
        return sum(c["seconds"] for t, s, c in site_runs(scen_of.get(site, ()), scen_search, cost))
    targets.sort(key=lambda s: (-estimate(s), s))
    model_known = bool(a.model) and "SLUICE_MC_MODEL" in open(
        os.path.join(ROOT, "models", "rt", "options.cpp")).read()
    prior = old.get("meta", {})

    def save(done):
        doc = {"sites": results,
               "meta": {"tests": [{"name": t["name"], "args": t["args"]} for t in tests],
                        "coverage_seconds": round(cov_secs, 1),
                        "seconds": (round(time.time() - weak_start, 1) + ((prior.get("seconds") or 0) if a.resume else 0))
                        if done and not a.site else prior.get("seconds"),
                        "total_seconds": round(time.time() - start, 1) if done and not a.site
                        else prior.get("total_seconds"),
                        "load_before": load_before if not a.site else prior.get("load_before"),
                        "model": a.model or "checker default",
                        "model_supported": model_known,
                        "scenarios": len(scen_search),
                        "load": open("/proc/loadavg").read().split()[:3] if not a.site else prior.get("load"),
                        "partial": bool(a.site) or not done}}
        with open(RESULTS + ".tmp", "w") as fh:
            json.dump(doc, fh, indent=1, sort_keys=True)
        os.replace(RESULTS + ".tmp", RESULTS)
        return doc

    with cf.ThreadPoolExecutor(a.jobs) as ex:
        futs = {ex.submit(study_site, binary, s, sites[s], uses.get(s, set()), scen_of.get(s, set()),
                          scen_search, cost, all_names): s for s in targets}
        for f in cf.as_completed(futs):
            results[futs[f]] = f.result()
            save(False)
    doc = save(True)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import ordering_paper
    if other_model:  # the paper stays the default model's, with this run compared in it
        ordering_paper.write(json.load(open(os.path.join(ROOT, "papers", "orderings", "results.json"))))
    else:
        write_weakest(doc)
        ordering_paper.write(doc)
    print(f"ordering study: {len(targets)} sites in {time.time() - start:.0f} s (coverage {cov_secs} s); "
          f"load average before {' '.join(load_before)}, after {' '.join(open('/proc/loadavg').read().split()[:3])}",
          flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
