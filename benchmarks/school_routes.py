"""Benchmark: school routes for the whole city (all homes, all primary schools).

Target (issue 4): under 5 s for the school-route step once the network and the rules/toets
verdicts are ready. Prints the time and peak memory of each step and the closing-note figures:
the city-wide safe-route share, the top 10 weakest links and the share with those 10 fixed.

Run::

    MOBISIM_CACHE_DIR=/tmp/mobisim-cache python benchmarks/school_routes.py
    python benchmarks/school_routes.py --osm CITY.osm.bz2 --osm BUILDINGS.osm.bz2 --top 10
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import tracemalloc
from pathlib import Path

from _common import SHARED, timed  # noqa: E402  (benchmarks/ is on sys.path)


def school_step(net, settings):
    """The whole school-route step: homes, schools, wijken, clip, routes + scores + weakest links."""
    from mobisim import schools as S

    origins = S.home_origins(net, settings)
    schools = S.school_points(net, settings)
    wijken = S.load_wijken_optional(settings)[0]
    if wijken is not None:
        origins = S.clip_origins(origins, wijken, settings.children_total)
    result = S.evaluate_school_routes(net, settings, schools=schools, origins=origins, wijken=wijken)
    return origins, schools, wijken, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--osm", action="append", type=Path, help="street file, then feature files (buildings)")
    parser.add_argument("--top", type=int, default=10)
    args = parser.parse_args()
    paths = args.osm or [SHARED / "den-haag-city-2021.osm.bz2", SHARED / "den-haag-city-2021-buildings.osm.bz2"]
    for p in paths:
        if not p.is_file():
            print(f"school_routes benchmark: {p} not found (set MOBISIM_SHARED_OSM)", file=sys.stderr)
            return 2

    from mobisim import schools as S
    from mobisim.load import load_network

    net, _ = timed("load network (cache when warm)", load_network, paths)
    try:
        from mobisim.rules.toets import evaluate_toets
    except ModuleNotFoundError:
        evaluate_toets = None
        print("mobisim.rules.toets not available: every segment counts as child-safe")
    if evaluate_toets is not None:
        timed("rules + 8-jarigen-toets", evaluate_toets, net)
    print(f"network: {len(net.edges):,} segments, {len(net.nodes):,} nodes, {len(net.buildings):,} buildings")

    settings = S.SchoolSettings(top_n=args.top)
    print(f"--- school-route step (target < 5 s); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores ---")
    origins, dt = timed("homes (origins from buildings/landuse)", S.home_origins, net, settings)
    schools, _ = timed("primary schools", S.school_points, net, settings)
    wijken, _ = timed("wijken", lambda: S.load_wijken_optional(settings)[0])
    if wijken is not None:
        origins, _ = timed("homes clipped to the municipality", S.clip_origins, origins, wijken, settings.children_total)
    result, _ = timed("routes + scores + weakest links", S.evaluate_school_routes, net, settings,
                      schools=schools, origins=origins, wijken=wijken)
    runs = []
    for _ in range(3):
        t0 = time.perf_counter()
        school_step(net, settings)
        runs.append(time.perf_counter() - t0)
    best = min(runs)
    print(f"{'school-route step total, 3 runs':<42} {' / '.join(f'{r:.2f}' for r in runs)} s   "
          f"best {best:.2f} s ({'OK' if best < 5 else 'OVER'} vs 5 s target)")
    tracemalloc.start()
    school_step(net, settings)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{'school-route step peak Python/numpy heap':<42} {peak / 2**20:8.1f} MB (tracemalloc, separate run)")
    print(f"origins {len(origins):,}  (buildings {int((origins['source'] == 'building').sum()):,}, "
          f"landuse grid {int((origins['source'] == 'landuse_grid').sum()):,}); primary schools {len(schools)}")

    sc = result.scores
    print("--- scores ---")
    for k, v in sc.items():
        print(f"  {k:<30} {v:.4f}" if isinstance(v, float) else f"  {k:<30} {v}")
    print(f"--- top {args.top} weakest links ---")
    cols = ["element", "id", "name", "children", "school_route_children", "fix"]
    with __import__("pandas").option_context("display.width", 200, "display.max_colwidth", 60):
        print(result.weakest_links.head(args.top)[cols].round(1).to_string())

    stretches, _ = timed("weakest street stretches", S.weakest_stretches, net, result.weakest_links)
    print(f"--- top {args.top} weakest street stretches ---")
    with __import__("pandas").option_context("display.width", 250, "display.max_colwidth", 110):
        print(stretches.head(args.top)[["name", "children", "segments", "crossings", "length_m", "fix"]].round(1).to_string())
    for by in ("element", "stretch"):
        fixed = S.fix_weakest_links(net, args.top, result, mode=settings.mode, by=by)
        after, _ = timed(
            f"what-if: top {args.top} {'elements' if by == 'element' else 'stretches'} fixed", S.evaluate_school_routes, fixed, settings,
            schools=schools, origins=origins, wijken=None, write_columns=False,
        )
        print(f"safe-route share: {sc['share_safe']:.2%} -> {after.scores['share_safe']:.2%} with the top {args.top} "
              f"{'weakest links' if by == 'element' else 'street stretches'} fixed (any-detour share "
              f"{sc['share_safe_any_detour']:.2%} -> {after.scores['share_safe_any_detour']:.2%})")
    for note in result.notes:
        print("note:", note)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
