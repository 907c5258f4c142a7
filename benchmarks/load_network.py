"""Benchmark the load step on the whole-city file.

Times, each in a fresh process (so peak memory is that step's own):
- bare ``osmnx.graph_from_xml`` (simplify=True, retain_all=True), the baseline;
- mobisim's cold load (parse, segments, tagging, parallel cycle path detection, features, cache write);
- mobisim's warm load (from the processed-network cache).

Usage: ``python benchmarks/load_network.py [OSM_FILE] [--repeat N]``
Targets (issue 2): cold ≤ 2× bare osmnx, warm ≤ 5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "osm" / "den-haag-city-2021.osm.bz2"


def _child(mode: str, path: str) -> None:
    start = time.perf_counter()
    if mode == "bare":
        import osmnx as ox

        ox.graph_from_xml(path, simplify=True, retain_all=True)
    else:
        from mobisim.load import load_network

        load_network([path], cache=True)
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb}))


def _run(mode: str, path: Path, cache: str) -> dict:
    env = dict(os.environ, MOBISIM_CACHE_DIR=cache)
    out = subprocess.run([sys.executable, __file__, "--child", mode, str(path)], env=env,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("osm", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement (best is reported)")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return
    if not args.osm.exists():
        sys.exit(f"{args.osm}: file not found (give the whole-city OSM file)")
    results: dict[str, dict] = {}
    for mode in ("bare", "cold", "warm"):
        runs = []
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory() as cache:
                if mode == "warm":
                    _run("cold", args.osm, cache)
                runs.append(_run("mobisim" if mode != "bare" else "bare", args.osm, cache))
        results[mode] = min(runs, key=lambda r: r["seconds"])
        print(f"{mode:>5}: {results[mode]['seconds']:7.2f} s   peak RSS {results[mode]['peak_mb']:7.0f} MB",
              flush=True)
    ratio = results["cold"]["seconds"] / results["bare"]["seconds"]
    print(f"cold / bare osmnx = {ratio:.2f} (target ≤ 2.0); warm = {results['warm']['seconds']:.2f} s (target ≤ 5 s)")


if __name__ == "__main__":
    main()
