#!/usr/bin/env python3
# models/litmus_tool/check_corpus.py — ctest models.litmus_corpus.<model>: runs sluice-litmus over
# models/litmus/*.litmus and compares each test's verdict (Always/Sometimes/Never), data-race
# flag and number of final states with the expectations in its header (corpus_lib.header).
# Rows whose two models disagree are reported PENDING under rc11 when the checker has no
# options::model (the tool says so on stderr): the checker cannot be asked for RC11 yet.
import argparse
import glob
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus_lib  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--tool", required=True)
ap.add_argument("--model", choices=["cxx20", "rc11"], required=True)
ap.add_argument("corpus")
a = ap.parse_args()

files = sorted(glob.glob(os.path.join(a.corpus, "*.litmus")))
reports, err, rc = corpus_lib.run_tool(a.tool, a.model, files)
no_model_option = "no options::model" in err
failures = pending = gaps = 0
for f in files:
    h = corpus_lib.header(f)
    name = os.path.basename(f)
    r = reports.get(f)
    model_says = h.get(("Expect", a.model))
    want = h.get(("Checker", a.model), model_says)
    want_race = h.get(("CheckerRace", a.model), h.get(("Race", a.model), "no")) == "yes"
    if r is None or "error" in r or want is None:
        print(f"FAIL    {name}: " + ("no expectation in header" if want is None else (r or {}).get("error", "not run")))
        failures += 1
        continue
    got, got_race = r["observation"], r["race"]
    problems = []
    if got != want:
        problems.append(f"observation {got}, expected {want}")
    if got_race != want_race:
        problems.append(f"data race {'reported' if got_race else 'not reported'}, expected {'a race' if want_race else 'none'}")
    if "States" in h and ("Checker", a.model) not in h and len(r["states"]) != int(h["States"]):
        problems.append(f"{len(r['states'])} states, expected {h['States']}")
    if not r["exhausted"]:
        problems.append("search not exhausted")
    differs = h.get(("Expect", "cxx20")) != h.get(("Expect", "rc11")) or h.get(("Race", "cxx20")) != h.get(("Race", "rc11"))
    if problems and a.model == "rc11" and differs and no_model_option:
        print(f"PENDING {name}: {'; '.join(problems)} (RC11 differs from C++20 here and this checker has no options::model)")
        pending += 1
    elif problems:
        print(f"FAIL    {name}: {'; '.join(problems)}")
        failures += 1
    else:
        note = ""
        if ("Checker", a.model) in h:
            gaps += 1
            note = f"  [model: {model_says}; checker: {want} -- {h[('Why', a.model)]}]"
        print(f"ok      {name}: {got}{' (data race)' if got_race else ''}, {len(r['states'])} states, "
              f"{r['executions']} executions{note}")
print(f"{a.model}: {len(files)} tests, {failures} failed, {pending} pending, {gaps} documented gap(s)")
sys.exit(1 if failures or rc not in (0,) else 0)
