"""Benchmark ``mobisim sweep`` on the whole city: the same 40-variant sweep sequentially in-process and on
Dask with 1 and 2 workers (issue 18, item 5).

In-process: read the inputs, evaluate the scenario once (:class:`mobisim.pipeline.stages.Evaluated`),
then each variant one after another (``Evaluated.variant``). On Dask: :func:`mobisim.sweep.run_sweep`
with a LocalCluster of N worker processes (inputs read and the scenario evaluated on the driver,
scattered to every worker once, one task per variant). Printed per run: wall time of the variants,
per-variant time (mean), speed-up over in-process, the peak resident memory of each worker process
(and of this process), and for Dask the fixed costs (load, evaluation once, worker imports, scatter).

Usage: ``python benchmarks/sweep.py [--scenario FILE] [--osm FILE] [--vary KEY=VALUES]
[--workers 1,2] [--out DIR] [--no-sequential]``. The default varies ``parking.cap_rate`` over 40 values
(``0.001:0.040:0.001``). On a machine shared with other work the times say as much about the load as
about the code: the script prints the load average before and after.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import REPO, SHARED, rss_mb

DEFAULT_VARY = "parking.cap_rate=0.001:0.040:0.001"


def sequential(scenario: Path, osm: list[str] | None, vary: list[str]) -> dict[str, float]:
    """The sweep one variant after another in this process."""
    from mobisim.load.inputs import load_inputs
    from mobisim.pipeline import as_scenario
    from mobisim.pipeline.stages import Evaluated
    from mobisim.sweep import make_design, parse_vary

    design = make_design([parse_vary(v) for v in vary])
    t0 = time.perf_counter()
    sc = as_scenario(scenario)
    inputs = load_inputs(sc, osm)
    t1 = time.perf_counter()
    ev = Evaluated.build(sc, inputs)
    t2 = time.perf_counter()
    for variant in design.variants:
        ev.variant(variant.overrides)
    t3 = time.perf_counter()
    n = len(design.variants)
    return {"variants": n, "load": t1 - t0, "base": t2 - t1, "wall": t3 - t2, "per_variant": (t3 - t2) / n,
            "peak_mb": rss_mb()}


def on_dask(scenario: Path, osm: list[str] | None, vary: list[str], workers: int, out: Path) -> dict[str, Any]:
    """The sweep on a LocalCluster of ``workers`` processes (:func:`mobisim.sweep.run_sweep`)."""
    from mobisim.sweep import parse_vary, run_sweep

    res = run_sweep(scenario, [parse_vary(v) for v in vary], osm=osm, workers=workers, out_dir=out, progress=False)
    sec = res.meta["seconds"]
    peaks = res.rows.groupby("worker_pid")["worker_peak_mb"].max()
    return {"variants": len(res.rows), "load": sec["load"], "base": sec["base"], "warm": sec["warm"],
            "scatter": sec["scatter"], "wall": sec["variants_wall"], "per_variant": sec["variant_seconds_mean"],
            "total": sec["total"], "peak_mb": float(peaks.max()), "peaks": ", ".join(f"{v:,.0f}" for v in peaks)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=REPO / "scenarios" / "volt-2026.toml")
    parser.add_argument("--osm", nargs="*", default=None, help="OSM file(s) replacing the scenario's")
    parser.add_argument("--vary", action="append", default=None, help=f"KEY=VALUES (default {DEFAULT_VARY})")
    parser.add_argument("--workers", default="1,2", help="comma list of LocalCluster sizes")
    parser.add_argument("--out", type=Path, default=None, help="folder for the sweeps' outputs (default: a temp dir)")
    parser.add_argument("--no-sequential", action="store_true", help="skip the in-process run")
    args = parser.parse_args()
    if not (SHARED / "den-haag-city-2021.osm.bz2").exists() and args.osm is None:
        raise SystemExit(f"shared data not found in {SHARED}: give --osm")
    vary = args.vary or [DEFAULT_VARY]
    out = args.out or Path(tempfile.mkdtemp(prefix="mobisim-sweep-bench-"))
    print(f"scenario {args.scenario}; vary {vary}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores",
          flush=True)
    rows: dict[str, dict[str, Any]] = {}
    if not args.no_sequential:
        rows["in-process"] = sequential(args.scenario, args.osm, vary)
        print(f"in-process: {rows['in-process']}", flush=True)
    for n in (int(w) for w in args.workers.split(",")):
        name = f"dask {n} worker" + ("s" if n > 1 else "")
        rows[name] = on_dask(args.scenario, args.osm, vary, n, out / f"w{n}")
        print(f"{name}: {rows[name]}", flush=True)
    seq = rows.get("in-process", {}).get("wall")
    print(f"\n{'run':<16}{'variants':>9}{'wall s':>9}{'per variant s':>15}{'speed-up':>10}{'fixed s':>9}  peak MB")
    for name, r in rows.items():
        fixed = r["load"] + r["base"] + r.get("warm", 0) + r.get("scatter", 0)
        speed = f"{seq / r['wall']:.2f}×" if seq else "–"
        peaks = r.get("peaks", f"{r['peak_mb']:,.0f}")
        print(f"{name:<16}{r['variants']:>9.0f}{r['wall']:>9.1f}{r['per_variant']:>15.2f}{speed:>10}{fixed:>9.1f}  "
              f"{peaks}")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
