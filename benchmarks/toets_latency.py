"""Benchmark the reviewer's ``mobisim toets`` on the whole city, each call in a fresh process.

- **baseline**: an empty Python process (``python -c pass``: the floor of any command here);
- **start-up**: ``mobisim --help`` (every command's module imported) and ``import mobisim.cli``;
- **cold**: no evaluated-network entry and no answer index (``<cache>/verdicts/`` and
  ``<cache>/toets/`` emptied; the loaded-network cache stays warm) — judged, then the index written;
- **index**: the evaluated network cached, no answer index: read, answered, the index written;
- **command, warm**: the evaluated network read from the cache by the command itself (typer,
  pandas; the fast path not tried: ``mobisim.cli.app``);
- **fast, warm**: ``mobisim toets`` as installed (:func:`mobisim.cli.main`), answered from the answer
  index (:mod:`mobisim.cli._toets_fast`), for ``--at`` a point and for a street name.

Usage: ``python benchmarks/toets_latency.py [--osm FILE] [--at LAT,LON] [--street NAME] [--repeat N]``
Target (issue 17): warm ≤ 0.5 s wall, median of 5. CPU time (user + system) and the peak memory of
each process are printed beside the wall time: on a shared machine CPU is the steadier figure.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _common import SHARED

DEFAULT = SHARED / "den-haag-city-2021.osm.bz2"

#: Runs ``mobisim`` in a fresh process and prints its CPU time and peak memory last on stderr.
_MEASURED = """
import resource, sys
try:
    {call}
finally:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(f"@@ {{usage.ru_utime + usage.ru_stime}} {{usage.ru_maxrss}} {{int('pandas' in sys.modules)}}",
          file=sys.stderr)
"""
#: ``mobisim`` as installed (the console script calls :func:`mobisim.cli.main`).
FAST = _MEASURED.format(call="from mobisim.cli import main; main()")
#: The command without the fast path: the typer application with every command registered.
COMMAND = _MEASURED.format(call="from mobisim.cli import app; app()")


def _cache_dir() -> Path:
    """The cache folder, without importing pandas here: a child's peak memory starts at its parent's."""
    from mobisim.cli._toets_index import cache_root

    return cache_root()


def _call(args: list[str], entry: str = FAST) -> tuple[float, float, float, bool]:
    """Wall time, CPU time, peak memory (MB) and whether pandas was imported (the fast path was not
    taken) of one fresh process; a failure stops the benchmark."""
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", entry, *args], capture_output=True, text=True,
                          env=os.environ.copy())
    wall = time.perf_counter() - t0
    marks = [line for line in done.stderr.splitlines() if line.startswith("@@ ")]
    if done.returncode != 0 or not marks:
        sys.exit(f"{' '.join(args)} failed:\n{done.stderr}")
    cpu, rss, slow = marks[-1].split()[1:]
    return wall, float(cpu), float(rss) / 1024, slow == "1"


def _show(label: str, runs: list[tuple[float, float, float, bool]]) -> None:
    wall = [r[0] for r in runs]
    slow = sum(r[3] for r in runs)
    print(f"{label:<36} wall median {statistics.median(wall):6.2f} s (min {min(wall):5.2f}, max {max(wall):5.2f})"
          f"   CPU median {statistics.median(r[1] for r in runs):5.2f} s   peak {max(r[2] for r in runs):5.0f} MB"
          f"   ({len(runs)} runs, {slow} with pandas)", flush=True)


def _empty(*folders: Path) -> None:
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--osm", type=Path, default=DEFAULT)
    parser.add_argument("--at", default="52.0786,4.2887")
    parser.add_argument("--street", default="Laan van Meerdervoort")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cold", type=int, default=1, help="cold runs (each judges the city again)")
    ns = parser.parse_args()
    if not ns.osm.exists():
        sys.exit(f"{ns.osm}: not found (set MOBISIM_SHARED_OSM)")
    at = ["toets", "--at", ns.at, "--osm", str(ns.osm)]
    street = ["toets", ns.street, "--osm", str(ns.osm)]
    verdicts, answers = _cache_dir() / "verdicts", _cache_dir() / "toets"
    print(f"mobisim {' '.join(at)}   (cache {_cache_dir()})")
    _call(at, COMMAND)  # the loaded-network cache warm, an evaluated-network entry written
    _show("baseline: python -c pass", [_call([], _MEASURED.format(call="pass")) for _ in range(ns.repeat)])
    _show("start-up: mobisim --help", [_call(["--help"]) for _ in range(ns.repeat)])
    _show("start-up: import mobisim.cli", [_call([], _MEASURED.format(call="import mobisim.cli"))
                                           for _ in range(ns.repeat)])
    cold = []
    for _ in range(ns.cold):
        _empty(verdicts, answers)
        cold.append(_call(at))
    _show("cold (judged, index written)", cold)
    _empty(answers)
    _show("index (entry read, index written)", [_call(at)])
    _show("command, warm (no fast path)", [_call(at, COMMAND) for _ in range(ns.repeat)])
    _show("fast, warm: --at", [_call(at) for _ in range(ns.repeat)])
    _call(street)  # the fast key is per command line, the index per network: already there
    _show(f"fast, warm: {ns.street!r}", [_call(street) for _ in range(ns.repeat)])
    size = sum(f.stat().st_size for f in answers.glob("*.sqlite")) / 1e6
    entry = sum(f.stat().st_size for p in verdicts.iterdir() if not p.name.startswith(".")
                for f in p.iterdir()) / 1e6
    print(f"evaluated-network entry {entry:.1f} MB, answer index {size:.1f} MB   target warm ≤ 0.5 s wall")


if __name__ == "__main__":
    main()
