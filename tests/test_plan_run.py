"""The plan to 100 % inside ``mobisim run`` (issue 16): ``[plan] in_run`` adds the plan's figures to
``scores.json`` and the headline, the ``plan`` / ``plan_crossings`` layers to ``layers.gpkg``, the
view "The plan" to the map, a chapter with the cost curve to the report, and ``plan.csv``; ``mobisim
compare`` shows the run with the plan against one without.

On the hand-written test city (``tests/data/render_scenario.toml``): its school routes fail at
the Hoofdweg crossings today, so the plan has fixes to choose.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyogrio
import pytest

from mobisim.plan import plan_csv
from mobisim.render.charts import cost_curve, to_svg
from mobisim.score.plan import budget_share_range


def _scenario(data_dir, *, in_run: bool):
    from mobisim.scenario import load_scenario

    sc = load_scenario(data_dir / "render_scenario.toml")
    return sc.model_copy(update={"plan": sc.plan.model_copy(update={"in_run": in_run})})


@pytest.fixture(scope="module")
def runs(data_dir, tmp_path_factory):
    """The test city run with the plan (Dutch and English reports) and without it."""
    from mobisim.pipeline import run_scenario

    root = tmp_path_factory.mktemp("plan_run")
    out = {}
    for key, in_run, lang in (("plan", True, "nl"), ("plan_en", True, "en"), ("none", False, "nl")):
        out[key] = run_scenario(_scenario(data_dir, in_run=in_run), out_dir=root / key, progress=False, lang=lang)
    return out


def test_plan_scores_agree_with_the_school_routes(runs):
    r = runs["plan"]
    value = r.scores["plan"]["value"]
    assert value["today"] == pytest.approx(r.scores["school_children_safe_before"]["value"], abs=1e-5)
    assert value["today"] < 1.0  # the test city has children without a safe route today
    assert value["share_budget"] >= value["today"]
    low, high = value["share_budget_range"]
    assert low <= value["share_budget"] <= high
    assert value["fixes"] == len(r.plan.fixes) > 0
    assert [row["year"] for row in value["by_year"]] == sorted(r.plan.budget)
    assert sum(row["fixes"] for row in value["by_year"]) == value["fixes_in_budget"]
    bound = value["static_optimum_budget"]  # the MILP's cross-check: between today and everyone
    assert bound["optimal"] and value["today"] - 1e-9 <= bound["share"] <= 1.0
    assert "Cross-check: the mathematically best choice" in runs["plan_en"].paths["report_md"].read_text("utf-8")
    head = r.scores["headline"]["children_safe_plan"]
    assert head["value"] == value["share_budget"] and head["before"] == value["today"]
    assert "estimate" in head["note"]


def test_run_without_the_plan_has_none(runs):
    r = runs["none"]
    assert r.plan is None and "plan" not in r.scores and "children_safe_plan" not in r.scores["headline"]
    assert not (r.out_dir / "plan.csv").exists()
    assert not {"plan", "plan_crossings"} & set(pyogrio.list_layers(r.paths["gpkg"])[:, 0])
    assert "Het plan naar 100 %" not in r.paths["report_md"].read_text(encoding="utf-8")


def test_plan_layers_in_the_geopackage(runs):
    r = runs["plan"]
    layers = set(pyogrio.list_layers(r.paths["gpkg"])[:, 0])
    fixes = r.plan.fixes
    for name, element in (("plan", "segment"), ("plan_crossings", "crossing")):
        n = int((fixes["element"] == element).sum())
        if not n:
            assert name not in layers
            continue
        layer = pyogrio.read_dataframe(r.paths["gpkg"], layer=name)
        assert len(layer) == n
        assert set(layer["when"]) <= {str(y) for y in r.plan.budget} | {f"after {max(r.plan.budget)}"}
        assert layer.geometry.notna().all() and not layer.geometry.is_empty.any()
    assert (fixes["element"] == "crossing").any()  # the test city's fixes include crossings


def test_plan_csv_is_written_with_the_run(runs):
    r = runs["plan"]
    assert r.paths["plan"].read_text(encoding="utf-8") == plan_csv(r.plan)


def test_map_has_the_plan_view(runs):
    html = runs["plan"].paths["map"].read_text(encoding="utf-8")
    assert "The plan to 100 %: fixes by year" in html and '"plan_crossings"' in html
    assert "The plan to 100 %" not in runs["none"].paths["map"].read_text(encoding="utf-8")


def test_report_chapter_with_the_curve(runs):
    nl = runs["plan"].paths["report_md"].read_text(encoding="utf-8")
    en = runs["plan_en"].paths["report_md"].read_text(encoding="utf-8")
    assert "# Het plan naar 100 %" in nl and "Wat het budget koopt, jaar na jaar" in nl
    assert "# The plan to 100 %" in en and "What the budget buys, year by year" in en
    assert "**The plan to 100 %:** with the budget" in en  # page 1
    assert "| Hoofdweg | traffic signals |" in en  # a fix of the test city, per street
    html = runs["plan_en"].paths["report_html"].read_text(encoding="utf-8")
    assert "cumulative cost (€ million)" in html  # the cost curve's axis, in the inline SVG


def test_compare_shows_plan_against_no_plan(runs):
    from mobisim.render.report import compare_scores

    a = json.loads(runs["none"].paths["scores"].read_text(encoding="utf-8"))
    b = json.loads(runs["plan"].paths["scores"].read_text(encoding="utf-8"))
    table = compare_scores(a, b).set_index("score")
    row = table.loc[b["headline"]["children_safe_plan"]["label"]]
    assert np.isnan(row["a"]) and row["b"] == pytest.approx(b["plan"]["value"]["share_budget"])
    same = table.loc[b["headline"]["children_safe"]["label"]]
    assert same["a"] == pytest.approx(same["b"])  # the plan does not change the scenario's own figures


def test_budget_range_reads_the_curve_at_low_and_high_costs():
    steps = pd.DataFrame({"cost_low": [0, 0.5e6, 1.5e6, 3e6], "cost_central": [0, 1e6, 3e6, 6e6],
                          "cost_high": [0, 2e6, 6e6, 12e6], "share_safe": [0.5, 0.7, 0.8, 0.9]})
    assert budget_share_range(steps, 3e6, 0.8) == [0.7, 0.9]
    assert budget_share_range(steps, 0.0, 0.5) == [0.5, 0.5]


def test_cost_curve_chart_is_deterministic_svg():
    args = ({"central": [0, 1, 3], "low": [0, 0.5, 1.5], "high": [0, 2, 6]}, [50.0, 70.0, 80.0])
    svg = to_svg(cost_curve(*args, xlabel="€ M", ylabel="share", budget=2.0, budget_label="budget"))
    assert svg.startswith("<svg") and "budget" in svg
    assert svg == to_svg(cost_curve(*args, xlabel="€ M", ylabel="share", budget=2.0, budget_label="budget"))


@pytest.fixture(scope="module")
def today_city(data_dir):
    """Today's network and school routes of the test city, and its plan (crossing fixes only)."""
    from mobisim.load.inputs import load_inputs
    from mobisim.pipeline.today import school_routes_today
    from mobisim.plan import plan_to_full

    sc = _scenario(data_dir, in_run=True)
    inputs = load_inputs(sc, None, parking=False)
    net, today = school_routes_today(sc, inputs, [])
    return sc, inputs, net, today, plan_to_full(net, today, sc.plan, sc.schools)


def _with_filter(plan, net, street: str):
    """The plan with one modal filter on ``street``'s first segment, paid in the first budget year."""
    import dataclasses

    edge_id = int(net.edges.index[net.edges["name"].astype("string").eq(street).fillna(False).to_numpy(bool)][0])
    row = plan.fixes.iloc[[0]].assign(element="segment", id=edge_id, fix_type="modal_filter", street=street,
                                      year=min(plan.budget), order=plan.fixes["order"].max() + 1)
    return dataclasses.replace(plan, fixes=pd.concat([plan.fixes, row], ignore_index=True))


def test_traffic_check_runs_only_for_paid_filters(today_city):
    from mobisim.pipeline.plan import check_displaced_traffic

    sc, inputs, net, today, plan = today_city
    assert not (plan.fixes["fix_type"] == "modal_filter").any()
    assert check_displaced_traffic(net, today, plan, sc, inputs, []) is None
    import dataclasses

    notes: list[str] = []
    no_model = dataclasses.replace(net, traffic=None)
    assert check_displaced_traffic(no_model, today, _with_filter(plan, net, "Schoolstraat"), sc, inputs, notes) is None
    assert any("not re-assigned" in n for n in notes)


def test_traffic_check_re_assigns_and_never_raises_the_share(today_city):
    from mobisim.pipeline.plan import check_displaced_traffic

    sc, inputs, net, today, plan = today_city
    filtered = _with_filter(plan, net, "Schoolstraat")
    checked = check_displaced_traffic(net, today, filtered, sc, inputs, [])
    assert checked is not None
    check, routes = checked
    assert check["filters"] == 1 and check["share_budget"] == routes.scores["share_safe"]
    assert 0 <= check["newly_failing_on_school_routes"] <= check["newly_failing_segments"]
    assert check["share_budget"] <= check["share_budget_unchecked"] + 1e-9
    if check["newly_failing_segments"] == 0:  # same fixes, same verdicts: the same share
        assert check["share_budget"] == pytest.approx(check["share_budget_unchecked"])
    assert "through_traffic" not in net.edges.columns or net.edges["through_traffic"].all()  # today untouched


def test_headline_takes_the_checked_share_when_filters_move_traffic():
    from mobisim.pipeline.headline import _plan_row

    plan = {"today": 0.76, "share_budget": 0.975, "share_budget_range": [0.9, 0.99],
            "by_year": [{"year": 2027}, {"year": 2030}], "traffic_check": None}
    row = _plan_row({"plan": {"value": plan}})
    assert row is not None and row["value"] == 0.975 and row["range"] == [0.9, 0.99] and "by 2030" in row["label"]
    plan["traffic_check"] = {"filters": 576, "share_budget": 0.851, "share_budget_unchecked": 0.975,
                             "newly_failing_segments": 702, "newly_failing_km": 31.7,
                             "newly_failing_on_school_routes": 481}
    row = _plan_row({"plan": {"value": plan}})
    assert row is not None and row["value"] == 0.851 and row["range"] == [0.851, 0.975]
    assert "576 modal filters" in row["note"] and "702 segments" in row["note"]


def test_checked_shares_per_school_come_from_the_checked_routes(today_city):
    from mobisim.pipeline.plan import _checked_shares, check_displaced_traffic

    sc, inputs, net, today, plan = today_city
    import dataclasses

    filtered = _with_filter(plan, net, "Schoolstraat")
    filtered = dataclasses.replace(filtered, schools=filtered.schools.copy())  # the fixture's plan stays as it is
    checked = check_displaced_traffic(net, today, filtered, sc, inputs, [])
    assert checked is not None
    _, routes = checked
    _checked_shares(filtered, routes, inputs)
    expected = routes.schools["share_safe"].reindex(filtered.schools.index).to_numpy(float)
    np.testing.assert_allclose(filtered.schools["share_checked"].to_numpy(float), expected)
    assert len(filtered.schools) > 0
