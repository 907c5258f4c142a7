"""Benchmark: the plan greedy's gap to the optimum (issue 16, "gap to the optimum measured").

Three measurements (:mod:`mobisim.plan.optimum` for the method; the static optimum is a lower
bound on what re-routing reaches, so a greedy above it is possible and a gap is a measured figure):

(a) **random small grids** (seeded, :func:`random_case`): the plain greedy (``batch_share = 0``)
    against the exact static optimum (MILP) at 10 / 25 / 50 / 75 % of the cost of fixing every
    reachable route: the children it makes safe as a share of the optimum's, mean and worst;
(b) **Scheveningen**: the greedy (default batching and ``batch_share = 0``) against the MILP at
    €1 / 2 / 5 / 10 M, on the city file clipped to the wijk Scheveningen with ``volt-2026.toml``
    (``scheveningen-2025.osm.bz2`` holds no homes, so no child has a route on it);
(c) **the whole city**: the greedy at ``batch_share`` 0.05 (default), 0.02 and 0.01 — cost to
    95 % / 99 %, rounds, wall time — and the MILP's static optimum at the 2027–2030 budget
    (with a time limit) against the greedy's children safe at that budget.

Run::

    python benchmarks/plan_gap.py                      # (a), (b) and (c)
    python benchmarks/plan_gap.py --part a --grids 40  # only the random grids
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Point

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, SHARED, rss_mb, timed  # noqa: E402
from mobisim.network import Network  # noqa: E402
from mobisim.plan import FIX_TYPES, PlanSettings, UnitCost, plan_to_full  # noqa: E402
from mobisim.plan.optimum import (  # noqa: E402
    StaticOptimum,
    StaticProblem,
    children_with,
    greedy_paid,
    greedy_within,
    paid_keys,
    plan_keys,
    rerouting_frontier,
    static_children,
    static_optimum,
    static_problem,
)
from mobisim.plan.results import PlanResult, milestones  # noqa: E402
from mobisim.schools import SchoolSettings, evaluate_school_routes, primary_schools  # noqa: E402
from mobisim.schools.result import SchoolRoutes  # noqa: E402

if TYPE_CHECKING:
    from mobisim.scenario import Scenario

#: Shares of the cost of fixing every reachable route at which (a) compares the greedy and the MILP.
BUDGET_SHARES = (0.10, 0.25, 0.50, 0.75)
#: Budgets of (b), euros.
SCHEVENINGEN_BUDGETS = (1e6, 2e6, 5e6, 10e6)
#: The toets rules (and fix texts) a random grid's failing segments and crossings get.
SEGMENT_RULES = (("B6-mixed-fast", "add a separated cycle track (both sides, or a two-way track)"),
                 ("B5-lane-at-50", "lower the limit to 30 km/h with a redesign"),
                 ("B7-lts", "cut motor traffic (modal filter) below the LTS 1 volume"))
CROSSING_RULES = ("X8-no-island", "X6-fast-road")
#: Degrees per grid step (about 120 m north, 115 m east at 52° N).
STEP_LAT, STEP_LON = 0.0011, 0.0017


@dataclass
class Case:
    """One random small network, its school routes today and the plan's settings."""

    seed: int
    net: Network
    today: SchoolRoutes
    settings: PlanSettings
    problem: StaticProblem


def grid_osm(rng: np.random.Generator, rows: int, cols: int, schools: int = 2) -> str:
    """OSM XML of a jittered ``rows`` × ``cols`` grid of 30 km/h residential streets (about 15 % of the
    links left out) with ``schools`` primary schools next to random nodes."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="benchmarks/plan_gap.py">']
    jitter = rng.uniform(-0.3, 0.3, size=(rows, cols, 2))
    for r in range(rows):
        for c in range(cols):
            lat, lon = 52.07 + (r + jitter[r, c, 0]) * STEP_LAT, 4.30 + (c + jitter[r, c, 1]) * STEP_LON
            out.append(f'<node id="{1 + r * cols + c}" version="1" lat="{lat:.7f}" lon="{lon:.7f}"/>')
    links = [(1 + r * cols + c, 1 + (r + dr) * cols + c + dc) for r in range(rows) for c in range(cols)
             for dr, dc in ((0, 1), (1, 0)) if r + dr < rows and c + dc < cols]
    keep = rng.random(len(links)) > 0.15
    for i, (a, b) in enumerate(np.asarray(links)[keep]):
        out.append(f'<way id="{100 + i}" version="1"><nd ref="{a}"/><nd ref="{b}"/><tag k="highway" '
                   f'v="residential"/><tag k="maxspeed" v="30"/><tag k="name" v="Straat {i}"/></way>')
    for k in range(schools):
        r, c = rng.integers(rows), rng.integers(cols)
        lat, lon = 52.07 + (r + jitter[r, c, 0]) * STEP_LAT + 4e-5, 4.30 + (c + jitter[r, c, 1]) * STEP_LON + 4e-5
        out.append(f'<node id="{900 + k}" version="1" lat="{lat:.7f}" lon="{lon:.7f}"><tag k="amenity" '
                   f'v="school"/><tag k="name" v="School {k}"/></node>')
    return "\n".join([*out, "</osm>"])


def set_verdicts(net: Network, rng: np.random.Generator, fail_share: float = 0.3,
                 crossing_share: float = 0.15) -> None:
    """Hand-set toets verdicts (as ``tests/test_plan.py`` does): a random ``fail_share`` of the
    segments fail with a random rule of :data:`SEGMENT_RULES`, ``crossing_share`` of the nodes with
    one of :data:`CROSSING_RULES`; one failing segment in ten is out of the city's scope."""
    e, n = net.edges, net.nodes
    e["toets_bike"] = pd.array(["pass"] * len(e), dtype=object)
    for col in ("toets_bike_rule", "toets_bike_fix", "toets_bike_reason", "regime", "regime_rule"):
        e[col] = pd.array([None] * len(e), dtype=object)
    n["toets_crossing"] = pd.array(["n/a"] * len(n), dtype=object)
    for col in ("toets_crossing_rule", "toets_crossing_fix", "toets_crossing_reason"):
        n[col] = pd.array([None] * len(n), dtype=object)
    for i in e.index[rng.random(len(e)) < fail_share]:
        rule, fix = SEGMENT_RULES[rng.integers(len(SEGMENT_RULES))]
        e.loc[i, ["toets_bike", "toets_bike_rule", "toets_bike_fix"]] = ["fail", rule, fix]
        if rng.random() < 0.1:
            e.loc[i, ["regime", "regime_rule"]] = ["out_of_scope", "R1-national-route"]
    for i in n.index[rng.random(len(n)) < crossing_share]:
        rule = CROSSING_RULES[rng.integers(len(CROSSING_RULES))]
        n.loc[i, ["toets_crossing", "toets_crossing_rule", "toets_crossing_fix"]] = [
            "fail", rule, "add a refuge island (≥ 1.80 m wide), or lower the limit to 30 km/h"]


def random_settings(rng: np.random.Generator) -> PlanSettings:
    """Plain greedy settings with every default unit cost scaled by a random factor (0.3–3×)."""
    base = PlanSettings()
    costs = {t: UnitCost(low=c, central=c, high=c, source="random (benchmark)")
             for t in FIX_TYPES for c in [base.unit_costs[t].central * float(np.exp(rng.uniform(-1.2, 1.1)))]}
    return base.model_copy(update={"unit_costs": costs, "batch_share": 0.0})


def random_case(seed: int, folder: Path, rows: int = 5, cols: int = 6, homes: int = 10) -> Case:
    """A seeded random small network (:func:`grid_osm`, :func:`set_verdicts`) with ``homes`` homes of
    5–40 children next to random nodes, its school routes today and random unit costs."""
    from mobisim.load import load_network

    rng = np.random.default_rng(seed)
    path = folder / f"grid-{seed}.osm"
    path.write_text(grid_osm(rng, rows, cols), encoding="utf-8")
    net = load_network([path], cache=False)
    set_verdicts(net, rng)
    at = rng.choice(net.nodes.index.to_numpy(), size=min(homes, len(net.nodes)), replace=False)
    pts = [Point(net.nodes.geometry.loc[h].x + 5, net.nodes.geometry.loc[h].y + 5) for h in at]
    origins = gpd.GeoDataFrame({"children": rng.integers(5, 41, len(at)).astype(float)}, geometry=pts,
                               crs="EPSG:28992")
    today = evaluate_school_routes(net, SchoolSettings(), schools=primary_schools(net.features), origins=origins,
                                   write_columns=False)
    settings = random_settings(rng)
    return Case(seed, net, today, settings, static_problem(net, today, settings, SchoolSettings()))


def full_cost(problem: StaticProblem) -> float:
    """The central cost of every fixable element on an open route whose whole route is fixable."""
    p = problem.pairs
    blocked = p.loc[~problem.fixable[p["key"].to_numpy()], "start"].unique()
    keys = p.loc[~p["start"].isin(blocked), "key"].unique()
    return float(problem.cost[keys].sum())


def share_budgets(problem: StaticProblem, shares: tuple[float, ...] = BUDGET_SHARES) -> list[float]:
    """Budgets at ``shares`` of the cost of fixing every reachable route (:func:`full_cost`)."""
    total = full_cost(problem)
    return [share * total for share in shares]


def curve_budgets(plan: PlanResult) -> list[float]:
    """The greedy's own curve points: the cumulative central cost after each round."""
    return [float(c) for c in plan.steps["cost_central"].iloc[1:]]


def case_gaps(case: Case, plan: PlanResult, budgets: list[float], kind: str, skip: bool = True) -> pd.DataFrame:
    """Per budget: the optimum's children made safe (static), the greedy's (re-routed, its own fixes
    judged the static way and, with ``skip``, paid skipping the picks that do not fit) and the ratios
    greedy / optimum (1 where the optimum is 0)."""
    pr, steps, rows = case.problem, plan.steps, []
    for budget in budgets:
        opt = static_optimum(pr.pairs, pr.children, pr.cost, pr.fixable, budget)
        picks = int(steps.loc[steps["cost_central"] <= budget * (1 + 1e-9), "picks"].iloc[-1])
        keys = plan_keys(case.net, plan.fixes[plan.fixes["order"] <= picks])
        rows.append({"seed": case.seed, "kind": kind, "budget": budget, "optimum": opt.children_made_safe,
                     "optimal": opt.optimal, "greedy": greedy_within(plan, budget) - pr.children_today,
                     "greedy_static": static_children(pr.pairs, pr.children, keys),
                     "greedy_skip": greedy_paid(case.net, plan, case.today, SchoolSettings(), budget, skip=True)
                     - pr.children_today if skip else np.nan})
    out = pd.DataFrame(rows, columns=["seed", "kind", "budget", "optimum", "optimal", "greedy", "greedy_static",
                                      "greedy_skip"])
    has = out["optimum"] > 0
    for col, ratio in (("greedy", "ratio"), ("greedy_static", "ratio_static"), ("greedy_skip", "ratio_skip")):
        out[ratio] = np.where(has, out[col] / out["optimum"].where(has, 1.0), 1.0)
    return out


def random_gaps(seeds: range, folder: Path, skip: bool = True) -> pd.DataFrame:
    """:func:`case_gaps` on the random grids of ``seeds``, at :func:`share_budgets` (kind ``share``)
    and at the greedy's own curve points (kind ``curve``)."""
    frames = []
    for seed in seeds:
        case = random_case(seed, folder)
        plan = plan_to_full(case.net, case.today, case.settings, SchoolSettings())
        frames += [case_gaps(case, plan, share_budgets(case.problem), "share", skip),
                   case_gaps(case, plan, curve_budgets(plan), "curve", skip)]
    return pd.concat([f for f in frames if len(f)], ignore_index=True)


def summary(gaps: pd.DataFrame) -> str:
    """Per kind of budget: mean and worst ratio (greedy / optimum) where the optimum is above zero."""
    g = gaps[gaps["optimum"] > 0]
    lines = [f"{gaps['seed'].nunique()} grids; {len(g)} comparisons with a positive optimum, "
             f"{int(g['optimal'].sum())} of them solved to proven optimality"]
    for kind, k in g.groupby("kind", sort=False):
        lines += [f"  budgets '{kind}' ({len(k)}): greedy re-routed / static optimum: mean {k['ratio'].mean():.1%}, "
                  f"worst {k['ratio'].min():.1%}, 5th percentile {k['ratio'].quantile(0.05):.1%}; below 100 % in "
                  f"{int((k['ratio'] < 1 - 1e-9).sum())}, above in {int((k['ratio'] > 1 + 1e-9).sum())}",
                  f"      its fixes judged statically / static optimum: mean {k['ratio_static'].mean():.1%}, "
                  f"worst {k['ratio_static'].min():.1%}",
                  f"      paid skipping the picks that do not fit (re-routed) / static optimum: mean "
                  f"{k['ratio_skip'].mean():.1%}, worst {k['ratio_skip'].min():.1%}"]
    return "\n".join(lines)


def part_a(n: int) -> None:
    """(a): the gap distribution on ``n`` random grids."""
    print(f"\n(a) random small grids (5 × 6 nodes, 10 homes, 2 schools); budgets: 'share' = {BUDGET_SHARES} "
          "of the cost of fixing every reachable route, 'curve' = the greedy's own cumulative costs")
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        gaps = random_gaps(range(n), Path(tmp))
    print(summary(gaps))
    worst = gaps[gaps["optimum"] > 0].nsmallest(3, "ratio")
    print("worst cases:\n" + worst.to_string(index=False, float_format=lambda v: f"{v:,.3f}"))
    print(f"({time.perf_counter() - t0:.1f} s)")


def exact_gaps(seeds: range, folder: Path, max_elements: int = 10) -> pd.DataFrame:
    """The greedy against the **exact optimum with re-routing** (:func:`rerouting_frontier`) on the
    random 4 × 5 grids of ``seeds`` with at most ``max_elements`` fixable candidates (others skipped),
    at :func:`share_budgets` and the greedy's curve points; also the static optimum."""
    rows = []
    for seed in seeds:
        case = random_case(seed, folder, rows=4, cols=5, homes=6)
        pr = case.problem
        keys = np.flatnonzero(pr.fixable)
        if len(keys) > max_elements or pr.children.sum() <= 0:
            continue
        frontier = rerouting_frontier(case.net, case.today, keys, pr.cost, SchoolSettings())
        plan = plan_to_full(case.net, case.today, case.settings, SchoolSettings())
        for kind, budgets in (("share", share_budgets(pr)), ("curve", curve_budgets(plan))):
            for budget in budgets:
                fits = frontier[frontier["cost"] <= budget * (1 + 1e-9)]
                static = static_optimum(pr.pairs, pr.children, pr.cost, pr.fixable, budget)
                rows.append({"seed": seed, "kind": kind, "candidates": len(keys), "budget": budget,
                             "optimum": float(fits["children_safe"].iloc[-1]) - pr.children_today,
                             "static": static.children_made_safe,
                             "greedy": greedy_within(plan, budget) - pr.children_today})
    out = pd.DataFrame(rows, columns=["seed", "kind", "candidates", "budget", "optimum", "static", "greedy"])
    has = out["optimum"] > 0
    out["ratio"] = np.where(has, out["greedy"] / out["optimum"].where(has, 1.0), 1.0)
    out["static_ratio"] = np.where(has, out["static"] / out["optimum"].where(has, 1.0), 1.0)
    return out


def part_a_exact(n: int) -> None:
    """(a'): the gap to the exact optimum with re-routing, by enumeration, on ``n`` seeds of small grids."""
    print("\n(a') small grids (4 × 5 nodes, 6 homes, ≤ 10 fixable candidates): the greedy against the exact "
          "optimum WITH re-routing (every set of fixes tried)")
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        gaps = exact_gaps(range(1000, 1000 + n), Path(tmp))
    g = gaps[gaps["optimum"] > 0]
    print(f"{gaps['seed'].nunique()} grids of {n} enumerated (mean {gaps.groupby('seed')['candidates'].first().mean():.1f} "
          f"candidates); {len(g)} comparisons with a positive optimum")
    for kind, k in g.groupby("kind", sort=False):
        print(f"  budgets '{kind}' ({len(k)}): greedy / exact optimum: mean {k['ratio'].mean():.1%}, worst "
              f"{k['ratio'].min():.1%}, equal in {int((k['ratio'] > 1 - 1e-9).sum())}; static optimum / exact "
              f"optimum: mean {k['static_ratio'].mean():.1%}, worst {k['static_ratio'].min():.1%}")
    print("worst cases:\n" + g.nsmallest(3, "ratio").to_string(index=False, float_format=lambda v: f"{v:,.3f}"))
    print(f"({time.perf_counter() - t0:.1f} s)")


def _today(sc: Scenario, osm: list[Path]) -> tuple[Network, SchoolRoutes]:
    """Today's network and school routes of scenario ``sc`` on the street file ``osm``."""
    from mobisim.load.inputs import load_inputs
    from mobisim.pipeline.today import school_routes_today

    inputs, _ = timed("load inputs (cache when warm)", load_inputs, sc, osm, parking=False)
    (net, today), _ = timed("today: traffic, toets, school routes", school_routes_today, sc, inputs, [])
    return net, today


def optimum_at(net: Network, today: SchoolRoutes, problem: StaticProblem, budget: float, time_limit: float,
               s: SchoolSettings) -> tuple[StaticOptimum, float]:
    """The MILP at ``budget``, printed, and the children its fixes make safe re-routed (beyond today)."""
    opt = static_optimum(problem.pairs, problem.children, problem.cost, problem.fixable, budget, time_limit=time_limit)
    rerouted = children_with(net, today, opt.keys, s) - problem.children_today
    status = "optimal" if opt.optimal else f"NOT optimal ({opt.status}); bound {opt.bound:,.0f}"
    print(f"  €{budget / 1e6:>4.0f} M: MILP static optimum {opt.children_made_safe:8,.0f} children (€{opt.cost / 1e6:.2f} M, "
          f"{len(opt.keys)} fixes, {opt.seconds:.1f} s, {status}); its fixes re-routed {rerouted:8,.0f}", flush=True)
    return opt, rerouted


def compare(label: str, net: Network, today: SchoolRoutes, plan: PlanResult, problem: StaticProblem, budget: float,
            opt: StaticOptimum, s: SchoolSettings) -> None:
    """One line: the greedy's plan paid within ``budget`` against the MILP's static optimum ``opt``."""
    keys = paid_keys(net, plan, budget)
    greedy = children_with(net, today, keys, s) - problem.children_today
    judged = static_children(problem.pairs, problem.children, keys)
    ratio = greedy / opt.children_made_safe if opt.children_made_safe else float("nan")
    skip_keys = paid_keys(net, plan, budget, skip=True)
    skip = children_with(net, today, skip_keys, s) - problem.children_today
    print(f"  €{budget / 1e6:>4.0f} M, {label}: greedy paid €{problem.cost[keys].sum() / 1e6:.2f} M, "
          f"{greedy:8,.0f} children re-routed = {ratio:.1%} of the static optimum; its fixes judged statically "
          f"{judged:8,.0f} = {judged / max(opt.children_made_safe, 1e-9):.1%}; skipping picks that do not fit: "
          f"€{problem.cost[skip_keys].sum() / 1e6:.2f} M, {skip:8,.0f} children", flush=True)


def part_b(scenario: Path, wijken: list[str]) -> None:
    """(b): a part of the city, the greedy (default batching and plain) against the MILP at a few budgets.

    ``scheveningen-2025.osm.bz2`` has streets and schools but no homes (no buildings or residential
    landuse), so no child has a route there: the city file clipped to the wijk(en) stands in for it.
    """
    from mobisim.scenario import load_scenario

    print(f"\n(b) the wijk(en) {', '.join(wijken)} (den-haag-city-2021.osm.bz2 clipped; volt-2026.toml); "
          "scheveningen-2025.osm.bz2 holds no homes, so no school route")
    sc = load_scenario(scenario)
    sc = sc.model_copy(update={"area": sc.area.model_copy(update={"wijken": wijken})})
    net, today = _today(sc, [SHARED / "den-haag-city-2021.osm.bz2"])
    problem = static_problem(net, today, sc.plan, sc.schools)
    print(f"  {len(net.edges):,} segments; today {today.scores['share_safe']:.1%} of "
          f"{today.scores['children_total']:,.0f} children safe; open {problem.children.sum():,.0f} at "
          f"{len(problem.children):,} starts; {problem.pairs['key'].nunique():,} failing elements on their routes")
    plans = {}
    for share in (sc.plan.batch_share, 0.0):
        plans[share], _ = timed(f"greedy batch_share={share}", plan_to_full, net, today,
                                sc.plan.model_copy(update={"batch_share": share}), sc.schools)
        print(f"  batch {share:.2f}: {len(plans[share].steps) - 1} rounds, {plans[share].fixes['order'].nunique():,} "
              f"picks, {len(plans[share].fixes):,} fixes, end {plans[share].steps['share_safe'].iloc[-1]:.1%}")
    for budget in SCHEVENINGEN_BUDGETS:
        opt, _ = optimum_at(net, today, problem, budget, 60.0, sc.schools)
        for share, plan in plans.items():
            compare(f"batch {share:.2f}", net, today, plan, problem, budget, opt, sc.schools)


def part_c(scenario: Path, time_limit: float, shares: list[float]) -> None:
    """(c): the city, the batching's cost and the MILP at the 2027–2030 budget."""
    print("\n(c) the whole city (den-haag-city-2021.osm.bz2, volt-2026.toml)")
    from mobisim.scenario import load_scenario

    sc = load_scenario(scenario)
    net, today = _today(sc, [SHARED / "den-haag-city-2021.osm.bz2"])
    plans = {}
    for share in shares:
        plan, dt = timed(f"greedy batch_share={share}", plan_to_full, net, today,
                         sc.plan.model_copy(update={"batch_share": share}), sc.schools)
        plans[share] = plan
        cost = {round(m["target"] * 100): f"€{m['cost_central'] / 1e6:.1f} M" if m["reached"] else "not reached"
                for m in milestones(plan)}
        print(f"  batch {share:.2f}: 95 % {cost[95]}, 99 % {cost[99]}, 100 % {cost[100]}; "
              f"{len(plan.steps) - 1} rounds, {plan.fixes['order'].nunique():,} picks, {dt:.1f} s; "
              f"end {plan.steps['share_safe'].iloc[-1]:.2%}; peak RSS {rss_mb():.0f} MB", flush=True)
    budget = float(sum(sc.plan.budget_eur_by_year.values()))
    problem, _ = timed("static problem (route bundles)", static_problem, net, today, sc.plan, sc.schools)
    print(f"  open children {problem.children.sum():,.0f} at {len(problem.children):,} starts; "
          f"{problem.pairs['key'].nunique():,} failing elements on their routes")
    opt, _ = optimum_at(net, today, problem, budget, time_limit, sc.schools)
    for share, plan in plans.items():
        compare(f"batch {share:.2f}", net, today, plan, problem, budget, opt, sc.schools)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", type=Path, default=REPO / "scenarios" / "volt-2026.toml")
    parser.add_argument("--part", choices=["a", "x", "b", "c"], action="append",
                        help="default: all (x: the exact optimum with re-routing on small grids)")
    parser.add_argument("--exact-grids", type=int, default=20, help="seeds of (x) (grids with too many candidates skipped)")
    parser.add_argument("--wijk", action="append", help="the wijk(en) of (b); default: Scheveningen")
    parser.add_argument("--grids", type=int, default=40, help="random grids of (a)")
    parser.add_argument("--batch", type=float, action="append", help="batch_share of (c); default 0.05, 0.02, 0.01")
    parser.add_argument("--time-limit", type=float, default=300.0, help="seconds for the city's MILP")
    args = parser.parse_args()
    parts = args.part or ["a", "x", "b", "c"]
    if "a" in parts:
        part_a(args.grids)
    if "x" in parts:
        part_a_exact(args.exact_grids)
    if "b" in parts:
        part_b(args.scenario, args.wijk or ["Scheveningen"])
    if "c" in parts:
        part_c(args.scenario, args.time_limit, args.batch or [0.05, 0.02, 0.01])
    return 0


if __name__ == "__main__":
    sys.exit(main())
