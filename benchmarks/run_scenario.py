"""Benchmark ``mobisim run`` on the whole city: cold time, warm-cache time, peak memory.

Each run is a fresh Python process (like the command line), so the times include start-up and
imports. *Cold* uses an empty processed-network cache; *warm* runs again on the cache the cold run
filled. Target: warm ≤ 15 s on the 2-core development machine.

Usage::

    python benchmarks/run_scenario.py                       # scenarios/volt-2026.toml
    python benchmarks/run_scenario.py --scenario FILE --warm-runs 3 --cdn   # map linking CDN scripts
    python benchmarks/run_scenario.py --osm CITY.osm.bz2 --osm BUILDINGS.osm.bz2   # without a scenario file

Prints one line per run (wall time, time per pipeline step, peak RSS, map.html size).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("MOBISIM_SHARED_OSM", REPO.parent / "shared" / "osm"))
DEFAULT_OSM = [SHARED / "den-haag-city-2021.osm.bz2", SHARED / "den-haag-city-2021-buildings.osm.bz2"]

CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from pathlib import Path
from mobisim.pipeline import run_scenario
from mobisim.scenario import Scenario
args = json.loads(sys.argv[1])
scenario = args["scenario"] or Scenario(name="benchmark", programme=True)  # the default settings, programme on
res = run_scenario(scenario, osm_override=args["osm"] or None, out_dir=args["out"],
                   self_contained=args["self_contained"], progress=False)
print(json.dumps({
    "pipeline_s": time.perf_counter() - t0,
    "steps": res.timings,
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "map_mb": res.paths["map"].stat().st_size / 1e6,
    "gpkg_mb": res.paths["gpkg"].stat().st_size / 1e6,
    "edges": len(res.after.edges),
}))
"""


def run_once(label: str, cache: Path | None, payload: dict) -> dict:
    env = dict(os.environ) if cache is None else dict(os.environ, MOBISIM_CACHE_DIR=str(cache))
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", CHILD, json.dumps(payload)], env=env, capture_output=True,
                          text=True, cwd=REPO)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"{label} run failed (exit {proc.returncode})")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["wall_s"] = wall
    steps = " ".join(f"{k}={v:.1f}" for k, v in out["steps"].items())
    print(f"{label:5} wall {wall:6.1f} s | peak RSS {out['peak_rss_mb']:7.0f} MB | map.html {out['map_mb']:5.1f} MB"
          f" | layers.gpkg {out['gpkg_mb']:5.1f} MB | {out['edges']} segments | steps (s): {steps}", flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default=str(REPO / "scenarios" / "volt-2026.toml"))
    ap.add_argument("--osm", action="append", default=None, help="OSM files (replace the scenario's)")
    ap.add_argument("--warm-runs", type=int, default=2)
    ap.add_argument("--self-contained", action=argparse.BooleanOptionalAction, default=True,
                    help="self-contained map.html, as `mobisim run` writes by default (--no-self-contained: CDN)")
    ap.add_argument("--cdn", dest="self_contained", action="store_false", help="same as --no-self-contained")
    ap.add_argument("--skip-cold", action="store_true", help="only warm runs (on $MOBISIM_CACHE_DIR)")
    args = ap.parse_args()

    scenario = args.scenario if Path(args.scenario).exists() else None
    osm = args.osm or ([] if scenario else [str(p) for p in DEFAULT_OSM])
    if scenario is None:
        print(f"scenario file {args.scenario} not found: running the default settings on {', '.join(osm)}")
    with tempfile.TemporaryDirectory(prefix="mobisim-bench-") as tmp:
        payload = {"scenario": scenario, "osm": osm, "out": str(Path(tmp) / "out"),
                   "self_contained": args.self_contained}
        cache = None if args.skip_cold else Path(tmp) / "cache"
        cold = None if args.skip_cold else run_once("cold", cache, payload)
        warm = [run_once("warm", cache, payload) for _ in range(args.warm_runs)]
    best = min(w["wall_s"] for w in warm) if warm else float("nan")
    print(f"cold: {cold['wall_s']:.1f} s" if cold else "cold: skipped", end=" · ")
    print(f"warm (best of {len(warm)}): {best:.1f} s (target ≤ 15 s) · "
          f"peak RSS {max([w['peak_rss_mb'] for w in warm] + ([cold['peak_rss_mb']] if cold else [])):.0f} MB")


if __name__ == "__main__":
    main()
