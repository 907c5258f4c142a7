"""Helpers shared by the benchmark scripts: the shared data folder, the city parser, peak memory, a timed step."""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("MOBISIM_SHARED_OSM", REPO.parent / "shared" / "osm"))


def city_parser(doc: str) -> argparse.ArgumentParser:
    """A parser with ``--osm`` (the shared city extract) and ``--scenario`` (volt-2026), described
    by the first line of ``doc``."""
    p = argparse.ArgumentParser(description=doc.splitlines()[0])
    p.add_argument("--osm", type=Path, default=SHARED / "den-haag-city-2021.osm.bz2")
    p.add_argument("--scenario", type=Path, default=REPO / "scenarios" / "volt-2026.toml")
    return p


def city_args(p: argparse.ArgumentParser) -> argparse.Namespace:
    """Parse ``p``'s arguments; exit with a message when the city extract is missing."""
    args = p.parse_args()
    if not args.osm.exists():
        sys.exit(f"{args.osm}: not found (the shared city extract)")
    return args


def rss_mb() -> float:
    """Peak resident set size of this process so far (MB; ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(label: str, func, *args, **kwargs):
    """Run ``func`` and print its wall time and the process's peak RSS so far (no tracing:
    tracemalloc slows numpy code down)."""
    t0 = time.perf_counter()
    out = func(*args, **kwargs)
    dt = time.perf_counter() - t0
    print(f"{label:<44} {dt:8.2f} s   process peak RSS {rss_mb():8.0f} MB", flush=True)
    return out, dt
