"""map.html and layers.gpkg from an evaluated hand-written network (tests/data/render_city.osm)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import GeometryCollection, LineString, MultiLineString, Point, Polygon, box

from mobisim import pipeline
from mobisim.render import map as maps
from mobisim.render.outputs import write_gpkg
from mobisim.scenario import Scenario

SCRIPT_NAME = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def evaluated(data_dir: Path):
    """The fixture network after the 30/50 proposal, the toets and the school routes."""
    sc = Scenario(name="render-test")
    inputs = pipeline.load_inputs(sc, [data_dir / "render_city.osm", data_dir / "render_buildings.osm"])
    net = inputs.net
    pipeline.evaluate_rules(net, sc, inputs, proposal=True)
    pipeline.evaluate_schools(net, sc, inputs)
    return net


@pytest.fixture(scope="module")
def layers(evaluated):
    return maps.map_layers(evaluated.edges, evaluated.nodes, evaluated.features)


def _page(layers, self_contained: bool) -> str:
    m = maps.build_map(layers, title="render test", self_contained=self_contained)
    return maps.render_html(m, self_contained=self_contained)


def _layer_payload(page: str, key: str) -> tuple[list, list]:
    """The compact feature rows and the lookup tables of one layer, parsed back from the page."""
    name = re.search(r"window\.mobisimLayers\[\"" + key + r"\"\] = (\w+);", page).group(1)
    data = re.search(re.escape(name) + r"\.addData\(mobisimFeatures\((.*)\)\);\n", page).group(1)
    lookups = re.search(r"var " + re.escape(name) + r"_lookups = (.*);\n", page).group(1)
    return json.loads(data), json.loads(lookups)


def test_layers_follow_the_verdicts(evaluated, layers):
    e, n = evaluated.edges, evaluated.nodes
    by_key = {layer.key: layer for layer in layers}
    failing = ((e["toets_bike"] == "fail") | (e["toets_walk"] == "fail")).sum()
    assert len(by_key["toets_fail"].frame) == failing > 0
    assert len(by_key["toets_pass"].frame) + failing == e["toets_bike"].isin(["pass", "fail"]).__or__(
        e["toets_walk"].isin(["pass", "fail"])).sum()
    assert len(by_key["speed_regime"].frame) == (e["regime"].isin(["30", "50", "out_of_scope"])
                                                 | ((e["regime"] == "outside_area") & e["is_road"])).sum()
    assert len(by_key["toets_crossings"].frame) == n["is_crossing"].sum()
    assert len(by_key["school_routes"].frame) == (e["school_route_children"] > 0).sum() > 0
    assert set(by_key["sites"].frame["kind"]) == {"school", "playground"}


def test_missing_verdict_columns_give_no_layer_not_an_error(evaluated):
    bare = evaluated.edges.drop(columns=[c for c in evaluated.edges.columns if c.startswith("toets_")])
    keys = {layer.key for layer in maps.map_layers(bare, evaluated.nodes.iloc[:0], None)}
    assert "toets_fail" not in keys and "toets_pass" not in keys
    assert "speed_regime" in keys


def test_osm_names_are_never_html_or_templates(evaluated):
    edges = evaluated.edges.copy()
    edges.loc[edges["name"] == "Noordstraat", "name"] = "{{ 7*7 }} {% raw %}"
    page = _page(maps.map_layers(edges, evaluated.nodes, evaluated.features), self_contained=False)
    assert SCRIPT_NAME not in page and "<b>Regenboog" not in page
    _, lookups = _layer_payload(page, "speed_regime")
    streets = lookups[0]
    assert SCRIPT_NAME in streets  # shown as text by the browser (textContent), see the browser test
    assert "{{ 7*7 }} {% raw %}" in streets  # not evaluated by Jinja
    _, site_lookups = _layer_payload(page, "sites")
    assert "Basisschool De <b>Regenboog</b>" in site_lookups[0]


def test_tooltip_rows_carry_verdict_reason_and_fix(evaluated, layers):
    page = _page(layers, self_contained=False)
    rows, lookups = _layer_payload(page, "toets_fail")
    labels = [label for label, _ in next(layer for layer in layers if layer.key == "toets_fail").fields]
    first = rows[0][1]  # [style, lookup indices, geometry type, coordinates]
    row = {label: lookups[i][first[i]] for i, label in enumerate(labels)}
    e = evaluated.edges
    fails = e[(e["toets_bike"] == "fail") | (e["toets_walk"] == "fail")]
    assert row["Verdict"].startswith("fail")
    assert row["Why (bike)"] in set(fails["toets_bike_reason"].dropna())
    assert row["Fix (bike)"] in set(fails["toets_bike_fix"].dropna())


def test_self_contained_inlines_everything(layers):
    page = _page(layers, self_contained=True)
    assert not re.search(r"<script[^>]+src=", page)
    assert not re.search(r"<link[^>]+stylesheet", page)
    assert "Leaflet 1.9.4" in page and "jQuery v3.7.1" in page
    assert "url(images/" not in page and "data:image/png;base64," in page
    assert "sourceMappingURL" not in page
    # the OSM tile layer is there for online use, but not switched on at start
    assert "tile.openstreetmap.org" in page
    assert "© OpenStreetMap contributors" in page


def test_cdn_map_links_leaflet(layers):
    page = _page(layers, self_contained=False)
    assert re.search(r'<script src="https://cdn\.jsdelivr\.net/npm/leaflet@[\d.]+/dist/leaflet\.js"', page)


def test_inline_assets_refuses_unknown_external_files():
    page = '<html><head><script src="https://example.org/plugin.js"></script></head></html>'
    with pytest.raises(ValueError, match="example.org/plugin.js"):
        maps.inline_assets(page)


def test_geometry_is_simplified_and_rounded():
    # 11 collinear points 10 m apart plus a 1 m kink (below the 2 m tolerance)
    pts = [(80000 + 10 * i, 455000 + (1 if i == 5 else 0)) for i in range(11)]
    frame = gpd.GeoDataFrame({"name": ["Rechte Weg"]}, geometry=[LineString(pts)], crs=28992)
    layer = maps.MapLayer("t", "T", frame, pd.Series(["a"]), {"a": {"color": "#000", "weight": 1}},
                          [("Street", pd.Series(["Rechte Weg"]))])
    data, lookups, styles = maps.layer_data(layer)
    [[style, indices, kind, coords]] = json.loads(data)
    assert (style, indices, kind) == (0, [0], "L")
    assert len(coords) == 2
    assert all(abs(round(c, 5) - c) < 1e-12 for xy in coords for c in xy)
    assert lookups == [["Rechte Weg"]] and styles == [{"color": "#000", "weight": 1}]


def test_compact_rows_keep_every_geometry_type():
    """One row per non-empty feature: style, lookup indices, type code, GeoJSON coordinates; a
    collection keeps its whole GeoJSON geometry (type code ""); an empty geometry is left out."""
    geoms = [Point(80000, 455000), box(80000, 455000, 80100, 455100),
             MultiLineString([[(80000, 455000), (80100, 455000)], [(80000, 455050), (80100, 455050)]]),
             GeometryCollection([Point(80000, 455000)]), Polygon()]
    frame = gpd.GeoDataFrame({"name": list("abcde")}, geometry=geoms, crs=28992)
    layer = maps.MapLayer("t", "T", frame, pd.Series(["x", "y", "x", "y", "x"]),
                          {"x": {"color": "#000"}, "y": {"color": "#fff"}},
                          [("Name", frame["name"]), ("Twice", frame["name"] + frame["name"])])
    data, lookups, _ = maps.layer_data(layer, tolerance=0)
    rows = json.loads(data)
    assert [r[:3] for r in rows] == [[0, [0, 0], "P"], [1, [1, 1], "A"], [0, [2, 2], "ML"], [1, [3, 3], ""]]
    assert lookups == [list("abcde"), ["aa", "bb", "cc", "dd", "ee"]]
    lon, lat = rows[0][3]
    assert 4.0 < lon < 5.0 and 52.0 < lat < 53.0
    assert len(rows[1][3][0]) == 5 and len(rows[2][3]) == 2  # one ring of 5 points; two lines
    assert rows[3][3]["type"] == "GeometryCollection"


def test_theme_layers_to_geopackage(tmp_path, evaluated):
    themes = maps.theme_layers(evaluated.edges, evaluated.nodes, evaluated.features)
    path = write_gpkg(tmp_path / "layers.gpkg", themes)
    names = dict(pyogrio.list_layers(path))
    assert {"segments", "speed_regime", "toets_segments", "toets_crossings", "school_routes", "sites"} <= set(names)
    seg = gpd.read_file(path, layer="segments")
    assert len(seg) == len(evaluated.edges)
    assert seg.crs.to_epsg() == 28992
    assert np.array_equal(np.sort(seg["edge_id"]), np.sort(evaluated.edges.index.to_numpy()))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["layers.gpkg"]  # no temp file left


def _named(edges: pd.DataFrame, name: str) -> np.ndarray:
    return edges["name"].astype("string").fillna("").eq(name).to_numpy(dtype=bool)


def _tooltips(layer) -> pd.DataFrame:
    """The tooltip rows of a layer as a frame (one column per label)."""
    return pd.DataFrame({label: values.to_numpy() for label, values in layer.fields}, index=layer.frame.index)


def test_regime_layer_is_coloured_by_tier(evaluated):
    """Every tier its own style (no red: red means a toets failure); the tooltip names the tier, the
    deciding criteria and, for 50 if shown, the evidence that would decide it."""
    e = evaluated.edges.copy()
    hoofdweg, oost = _named(e, "Hoofdweg"), _named(e, "Oostlaan")
    assert hoofdweg.any() and oost.any()
    e.loc[hoofdweg, ["regime", "regime_tier", "regime_deciding", "proposed_maxspeed"]] = ["50", "keep_50", pd.NA, 50]
    e.loc[oost, ["regime_tier", "regime_deciding", "regime_missing"]] = [
        "50_if_shown", "C4", "tag the crossings and signals of Oostlaan"]
    layer = next(layer for layer in maps.map_layers(e, evaluated.nodes) if layer.key == "speed_regime")
    cat = layer.category
    assert set(cat) == {"keep_50", "50_if_shown", "to_30", "already_30"}
    assert (cat[e.index[hoofdweg]] == "keep_50").all() and (cat[e.index[oost]] == "50_if_shown").all()
    assert list(layer.styles) == [k for k in maps.REGIME_STYLES if k in set(cat)]  # only what is drawn
    colours = {k: s["color"] for k, s in maps.REGIME_STYLES.items()}
    assert maps.RED not in colours.values() and "#d73027" not in colours.values()
    assert len({colours[k] for k in ("keep_50", "50_if_shown", "to_30", "already_30", "out_of_scope",
                                     "outside_area")}) == 6
    assert maps.REGIME_STYLES["50_if_shown"].get("dashArray")
    assert maps.REGIME_STYLES["outside_area"]["label"] == "outside the municipality — not judged"
    # drawn bottom to top: the judged 50-roads last, on top
    assert list(cat.iloc[-2:]) == ["keep_50", "keep_50"] and cat.iloc[0] == "already_30"
    tips = _tooltips(layer)
    shown = tips.loc[e.index[oost][0]]
    assert shown["Tier"].startswith("50 if shown")
    assert shown["Deciding"] == "C4 crossable: unknown"
    assert shown["To decide"] == "tag the crossings and signals of Oostlaan"
    assert shown["Why"] == ""  # the tier rows say it; tooltips stay short
    fails = tips.loc[e.index[_named(e, "Noordstraat")][0]]
    assert fails["Tier"] == "" and fails["Criteria"] == "" and "already 30" in fails["Why"]
    kept = tips.loc[e.index[hoofdweg][0]]
    assert kept["Tier"] == "keeps 50" and kept["Limit"] == "50 km/h, unchanged" and kept["To decide"] == ""
    to30 = tips[cat == "to_30"].iloc[0]
    assert to30["Tier"] == "to 30" and to30["Deciding"].endswith(": fail") and to30["Limit"] == "50 → 30 km/h"
    legend = maps.legend_html("t", [layer], "")
    assert f"px dashed {maps.SHOWN50}" in legend and f"px solid {maps.KEEP50}" in legend
    assert "keeps 50: all four criteria pass" in legend and "50 if shown" in legend


def test_baseline_regime_without_tiers(data_dir):
    """A run without the programme (today's limits, no tier column) still draws 30 and 50."""
    sc = Scenario(name="baseline")
    inputs = pipeline.load_inputs(sc, [data_dir / "render_city.osm"])
    net = inputs.net
    pipeline.evaluate_rules(net, sc, inputs, proposal=False)
    layer = next(layer for layer in maps.map_layers(net.edges, net.nodes) if layer.key == "speed_regime")
    assert set(layer.category) == {"50_today", "already_30"}
    assert "50 km/h today" in layer.styles["50_today"]["label"]


@pytest.fixture(scope="module")
def partly_outside(data_dir):
    """The fixture with its east side (Oostlaan, the end of Hoofdweg, node 6) outside the area."""
    from mobisim.load.areas import mark_area

    sc = Scenario(name="area-test")
    inputs = pipeline.load_inputs(sc, [data_dir / "render_city.osm", data_dir / "render_buildings.osm"])
    net = inputs.net
    mark_area(net, box(80400, 455100, 80650, 455500), close_gaps_m=0)
    pipeline.evaluate_rules(net, sc, inputs, proposal=True)
    return net


def test_outside_area_is_greyed_and_absent_from_the_toets(partly_outside):
    net = partly_outside
    e, n = net.edges, net.nodes
    out = e.index[~e["in_area"].to_numpy(dtype=bool)]
    assert set(e.loc[out, "name"]) == {"Oostlaan", "Hoofdweg"} and (e.loc[out, "regime"] == "outside_area").all()
    assert (e.loc[out, "toets_bike"] == "fail").any()  # the toets ran there: the map must hide it
    assert not n.loc[6, "in_area"] and n.loc[6, "toets_crossing"] == "fail"
    by_key = {layer.key: layer for layer in maps.map_layers(e, n, net.features)}
    regime = by_key["speed_regime"]
    assert set(regime.frame.index) >= set(out)
    assert (regime.category[out] == "outside_area").all()
    grey = regime.styles["outside_area"]
    assert grey["color"] == maps.LIGHTGREY and grey["weight"] < 2
    tips = _tooltips(regime).loc[out]
    assert (tips["Regime"] == "outside the municipality — not judged").all()
    assert (tips["Rule"] == "R0-outside-area").all() and (tips["Criteria"] == "").all()
    for key in ("toets_fail", "toets_pass"):
        assert not set(by_key[key].frame.index) & set(out), key
    assert len(by_key["toets_fail"].frame) > 0
    assert 6 not in set(by_key["toets_crossings"].frame.index)
    assert {4, 5, 10} <= set(by_key["toets_crossings"].frame.index)
    # the GeoPackage themes: the same split, and the regime layer carries the tier columns
    themes = maps.theme_layers(e, n, net.features)
    assert not set(themes["toets_segments"]["edge_id"]) & set(out)
    assert 6 not in set(themes["toets_crossings"]["node_id"])
    sr = themes["speed_regime"]
    assert set(out) <= set(sr["edge_id"])
    for col in ("regime_tier", "regime_deciding", "regime_missing", "c3_noise", "c3_air", "no2_low_ugm3",
                "no2_high_ugm3", "in_area"):
        assert col in sr.columns, col
    assert set(sr.loc[sr["in_area"], "regime_tier"].dropna()) == {"to_30"}
