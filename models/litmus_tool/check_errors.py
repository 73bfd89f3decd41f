#!/usr/bin/env python3
# models/litmus_tool/check_errors.py — ctest models.litmus_errors: every file in errors/ uses a
# construct sluice-litmus does not support (or gets one wrong); its header says
# "(* error: LINE: TEXT *)". The tool must exit with status 2 and print "FILE:LINE: ...TEXT..."
# on stderr: an unsupported construct is an error naming its line, never skipped silently.
import argparse
import glob
import os
import re
import subprocess
import sys

ap = argparse.ArgumentParser()
ap.add_argument("--tool", required=True)
ap.add_argument("dir")
a = ap.parse_args()
failures = 0
files = sorted(glob.glob(os.path.join(a.dir, "*.litmus")))
for f in files:
    m = re.search(r"\(\* error: (\d+): (.*?) \*\)", open(f).read())
    p = subprocess.run([a.tool, f], capture_output=True, text=True)
    want = f"{f}:{m.group(1)}: "
    ok = p.returncode == 2 and want in p.stderr and m.group(2) in p.stderr and "States" not in p.stdout
    print(f"{'ok  ' if ok else 'FAIL'}  {os.path.basename(f)}: {p.stderr.strip()}")
    if not ok:
        print(f"      expected status 2 and '{want}...{m.group(2)}', got status {p.returncode}")
    failures += not ok
print(f"{len(files)} error files, {failures} failed")
sys.exit(1 if failures or not files else 0)
