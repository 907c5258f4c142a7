"""Benchmark the reviewer's ``mobisim toets`` on the whole city: cold and warm, each in a fresh process.

- **start-up**: ``import mobisim.cli`` alone (what every command pays before it starts);
- **cold**: no evaluated-network entry (``<cache>/verdicts/`` emptied before each call; the
  loaded-network cache stays warm, as in the issue's 6.5 s);
- **warm**: the evaluated network read from the cache (:func:`mobisim.pipeline.today.cached_street_verdicts`);
- **warm, the toets module alone**: the same without ``mobisim.cli``'s ``__init__`` importing every
  other command (what a CLI that imports its commands lazily would pay).

Usage: ``python benchmarks/toets_latency.py [--osm FILE] [--at LAT,LON] [--repeat N]``
Target (issue 17): warm ≤ 0.5 s wall, median of 5. CPU time (user + system) is printed beside the
wall time: on a shared machine it is the steadier figure.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _common import SHARED

DEFAULT = SHARED / "den-haag-city-2021.osm.bz2"


def _cache_dir() -> Path:
    from mobisim.load.paths import cache_dir

    return cache_dir()


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


#: ``mobisim`` as installed: ``mobisim.cli`` imports every command's module first.
ENTRY = "from mobisim.cli import app; app()"
#: Only the toets command's module (the ``mobisim.cli`` package stood in for, its ``__init__``
#: not run): what ``mobisim toets`` would pay with commands imported lazily.
ALONE = """
import sys, types
from pathlib import Path
import mobisim
package = types.ModuleType("mobisim.cli")
package.__path__ = [str(Path(mobisim.__file__).parent / "cli")]
sys.modules["mobisim.cli"] = package
from mobisim.cli.toets import app
app()
"""


def _call(args: list[str], entry: str = ENTRY) -> tuple[float, float]:
    """Wall and CPU time of one fresh process (output discarded; a failure stops the benchmark)."""
    t0, c0 = time.perf_counter(), _cpu()
    done = subprocess.run([sys.executable, "-c", entry, *args],
                          capture_output=True, text=True, env=os.environ.copy())
    dt, cpu = time.perf_counter() - t0, _cpu() - c0
    if done.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{done.stderr}")
    return dt, cpu


def _startup() -> tuple[float, float]:
    t0, c0 = time.perf_counter(), _cpu()
    subprocess.run([sys.executable, "-c", "import mobisim.cli"], check=True)
    return time.perf_counter() - t0, _cpu() - c0


def _show(label: str, runs: list[tuple[float, float]]) -> None:
    wall = [w for w, _ in runs]
    print(f"{label:<34} wall median {statistics.median(wall):6.2f} s (min {min(wall):5.2f}, max {max(wall):5.2f})"
          f"   CPU median {statistics.median(c for _, c in runs):5.2f} s   ({len(runs)} runs)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--osm", type=Path, default=DEFAULT)
    parser.add_argument("--at", default="52.0786,4.2887")
    parser.add_argument("--repeat", type=int, default=5)
    ns = parser.parse_args()
    if not ns.osm.exists():
        sys.exit(f"{ns.osm}: not found (set MOBISIM_SHARED_OSM)")
    args = ["toets", "--at", ns.at, "--osm", str(ns.osm)]
    verdicts = _cache_dir() / "verdicts"
    print(f"mobisim {' '.join(args)}   (cache {_cache_dir()})")
    _call(args)  # the loaded-network cache warm, an entry written
    _show("start-up: import mobisim.cli", [_startup() for _ in range(ns.repeat)])
    cold = []
    for _ in range(ns.repeat):
        shutil.rmtree(verdicts, ignore_errors=True)
        cold.append(_call(args))
    _show("cold (no evaluated network cached)", cold)
    _show("warm (evaluated network cached)", [_call(args) for _ in range(ns.repeat)])
    # one command registered: typer runs it without its name
    _show("warm, the toets module alone", [_call(args[1:], ALONE) for _ in range(ns.repeat)])
    entry = [p for p in verdicts.iterdir() if not p.name.startswith(".")]
    size = sum(f.stat().st_size for p in entry for f in p.iterdir()) / 1e6
    print(f"evaluated-network entry: {size:.1f} MB   target warm ≤ 0.5 s")


if __name__ == "__main__":
    main()
