#!/usr/bin/env python3
"""Lists the scenarios each ctest entry of a build directory runs (one "entry<TAB>scenario" line
each, sorted), by running the entry's own command with --list appended.

Usage: tier_scenarios.py BUILD_DIR [--use RUNNER=PATH]...
  BUILD_DIR   a configured build tree (its CTestTestfile.cmake files are read; nothing is run
              through ctest, so the entries need not be built when --use stands in for them)
  --use R=P   run binary P wherever an entry runs the scenario runner R (e.g. a tree where only
              sluice_stress_std is built: --use sluice_tsan_tests=.../sluice_stress_std; every
              real-thread runner walks the same table with the same selection code)
Entries that run no scenario runner (unit tests, conventions, the checker's self-proof) are left
out. Diffing the output of two trees shows whether a change of the tier wiring changed the test
set: `diff <(tier_scenarios.py build/a) <(tier_scenarios.py build/b)`.
"""
import pathlib
import re
import subprocess
import sys

RUNNERS = ("sluice_model_tests", "sluice_tsan_tests", "sluice_stress", "sluice_stress_std",
           "sluice_asan_stress", "sluice_asan_stress_std")
ADD_TEST = re.compile(r'^add_test\(\[=\[(.*?)\]=\]\s+(.*)\)\s*$')
ARG = re.compile(r'"((?:[^"\\]|\\.)*)"')


def entries(build):
    for f in sorted(pathlib.Path(build).rglob("CTestTestfile.cmake")):
        for line in f.read_text().splitlines():
            m = ADD_TEST.match(line)
            if m:
                yield m.group(1), [a.replace('\\"', '"') for a in ARG.findall(m.group(2))]


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    build, use = argv[1], {}
    rest = argv[2:]
    while rest:
        if rest[0] == "--use" and len(rest) > 1:
            name, path = rest[1].split("=", 1)
            use[name] = path
            rest = rest[2:]
        else:
            print(f"unknown argument: {rest[0]}", file=sys.stderr)
            return 2
    out = []
    for name, cmd in entries(build):
        # The runner may follow a wrapper (valgrind and its options).
        at = next((i for i, a in enumerate(cmd) if pathlib.Path(a).name in RUNNERS), None)
        if at is None:
            continue
        runner = pathlib.Path(cmd[at]).name
        args = [use.get(runner, cmd[at])] + cmd[at + 1:] + ["--list"]
        res = subprocess.run(args, capture_output=True, text=True)
        if res.returncode != 0:
            print(f"{name}: {' '.join(args)} failed ({res.returncode}): {res.stderr.strip()}",
                  file=sys.stderr)
            return 1
        out += [f"{name}\t{s}" for s in res.stdout.split()]
    print("\n".join(sorted(out)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
