"""Benchmark what-if sessions (:mod:`mobisim.whatif`) on the whole city: build, re-score, undo, re-assign.

Loads the city and the scenario, builds the session (the scenario's before and after as
``mobisim run`` evaluates them, plus the structures an edit re-uses), then applies random
single-street edits of each type one after another (seeded; a street or way above 30 km/h, a
node at a failing crossing, as a planner would pick them) and prints, per type and over all, the
median and worst re-score time, where the time goes (the stages of
:class:`mobisim.whatif.EditResult`), how many moved traffic (volumes by the detour
approximation) and the process's peak memory. Then it undoes every edit (median and worst undo
time; the figures must be the build's again), and for ``--reassign`` route-changing edits
(closures and limits, each undone after) compares the approximation with
:meth:`~mobisim.whatif.Session.reassign`: times, the volumes' error, the children-safe figure.
Last, the reviewer's ``toets`` latency on the cached city (``benchmarks/toets_latency.py``, run as
it is, in its own processes).

Usage: ``python benchmarks/whatif.py [--osm FILE] [--scenario FILE] [--per-type N] [--seed S]
[--reassign N] [--no-toets]``
Targets (issue 17): median re-score < 1 s, worst < 2 s, toets ≤ 0.5 s on this machine.
"""

from __future__ import annotations

import random
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

from _common import city_args, city_parser, rss_mb, timed

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


def _line(label: str, wall: list[float], cpu: list[float], what: str) -> None:
    """Median and worst wall time, with the CPU time (user + system, all threads) beside it:
    on a shared machine the steadier figure."""
    print(f"{label:<24} median {statistics.median(wall):6.3f} s   worst {max(wall):6.3f} s   "
          f"(CPU median {statistics.median(cpu):6.3f} s, worst {max(cpu):6.3f} s; {what})", flush=True)


def _edits(session, rng: random.Random, per_type: int) -> None:
    """``per_type`` random edits of each type, timed."""
    times: dict[str, list[float]] = defaultdict(list)
    cpu: dict[str, list[float]] = defaultdict(list)
    stages: dict[str, float] = defaultdict(float)
    moved = 0
    for kind in TYPES:
        for _ in range(per_type):
            edit = _edit(rng, session, kind)
            t0, c0 = time.perf_counter(), time.process_time()
            result = session.apply(edit)
            times[kind].append(time.perf_counter() - t0)
            cpu[kind].append(time.process_time() - c0)
            moved += result.approximate
            for k, v in result.seconds.items():
                stages[k] += v
        _line(kind, times[kind], cpu[kind], f"{per_type} edits")
    every = [x for t in times.values() for x in t]
    _line("all", every, [x for t in cpu.values() for x in t],
          f"{len(every)} edits; {moved} moved traffic: volumes by the detour approximation")
    total = sum(stages.values())
    print("time by stage: " + ", ".join(f"{k} {100 * v / total:.0f} %" for k, v in stages.items()))


def _undo_all(session, built: dict) -> None:
    """Undo every edit, timed; say whether the figures are the build's again."""
    times, cpu = [], []
    while session.edits:
        t0, c0 = time.perf_counter(), time.process_time()
        session.undo()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    same = session.figures() == built
    _line("undo", times, cpu, f"{len(times)} undos; figures equal to the build's: {'yes' if same else 'NO'}")


def _volumes(session):
    import pandas as pd

    return pd.to_numeric(session.after.edges["daily_traffic"], errors="coerce").to_numpy(float, na_value=float("nan"))


def _ratio(approx, kept, reassigned, mask) -> float:
    """Sum of ``|approx − reassigned|`` over sum of ``|kept − reassigned|`` on ``mask``."""
    import numpy as np

    err_k = np.abs(kept - reassigned)[mask].sum()
    return float(np.abs(approx - reassigned)[mask].sum() / err_k) if err_k > 0 else float("nan")


def _compare(session, rng: random.Random, n: int) -> None:
    """``n`` route-changing edits: the approximation against the re-assignment (each undone after)."""
    import numpy as np

    rows = []
    kinds = ("close_through_traffic", "set_speed")
    while len(rows) < n:
        edit = _edit(rng, session, kinds[len(rows) % 2])
        v0, safe0 = _volumes(session), session.figures().get("children_safe", float("nan"))
        t0 = time.perf_counter()
        approx = session.apply(edit)
        t_apply = time.perf_counter() - t0
        if not approx.approximate:
            session.undo()
            continue
        va, safe_a = _volumes(session), approx.figures.get("children_safe", float("nan"))
        t0 = time.perf_counter()
        session.reassign()
        t_re = time.perf_counter() - t0
        vr, safe_r = _volumes(session), session.figures().get("children_safe", float("nan"))
        session.undo()
        ok = np.isfinite(v0) & np.isfinite(va) & np.isfinite(vr)
        near = ok & (va != v0)  # the segments the approximation moved
        moved = ok & (np.abs(vr - v0) >= 100)  # the assignment moves them by 100 vehicles a day or more
        rows.append((t_apply, t_re, _ratio(va, v0, vr, ok), _ratio(va, v0, vr, near), int(near.sum()),
                     int(moved.sum()), safe_a - safe0, safe_r - safe0))
        r = rows[-1]
        stuck = approx.reason.rsplit("; ", 1)[-1] if "no way round" in (approx.reason or "") else "every piece re-routed"
        print(f"  {edit.type:<22} apply {r[0]:5.2f} s  reassign {r[1]:6.1f} s  error vs kept: city {r[2]:5.2f}, "
              f"on the {r[4]} segments it moved {r[3]:5.2f}; the assignment moved {r[5]} segments ≥100/day; "
              f"{stuck}; "
              f"children safe Δ approx {r[6]:+.0f}, reassigned {r[7]:+.0f}", flush=True)
    col = list(zip(*rows))
    print(f"{'approximation':<24} median {statistics.median(col[0]):6.3f} s   worst {max(col[0]):6.3f} s")
    print(f"{'reassign()':<24} median {statistics.median(col[1]):6.1f} s   worst {max(col[1]):6.1f} s")
    print(f"volumes: the approximation's error (sum |approx − reassigned| over sum |kept − reassigned|) is "
          f"{np.nanmedian(col[2]):.2f} over the city, {np.nanmedian(col[3]):.2f} on the segments it moved "
          f"(medians; 1 = no better than keeping the volumes); children safe: off the re-assignment by "
          f"{statistics.median([abs(a - b) for a, b in zip(col[6], col[7])]):.0f} children (median), "
          f"the re-assignment's own change {statistics.median([abs(b) for b in col[7]]):.0f} (median)")


def _toets_latency() -> None:
    """The reviewer's ``toets`` on the cached city (engineer T's benchmark, in its own processes)."""
    script = Path(__file__).with_name("toets_latency.py")
    if not script.exists():
        print(f"toets latency: {script.name} not found")
        return
    print("toets latency (benchmarks/toets_latency.py):", flush=True)
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=False)
    print(done.stdout.rstrip() or done.stderr.rstrip())


def main() -> None:
    p = city_parser(__doc__)
    p.add_argument("--per-type", type=int, default=20)
    p.add_argument("--seed", type=int, default=17)
    p.add_argument("--reassign", type=int, default=10, help="route-changing edits compared with reassign()")
    p.add_argument("--no-toets", action="store_true", help="skip the toets latency")
    args = city_args(p)
    from mobisim.load.inputs import load_inputs
    from mobisim.scenario import load_scenario
    from mobisim.whatif import Session

    sc = load_scenario(args.scenario)
    inputs, _ = timed("load the inputs", load_inputs, sc, [args.osm], parking=False)
    session, _ = timed("build the session (before and after)", Session.build, sc, inputs)
    print(f"{len(session.after.edges):,} segments, {len(session.after.nodes):,} nodes; "
          f"figures: {session.rounded()}", flush=True)
    built = rss_mb()
    figures = session.figures()
    rng = random.Random(args.seed)
    _edits(session, rng, args.per_type)
    print(f"figures after the edits: {session.rounded()}")
    print(f"peak RSS: {built:,.0f} MB after the build, {rss_mb():,.0f} MB after the edits", flush=True)
    _undo_all(session, figures)
    if args.reassign:
        print(f"approximation against reassign() ({args.reassign} closures and limits, each undone after):")
        _compare(session, rng, args.reassign)
    print(f"peak RSS: {rss_mb():,.0f} MB", flush=True)
    if not args.no_toets:
        _toets_latency()


if __name__ == "__main__":
    main()
