#!/usr/bin/env python3
"""Fails unless the README's first C++ block is exactly core/tests/readme_example.cpp."""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parent.parent)
readme = (root / "README.md").read_text()
block = re.search(r"```cpp\n(.*?)```", readme, re.S)
example = (root / "core" / "tests" / "readme_example.cpp").read_text()
if not block or block.group(1).strip() != example.strip():
    print("README.md's first ```cpp block differs from core/tests/readme_example.cpp")
    sys.exit(1)
print("README example: identical to core/tests/readme_example.cpp")
