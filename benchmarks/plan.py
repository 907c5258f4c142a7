"""Benchmark: the whole city's plan to 100 % (``mobisim plan scenarios/volt-2026.toml``).

Target (issue 16): under 2 minutes on this machine for the plan, once today's network, toets and
school routes are ready (their load and traffic are timed apart). Prints the time and peak memory
of each step and the headline: the cost to reach 95 / 99 / 100 % and what the 2027–2030 budget buys.

Run::

    python benchmarks/plan.py
    python benchmarks/plan.py --scenario scenarios/volt-2026.toml --osm CITY.osm.bz2
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from _common import REPO, SHARED, rss_mb, timed  # noqa: E402  (benchmarks/ is on sys.path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", type=Path, default=REPO / "scenarios" / "volt-2026.toml")
    parser.add_argument("--osm", action="append", type=Path, help="street file, then feature files")
    args = parser.parse_args()
    paths = args.osm or [SHARED / "den-haag-city-2021.osm.bz2"]
    for p in paths:
        if not p.is_file():
            print(f"plan benchmark: {p} not found (set MOBISIM_SHARED_OSM)", file=sys.stderr)
            return 2

    from mobisim.load.inputs import load_inputs
    from mobisim.pipeline.plan import make_plan
    from mobisim.pipeline.today import school_routes_today
    from mobisim.plan import milestones, programme
    from mobisim.scenario import load_scenario

    sc = load_scenario(args.scenario)
    inputs, _ = timed("load inputs (cache when warm)", load_inputs, sc, paths, parking=False)
    (net, today), _ = timed("today: traffic, toets, school routes", school_routes_today, sc, inputs, [])
    t0 = time.perf_counter()
    plan, dt = timed("plan (greedy with re-routing, then the traffic check of its filters)", make_plan, net, today,
                     sc, inputs, [])
    print(f"\nplan: {dt:.1f} s (target < 120 s), {len(plan.steps) - 1} re-routings, {len(plan.fixes):,} fixes; "
          f"process peak RSS {rss_mb():.0f} MB; total {time.perf_counter() - t0:.1f} s")
    if plan.static_bound:
        b = plan.static_bound
        print(f"cross-check: the static optimum (HiGHS) with the whole budget reaches {b['share']:.2%} "
              f"({'optimal' if b['optimal'] else 'time limit'}, {b['seconds']:.1f} s)")
    if plan.traffic_check:
        c = plan.traffic_check
        print(f"traffic check: {c['filters']:,} filters paid; {c['newly_failing_segments']:,} segments "
              f"({c['newly_failing_km']:.1f} km) newly fail; budget reaches {c['share_budget']:.2%} "
              f"(the plan's own {c['share_budget_unchecked']:.2%})")
    print(f"today {plan.steps['share_safe'].iloc[0]:.2%} safe; plan ends at {plan.steps['share_safe'].iloc[-1]:.2%}")
    for m in milestones(plan):
        if m["reached"]:
            print(f"  {m['target']:.0%}: €{m['cost_low'] / 1e6:.1f} M / €{m['cost_central'] / 1e6:.1f} M / "
                  f"€{m['cost_high'] / 1e6:.1f} M (low / central / high)")
        else:
            print(f"  {m['target']:.0%}: not reached")
    print(programme(plan).to_string(index=False))
    print(plan.unreached.head(10).to_string(index=False))
    print(plan.excluded.head(10).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
