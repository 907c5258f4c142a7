"""The plan to 100 % (issue 16) on a hand-written grid (tests/data/plan_grid.osm).

The grid (metres, x east / y north; node ids in brackets)::

    [5](0,150) ─ Noordstraat ─ [6](90,150) ──── [7](220,150) ── [8](320,150)  ← Het Anker (near 8)
      │ Westweg                  │ Lindelaan      │ Ankerlaan       │ Oostweg
    [1](0,0) ─── Zuidstraat ─── [2](100,0) ───── [3](220,0) ──── [4](320,0)
      ↑ De Linde (near 1)

Homes: 20 children at node 3 (→ De Linde via 3-2-1), 30 at node 6 (→ Het Anker via 6-7-8) and 10
at node 7 (→ Het Anker via 7-8). The toets verdicts are set by hand per test (the toets itself is
tested elsewhere), so the fix types and costs are known: a cycle track costs €1.5 M/km, a
modal filter €11.5 k per segment (a fietsstraat €0.6 M/km), a refuge island €40 k (central defaults).
"""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from frames import scenario_error
from shapely.geometry import Point, box

from mobisim.plan import (
    FIX_TYPES,
    PlanSettings,
    apply_fixes,
    candidate_fixes,
    milestones,
    plan_csv,
    plan_to_full,
    programme,
)
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
    fail_segment(net, 6, 7, "B7-lts", "cut motor traffic (modal filter) below the LTS 1 volume")  # modal filter
    fail_crossing(net, 7)  # refuge island


def test_candidates_map_the_toets_fix_to_a_type_and_a_cost(net):
    four_failures(net)
    c = candidate_fixes(net, PlanSettings()).set_index("id")
    assert c.loc[edge(net, 1, 2), "fix_type"] == "cycle_track"
    assert c.loc[edge(net, 6, 7), "fix_type"] == "modal_filter"  # too much traffic on a 30-street
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
    assert by_order.tolist() == [2027, 2028]  # €51.5 k in 2027; the €330 k Zuidstraat pair in 2028
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


def test_a_busy_30_street_gets_a_modal_filter_per_segment_and_the_note(net):
    four_failures(net)
    long_ = fail_segment(net, 2, 6, "B7-lts", "cut motor traffic (modal filter) below the LTS 1 volume")
    c = candidate_fixes(net, PlanSettings())
    filters = c[c["element"] == "segment"].set_index("id").loc[[edge(net, 6, 7), long_]]
    assert filters["fix_type"].tolist() == ["modal_filter"] * 2
    assert filters["length_m"].nunique() == 2  # different lengths, the same price: one filter each
    assert filters["cost_central"].tolist() == [PlanSettings().unit_costs["modal_filter"].central] * 2
    plan = plan_to_full(net, today(net), EXACT, SchoolSettings())
    assert "modal_filter" in set(plan.fixes["fix_type"])
    assert any("does not re-assign the motor traffic" in n for n in plan.notes)


def test_the_busy_street_fix_can_be_a_fietsstraat(net):
    four_failures(net)
    settings = EXACT.model_copy(update={"busy_street_fix": "fietsstraat"})
    c = candidate_fixes(net, settings)
    row = c[c["element"] == "segment"].set_index("id").loc[edge(net, 6, 7)]
    assert row["fix_type"] == "fietsstraat"
    assert row["cost_central"] == pytest.approx(row["length_m"] / 1000 * settings.unit_costs["fietsstraat"].central)
    plan = plan_to_full(net, today(net), settings, SchoolSettings())
    assert "modal_filter" not in set(plan.fixes["fix_type"])
    assert not any("modal filter" in n for n in plan.notes)


def two_wijken(net) -> gpd.GeoDataFrame:
    """West (nodes 1, 2, 5, 6 and the midpoints of 1-2, 2-3, 6-7) and East (nodes 3, 4, 7, 8)."""
    p = net.nodes.geometry
    x0, y0, x4, y8 = p.loc[1].x, p.loc[1].y, p.loc[4].x, p.loc[8].y
    split = x0 + 200  # between the 2-3 midpoint (x0 + 160) and node 3 (x0 + 220)
    return gpd.GeoDataFrame({"code": ["WK02", "WK01"], "name": ["Oost", "West"]},
                            geometry=[box(split, y0 - 50, x4 + 50, y8 + 50), box(x0 - 50, y0 - 50, split, y8 + 50)],
                            crs=CRS)


def test_per_wijk_results_add_up_to_the_city(net):
    four_failures(net)
    result = today(net)
    settings = EXACT.model_copy(update={"budget_eur_by_year": {2027: 60_000.0}})  # pays only Noordstraat's pair
    plan = plan_to_full(net, result, settings, SchoolSettings(), wijken=two_wijken(net))
    w = plan.wijken
    assert w.index.tolist() == ["WK01", "WK02"] and w["name"].tolist() == ["West", "Oost"]
    assert w["children"].tolist() == [30.0, 30.0]  # node 6 in West; nodes 3 and 7 in Oost
    assert w["children"].sum() == pytest.approx(sum(HOMES.values()))
    city = {"share_today": result.scores["share_safe"], "share_budget": plan.share_by_year[2027],
            "share_end": plan.steps["share_safe"].iloc[-1]}
    for col, share in city.items():
        assert (w[col] * w["children"]).sum() / w["children"].sum() == pytest.approx(share), col
    # with the budget: West's 30 children ride Noordstraat to Het Anker; in Oost only node 7's 10 of 30
    assert w["share_budget"].tolist() == [pytest.approx(1.0), pytest.approx(10 / 30)]
    assert w["share_end"].tolist() == [1.0, 1.0]
    assert w["fixes"].tolist() == [3.0, 1.0]  # the three segments in West, the crossing at node 7 in Oost
    assert w["fixes"].sum() == len(plan.fixes)
    for col in ("cost_low", "cost_central", "cost_high"):
        assert w[col].sum() == pytest.approx(plan.fixes[col].sum())
    crossing = plan.fixes.loc[plan.fixes["element"] == "crossing", "cost_central"].sum()
    assert w.loc["WK02", "cost_central"] == pytest.approx(crossing)
    schools = plan.schools.set_index("name").loc[["Basisschool De Linde", "Basisschool Het Anker"], "share_budget"]
    assert schools.tolist() == [pytest.approx(0.0), pytest.approx(1.0)]  # De Linde waits for Zuidstraat


def test_per_wijk_is_empty_without_polygons(net):
    four_failures(net)
    plan = plan_to_full(net, today(net), EXACT, SchoolSettings())
    assert plan.wijken.empty and plan.wijken.index.name == "code"
    assert {"share_budget", "fixes", "cost_central"} <= set(plan.wijken.columns)


def _cost_table(types, source: str = "estimate") -> str:
    return "".join(f'[plan.unit_costs.{t}]\nlow = 1\ncentral = 2\nhigh = 3\nsource = "{source}"\n' for t in types)


def test_a_cost_table_without_modal_filter_gives_one_clear_error(write):
    table = _cost_table([t for t in FIX_TYPES if t != "modal_filter"])
    text = scenario_error(write('name = "t"\n[data]\nosm = ["x.osm"]\n' + table))
    assert "no unit cost for fix type(s) modal_filter: give low, central and high for each" in text, text


def test_a_unit_cost_source_is_kept(write, net):
    from mobisim.scenario import load_scenario

    sc = load_scenario(write('name = "t"\n[data]\nosm = ["x.osm"]\n' + _cost_table(FIX_TYPES, "Den Haag 2026 bestek")))
    assert {c.source for c in sc.plan.unit_costs.values()} == {"Den Haag 2026 bestek"}
    assert sc.plan.unit_costs["modal_filter"].central == 2.0
    defaults = PlanSettings().unit_costs
    assert "https://www.utrecht.nl/" in defaults["raised_crossing"].source
    assert all(c.source for c in defaults.values())


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


def test_a_fietsstraat_fixes_a_busy_30_street_only_below_the_toets_bound():
    """``busy_street_fix = "fietsstraat"``: the sign does not lower the traffic, so a street above
    ``toets.fietsstraat_max_daily_traffic`` (B4 would still fail it) gets a filter."""
    from mobisim.plan.candidates import segment_fix_types

    edges = pd.DataFrame({"toets_bike_rule": ["B7-lts", "B7-lts", "B7-lts", "B8-mixed-30"],
                          "toets_bike_fix": ["cut motor traffic (modal filter) below the LTS 1 volume"] * 3 + [None],
                          "maxspeed": [30.0, 30.0, 30.0, 30.0], "daily_traffic": [2_000.0, 6_000.0, np.nan, 500.0]})
    edges.attrs["toets_fietsstraat_max_daily"] = 2_500.0
    fiets = segment_fix_types(edges, PlanSettings(busy_street_fix="fietsstraat"))
    assert list(fiets) == ["fietsstraat", "modal_filter", "fietsstraat", ""]
    edges.attrs["toets_fietsstraat_max_daily"] = 10_000.0  # the scenario's bound decides
    assert list(segment_fix_types(edges, PlanSettings(busy_street_fix="fietsstraat")))[:2] == ["fietsstraat"] * 2
    assert list(segment_fix_types(edges, PlanSettings())) == ["modal_filter"] * 3 + [""]
