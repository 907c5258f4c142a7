"""Benchmark: the traffic model on the whole city (zones, gravity demand, peak-hour equilibrium).

Loads the city, marks the scope with the scenario (the area judged), builds the car links and
the zones, and runs :func:`mobisim.traffic.model_traffic` without its cache. Prints the model's
size (zones, gateways, links), the assignment time (skims, gravity and equilibrium), its
iterations and relative gap, the total time and the peak memory against the targets:
assignment ≤ 60 s, peak memory < 3 GB.

Run::

    python benchmarks/traffic.py                            # the city file, scenarios/volt-2026.toml
    python benchmarks/traffic.py --osm CITY.osm.bz2 --osm BUILDINGS.osm.bz2 --cores 2
    MOBISIM_CACHE_DIR=/tmp/mobisim-cache python benchmarks/traffic.py   # a warm network cache

The network load reads the processed-network cache when it is warm (the traffic model itself is
never read from its cache here).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from _common import REPO, SHARED, rss_mb, timed  # noqa: E402  (benchmarks/ is on sys.path)

#: Targets of the traffic model on the whole city.
TARGET_ASSIGNMENT_S = 60.0
TARGET_PEAK_MB = 3 * 1024.0




def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--osm", action="append", type=Path,
                        help="street file, then feature files (default: the city file of the shared folder)")
    parser.add_argument("--scenario", type=Path, default=REPO / "scenarios" / "volt-2026.toml",
                        help="scenario whose area and [traffic] settings are used")
    parser.add_argument("--cores", type=int, default=None, help="threads of the assignment (default: all)")
    args = parser.parse_args()
    paths = args.osm or [SHARED / "den-haag-city-2021.osm.bz2"]
    for p in paths:
        if not p.is_file():
            print(f"traffic benchmark: {p} not found (set MOBISIM_SHARED_OSM)", file=sys.stderr)
            return 2

    from mobisim import pipeline, traffic
    from mobisim.scenario import load_scenario

    t_start = time.perf_counter()
    sc = load_scenario(args.scenario)
    ts = sc.traffic
    inputs, _ = timed("load inputs and network (cache when warm)", pipeline.load_inputs, sc, paths)
    net, _ = timed("mark the scope (area judged)",
                   lambda: pipeline.mark_scope(pipeline.clip_to_area(inputs.net, sc, inputs), sc, inputs))
    links, _ = timed("car links", traffic.car_links, net.edges, ts, limit_column="maxspeed",
                     speed_response=sc.scores.speed_response_sign_only.central)
    zones, _ = timed("zones, connectors, gateways", traffic.build_zones, net, links, ts)
    model, t_model = timed("model_traffic (no cache)", traffic.model_traffic, net, links, zones, ts,
                           cores=args.cores)
    total = time.perf_counter() - t_start
    peak = rss_mb()

    s = model.summary
    trips = s["daily_trips"]
    daily = model.edges["daily"]
    print()
    print(f"zones {s['zones']:,} · gateways {s['gateways']:,} · connectors {s['connectors']:,} · "
          f"links {s['links']:,} · residents {s['residents']:,.0f}")
    print(f"daily car trips: between zones {trips['internal']:,.0f} · in and out {trips['in_and_out']:,.0f} · "
          f"through {trips['through']:,.0f} · within a zone (not assigned) {trips['within_a_zone_not_assigned']:,.0f}"
          + (f" · reaching no destination {trips['reaching_no_destination']:,.0f}"
             if "reaching_no_destination" in trips else ""))
    print(f"segments with a modelled volume {int(daily.notna().sum()):,} of {len(daily):,} · "
          f"rat runs {int(model.edges['rat_run'].sum()):,} segments")
    print(f"assignment (skims + gravity + equilibrium): {s['seconds']:.1f} s "
          f"(target ≤ {TARGET_ASSIGNMENT_S:.0f} s: {'met' if s['seconds'] <= TARGET_ASSIGNMENT_S else 'NOT met'})")
    print(f"iterations {s['iterations']} · relative gap {s['relative_gap']:.2e} (target {ts.relative_gap:.0e}"
          f"{'' if s['relative_gap'] <= ts.relative_gap else ', not reached'}) · gravity gap {s['gravity_gap']:.1e}")
    print(f"model_traffic {t_model:.1f} s · total (load to model) {total:.1f} s")
    print(f"peak RSS {peak:,.0f} MB (target < {TARGET_PEAK_MB:,.0f} MB: "
          f"{'met' if peak < TARGET_PEAK_MB else 'NOT met'})")
    for note in model.notes:
        print(f"note: {note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
