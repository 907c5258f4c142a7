"""map.html and layers.gpkg from an evaluated hand-written network (tests/data/render_city.osm)."""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import LineString, MultiLineString, Point, Polygon, box

from browser_tools import layer_rows, page_data
from mobisim import pipeline
from mobisim.render import map as maps
from mobisim.render.map.legend import legend_row
from mobisim.render.map.styles import area, line, shape
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
    streets = {row["Street"] for row in layer_rows(page, "speed_regime")}
    assert SCRIPT_NAME in streets  # shown as text by the browser (textContent), see the browser test
    assert "{{ 7*7 }} {% raw %}" in streets  # not evaluated by Jinja
    assert "Basisschool De <b>Regenboog</b>" in {row["Name"] for row in layer_rows(page, "sites")}


def test_tooltip_rows_carry_verdict_reason_and_fix(evaluated, layers):
    row = layer_rows(_page(layers, self_contained=False), "toets_fail")[0]
    e = evaluated.edges
    fails = e[(e["toets_bike"] == "fail") | (e["toets_walk"] == "fail")]
    assert row["Street"] in set(fails["name"].dropna())
    assert row["Verdict"].startswith("fail") and row["style"].startswith("fails for")
    assert row["Why (bike)"] in set(fails["toets_bike_reason"].dropna())
    assert row["Fix (bike)"] in set(fails["toets_bike_fix"].dropna())


def test_each_segment_geometry_is_stored_once(layers):
    """The layers drawn on segments refer to one shared table: a segment in three layers is stored
    once, and the table holds exactly the segments of those layers."""
    data = page_data(_page(layers, self_contained=False))
    shared = [ld for ld in data["layers"] if ld.get("shared")]
    assert {ld["key"] for ld in shared} >= {"speed_regime", "toets_fail", "toets_pass", "school_routes"}
    assert all("shapes" not in ld for ld in shared)
    edge_ids = set().union(*(set(layer.frame["edge_id"]) for layer in layers if "edge_id" in layer.frame.columns))
    assert len(data["segments"]["h"]) == len(edge_ids) == len(data["segments"]["shapes"]["o"][0])
    drawn = sum(len(ld["k"]) for ld in shared)
    assert drawn > len(edge_ids)  # segments shown in several views, stored once


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
    data = maps.layer_data(layer)
    [table] = data["shapes"]
    assert table["type"] == "LineString" and table["d"] == 5 and table["o"] == [[2]]
    xy = np.cumsum(np.array(table["c"]).reshape(-1, 2), axis=0) / 1e5  # whole 1e-5 degrees, differences
    assert xy.shape == (2, 2) and 4.0 < xy[0, 0] < 5.0 and 52.0 < xy[0, 1] < 53.0
    assert data["lookups"] == [["Rechte Weg"]] and data["styles"] == [{"color": "#000", "weight": 1}]
    assert data["combos"] == [[0, 0]] and data["k"] == [0] and data["g"] == [0]


def test_shape_tables_keep_every_geometry_family():
    """Points, polygons and lines in one layer: one shape table per family, every feature pointing
    to its own geometry; an empty geometry is left out; equal tooltip rows share one combination."""
    geoms = [Point(80000, 455000), box(80000, 455000, 80100, 455100),
             MultiLineString([[(80000, 455000), (80100, 455000)], [(80000, 455050), (80100, 455050)]]),
             Point(80050, 455050), Polygon()]
    frame = gpd.GeoDataFrame({"name": list("abcab")}, geometry=geoms, crs=28992)
    layer = maps.MapLayer("t", "T", frame, pd.Series(["x", "y", "x", "y", "x"]),
                          {"x": {"color": "#000"}, "y": {"color": "#fff"}}, [("Name", frame["name"])])
    data = maps.layer_data(layer, tolerance=0)
    assert [t["type"] for t in data["shapes"]] == ["Point", "MultiLineString", "Polygon"]
    assert data["shapes"][1]["o"] == [[2, 2], [2]] and data["shapes"][2]["o"] == [[5], [1]]
    assert len(data["k"]) == 4 and sorted(np.cumsum(data["g"]).tolist()) == [0, 1, 2, 3]
    assert data["lookups"] == [["a", "b", "c"]]
    assert sorted(map(tuple, data["combos"])) == [(0, 0), (0, 2), (1, 0), (1, 1)]


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


def _regime_tips(edges: pd.DataFrame, nodes: pd.DataFrame) -> pd.DataFrame:
    return _tooltips(next(layer for layer in maps.map_layers(edges, nodes) if layer.key == "speed_regime"))


def test_a_limit_that_is_a_class_default_says_so(evaluated):
    """Today's limit in the regime tooltip: a class default (no sign in the data) is named as one."""
    e = evaluated.edges.copy()
    default = e["maxspeed_source"].astype("string").str.startswith("default").fillna(False).to_numpy(bool)
    assert not default.any()  # the grid's limits are signs in the data: nothing to say
    assert _regime_tips(e, evaluated.nodes)["Limit today"].eq("").all()
    hoofdweg = _named(e, "Hoofdweg")
    e.loc[hoofdweg, "maxspeed_source"] = "default:primary:urban"
    tips = _regime_tips(e, evaluated.nodes)
    said = tips["Limit today"].reindex(e.index)
    assert (said[hoofdweg] == "class default (primary, urban): no limit sign in the data").all()
    assert said[~hoofdweg].fillna("").eq("").all()


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
    assert maps.RED not in colours.values()  # vermillion: the toets failures
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


def test_views_take_the_layers_present_and_every_layer_has_a_view(layers):
    extra = maps.MapLayer("other", "Something else", layers[0].frame.iloc[:1], layers[0].category.iloc[:1],
                          layers[0].styles)
    views = maps.map_views([*layers, extra])
    keys = [v.key for v in views]
    assert keys[:3] == ["regime", "toets", "schools"] and keys[-1] == "other"
    assert "changes" not in keys and "parking" not in keys  # none of their layers on this map
    assert {k for v in views for k in v.layers} == {layer.key for layer in layers} | {"other"}
    schools = next(v for v in views if v.key == "schools")
    assert schools.layers == tuple(k for k in ("school_routes", "weakest_links", "sites")
                                   if k in {layer.key for layer in layers})


def test_within_a_view_no_colour_and_mark_mean_two_things():
    """Every view of the known styles: distinct (mark, colour, dash) per legend entry, points of
    interest never circles, and the toets failure colour not used for the 30/50 tiers."""
    styles = {
        "regime": [*maps.REGIME_STYLES.values()],
        "schools": [line(b.colour, b.weight, label=b.label) for b in maps.SCHOOL_BINS]
        + [area(b.colour, b.label) for b in maps.WIJK_BINS]
        + [shape(maps.SITE_COLOURS[k], maps.SITE_SHAPES[k], v) for k, v in maps.SITE_KINDS.items()],
        "driven_speed": [*maps.DRIVEN_SPEED_STYLES.values()],
        "traffic_change": [*maps.CHANGE_STYLES.values()],
    }
    for view, entries in styles.items():
        rows = [legend_row(s) for s in entries]
        marks = [(r.swatch, r.colour.lower(), r.line) for r in rows if r is not None]
        assert len(marks) == len(set(marks)), view
    assert not set(maps.SITE_SHAPES.values()) & {"dot", "circle"}
    assert maps.RED not in {s["color"] for s in maps.REGIME_STYLES.values()}


def test_segment_table_runs_by_street_and_labels_main_streets(layers):
    table = maps.segment_table(layers)
    names = table.frame["name"].tolist()
    named = [n for n in names if n]
    assert named == sorted(named) and names[len(named):] == [""] * (len(names) - len(named))
    data = table.data()
    assert sum(c for _, c in data["streets"]) == len(named)
    assert [s for s, _ in data["streets"]] == sorted(set(named))
    labels = maps.street_labels(table.frame)
    assert set(labels["name"]) <= set(named) and len(labels)
    assert labels["zoom"].is_monotonic_increasing  # main streets placed first
    assert (labels.geometry.distance(table.frame.geometry.union_all()) < 1e-6).all()  # on their street
    basemap = maps.basemap_data(maps.Basemap(), table.frame)
    assert basemap["built_up"] is None and basemap["wijken"] is None
    assert basemap["note"].startswith("Offline basemap drawn from this run's data: street names (OSM)")
