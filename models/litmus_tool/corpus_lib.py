# models/litmus_tool/corpus_lib.py — shared by the corpus tests: reads the expectations in a
# litmus file's header comment and runs sluice-litmus with --json.
#
# Header lines (inside the first (* ... *) comment):
#   Expect <model>: Always|Sometimes|Never   what the model (cxx20 = the C++20 text, rc11 =
#                                            herd7's rc11.cat) says of the condition
#   Checker <model>: ...  -- reason          what the checker is documented to produce instead
#                                            (a named limitation, models/LIMITATIONS.md)
#   Race <model>: yes|no                     whether the model reports a data race (default no)
#   States: N                                how many final states the model allows
#   Suite: ROW [names...]                    the row of models/tests/litmus_test.cpp it mirrors and
#                                            the state names in that row's tuple order
import json
import re
import subprocess


def header(path):
    text = open(path, encoding="utf-8").read()
    m = re.search(r"\(\*(.*?)\*\)", text, re.S)
    fields = {}
    for line in (m.group(1) if m else "").splitlines():
        line = line.strip()
        k = re.match(r"(Expect|CheckerRace|Checker|Race) (cxx20|rc11):\s*(\S+)(.*)", line)
        if k:
            fields[(k.group(1), k.group(2))] = k.group(3)
            if k.group(1) == "Checker":
                fields[("Why", k.group(2))] = k.group(4).strip(" -")
            continue
        k = re.match(r"(States|Suite):\s*(.*)", line)
        if k:
            fields[k.group(1)] = k.group(2).strip()
    return fields


def run_tool(tool, model, files):
    """Runs the tool once over `files`; returns (reports by file, stderr)."""
    p = subprocess.run([tool, "--model", model, "--json"] + files, capture_output=True, text=True)
    try:
        reports = json.loads(p.stdout) if p.stdout.strip() else []
    except json.JSONDecodeError:
        raise SystemExit("sluice-litmus printed invalid JSON:\n" + p.stdout + p.stderr)
    return {r["file"]: r for r in reports}, p.stderr, p.returncode


def state_dict(text):
    """'0:r0=1; x=2;' -> {'0:r0': 1, 'x': 2}"""
    out = {}
    for part in text.split(";"):
        part = part.strip()
        if part:
            k, v = part.split("=")
            out[k] = int(v)
    return out
