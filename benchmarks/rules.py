"""Benchmark: the 30/50 rule and the 8-jarigen-toets on the whole city in one vectorised pass.

Target (issue 3): under 5 s for the whole city after the network is loaded.

Usage::

    MOBISIM_CACHE_DIR=/tmp/mobisim-cache python benchmarks/rules.py [STREET_FILE [FEATURE_FILE ...]]

Defaults to the shared 2021 city file plus its buildings file. Prints the load time, the time of
each step, and the road length proposed 30 vs 50, per outcome of the 30/50 rule and per scope
rule with the default thresholds.
"""

from __future__ import annotations

import sys
import time

from mobisim.load import load_network, shared_osm_dir
from mobisim.pipeline import mark_scope, read_inputs
from mobisim.rules import TIER_LABELS, TIERS, RuleSettings, evaluate_regime, tier_lengths
from mobisim.rules.toets import ToetsSettings, evaluate_toets
from mobisim.scenario import Scenario


def main(argv: list[str]) -> None:
    paths = argv or [str(shared_osm_dir() / "den-haag-city-2021.osm.bz2"),
                     str(shared_osm_dir() / "den-haag-city-2021-buildings.osm.bz2")]
    t0 = time.perf_counter()
    net = load_network(paths)
    t1 = time.perf_counter()
    print(f"load (cache after the first run): {t1 - t0:6.2f} s  "
          f"{len(net.edges):,} segments, {len(net.nodes):,} nodes, {len(net.features):,} features, "
          f"{len(net.buildings):,} buildings, {len(net.landuse):,} landuse areas")

    sc = Scenario(name="benchmark")  # the default area: the municipality (the wijken of the shared folder)
    t_read = time.perf_counter()
    inputs = read_inputs(sc, parking=False)
    print(f"inputs read (read_inputs: the wijken): {time.perf_counter() - t_read:6.2f} s")
    t_area = time.perf_counter()
    mark_scope(net, sc, inputs)  # as a run does
    print(f"area marked (mark_scope): {time.perf_counter() - t_area:6.2f} s")

    t2, c2 = time.perf_counter(), time.process_time()
    evaluate_toets(net, ToetsSettings())
    t3, c3 = time.perf_counter(), time.process_time()
    evaluate_regime(net, RuleSettings())
    t4, c4 = time.perf_counter(), time.process_time()
    print(f"8-jarigen-toets (segments + crossings): {t3 - t2:6.2f} s wall, {c3 - c2:6.2f} s CPU")
    print(f"30/50 regime (C1–C4, calming, junctions): {t4 - t3:6.2f} s wall, {c4 - c3:6.2f} s CPU")
    total = t4 - t2
    print(f"rules total: {total:6.2f} s wall, {c4 - c2:6.2f} s CPU  (target < 5 s) "
          f"{'OK' if total < 5 else 'SLOW (check the machine load: wall time includes waiting)'}")

    e = net.edges
    in_scope = e[e["regime"].isin(["30", "50"])]
    km = in_scope.groupby(in_scope["regime"].astype(str))["length"].sum() / 1000
    total_km = km.sum()
    print(f"\nroad length judged by the 30/50 rule (inside {net.area_label}): {total_km:,.1f} km")
    for regime in ("30", "50"):
        v = float(km.get(regime, 0.0))
        print(f"  proposed {regime}: {v:8.1f} km  ({100 * v / total_km:5.1f} %)")
    tiers = tier_lengths(e)
    print("  today's >30 km/h roads: " + ", ".join(f"{TIER_LABELS[t]} {tiers[t]:,.1f} km" for t in TIERS))
    for rule in ("R0-outside-area", "R1-out-of-scope-class", "R1-motorroad", "R1-national-route",
                 "R1-car-only-tunnel", "R1-out-of-scope-street"):
        sel = e["regime_rule"] == rule
        print(f"  {rule:<24} {e.loc[sel & e['is_road'], 'length'].sum() / 1000:8.1f} km of motor road")
    cand = e[e["regime_tier"].notna()]
    for c in ("c1_cycle_path", "c2_sensitive_sites", "c3_air_noise", "c4_crossable"):
        share = cand.groupby(cand[c].astype(str))["length"].sum() / cand["length"].sum() * 100
        print(f"  {c:<20} on today's >30 roads: " +
              ", ".join(f"{k} {v:.0f} %" for k, v in share.sort_index().items()))
    calm = e["calming"].notna()
    print(f"  calming proposed on {calm.sum():,} segments ({e.loc[calm, 'length'].sum() / 1000:,.1f} km)")
    n = net.nodes
    print(f"\ncrossings: {int(n['is_crossing'].sum()):,}, failing the toets: "
          f"{int((n['toets_crossing'] == 'fail').sum()):,}; junction fixes: {int(n['junction_fix'].notna().sum())}")
    for mode in ("bike", "walk"):
        allowed = e[e[f"toets_{mode}"] != "n/a"]
        ok = allowed[f"toets_{mode}"] == "pass"
        print(f"toets {mode}: pass on {allowed.loc[ok, 'length'].sum() / allowed['length'].sum() * 100:5.1f} % "
              f"of the length open to it")


if __name__ == "__main__":
    main(sys.argv[1:])
