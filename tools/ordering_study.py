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
     site has, the scenarios that execute it run under `--override SITE=ORDER`, light searches
     first, stopping at the first failure (caught) or after all of them (not caught). A failure
     at order O implies a failure at every order weaker than O (a weaker order only adds
     behaviours), so those are recorded as implied and not run;
  4. results go to papers/orderings/results.json (merged by --site), traces and DOT graphs of
     the strongest failing weakening to papers/orderings/, the paper is regenerated from JSON.
At most --jobs (default 2) checker processes run at once, at nice 19.
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
    mode = d.get("--mode", "exhaustive")
    if mode == "exhaustive":
        return f"exhaustive, preemption bound {d.get('--bound', '2')}"
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


def coverage(binary, tests, work, jobs):
    """scenario -> search entry, and (site -> {uses}, site -> [scenarios])."""
    os.makedirs(work, exist_ok=True)
    t0 = time.time()
    cache = os.path.join(work, "coverage.json")
    stamp = [os.path.getmtime(binary), [t["args"] for t in tests], MODEL_ENV]
    if os.path.exists(cache):
        c = json.load(open(cache))
        if c["stamp"] == stamp:
            print("  coverage: reusing " + cache + " (same binary and tier)", flush=True)
            byname = {t["name"]: t for t in tests}
            return ({k: [byname[n] for n in v] for k, v in c["search"].items()},
                    {k: set(v) for k, v in c["uses"].items()}, {k: set(v) for k, v in c["scen"].items()},
                    c.get("seconds", 0))
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
        return t["name"], f, rc, time.time() - start

    uses, scen_of = {}, {}
    with cf.ThreadPoolExecutor(jobs) as ex:
        for name, f, rc, secs in ex.map(one, tests):
            print(f"  coverage {name}: {secs:.1f} s{'' if rc == 0 else ' (FAILED without override)'}",
                  flush=True)
            if not os.path.exists(f):
                continue
            for line in open(f):
                parts = line.rstrip("\n").split("\t")
                if len(parts) != 3:
                    continue
                scen, site, use = parts
                uses.setdefault(site, set()).add(use)
                scen_of.setdefault(site, set()).add(scen)
    with open(cache, "w") as fh:
        json.dump({"stamp": stamp, "seconds": round(time.time() - t0, 1), "search": {k: [t["name"] for t in v] for k, v in scen_search.items()},
                   "uses": {k: sorted(v) for k, v in uses.items()},
                   "scen": {k: sorted(v) for k, v in scen_of.items()}}, fh)
    return scen_search, uses, scen_of, round(time.time() - t0, 1)


# ---------------------------------------------------------------- one weakening

LINE = re.compile(r"^\s+(\S+)\s+(\d+) execs (exhausted|bounded)\s+[\d.]+ s\s+(.*)$")


def try_weakening(binary, site, order, scenarios, scen_search, tests, keep_files):
    """Runs every scenario that executes `site` with SITE=ORDER; stops at the first failure."""
    by_test = {}
    for s in sorted(scenarios):
        for t in scen_search.get(s, []):
            by_test.setdefault(t["name"], []).append(s)
    order_of_tests = [t for t in tests if t["name"] in by_test]
    # light (exhaustive) entries first: they fail fastest
    order_of_tests.sort(key=lambda t: ("--mode" in t["args"], t["name"]))
    searched = []
    tag = f"{site}={order}"
    trace = os.path.join(OUT_DIR, tag + ".trace.txt")
    dot = os.path.join(OUT_DIR, tag + ".dot")
    for t in order_of_tests:
        args = []
        for s in by_test[t["name"]]:
            args += ["--filter", s]
        search = search_of(t["args"])
        args += search + ["--override", tag, "--expect", "data_race", "--trace", trace]
        start = time.time()
        try:
            rc, out, err = run_checker(binary, args, {"SLUICE_MC_DOT": dot}, timeout=900)
        except subprocess.TimeoutExpired:
            rc, out, err = 124, "", "timed out after 900 s"
        secs = time.time() - start
        execs = 0
        failing = None
        for line in out.splitlines():
            m = LINE.match(line)
            if m:
                execs += int(m.group(2))
                if m.group(4) != "pass":
                    failing = (m.group(1), int(m.group(2)), m.group(4))
        searched.append({"test": t["name"], "search": describe_search(search),
                         "scenarios": len(by_test[t["name"]]), "executions": execs,
                         "seconds": round(secs, 1)})
        if failing is not None:
            if not keep_files:
                for f in (trace, dot):
                    if os.path.exists(f):
                        os.remove(f)
            return {"order": order, "caught": True, "scenario": failing[0],
                    "kind": failing[2], "executions": failing[1], "search": describe_search(search),
                    "test": t["name"], "searched": searched,
                    "trace": os.path.relpath(trace, ROOT) if keep_files and os.path.exists(trace) else None,
                    "dot": os.path.relpath(dot, ROOT) if keep_files and os.path.exists(dot) else None}
        if rc not in (0, 1):
            return {"order": order, "caught": False, "error": f"exit {rc}: {err[-300:]}",
                    "searched": searched}
    for f in (trace, dot):
        if os.path.exists(f):
            os.remove(f)
    return {"order": order, "caught": False, "searched": searched}


def study_site(binary, site, info, uses, scenarios, scen_search, tests):
    today = info["order"]
    res = {"site": site, "today": today, "file": info["file"], "line": info["line"],
           "uses": sorted(uses), "scenarios": len(scenarios), "steps": []}
    if not scenarios:
        res["never_executed"] = True
        res["candidates"] = weaker_orders(today, uses)
        return res
    failed_at = []  # orders that failed: everything weaker is implied
    first_fail_kept = False
    for o in weaker_orders(today, uses):
        implied = next((f for f in failed_at if at_least(f, o)), None)
        if implied is not None:
            res["steps"].append({"order": o, "caught": True, "implied_by": implied})
            continue
        step = try_weakening(binary, site, o, scenarios, scen_search, tests,
                             keep_files=not first_fail_kept)
        if step["caught"]:
            failed_at.append(o)
            first_fail_kept = first_fail_kept or step.get("trace") is not None
        res["steps"].append(step)
        print(f"  {site} -> {o}: {'caught by ' + step['scenario'] + ' (' + step['kind'] + ')' if step['caught'] else 'not caught'}",
              flush=True)
    passing = [s["order"] for s in res["steps"] if not s["caught"]]
    res["weakest_passing"] = min(passing, key=lambda o: STRENGTH[o]) if passing else today
    res["passing"] = passing
    return res


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

    os.makedirs(OUT_DIR, exist_ok=True)
    binary = os.path.join(a.build, "relacy_tests", "sluice_model_tests")
    start = time.time()
    old = json.load(open(RESULTS)) if os.path.exists(RESULTS) else {"sites": {}}
    if a.paper_only:
        import ordering_paper
        ordering_paper.write(old)
        return 0
    if a.model:
        MODEL_ENV["SLUICE_MC_MODEL"] = a.model

    tests = tier_searches(a.build)
    sites = static_sites()
    print(f"ordering study: {len(tests)} tier searches, {len(sites)} named orders in core/", flush=True)
    scen_search, uses, scen_of, cov_secs = coverage(binary, tests, os.path.join(a.build, "coverage"), a.jobs)
    targets = a.site or sorted(sites)
    unknown = [s for s in targets if s not in sites]
    if unknown:
        print(f"unknown site(s): {unknown}", file=sys.stderr)
        return 2

    results = dict(old.get("sites", {})) if (a.site or a.resume) else {}
    if a.resume:
        targets = [s for s in targets if s not in results]
    # narrow sites first: a long run that is cut short still has most verdicts saved
    targets.sort(key=lambda s: (len(scen_of.get(s, ())), s))
    model_known = bool(a.model) and "SLUICE_MC_MODEL" in open(
        os.path.join(ROOT, "models", "rt", "options.cpp")).read()
    prior = old.get("meta", {})

    def save(done):
        doc = {"sites": results,
               "meta": {"tests": [{"name": t["name"], "args": t["args"]} for t in tests],
                        "coverage_seconds": round(cov_secs, 1),
                        "seconds": (round(time.time() - start, 1) + ((prior.get("seconds") or 0) if a.resume else 0))
                        if done and not a.site else prior.get("seconds"),
                        "model": a.model or "checker default",
                        "model_supported": model_known,
                        "scenarios": len(scen_search),
                        "load": open("/proc/loadavg").read().split()[:3],
                        "partial": bool(a.site) or not done}}
        with open(RESULTS + ".tmp", "w") as fh:
            json.dump(doc, fh, indent=1, sort_keys=True)
        os.replace(RESULTS + ".tmp", RESULTS)
        return doc

    with cf.ThreadPoolExecutor(a.jobs) as ex:
        futs = {ex.submit(study_site, binary, s, sites[s], uses.get(s, set()), scen_of.get(s, set()),
                          scen_search, tests): s for s in targets}
        for f in cf.as_completed(futs):
            results[futs[f]] = f.result()
            save(False)
    doc = save(True)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import ordering_paper
    ordering_paper.write(doc)
    print(f"ordering study: {len(targets)} sites in {time.time() - start:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
