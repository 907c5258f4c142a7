"""Benchmark what-if sessions (:mod:`mobisim.whatif`) on the whole city: build, then re-score edits.

Loads the city and the scenario, builds the session (the scenario's before and after as
``mobisim run`` evaluates them, plus the structures an edit re-uses), then applies random
single-street edits of each type one after another (seeded; a street or way above 30 km/h, a
node at a failing crossing, as a planner would pick them) and prints, per type and over all, the
median and worst re-score time, where the time goes (the stages of
:class:`mobisim.whatif.EditResult`), how many results are approximate (traffic not re-assigned)
and the process's peak memory.

Usage: ``python benchmarks/whatif.py [--osm FILE] [--scenario FILE] [--per-type N] [--seed S]``
Targets (issue 17): median re-score < 1 s, worst < 2 s on this machine.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

from _common import REPO, SHARED, rss_mb, timed

TYPES = ("set_speed", "add_cycle_track", "crossing", "fietsstraat", "calm", "close_through_traffic")


def _edit(rng: random.Random, session, kind: str):
    """A random edit of ``kind``: mostly on a road above 30 km/h or at a failing crossing."""
    import numpy as np
    import pandas as pd

    from mobisim.frames import edge_ends, flags
    from mobisim.scenario.interventions import MODELS

    edges, nodes = session.after.edges, session.after.nodes
    roads = edges[flags(edges, "is_road") & flags(edges, "in_area")]
    if kind == "crossing":
        failing = nodes.index[nodes["toets_crossing"].eq("fail").fillna(False).to_numpy(bool)]
        pool = failing if rng.random() < 0.8 else edge_ends(roads, np.ones(len(roads), bool))
        return MODELS[kind].model_validate({"type": kind, "node": int(rng.choice(sorted(pool))),
                                            "kind": rng.sample(["signals", "zebra", "island"], rng.randint(1, 2))})
    fast = roads[pd.to_numeric(roads["maxspeed"], errors="coerce").fillna(0).to_numpy() > 30]
    pool = fast if rng.random() < 0.8 else roads
    named = pool["name"].dropna().astype(str)
    where = {"street": rng.choice(sorted(named.unique()))} if len(named) and rng.random() < 0.5 else \
        {"way": int(rng.choice(sorted(pool["way_id"].dropna().astype(int).unique())))}
    extra = {"set_speed": {"maxspeed": rng.choice([30, 50])}, "add_cycle_track": {"side": "both"},
             "calm": {"measure": "redesign"}}.get(kind, {})
    return MODELS[kind].model_validate({"type": kind, **where, **extra})


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--osm", type=Path, default=SHARED / "den-haag-city-2021.osm.bz2")
    p.add_argument("--scenario", type=Path, default=REPO / "scenarios" / "volt-2026.toml")
    p.add_argument("--per-type", type=int, default=20)
    p.add_argument("--seed", type=int, default=17)
    args = p.parse_args()
    if not args.osm.exists():
        sys.exit(f"{args.osm}: not found (the shared city extract)")
    from mobisim.load.inputs import load_inputs
    from mobisim.scenario import load_scenario
    from mobisim.whatif import Session

    sc = load_scenario(args.scenario)
    inputs, _ = timed("load the inputs", load_inputs, sc, [args.osm], parking=False)
    session, _ = timed("build the session (before and after)", Session.build, sc, inputs)
    print(f"{len(session.after.edges):,} segments, {len(session.after.nodes):,} nodes; "
          f"figures: {session.rounded()}", flush=True)
    built = rss_mb()
    rng = random.Random(args.seed)
    times: dict[str, list[float]] = defaultdict(list)
    stages: dict[str, float] = defaultdict(float)
    approx = 0
    for kind in TYPES:
        for _ in range(args.per_type):
            edit = _edit(rng, session, kind)
            t0 = time.perf_counter()
            result = session.apply(edit)
            times[kind].append(time.perf_counter() - t0)
            approx += result.approximate
            for k, v in result.seconds.items():
                stages[k] += v
        t = times[kind]
        print(f"{kind:<24} median {statistics.median(t):6.3f} s   worst {max(t):6.3f} s   "
              f"({len(t)} edits)", flush=True)
    every = [x for t in times.values() for x in t]
    total = sum(stages.values())
    print(f"{'all':<24} median {statistics.median(every):6.3f} s   worst {max(every):6.3f} s   "
          f"({len(every)} edits; {approx} approximate: traffic not re-assigned)")
    print("time by stage: " + ", ".join(f"{k} {100 * v / total:.0f} %" for k, v in stages.items()))
    print(f"figures after the edits: {session.rounded()}")
    print(f"peak RSS: {built:,.0f} MB after the build, {rss_mb():,.0f} MB after the edits")


if __name__ == "__main__":
    main()
