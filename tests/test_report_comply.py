"""The council report: comply-or-explain tables, escaping, HTML rendering, run comparison."""

from __future__ import annotations

import types
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString

from mobisim import pipeline
from mobisim.render import report
from mobisim.scenario import Scenario

SCRIPT_NAME = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def evaluated(data_dir: Path):
    """Before (toets at today's limits) and after (proposal) networks of the fixture, with school routes.

    Homes may start on a main road here (``start_avoid_classes = []``), so that some children's
    routes run along the failing Hoofdweg and the school-route failure tables have rows.
    """
    sc = Scenario.model_validate({"name": "report-test", "schools": {"start_avoid_classes": []}})
    inputs = pipeline.load_inputs(sc, [data_dir / "render_city.osm", data_dir / "render_buildings.osm"])
    base = inputs.net
    after = pipeline.apply_interventions(base, sc)
    pipeline.evaluate_rules(base, sc, inputs, proposal=False)
    pipeline.evaluate_rules(after, sc, inputs, proposal=True)
    sb = pipeline.evaluate_schools(base, sc, inputs)
    sa = pipeline.evaluate_schools(after, sc, inputs)
    return types.SimpleNamespace(name="report-test", scores={}, before=base, after=after, schools_before=sb,
                                 schools_after=sa, parking=None, notes=["a note with a | pipe"])


def test_md_escape_neutralises_markup_and_tables():
    assert report.md_escape("a|b") == "a\\|b"
    assert report.md_escape(SCRIPT_NAME) == "\\<script\\>alert(1)\\</script\\>"
    assert report.md_escape("two\nlines") == "two lines"
    assert report.md_escape(None) == "" and report.md_escape(float("nan")) == ""


def test_every_fifty_road_is_explained():
    # the fixture has no road that keeps 50 (its criteria fail), so give two streets the 50 regime
    edges = pd.DataFrame({
        "name": pd.array(["Laan A", "Laan A", None, "Weg B"], dtype="string"),
        "highway": ["primary", "primary", "secondary", "residential"], "way_id": [1, 1, 2, 3],
        "length": [400.0, 600.0, 250.0, 100.0], "regime": ["50", "50", "50", "30"],
        "regime_rule": ["R5-50-justified"] * 4, "regime_reason": ["all four pass"] * 3 + ["30 default"],
    })
    table = report.fifty_roads(edges)
    assert list(table["street"]) == ["Laan A", "(unnamed secondary 2)"]
    assert table["km"].tolist() == pytest.approx([1.0, 0.25])
    assert table["segments"].tolist() == [2, 1]
    assert set(table["why"]) == {"all four pass"}


def test_every_fifty_road_of_a_run_is_in_its_report_section(data_dir: Path):
    """rules_fifty.osm: Snelle Laan and Drukke Laan really keep 50 (all four criteria pass)."""
    sc = Scenario(name="fifty-test")
    inputs = pipeline.load_inputs(sc, [data_dir / "rules_fifty.osm", data_dir / "rules_fifty_buildings.osm"])
    base = inputs.net
    after = pipeline.apply_interventions(base, sc)
    pipeline.evaluate_rules(base, sc, inputs, proposal=False)
    pipeline.evaluate_rules(after, sc, inputs, proposal=True)
    res = types.SimpleNamespace(name="fifty-test", scores={}, before=base, after=after,
                                schools_before=pipeline.evaluate_schools(base, sc, inputs),
                                schools_after=pipeline.evaluate_schools(after, sc, inputs), parking=None, notes=[])
    md = report.build_report(res, lang="en")
    e = after.edges
    fifty = e[e["regime"] == "50"]
    assert len(fifty) > 0
    table = report.fifty_roads(e)
    assert set(table["street"]) == {"Snelle Laan", "Drukke Laan"}
    assert table["km"].sum() == pytest.approx(fifty["length"].sum() / 1000)
    start = md.index("## Every road that keeps 50 km/h, and why")
    section = md[start:md.index("\n## ", start + 1)]
    for street in table["street"]:
        assert f"| {report.md_escape(street)} |" in section
    assert "Lange Laan" not in section  # C4 fails: it goes to 30


def test_school_route_failures_most_children_first(evaluated):
    e = evaluated.after.edges
    table = report.school_route_failures(e)
    kids = e["school_route_children"]
    expected = set(e.loc[((e["toets_bike"] == "fail") | (e["toets_walk"] == "fail")) & (kids > 0), "name"].dropna())
    assert expected and set(table["street"]) == expected
    assert table["children"].is_monotonic_decreasing
    assert (table["fix"] != "").all()


def test_failing_crossings_on_school_routes(evaluated):
    a = evaluated.after
    table = report.school_route_crossing_failures(a.edges, a.nodes)
    fails = a.nodes.index[a.nodes["toets_crossing"] == "fail"]
    on_route = {n for n in fails if a.edges.loc[(a.edges["u"] == n) | (a.edges["v"] == n), "school_route_children"].max() > 0}
    assert len(table) == len(on_route) > 0
    assert table["children"].is_monotonic_decreasing
    assert all(f"(node {n})" in " ".join(table["crossing"]) for n in on_route)


def test_report_markdown_and_html(evaluated):
    md = report.build_report(evaluated, lang="en")
    assert "# 30/50: which roads keep 50 and why" in md
    assert "## Every road that keeps 50 km/h, and why" in md
    assert "## Toets failures on school routes, per street, and the fix" in md
    for street in report.school_route_failures(evaluated.after.edges)["street"]:
        assert report.md_escape(street) in md
    assert "a note with a \\| pipe" in md
    page = report.render_report_html(md, title="t")
    assert "<table>" in page and "@media print" in page
    assert SCRIPT_NAME not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_regime_summary_moves_km_from_50_to_30(evaluated):
    s = report.regime_summary(evaluated.before.edges, evaluated.after.edges).set_index("limit")
    e = evaluated.after.edges
    in_scope = e["regime"].isin(["30", "50"])
    assert s["today_km"].sum() == pytest.approx(e.loc[in_scope, "length"].sum() / 1000)
    assert s.loc["50 km/h", "today_km"] > s.loc["50 km/h", "proposed_km"]


def test_flatten_and_compare_scores_skip_inputs():
    a = {"safe_share": {"value": 0.4, "inputs": {"children": 100}}, "km": {"thirty": 10, "fifty": 5},
         "notes": {"n": 3}}
    b = {"safe_share": {"value": 0.5, "inputs": {"children": 100}}, "km": {"thirty": 12, "fifty": 3}}
    assert report.flatten_scores(a) == {"safe_share": 0.4, "km.thirty": 10.0, "km.fifty": 5.0}
    table = report.compare_scores(a, b).set_index("score")
    assert table.loc["safe_share", "change"] == pytest.approx(0.1)
    assert table.loc["km.fifty", "change"] == -2
    # with headlines on both sides the table shows them, by label
    a["headline"] = {"km": {"label": "Road km at 30", "value": 10.0, "unit": "km"}}
    b["headline"] = {"km": {"label": "Road km at 30", "value": 12.5, "unit": "km"}}
    head = report.compare_scores(a, b)
    assert head[["score", "a", "b", "change", "unit"]].values.tolist() == [["Road km at 30", 10.0, 12.5, 2.5, "km"]]
    assert len(report.compare_scores(a, b, every=True)) > 1


def test_changed_segments_match_on_way_and_nodes():
    geom = [LineString([(0, 0), (1, 1)])] * 3
    a = gpd.GeoDataFrame({"way_id": [1, 1, 2], "u": [1, 2, 5], "v": [2, 3, 6], "regime": ["50", "50", "30"],
                          "proposed_maxspeed": [50, 50, 30], "toets_pass": [False, False, True]}, geometry=geom, crs=28992)
    b = a.copy()
    b.loc[0, ["regime", "proposed_maxspeed"]] = ["30", 30]
    b.loc[1, "toets_pass"] = True
    b["name"] = ["x", "y", "z"]
    out = report.changed_segments(a, b)
    assert dict(zip(out["u"], out["change"])) == {1: "regime", 2: "toets"}
    assert np.isin(out["name"], ["x", "y"]).all()


def test_criteria_table_explains_why_fifty_roads_go_to_thirty() -> None:
    import pandas as pd

    from mobisim.render.report import criteria_on_fifty_roads

    edges = pd.DataFrame({
        "regime": ["50", "30", "30", "30"],
        "maxspeed": [50, 50, 50, 30],  # the last one is 30 today: not counted
        "length": [1000.0, 500.0, 250.0, 4000.0],
        "c1_cycle_path": ["pass", "pass", "fail", "fail"],
        "c2_sensitive_sites": ["pass", "fail", "pass", "fail"],
        "c3_air_noise": ["pass", "unknown", "fail", "fail"],
        "c4_crossable": ["pass", "pass", "unknown", "fail"],
    })
    table = criteria_on_fifty_roads(edges).set_index("criterion")
    assert table.loc["C1 separate cycle path"].tolist() == [1.5, 0.25, 0.0]
    assert table.loc["C3 air and noise acceptable"].tolist() == [1.0, 0.25, 0.5]
    assert table.loc["C4 crossable by an 8-year-old"].tolist() == [1.5, 0.0, 0.25]
