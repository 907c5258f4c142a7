"""The plan to 100 % (issue 16) on a hand-written grid (tests/data/plan_grid.osm).

The grid (metres, x east / y north; node ids in brackets)::

    [5](0,150) ─ Noordstraat ─ [6](90,150) ──── [7](220,150) ── [8](320,150)  ← Het Anker (near 8)
      │ Westweg                  │ Lindelaan      │ Ankerlaan       │ Oostweg
    [1](0,0) ─── Zuidstraat ─── [2](100,0) ───── [3](220,0) ──── [4](320,0)
      ↑ De Linde (near 1)

Homes: 20 children at node 3 (→ De Linde via 3-2-1), 30 at node 6 (→ Het Anker via 6-7-8) and 10
at node 7 (→ Het Anker via 7-8). The toets verdicts are set by hand per test (the toets itself is
tested elsewhere), so the fix types and costs are known: a cycle track costs €1.5 M/km, a
fietsstraat €0.6 M/km, a refuge island €40 k (central defaults).
"""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from frames import scenario_error
from shapely.geometry import Point

from mobisim.plan import PlanSettings, apply_fixes, candidate_fixes, milestones, plan_csv, plan_to_full, programme
from mobisim.schools import SchoolSettings, evaluate_school_routes, fix_weakest_links, primary_schools

CRS = "EPSG:28992"
HOMES = {3: 20.0, 6: 30.0, 7: 10.0}
EXACT = PlanSettings(batch_share=0.0)  # one pick per re-routing


@pytest.fixture
def net(data_dir):
    from mobisim.load import load_network

    net = load_network([data_dir / "plan_grid.osm"], cache=False)
    e, n = net.edges, net.nodes
    e["toets_bike"] = pd.array(["pass"] * len(e), dtype=object)
    for col in ("toets_bike_rule", "toets_bike_fix", "toets_bike_reason", "regime", "regime_rule"):
        e[col] = pd.array([None] * len(e), dtype=object)
    n["toets_crossing"] = pd.array(["n/a"] * len(n), dtype=object)
    for col in ("toets_crossing_rule", "toets_crossing_fix", "toets_crossing_reason"):
        n[col] = pd.array([None] * len(n), dtype=object)
    return net


def edge(net, a: int, b: int) -> int:
    e = net.edges
    hit = e.index[((e["u"] == a) & (e["v"] == b)) | ((e["u"] == b) & (e["v"] == a))]
    assert len(hit) == 1, (a, b)
    return hit[0]


def fail_segment(net, a: int, b: int, rule: str = "B6-mixed-fast",
                 fix: str = "add a separated cycle track (both sides, or a two-way track)") -> int:
    i = edge(net, a, b)
    net.edges.loc[i, ["toets_bike", "toets_bike_rule", "toets_bike_fix"]] = ["fail", rule, fix]
    return i


def fail_crossing(net, node: int, rule: str = "X8-no-island") -> None:
    net.nodes.loc[node, ["toets_crossing", "toets_crossing_rule", "toets_crossing_fix"]] = [
        "fail", rule, f"add a refuge island (≥ 1.80 m wide) at node {node}, or lower the limit to 30 km/h"]


def today(net):
    pts = [Point(net.nodes.geometry.loc[n].x + 5, net.nodes.geometry.loc[n].y + 5) for n in HOMES]
    origins = gpd.GeoDataFrame({"children": list(HOMES.values())}, geometry=pts, crs=CRS)
    schools = primary_schools(net.features)
    return evaluate_school_routes(net, SchoolSettings(), schools=schools, origins=origins, write_columns=False)


def share_with(net, result, keys) -> float:
    after = evaluate_school_routes(apply_fixes(net, np.asarray(keys, np.int64)), SchoolSettings(),
                                   schools=result.schools[["name", "geometry"]],
                                   origins=result.origins[["children", "geometry"]], write_columns=False)
    return float(after.scores["share_safe"])


def four_failures(net) -> None:
    fail_segment(net, 1, 2)  # Zuidstraat, 100 m: cycle track
    fail_segment(net, 2, 3)  # Zuidstraat, 120 m: cycle track
    fail_segment(net, 6, 7, "B7-lts", "cut motor traffic (modal filter) below the LTS 1 volume")  # fietsstraat
    fail_crossing(net, 7)  # refuge island


def test_candidates_map_the_toets_fix_to_a_type_and_a_cost(net):
    four_failures(net)
    c = candidate_fixes(net, PlanSettings()).set_index("id")
    assert c.loc[edge(net, 1, 2), "fix_type"] == "cycle_track"
    assert c.loc[edge(net, 6, 7), "fix_type"] == "fietsstraat"  # a 30-street: B4 passes a fietsstraat
    seg = c.loc[edge(net, 2, 3)]
    assert seg["cost_central"] == pytest.approx(seg["length_m"] / 1000 * 1_500_000)
    cross = c[c["element"] == "crossing"].loc[7]
    assert (cross["fix_type"], cross["cost_central"]) == ("refuge_island", 40_000)


def test_greedy_equals_the_brute_force_optimum(net):
    four_failures(net)
    result = today(net)
    plan = plan_to_full(net, result, EXACT, SchoolSettings())
    cand = candidate_fixes(net, EXACT)
    keys = cand.index.to_list()
    cost = cand["cost_central"].to_dict()
    best: dict[float, float] = {}  # share → least cost reaching it
    for r in range(len(keys) + 1):
        for subset in itertools.combinations(keys, r):
            share = round(share_with(net, result, subset), 9)
            total = sum(cost[k] for k in subset)
            best[share] = min(best.get(share, np.inf), total)
    steps = plan.steps
    assert steps["share_safe"].iloc[-1] == pytest.approx(1.0)
    for share, spent in zip(steps["share_safe"], steps["cost_central"]):
        cheapest = min(c for s, c in best.items() if s >= round(share, 9) - 1e-9)
        assert spent == pytest.approx(cheapest), (share, spent, cheapest)
    assert len(steps) == 3  # today, then the Noordstraat pair (40 children), then Zuidstraat (20)
    schools = plan.schools.set_index("name")
    assert schools.loc["Basisschool De Linde", "share_today"] == 0.0
    assert schools.loc[["Basisschool De Linde", "Basisschool Het Anker"], "share_end"].tolist() == [1.0, 1.0]
    assert steps["share_safe"].iloc[1] == pytest.approx(40 / 60)


def test_a_fix_that_exposes_the_next_weak_link_is_accounted_for(net):
    fail_segment(net, 2, 3)
    fail_crossing(net, 2)  # the children of node 3 also cross at node 2
    result = today(net)
    share0 = result.scores["share_safe"]
    # the static ranking's top link alone makes no child safe: the route then fails at the next one
    top1 = fix_weakest_links(net, 1, result)
    assert share_with(top1, result, []) == pytest.approx(share0)
    plan = plan_to_full(net, result, EXACT, SchoolSettings())
    assert set(plan.fixes["element"]) == {"segment", "crossing"}
    assert plan.fixes["order"].nunique() == 1  # fixed together: one pick
    assert plan.steps["share_safe"].iloc[-1] == pytest.approx(share_with(net, result, candidate_fixes(net, EXACT).index))
    assert plan.steps["share_safe"].iloc[-1] == pytest.approx(1.0)


def test_an_excluded_road_is_never_chosen(net):
    four_failures(net)
    i = edge(net, 1, 2)
    net.edges.loc[i, ["regime", "regime_rule"]] = ["out_of_scope", "R1-national-route"]
    plan = plan_to_full(net, today(net), EXACT, SchoolSettings())
    assert i not in set(plan.fixes.loc[plan.fixes["element"] == "segment", "id"])
    assert edge(net, 2, 3) not in set(plan.fixes["id"])  # useless without 1-2
    assert plan.excluded.loc[0, "id"] == i and "R1-national-route" in plan.excluded.loc[0, "excluded"]
    assert plan.unreached["children"].sum() == pytest.approx(20)
    assert "cannot fix" in plan.unreached.loc[0, "reason"]
    assert [m["reached"] for m in milestones(plan)] == [False, False, False]


def test_a_rail_crossing_is_excluded_and_named(net):
    four_failures(net)
    net.nodes.loc[7, "railway"] = "level_crossing"
    plan = plan_to_full(net, today(net), EXACT, SchoolSettings())
    assert 7 not in set(plan.fixes.loc[plan.fixes["element"] == "crossing", "id"])
    row = plan.excluded[(plan.excluded["element"] == "crossing") & (plan.excluded["id"] == 7)]
    assert row["excluded"].str.startswith("rail crossing").all() and row["children"].tolist() == [40.0]
    assert plan.fixes["id"].tolist() == [edge(net, 1, 2), edge(net, 2, 3)]  # only De Linde's route is fixable


def test_a_budget_of_zero_gives_an_empty_programme(net):
    four_failures(net)
    result = today(net)
    plan = plan_to_full(net, result, EXACT.model_copy(update={"budget_eur_by_year": {2027: 0.0}}), SchoolSettings())
    assert len(plan.fixes) and plan.fixes["year"].isna().all()
    years = programme(plan)
    assert years["fixes"].tolist() == [0] and years["cost_central"].tolist() == [0.0]
    assert years["share_after"].tolist() == [pytest.approx(result.scores["share_safe"])]  # nothing changes


def test_the_budget_pays_the_fixes_in_order(net):
    four_failures(net)
    plan = plan_to_full(net, today(net), EXACT.model_copy(update={"budget_eur_by_year": {2027: 150_000.0,
                                                                                          2028: 400_000.0}}),
                        SchoolSettings())
    by_order = plan.fixes.groupby("order")["year"].first()
    assert by_order.tolist() == [2027, 2028]  # €118 k in 2027; the €330 k Zuidstraat pair in 2028
    assert programme(plan)["share_after"].tolist() == [pytest.approx(40 / 60), pytest.approx(1.0)]


def test_deterministic_and_the_csv(net):
    four_failures(net)
    result = today(net)
    a = plan_to_full(net, result, PlanSettings(), SchoolSettings())
    b = plan_to_full(net, result, PlanSettings(), SchoolSettings())
    pd.testing.assert_frame_equal(a.fixes, b.fixes)
    text = plan_csv(a)
    assert text.splitlines()[0].startswith("order,year,street,element,id,fix_type,cost_low,cost_central,cost_high")
    assert len(text.splitlines()) == len(a.fixes) + 1 == 5


@pytest.mark.parametrize(("table", "message"), [
    ("[plan.unit_costs.signals]\nlow = -1\ncentral = 1\nhigh = 2\n", "plan.unit_costs.signals.low: expected a number ≥ 0"),
    ("[plan.unit_costs.signals]\nlow = nan\ncentral = 1\nhigh = 2\n", "plan.unit_costs.signals.low: expected a finite"),
    ("[plan.unit_costs.signals]\nlow = 1\ncentral = 2\nhigh = 3\n", "no unit cost for fix type(s) cycle_track"),
    ("[plan.budget_eur_by_year]\n2027 = -5\n", "plan.budget_eur_by_year"),
])
def test_bad_cost_settings_give_one_clear_error(write, table, message):
    text = scenario_error(write('name = "t"\n[data]\nosm = ["x.osm"]\n' + table))
    assert message in text, text


def test_the_cli_writes_plan_csv(data_dir, tmp_path):
    from typer.testing import CliRunner

    from mobisim.cli import app

    res = CliRunner().invoke(app, ["plan", str(data_dir / "render_scenario.toml"), "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert "The plan to 100 %" in res.output and "2027" in res.output
    rows = pd.read_csv(tmp_path / "plan.csv")
    assert len(rows) and rows["cost_central"].gt(0).all() and rows["share_after"].is_monotonic_increasing


def test_the_cli_ends_bad_input_with_one_line(data_dir, tmp_path):
    from typer.testing import CliRunner

    from mobisim.cli import app

    res = CliRunner().invoke(app, ["plan", str(data_dir / "render_scenario.toml"), "--osm", str(tmp_path / "no.osm")])
    assert res.exit_code == 2 and res.output.strip().endswith("no.osm: file not found")
    (tmp_path / "f").write_text("x")
    res = CliRunner().invoke(app, ["plan", str(data_dir / "render_scenario.toml"), "--out", str(tmp_path / "f")])
    assert res.exit_code == 2 and "--out needs a folder" in res.output
