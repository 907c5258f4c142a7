"""map.html and layers.gpkg from an evaluated hand-written network (tests/data/render_city.osm)."""

from __future__ import annotations

import json
import re
import types
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import GeometryCollection, LineString, MultiLineString, Point, Polygon, box

from mobisim import maps, pipeline
from mobisim.outputs import write_gpkg

SCRIPT_NAME = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def evaluated(data_dir: Path):
    """The fixture network after the 30/50 proposal, the toets and the school routes."""
    sc = types.SimpleNamespace(name="render-test")
    net = pipeline.load_inputs(sc, [data_dir / "render_city.osm", data_dir / "render_buildings.osm"])
    pipeline.evaluate_rules(net, sc, proposal=True)
    pipeline.evaluate_schools(net, sc)
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
    assert len(by_key["speed_regime"].frame) == e["regime"].isin(["30", "50", "out_of_scope"]).sum()
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
    labels = [label for label, _ in next(l for l in layers if l.key == "toets_fail").fields]
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
