#!/usr/bin/env python3
# models/litmus_tool/check_html.py — ctest models.litmus_html_renders: sluice-litmus --html writes
# one page for several corpus tests; headless Chromium loads it and the page's own script
# counts the graphs the browser laid out (svg.litmus-graph with a non-empty bounding box).
# Passes when every final state of every test has a rendered graph (one per state, none
# missing a witness), and a screenshot of the page is not blank. --screenshot keeps the PNG
# (the README's picture is made this way).
import argparse
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

ap = argparse.ArgumentParser()
ap.add_argument("--tool", required=True)
ap.add_argument("--chromium", required=True)
ap.add_argument("--workdir", required=True)
ap.add_argument("--screenshot", help="also keep the screenshot here")
ap.add_argument("--tests", default="SB,MP+rels,W+RWC+rel+acq+scfs,Z6.U,IRIW+sc")
ap.add_argument("corpus")
a = ap.parse_args()

os.makedirs(a.workdir, exist_ok=True)
page = os.path.join(a.workdir, "litmus.html")
files = [os.path.join(a.corpus, t + ".litmus") for t in a.tests.split(",")]
p = subprocess.run([a.tool, "--json", "--html", page] + files, capture_output=True, text=True)
if p.returncode != 0:
    sys.exit("sluice-litmus failed:\n" + p.stderr)
expected = sum(len(r["states"]) for r in json.loads(p.stdout))


def chromium(*args):
    profile = tempfile.mkdtemp(prefix="litmus-chromium-")
    try:
        return subprocess.run([a.chromium, "--headless", "--no-sandbox", "--disable-gpu",
                               "--disable-background-networking", "--disable-component-update", "--disable-sync",
                               "--no-first-run", "--user-data-dir=" + profile, *args, "file://" + os.path.abspath(page)],
                              capture_output=True, text=True, timeout=120)
    finally:
        shutil.rmtree(profile, ignore_errors=True)


dom = chromium("--dump-dom").stdout
m = re.search(r'data-graphs="(\d+)" data-graphs-rendered="(\d+)"', dom)
if not m:
    sys.exit("the page's script did not run (no data-graphs attribute in the DOM)")
total, rendered = int(m.group(1)), int(m.group(2))
missing = dom.count("no witness execution found")
print(f"{len(files)} tests, {expected} final states, {total} graphs in the page, {rendered} rendered by Chromium, "
      f"{missing} without a witness")
ok = total == expected and rendered == expected and missing == 0


def png_not_blank(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return False
    pos, idat = 8, b""
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + n]
        pos += 12 + n
    pixels = zlib.decompress(idat)
    return len(set(pixels[:: max(1, len(pixels) // 200000)])) > 8


shot = os.path.join(a.workdir, "litmus.png")
chromium("--screenshot=" + shot, "--window-size=1700,1250", "--hide-scrollbars")
shot_ok = os.path.exists(shot) and png_not_blank(shot)
print(f"screenshot {shot}: {'not blank' if shot_ok else 'MISSING OR BLANK'}")
if a.screenshot and shot_ok:
    shutil.copyfile(shot, a.screenshot)
sys.exit(0 if ok and shot_ok else 1)
