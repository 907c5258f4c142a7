"""The report's traffic section ("Traffic: where the cars go") and the data box's traffic caveat,
from a scores dict with a ``traffic`` entry written by hand, and the report without one."""

from __future__ import annotations

import copy
import types

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString

from mobisim.render import report


def _summary(zones: int, internal: float, gap: float, rat_top: list[dict], busiest: list[dict],
             medians: dict[str, float]) -> dict:
    return {
        "model": {"zones": zones, "gateways": 4, "connectors": 40, "links": 1234, "residents": 9999.6,
                  "daily_trips": {"internal": internal, "in_and_out": 5_432.1, "through": 800.4,
                                  "within_a_zone_not_assigned": 0.0},
                  "peak_hour_share": 0.09, "iterations": 17, "relative_gap": gap, "gravity_gap": 1e-5,
                  "seconds": 1.2, "gateway_labels": ["A12", "N14"]},
        "km_by_source": {"class table": 0.4, "model": 11.6},
        "median_daily_by_class": medians,
        "busiest": busiest,
        "rat_runs": {"km": sum(r["km"] for r in rat_top), "streets": len(rat_top), "top": rat_top},
        "notes": ["3 car segments (0.2 km) are not connected both ways to the main car network"],
    }


TRAFFIC = {
    "value": {
        "before": _summary(12, 20_123.4, 0.0041,
                           [{"street": "Sluipweg", "daily": 4_200.0, "km": 0.3, "through_at_least": 0.81}],
                           [{"street": "Hoofdweg", "daily": 18_400.0}, {"street": "Sluipweg", "daily": 4_200.0}],
                           {"primary": 17_210.0, "residential": 80.0}),
        "after": _summary(12, 20_001.2, 0.0038,
                          [{"street": "Sluipweg", "daily": 5_000.0, "km": 0.3, "through_at_least": 0.84},
                           {"street": "Nieuwe <b>Sluip</b>", "daily": 1_800.0, "km": 0.1, "through_at_least": 0.52}],
                          [{"street": "Hoofdweg", "daily": 15_900.0}, {"street": "Sluipweg", "daily": 5_000.0}],
                          {"primary": 16_660.0, "residential": 90.0}),
        "displacement": [
            {"street": "Van der Kunstraat", "change": 2370.0, "before": 7990.0, "after": 10360.0, "km": 0.57},
            {"street": "Sluipweg", "change": 800.0, "before": 4200.0, "after": 5000.0, "km": 0.3},
            {"street": "Rijnstraat", "change": -2710.0, "before": 9150.0, "after": 6440.0, "km": 0.36},
            {"street": "Hoofdweg", "change": -2500.0, "before": 18400.0, "after": 15900.0, "km": 1.2},
        ],
        "vehicle_km_change_per_day": -1234.5,
    },
    "unit": "vehicles/day",
    "formula": "four-step model",
    "inputs": {"settings": {"zone_size_m": 500.0, "peak_hour_share": 0.09, "relative_gap": 0.005,
                            "rat_run_min_daily": 1500.0, "rat_run_through_share": 0.5,
                            "displacement_min_daily": 300.0}},
}


def _net(traffic: bool) -> types.SimpleNamespace:
    names = ["Hoofdweg", "Sluipweg", "Rijnstraat", "Fietspad"]
    n = len(names)
    edges = gpd.GeoDataFrame({
        "u": range(n), "v": range(1, n + 1), "way_id": range(10, 10 + n),
        "name": pd.array(names, dtype="string"),
        "highway": pd.array(["primary", "residential", "residential", "cycleway"], dtype="string"),
        "length": [1200.0, 300.0, 360.0, 200.0], "is_road": [True, True, True, False],
        "maxspeed": [50.0, 30.0, 30.0, None], "proposed_maxspeed": [50.0, 30.0, 30.0, None],
        "in_area": True,
    }, geometry=[LineString([(80_000 + 500 * i, 455_000), (80_000 + 500 * i + 300, 455_000)]) for i in range(n)],
        crs=28992)
    if traffic:
        edges["daily_traffic_before"] = pd.array([18_400.0, 4_200.0, 9_150.0, None], dtype="Float64")
        edges["daily_traffic"] = pd.array([15_900.0, 5_000.0, 6_440.0, None], dtype="Float64")
        edges["traffic_change"] = edges["daily_traffic"] - edges["daily_traffic_before"]
    nodes = gpd.GeoDataFrame({"in_area": [True] * (n + 1)},
                             geometry=gpd.points_from_xy([80_000.0] * (n + 1), [455_000.0] * (n + 1)), crs=28992)
    return types.SimpleNamespace(edges=edges, nodes=nodes, sources=["city.osm"], coverage={}, source_dates={},
                                 area_label="the test area")


def _result(scores: dict, notes: list[str] | None = None, traffic: bool = True) -> types.SimpleNamespace:
    return types.SimpleNamespace(name="traffic-test", scores=scores, before=_net(traffic), after=_net(traffic),
                                 schools_before=None, schools_after=None, parking=None, notes=notes or [])


SCORES = {"power_model": {"inputs": {"exposure_source_vehicle_km": {"class table": 0.004, "model": 0.996}}},
          "traffic": TRAFFIC}


def _section(md: str, title: str) -> str:
    start = md.index(f"## {title}")
    end = md.find("\n#", start + 3)
    return md[start:end if end > 0 else None]


def test_the_report_explains_the_model_and_its_figures():
    md = report.build_report(_result(SCORES), lang="en")
    assert md.count("Traffic: where the cars go\n") == 1  # the chapter's title, once
    part = _section(md, "How the model works")
    for text in ("500 m grid cells", "12 cells with homes or destinations", "4 gateways", "gravity model",
                 "AequilibraE", "÷ 0.09", "**Every input is an estimate**",
                 "**the model is not calibrated to traffic counts**"):
        assert text in part, text
    # the model's figures, whole vehicles and trips
    assert "| car trips a day between zones | 20,100 | 20,000 |" in part
    assert "| residents | 10,000 | 10,000 |" in part
    assert "| assignment iterations | 17 | 17 |" in part
    assert "relative gap of the equilibrium (target 0.005) | 0.0041 | 0.0038 |" in part
    # km by source, medians by class, busiest streets
    assert "| traffic model | 11.6 | 11.6 | 96.7 |" in _section(md, "Traffic volumes by source")
    assert "| primary | 17,210 | 16,660 | \u2212550 |" in _section(md, "Modelled traffic by road class")
    assert "| Hoofdweg | 18,400 | 15,900 |" in _section(md, "The busiest streets")


def test_rat_runs_show_volume_through_share_and_the_fix():
    part = _section(report.build_report(_result(SCORES), lang="en"), "Rat runs")
    assert "more than 1,500 vehicles a day of which at least 50 % is through traffic" in part
    assert "Today: 1 street, 0.3 km; with the scenario: 2 streets, 0.4 km." in part
    assert "| Sluipweg | 5,000 | at least 84 % | 0.30 | 4,200 | modal filter (close\\_through\\_traffic) |" in part
    # OSM text is escaped; a street not among today's rat runs has no figure today
    assert "| Nieuwe \\<b\\>Sluip\\</b\\> | 1,800 | at least 52 % | 0.10 |  |" in part


def test_displacement_rows_gains_first_then_losses():
    part = _section(report.build_report(_result(SCORES), lang="en"), "Where the traffic goes")
    rows = [line for line in part.splitlines() if line.startswith("| +") or line.startswith("| \u2212")]
    assert rows == [
        "| +2,370 | Van der Kunstraat | 7,990 | 10,360 | 0.57 |",
        "| +800 | Sluipweg | 4,200 | 5,000 | 0.30 |",
        "| \u22122,710 | Rijnstraat | 9,150 | 6,440 | 0.36 |",
        "| \u22122,500 | Hoofdweg | 18,400 | 15,900 | 1.20 |",
    ]
    assert "+2,370 veh/day on Van der Kunstraat, \u22122,710 on Rijnstraat" in part
    # vehicle-km: the change, and its share of today's (18,400×1.2 + 4,200×0.3 + 9,150×0.36 = 26,634)
    assert "change by \u22121,200 a day (\u22124.6 % of today's 27,000)" in part
    assert "at least 300 vehicles a day" in part


def test_data_box_says_where_the_volumes_come_from():
    md = report.build_report(_result(SCORES), lang="en")
    box = _section(md, "What the data can and cannot say")
    assert "Traffic volumes come from a traffic model" in box and "not calibrated to counts" in box
    assert "one estimate per road class" not in box
    # the km per source is the traffic chapter's table; no Python module is named anywhere
    assert "| traffic model | 11.6 | 11.6 | 96.7 |" in _section(md, "Traffic volumes by source")
    assert "mobisim.traffic.settings" not in md and "mobisim.rules" not in md


def test_the_models_notes_join_the_caveats_once():
    note = "traffic model: 3 car segments (0.2 km) are not connected both ways to the main car network"
    md = report.build_report(_result(SCORES, notes=[note, "another note"]), lang="en")
    caveats = _section(md, "Caveats of this run")
    assert caveats.count("3 car segments (0.2 km)") == 1
    assert "another note" in caveats
    # built from the scores alone (no run notes), the model's notes are still there
    assert "3 car segments (0.2 km)" in _section(report.build_report(_result(SCORES), lang="en"), "Caveats of this run")


def test_report_builds_without_the_traffic_model():
    md = report.build_report(_result({}, traffic=False), lang="en")
    assert "Traffic: where the cars go" not in md and "Where the traffic goes" not in md
    box = _section(md, "What the data can and cannot say")
    assert "Traffic volumes are one estimate per road class (the traffic model did not run)" in box
    # a traffic entry without figures (an old or broken run) is no model run either
    assert "Traffic: where the cars go" not in report.build_report(_result({"traffic": {"value": None}}), lang="en")
    assert report.traffic_section({}) == [] and report.traffic_section(None) == []


def test_sections_tolerate_missing_parts():
    t = copy.deepcopy(TRAFFIC)
    t["value"]["displacement"] = []
    t["value"]["vehicle_km_change_per_day"] = None
    t["value"]["after"]["rat_runs"] = {"km": 0.0, "streets": 0, "top": []}
    del t["inputs"]
    md = "\n".join(report.traffic_section({"traffic": t}))
    assert "## Where the traffic goes" in md and "_(none)_" in md
    assert "change by" not in md
    assert report.displacement_table(t).empty
    with pytest.raises(ValueError):
        md.index("nan")


def test_traffic_between_two_runs_lists_what_moved_beyond_the_noise():
    """``mobisim compare``: run B's traffic against run A's, per segment matched on (way, u, v);
    the streets list keeps only changes of ≥ 300 vehicles a day and ≥ 10 % of the volume."""
    from mobisim.traffic import TrafficSettings, displacement

    geom = [LineString([(0, i), (100, i)]) for i in range(4)]
    a = gpd.GeoDataFrame({"way_id": [1, 2, 3, 4], "u": [1, 2, 3, 4], "v": [5, 6, 7, 8],
                          "daily_traffic": [500.0, 20_000.0, 1_000.0, None], "daily_traffic_source": "model"},
                         geometry=geom, crs="EPSG:28992")
    b = a.assign(name=["Filterstraat", "Hoofdweg", "Omweg", "Nieuw"], length=100.0, in_area=True,
                 daily_traffic=[500.0, 20_900.0, 3_000.0, 800.0],  # +900 on 20,900 is 4 %: noise
                 daily_traffic_source="model")
    between = report.traffic_between(a, b)
    assert list(between["traffic_change"].fillna(-1)) == [0.0, 900.0, 2_000.0, -1]
    moved = displacement(between, TrafficSettings())
    assert list(moved["street"]) == ["Omweg"]
    assert moved.iloc[0]["change"] == 2_000.0 and moved.iloc[0]["before"] == 1_000.0
    # a run without modelled volumes (traffic model off) gives nothing to compare
    assert report.traffic_between(a.drop(columns="daily_traffic"), b).empty
    assert report.traffic_between(a.assign(daily_traffic_source="default:class"), b).empty


def test_the_dutch_section_is_dutch_with_the_same_figures():
    """The council reads the traffic chapter in Dutch: headings, tables and numbers (1.234,5)."""
    from mobisim.render.i18n import use_language

    with use_language("nl"):
        md = "\n".join(report.traffic_section({"traffic": TRAFFIC}))
        caveat = report.traffic_caveat({"traffic": TRAFFIC})
    en = "\n".join(report.traffic_section({"traffic": TRAFFIC}))
    for heading in ("## Sluipverkeer", "## Waar het verkeer heen gaat", "## De drukste straten"):
        assert heading in md
    assert "| verandering (mvt/etmaal) | straat |" in md and r"knip (close\_through\_traffic)" in md
    assert "+2.370" in md and "+2,370" in en  # the same change, each in its own notation
    assert "(doel 0,005) | 0,0041 | 0,0038 |" in md
    assert "minstens 84 %" in md and "at least 84 %" in en
    for english in ("Rat runs", "Where the traffic goes", "vehicles a day", "with the scenario", "Largest"):
        assert english not in md, english
    assert caveat.startswith("De verkeersvolumes komen uit het verkeersmodel") and "11,6 km" in caveat
