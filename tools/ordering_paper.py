"""tools/ordering_paper.py — writes papers/orderings.md from papers/orderings/results.json
(and papers/orderings/aarch64.json, papers/orderings_arguments.md when present).

Contract: write(doc) is the only entry point; every figure in the paper comes from `doc` or the
AArch64 counts file, both produced by tools/ordering_study.sh. Nothing here is typed by hand
except the fixed explanations; the per-site arguments live in papers/orderings_arguments.md.
"""
import json
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAPER = os.path.join(ROOT, "papers", "orderings.md")
ARGS = os.path.join(ROOT, "papers", "orderings_arguments.md")
ARM = os.path.join(ROOT, "papers", "orderings", "aarch64.json")
X86 = os.path.join(ROOT, "papers", "orderings", "x86_ab.json")


def arguments():
    """site -> hand-written argument (sections '## site' of papers/orderings_arguments.md)."""
    if not os.path.exists(ARGS):
        return {}
    out, cur = {}, None
    for line in open(ARGS):
        m = re.match(r"^## `?([\w.]+)`?\s*$", line)
        if m:
            cur = m.group(1)
            out[cur] = ""
        elif cur:
            out[cur] += line
    return {k: v.strip() for k, v in out.items()}


def link(path):
    return f"[{os.path.basename(path)}]({os.path.relpath(os.path.join(ROOT, path), os.path.dirname(PAPER))})"


def searched_text(searched):
    """Per tier entry: scenarios run, the search, executions, how many walks were exhausted."""
    by = {}
    for x in searched:
        e = by.setdefault(x.get("test"), {"n": 0, "execs": 0, "exh": 0, "walk": False,
                                         "search": x["search"]})
        e["n"] += x.get("scenarios", 1)
        e["execs"] += x["executions"]
        e["exh"] += 1 if x.get("exhausted") else 0
        e["walk"] = e["walk"] or x["search"].startswith(("dfs", "exhaustive"))
    parts = []
    for t, e in by.items():
        search = re.sub(r", at most \d+ executions \(CI's count\)", ", capped at CI's count", e["search"])
        walk = f", {e['exh']} of {e['n']} exhausted within the cap" if e["walk"] else ""
        parts.append(f"{t}: {e['n']} scenario(s), {search}, {e['execs']} executions{walk}")
    return "; ".join(parts)


def step_text(st):
    if st.get("implied_by") and st["caught"]:
        return f"`{st['order']}`: fails (implied: `{st['implied_by']}` already fails)"
    if st.get("implied_by"):
        return (f"`{st['order']}`: not caught (implied: the weaker `{st['implied_by']}` is not caught by "
                "the same searches, and every execution at this order is one at the weaker)")
    if st["caught"]:
        t = (f"`{st['order']}`: **caught** by `{st['scenario']}` ({st['kind']}) after "
             f"{st['executions']} executions ({st['search']}")
        t += f"; {st['runs']} scenario run(s), {st['seconds']} s)" if st.get("runs") else ")"
        if st.get("trace"):
            t += f"; trace {link(st['trace'])}"
        if st.get("dot"):
            t += f", graph {link(st['dot'])}"
        return t
    err = f" (checker error: {st['error']})" if st.get("error") else ""
    return f"`{st['order']}`: not caught{err} — {searched_text(st.get('searched', []))}"


def evidence(r):
    if r.get("never_executed"):
        return "never executed by the model tier"
    if not r["steps"]:
        return "nothing weaker to try"
    caught = [s for s in r["steps"] if s["caught"] and not s.get("implied_by")]
    passing = r.get("passing", [])
    parts = []
    if caught:
        c = caught[0]
        parts.append(f"`{c['order']}` caught by `{c['scenario']}` ({c['kind']})")
    if passing:
        parts.append("not caught: " + ", ".join(f"`{o}`" for o in passing))
    return "; ".join(parts)


def summary_row(r):
    weakest = "—" if r.get("never_executed") else f"`{r.get('weakest_passing', r['today'])}`"
    return f"| `{r['site']}` | `{r['today']}` | {weakest} | {evidence(r)} |"


def left_for_review(sites):
    return [r for r in sites if not r.get("never_executed") and r.get("passing")]


def arm_table(lines):
    if not os.path.exists(ARM):
        lines.append("Not measured yet: run `bash tools/ordering_study.sh --arm-only`.\n")
        return
    arm = json.load(open(ARM))
    lines.append(f"Compiler: `{arm['compiler']}`, flags `{arm['flags']}`; source "
                 f"`{arm['source']}`. Hardware the counts apply to: **AArch64** — the `armv8-a` "
                 "rows are ARMv8.0 without LSE (RMWs are LL/SC loops `ldaxr`/`stlxr`), the "
                 "`armv8.1-a` rows use LSE atomics (`cas*`, `ldadd*`, `swp*`). Static counts of "
                 "instructions in each function's body (one send and one receive, plus any "
                 "inlined slow path), not executed counts, and not a timing.\n")
    lines.append(f"{arm['note']}\n")
    cols = arm["columns"]
    for key, title in (("body", "Fast path: the `price_*` function's own body"),
                       ("counts", "With every function of the translation unit it calls (slow paths included)")):
        lines.append(f"**{title}.**\n")
        lines.append("| function | config | march | " + " | ".join(cols) + " |")
        lines.append("|---|---|---|" + "---|" * len(cols))
        for row in arm["rows"]:
            c = row.get(key, row["counts"])
            lines.append(f"| `{row['function']}` | {row['config']} | {row['march']} | " +
                         " | ".join(str(c.get(k, 0)) for k in cols) + " |")
        lines.append("")


def x86_table(L):
    L.append("## Price on x86-64\n")
    L.append("On x86-64 only seq_cst stores (an `xchg` or `mov`+`mfence`), seq_cst fences and RMWs "
             "cost anything; acquire loads and release stores are plain `mov`s. These timings "
             "apply to x86-64 only, never to ARM. The A/B builds the channel benchmarks "
             "(`sluice_bench`, the bench/ rows) and the micro-benchmarks (`sluice_micro`) three "
             "times — default orders, the seq_cst preset, the checker-weakest set — and "
             "interleaves their runs:\n")
    L.append("```sh\nbash tools/ordering_study.sh --bench-ab   # a quiet machine; then the paper is regenerated\n```\n")
    if not os.path.exists(X86):
        L.append("Not measured yet: a timing needs a quiet machine.\n")
        return
    ab = json.load(open(X86))
    if ab.get("command"):
        L.append(f"This run: `{ab['command']}` (runs, then messages per bench row; "
                 "`--bench-ab` alone means 5 runs of 2,000,000).\n")
    L.append(f"Measured on {ab['machine']}; load average {ab['load_min']}-{ab['load_max']} during "
             "the runs. Medians in ns per message (bench rows) or per iteration (micro rows); "
             "ratios to default.\n")
    L.append("| test | runs | default | seq_cst preset | checker-weakest | seq_cst/default | weakest/default |")
    L.append("|---|---|---|---|---|---|---|")
    for r in ab["rows"]:
        m, q = r["median_ns"], r["ratio_to_default"]
        f = lambda d, k, fmt: (fmt % d[k]) if k in d else "—"
        L.append(f"| `{r['test']}` | {r['runs']} | {f(m, 'default', '%.1f')} | {f(m, 'seqcst', '%.1f')} | "
                 f"{f(m, 'weakest', '%.1f')} | {f(q, 'seqcst', '%.2f')} | {f(q, 'weakest', '%.2f')} |")
    L.append("")


OTHER_MODELS = {"cxx20": "C++20"}  # studies beside the default (rc11) one: --model NAME


def other_model_section(L, sites):
    """The same study under another memory model, compared site by site with this one."""
    for model, label in OTHER_MODELS.items():
        L.append(f"## The same study under the {label} model\n")
        path = os.path.join(ROOT, "papers", "orderings", model, "results.json")
        if not os.path.exists(path):
            L.append(f"Not run yet: `bash tools/ordering_study.sh --model {model}` (it writes "
                     f"papers/orderings/{model}/results.json and regenerates this paper).\n")
            continue
        other = json.load(open(path))
        meta = other.get("meta", {})
        osites = other.get("sites", {})
        caught = sum(1 for r in osites.values() for s in r.get("steps", []) if s["caught"])
        not_caught = sum(1 for r in osites.values() for s in r.get("steps", []) if not s["caught"])
        L.append(f"Run with `SLUICE_MC_MODEL={model}` (same scenarios, same searches): "
                 f"{len(osites)} sites, {caught + not_caught} weakenings, {caught} caught, "
                 f"{not_caught} not caught; {meta.get('total_seconds')} s, load average before "
                 f"{' '.join(meta.get('load_before') or ['n/a'])}, after {' '.join(meta.get('load') or [])}.\n")
        diffs = []
        for r in sites:
            o = osites.get(r["site"])
            if o is None:
                diffs.append(f"- `{r['site']}`: no verdict under {label}")
                continue
            mine = {s["order"]: s["caught"] for s in r.get("steps", [])}
            theirs = {s["order"]: s["caught"] for s in o.get("steps", [])}
            changed = [f"`{k}` {'caught' if mine[k] else 'not caught'} here, "
                       f"{'caught' if theirs[k] else 'not caught'} under {label}"
                       for k in sorted(mine) if k in theirs and mine[k] != theirs[k]]
            if o.get("weakest_passing") != r.get("weakest_passing") or changed:
                diffs.append(f"- `{r['site']}`: weakest passing `{r.get('weakest_passing')}` here, "
                             f"`{o.get('weakest_passing')}` under {label}" + ("; " + "; ".join(changed) if changed else ""))
        if diffs:
            L.append(f"Sites whose verdict differs from the {'RC11'} run above:\n")
            L.extend(diffs)
            L.append("")
        else:
            L.append(f"Every site's verdict is the same under {label} as under RC11: each weakening "
                     "caught in one model is caught in the other, and the weakest passing order of "
                     "every site agrees.\n")


def write(doc):
    import ordering_study  # the static scan of core/, for sites this run has no verdict for
    declared = ordering_study.static_sites()
    missing = sorted(s for s in declared if s not in doc["sites"])
    sites = sorted(doc["sites"].values(), key=lambda r: r["site"])
    meta = doc.get("meta", {})
    args = arguments()
    L = []
    L.append("# The ordering study: the weakest memory order the checker accepts at every site\n")
    L.append("*Generated by `bash tools/ordering_study.sh` (tools/ordering_study.py, "
             "tools/ordering_paper.py) — do not edit by hand; the arguments come from "
             "papers/orderings_arguments.md.*\n")
    secs, total = meta.get("seconds"), meta.get("total_seconds")
    L.append(f"Machine: 2-vCPU Debian 12 VM, g++ 12.2, shared (the study holds `/work/build.lock` "
             f"for its run, so no other build or test of the project runs meanwhile). Load average "
             f"before the run {' '.join(meta.get('load_before') or ['n/a'])}, after it "
             f"{' '.join(meta.get('load', []))}. Time: "
             f"{'%.0f s' % total if total else 'n/a'} for coverage and weakenings together "
             f"(coverage {meta.get('coverage_seconds')} s, 0 when reused for the same binary; "
             f"weakenings {'%.0f s' % secs if secs else 'n/a'}), plus the build and the AArch64 "
             "compiles; the issue's target is 30 minutes. 2 checker processes at nice 19. Memory "
             f"model: {'rc11 (the checker default)' if meta.get('model') == 'checker default' else meta.get('model')}"
             f"{'' if meta.get('model') == 'checker default' or meta.get('model_supported') else ' (requested, but this checker has no SLUICE_MC_MODEL: it ran its default model)'}."
             f"{' Partial results (a --site rerun or an unfinished run).' if meta.get('partial') else ''}\n")
    n_caught = sum(1 for r in sites for s in r.get("steps", []) if s["caught"])
    n_ran_caught = sum(1 for r in sites for s in r.get("steps", []) if s["caught"] and not s.get("implied_by"))
    n_not = sum(1 for r in sites for s in r.get("steps", []) if not s["caught"])
    never = [r for r in sites if r.get("never_executed")]
    if missing:
        L.append(f"**This run is incomplete:** {len(missing)} of the {len(declared)} declared sites have no "
                 "verdict yet (listed at the end of 'Left for review'); `bash tools/ordering_study.sh "
                 "--resume` runs only those and merges them.\n")
    L.append(f"**{len(sites)} named orderings studied** of {len(declared)} in core/; {len(never)} never executed by the model "
             f"tier. Weakenings tried: {n_caught + n_not} — **{n_caught} caught** ({n_ran_caught} "
             f"run, the rest implied by a stronger failing one), **{n_not} not caught**.\n")
    L.append("## How to read it\n")
    L.append("For each site (a `named_order` of core/) the study tries every order strictly "
             "weaker than today's and valid for every operation the site names (loads take no "
             "release, stores no acquire, a CAS failure order neither; a fence weakened to "
             "`relaxed` means *no fence*). A CAS's success and failure orders are separate sites "
             "(e.g. `array.claim` / `array.claim_fail`). Which scenarios run a site comes from the "
             "checker (`SLUICE_MC_COVERAGE`, one pass of the tier). Each weakening runs those "
             "scenarios one at a time, cheapest under CI first, and stops at the first failure, "
             "each with **the search CI runs it with** (`ctest -L model`): the DFS at preemption "
             "bound 2 for the light entries, random and PCT sampling for the heavy ones; a DFS is "
             "capped at the executions CI's own run of that scenario needs to exhaust (a weaker "
             "order has more executions; 'exhausted within the cap' says when the weakened run "
             "still finished its whole space). The weakest order is tried first: if it is not "
             "caught, every stronger candidate is recorded *not caught (implied)*, since each of "
             "its executions is one of the weaker order's (exact for the DFS walks, the sampled "
             "searches' view is of the same space); otherwise the strongest is tried, and a "
             "failure implies failures at every weaker order.\n")
    L.append("**Caught** is a proof that the weaker order is wrong (the trace replays it). **Not "
             "caught** is *not* a proof that it is right: the searches are bounded. Each such "
             "site carries a written argument (papers/orderings_arguments.md): a happens-before "
             "edge or a total-order (S) fact that makes the weaker order correct — then it is "
             "adopted in core and listed under 'Relaxations adopted' — or the reason it is kept "
             "stronger. When the checker's reduction makes deeper searches affordable, the caught "
             "verdicts stay and the not-caught ones get stronger; rerun this command then, and "
             "with `--model cxx20` (compared below).\n")
    L.append("## Summary\n")
    L.append("| site | today | weakest order that passes | evidence |")
    L.append("|---|---|---|---|")
    L += [summary_row(r) for r in sites]
    L += [f"| `{m}` | `{declared[m]['order']}` | — | not run yet (incomplete run) |" for m in missing]
    L.append("")

    L.append("## Which orderings of sluice's oneshot can be relaxed\n")
    one = [r for r in sites if r["site"].startswith("oneshot.")]
    for r in one:
        verdict = ("never executed by the model tier" if r.get("never_executed") else
                   "nothing weaker exists" if not r["steps"] else
                   f"every weakening is caught: keep `{r['today']}`" if not r.get("passing") else
                   f"weaker orders not caught: {', '.join('`%s`' % o for o in r['passing'])} — "
                   "see 'Not caught: the arguments'")
        verdict_arg = ""
        if args.get(r["site"], "").startswith("**Adopted"):
            m = re.search(r"\*\*(.+?)\*\*", args[r["site"]])
            verdict_arg = f" {m.group(1)} (see 'Relaxations adopted in core')."
        elif r.get("passing") and r["site"] in args:
            m = re.search(r"\*\*(.+?)\*\*", args[r["site"]])
            verdict_arg = f" Written argument: **{m.group(1)}**" if m else " A written argument exists."
        L.append(f"- `{r['site']}` (`{r['today']}`, {', '.join(r['uses']) or 'no recorded use'}): {verdict}.{verdict_arg}")
    L.append("")

    other_model_section(L, sites)
    L.append("## Per site\n")
    by_file = {}
    for r in sites:
        by_file.setdefault(r["file"], []).append(r)
    for f in sorted(by_file):
        L.append(f"### {f}\n")
        for r in by_file[f]:
            L.append(f"**`{r['site']}`** — today `{r['today']}` ({f}:{r['line']}); used as "
                     f"{', '.join(r['uses']) or '—'}; executed by {r['scenarios']} scenario(s).\n")
            if r.get("never_executed"):
                L.append("- never executed by any scenario of the model tier: no verdict.\n")
                continue
            if not r["steps"]:
                L.append("- nothing weaker to try.\n")
                continue
            for st in r["steps"]:
                L.append(f"- {step_text(st)}")
            L.append("")

    L.append("## Relaxations adopted in core\n")
    adopted = [(k, v) for k, v in sorted(args.items()) if v.startswith("**Adopted")]
    if not adopted:
        L.append("None.\n")
    if adopted:
        L.append("Each is its own commit; its `ORDERING:` comment cites `papers/orderings.md: <site>`. "
                 "The table above shows these sites at their new order (the study ran after the "
                 "commits); the weakening to it had been not caught by every scenario executing "
                 "the site, and the argument below is why it is correct.\n")
    for k, v in adopted:
        L.append(f"- `{k}`:\n\n" + "\n".join("  " + l if l else "" for l in v.split("\n")) + "\n")
    L.append("## Not caught: the arguments\n")
    review = [r for r in left_for_review(sites) if not args.get(r["site"], "").startswith("**Adopted")]
    no_arg = [r for r in review if r["site"] not in args]
    L.append(f"{len(review)} site(s) where a weaker order than today's is **not caught** by any "
             f"scenario; {len(no_arg)} without a written argument (left for review).\n")
    for r in review:
        arg = args.get(r["site"])
        L.append(f"- `{r['site']}`: `{r['today']}` → {', '.join('`%s`' % o for o in r['passing'])} not caught. "
                 + ("Argument (papers/orderings_arguments.md):\n\n" + "\n".join("  " + l if l else "" for l in arg.split("\n")) + "\n"
                    if arg else "**No argument yet: left for review.**"))
    if never:
        L.append("\nNever executed by the model tier (no verdict at all; a scenario is needed):\n")
        for r in never:
            L.append(f"- `{r['site']}` (`{r['today']}`, {r['file']}:{r['line']})")
    if missing:
        L.append("\nNot run yet (this run was cut short; `--resume` completes it):\n")
        for m in missing:
            L.append(f"- `{m}` (`{declared[m]['order']}`, {declared[m]['file']}:{declared[m]['line']})")
    L.append("")

    L.append("## Static price on AArch64\n")
    arm_table(L)
    x86_table(L)
    with open(PAPER, "w") as fh:
        fh.write("\n".join(L))
