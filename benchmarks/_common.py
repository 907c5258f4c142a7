"""Helpers shared by the benchmark scripts: the shared data folder, peak memory, a timed step."""

from __future__ import annotations

import os
import resource
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("MOBISIM_SHARED_OSM", REPO.parent / "shared" / "osm"))


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
