#!/usr/bin/env python3
"""Checks that core's includes only run down its layers (docs/DESIGN.md section 1):

  0 base      platform.hpp, std_parker.hpp, std_platform.hpp, result.hpp, scheduler.hpp
  1 detail/   waiting, messages, deadlines, the kinds' states
  2 flavors/  the channel flavors
  3 channel/  what the channel handles share above the flavors (shared state, async bodies)
  4 public    every other header of sluice/ (the handles, the kinds, select, async)

A header may include its own layer or a lower one, never a higher one; and the kinds
(oneshot, broadcast, watermark) do not include the MPMC channel (channel.hpp).
Usage: check_layers.py [root] [--graph]   (--graph prints every include edge with its layers)
"""
import pathlib
import re
import sys

BASE = {"platform.hpp", "std_parker.hpp", "std_platform.hpp", "result.hpp", "scheduler.hpp"}
LAYERS = {"detail": 1, "flavors": 2, "channel": 3}
KINDS = {"oneshot.hpp", "broadcast.hpp", "watermark.hpp"}
INCLUDE = re.compile(r'^#include "sluice/([^"]+)"')


def layer(rel):
    parts = rel.split("/")
    if len(parts) == 1:
        return 0 if rel in BASE else 4
    return LAYERS.get(parts[0], 99)


def main(argv):
    args = [a for a in argv[1:] if a != "--graph"]
    root = pathlib.Path(args[0] if args else pathlib.Path(__file__).resolve().parent.parent)
    inc = root / "core" / "include" / "sluice"
    errors, edges = [], 0
    for f in sorted(inc.rglob("*.hpp")):
        rel = f.relative_to(inc).as_posix()
        for n, line in enumerate(f.read_text().splitlines(), 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            edges += 1
            target = m.group(1)
            if "--graph" in argv:
                print(f"{rel} ({layer(rel)}) -> {target} ({layer(target)})")
            if layer(target) > layer(rel):
                errors.append(f"core/include/sluice/{rel}:{n}: layer {layer(rel)} includes "
                              f"{target} (layer {layer(target)}): the include runs back up")
            if rel in KINDS and target == "channel.hpp":
                errors.append(f"core/include/sluice/{rel}:{n}: a kind includes the MPMC channel")
    for e in errors:
        print(e)
    if not errors:
        print(f"layers: ok ({edges} includes, none runs back up)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
