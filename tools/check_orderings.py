#!/usr/bin/env python3
"""Checks docs/DESIGN.md section 8 in core/: every memory ordering carries an ORDERING comment.

Rules (each line is checked together with the three lines above it):
  1. a line naming `memory_order` (a named-ordering definition or a raw order) has an ORDERING
     comment on it or in the three lines above;
  2. a line using a named ordering (`<file>_order::<name>`) in code has one too;
  3. every `[Xn]` label cited in an ORDERING comment is defined somewhere in core/ (a line that
     starts a comment with the label, or a contract table row naming it).
Usage: check_orderings.py [root]   (root defaults to the repository)
"""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parent.parent)
# platform.hpp defines the named_order machinery and the concept; it uses no ordering itself.
files = sorted(p for p in (root / "core" / "include").rglob("*.hpp") if p.name != "platform.hpp")
uses = re.compile(r"memory_order|\b[a-z]+_order::[a-z_]+")
label = re.compile(r"\[([A-Z][0-9]+)\]")
errors, cited, defined = [], {}, set()

for f in files:
    lines = f.read_text().splitlines()
    for i, line in enumerate(lines):
        code = line.split("//", 1)[0]
        comment = line.split("//", 1)[1] if "//" in line else ""
        for m in label.finditer(comment):
            # A definition: the label opens the comment, or it is in the file's contract block.
            if comment.strip().startswith(f"[{m.group(1)}]") or i < 60:
                defined.add(m.group(1))
        if "ORDERING" in comment:
            for m in label.finditer(comment):
                cited.setdefault(m.group(1), f"{f.relative_to(root)}:{i + 1}")
        if not uses.search(code):
            continue
        window = lines[max(0, i - 3): i + 1]
        if not any("ORDERING" in w for w in window):
            errors.append(f"{f.relative_to(root)}:{i + 1}: ordering without an ORDERING comment: {line.strip()}")

for lab, where in sorted(cited.items()):
    if lab not in defined:
        errors.append(f"{where}: ORDERING cites [{lab}], which no contract defines")

for e in errors:
    print(e)
if errors:
    print(f"orderings: {len(errors)} problem(s)")
    sys.exit(1)
print(f"orderings: ok ({len(files)} files; every ordering carries an ORDERING comment)")
