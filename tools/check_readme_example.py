#!/usr/bin/env python3
"""Fails unless the README's C++ blocks are exactly the example files the tests build and run:
the first block is core/tests/readme_example.cpp, the second core/tests/readme_async_example.cpp."""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parent.parent)
readme = (root / "README.md").read_text()
blocks = re.findall(r"```cpp\n(.*?)```", readme, re.S)
files = ["readme_example.cpp", "readme_async_example.cpp"]
ok = len(blocks) >= len(files)
for block, name in zip(blocks, files):
    if block.strip() != (root / "core" / "tests" / name).read_text().strip():
        print(f"README.md's C++ block for {name} differs from core/tests/{name}")
        ok = False
if not ok:
    sys.exit(1)
print("README examples: identical to " + ", ".join("core/tests/" + f for f in files))
