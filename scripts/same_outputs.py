"""Check that two run folders hold the same results: ``scores.json`` and the layers of ``layers.gpkg``.

Used to prove that a refactoring changed no answer: run the same scenario with the old and the new
code, then ``python scripts/same_outputs.py OLD_RUN NEW_RUN``. Compared are

- every number and text in ``scores.json`` (numbers to a relative tolerance, 1e-9 by default), apart
  from run-specific entries (timings, output paths);
- per layer of ``layers.gpkg``: the row count, the column names and the geometry type.

Prints one line per difference and exits 1 when there is any (0 when the runs agree). ``--ignore KEY``
(repeatable) skips a dotted key of ``scores.json``, e.g. a figure a bug fix is meant to change.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyogrio

#: Entries that differ between two runs of the same code (wall times, where the files went).
RUN_SPECIFIC = ("timings", "paths", "out_dir", "elapsed", "generated", "seconds")


def differences(a: Any, b: Any, key: str = "", *, rel: float = 1e-9,
                ignore: tuple[str, ...] = ()) -> Iterator[str]:
    """Every difference between two JSON values, as ``key: a != b`` lines."""
    if key in ignore or key.rsplit(".", 1)[-1] in RUN_SPECIFIC:
        return
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            sub = f"{key}.{k}" if key else str(k)
            if k not in a or k not in b:
                if sub not in ignore and str(k) not in RUN_SPECIFIC:
                    yield f"{sub}: only in {'new' if k in b else 'old'}"
                continue
            yield from differences(a[k], b[k], sub, rel=rel, ignore=ignore)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            yield f"{key}: {len(a)} items != {len(b)} items"
            return
        for i, (x, y) in enumerate(zip(a, b)):
            yield from differences(x, y, f"{key}[{i}]", rel=rel, ignore=ignore)
    elif isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool):
        if not math.isclose(a, b, rel_tol=rel, abs_tol=1e-12):
            yield f"{key}: {a!r} != {b!r}"
    elif a != b:
        yield f"{key}: {a!r} != {b!r}"


def layer_table(gpkg: Path) -> dict[str, tuple[int, tuple[str, ...], str]]:
    """Per layer: row count, column names and geometry type."""
    out = {}
    for name, geometry_type in pyogrio.list_layers(gpkg):
        info = pyogrio.read_info(gpkg, layer=name)
        out[str(name)] = (int(info["features"]), tuple(str(c) for c in info["fields"]), str(geometry_type))
    return out


def compare_runs(old: Path, new: Path, *, rel: float = 1e-9, ignore: tuple[str, ...] = ()) -> list[str]:
    """All differences between two run folders (empty when they agree)."""
    found = list(differences(json.loads((old / "scores.json").read_text()),
                             json.loads((new / "scores.json").read_text()), rel=rel, ignore=ignore))
    a, b = layer_table(old / "layers.gpkg"), layer_table(new / "layers.gpkg")
    for name in sorted(set(a) | set(b)):
        if name not in a or name not in b:
            found.append(f"layers.gpkg:{name}: only in {'new' if name in b else 'old'}")
            continue
        (rows_a, cols_a, geom_a), (rows_b, cols_b, geom_b) = a[name], b[name]
        if rows_a != rows_b:
            found.append(f"layers.gpkg:{name}: {rows_a} rows != {rows_b} rows")
        if cols_a != cols_b:
            gone, added = sorted(set(cols_a) - set(cols_b)), sorted(set(cols_b) - set(cols_a))
            found.append(f"layers.gpkg:{name}: columns differ (removed {gone}, added {added}"
                         + (", order" if not gone and not added else "") + ")")
        if geom_a != geom_b:
            found.append(f"layers.gpkg:{name}: geometry {geom_a} != {geom_b}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("old", type=Path, help="run folder made by the old code")
    parser.add_argument("new", type=Path, help="run folder made by the new code")
    parser.add_argument("--rel", type=float, default=1e-9, help="relative tolerance for numbers")
    parser.add_argument("--ignore", action="append", default=[], help="dotted scores.json key to skip")
    args = parser.parse_args(argv)
    found = compare_runs(args.old, args.new, rel=args.rel, ignore=tuple(args.ignore))
    for line in found:
        print(line)
    print("same outputs" if not found else f"{len(found)} difference(s)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
