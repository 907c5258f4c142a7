"""layers.gpkg opens styled in QGIS: ``layer_styles`` with the map's colours, plain titles, and each
segment's geometry stored once (the line themes are views of ``segments``).

Runs the hand-written fixture (``tests/data/render_scenario.toml`` and its baseline) once per module.
"""

from __future__ import annotations

import sqlite3
import xml.etree.ElementTree as ET
from contextlib import closing
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest

from mobisim import pipeline
from mobisim.load.runs import read_segments
from mobisim.render import map as maps
from mobisim.render.gpkg_styles import LAYER_STYLES, bins_expression, layer_qml
from mobisim.render.map.styles import SCHOOL_BINS, line
from mobisim.render.outputs import TEXTS_TABLE

#: GeoPackage layer → the map layers that draw the same theme (written out here, not read from
#: the module under test).
SAME_THEME = {
    "speed_regime": ("speed_regime",),
    "toets_segments": ("toets_fail", "toets_pass"),
    "toets_crossings": ("toets_crossings",),
    "school_routes": ("school_routes",),
    "weakest_links_segments": ("weakest_links",),
    "weakest_links_crossings": ("weakest_links",),
    "driven_speed": ("driven_speed",),
    "sites": ("sites",),
    "site_areas": ("sites",),
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory, data_dir, shared_osm):
    """The fixture scenario rendered: its folder of runs, the result and the map layers by key."""
    maps_dir = tmp_path_factory.mktemp("maps")
    result = pipeline.run_scenario(data_dir / "render_scenario.toml", out_dir=maps_dir / "render_scenario",
                                   progress=False)
    after = result.after
    sb, sa = result.schools_before, result.schools_after
    from mobisim.schools import share_change

    wijken = share_change(sb.per_wijk if sb else None, sa.per_wijk if sa else None)
    freed = result.parking.freed if result.parking is not None else None
    layers = maps.map_layers(after.edges, after.nodes, after.features, parking=freed, school_wijken=wijken)
    return maps_dir, result, {layer.key: layer for layer in layers}


def _gpkg(runs) -> Path:
    return runs[0] / "render_scenario" / "layers.gpkg"


def _styles(path: Path) -> pd.DataFrame:
    with closing(sqlite3.connect(path)) as con:
        return pd.read_sql("SELECT * FROM layer_styles", con)


def _feature_layers(path: Path) -> list[str]:
    with closing(sqlite3.connect(path)) as con:
        return [r[0] for r in con.execute("SELECT table_name FROM gpkg_contents WHERE data_type = 'features'")]


def _categories(qml: str) -> tuple[str, dict[str, str]]:
    """The renderer's expression and category value → the symbol's colour (``#rrggbb``)."""
    root = ET.fromstring(qml.split("\n", 1)[1])
    renderer = root.find("renderer-v2")
    assert renderer is not None and renderer.get("type") == "categorizedSymbol"
    colours = {}
    for symbol in renderer.iter("symbol"):
        props = {p.get("k"): p.get("v") for p in symbol.iter("prop")}
        rgba = props.get("line_color") or props["color"]
        colours[symbol.get("name")] = "#{:02x}{:02x}{:02x}".format(*(int(v) for v in rgba.split(",")[:3]))
    return renderer.get("attr", ""), {c.get("value"): colours[c.get("symbol")] for c in renderer.iter("category")}


def _map_colour(style) -> str:
    colour = style.get("color") if "radius" not in style and "shape" not in style and "fillColor" not in style \
        else style.get("fillColor")
    return str(colour).lower()


def test_every_layer_has_one_default_style_that_qgis_can_parse(runs):
    path = _gpkg(runs)
    styles = _styles(path)
    layers = _feature_layers(path)
    assert {"segments", "speed_regime", "toets_segments", "toets_crossings", "sites"} <= set(layers)
    for name in layers:
        rows = styles[(styles["f_table_name"] == name) & (styles["useAsDefault"] == 1)]
        assert len(rows) == 1, name
        row = rows.iloc[0]
        expression, categories = _categories(row["styleQML"])
        assert categories, name
        assert row["styleName"] == LAYER_STYLES[name].title
        assert row["f_geometry_column"] == pyogrio.read_info(path, layer=name)["geometry_name"]
    assert set(styles.columns) >= {"f_table_catalog", "f_table_schema", "f_table_name", "f_geometry_column",
                                   "styleName", "styleQML", "styleSLD", "useAsDefault", "description", "owner",
                                   "ui", "update_time"}


def test_category_colours_are_the_maps(runs):
    path, by_key = _gpkg(runs), runs[2]
    styles = _styles(path).set_index("f_table_name")
    checked = 0
    for name, keys in SAME_THEME.items():
        drawn = {cat: _map_colour(style) for key in keys if key in by_key for cat, style in by_key[key].styles.items()}
        if name not in styles.index or not drawn:
            continue
        _, categories = _categories(styles.loc[name, "styleQML"])
        for value, colour in categories.items():
            assert colour == drawn[value], (name, value)
        checked += 1
    assert checked >= 5


def test_each_feature_falls_in_a_category_of_its_layer(runs):
    """The category expressions are plain SQL too: evaluated by SQLite they give only the
    style's categories (or nothing: not drawn), and the judged features get a colour."""
    path = _gpkg(runs)
    styles = _styles(path).set_index("f_table_name")
    with closing(sqlite3.connect(path)) as con:
        for name in _feature_layers(path):
            expression, categories = _categories(styles.loc[name, "styleQML"])
            values = {r[0] for r in con.execute(f'SELECT {expression} FROM "{name}"')}
            assert values - {None} <= set(categories), name
            assert values - {None}, name
        tiers = {r[0] for r in con.execute("SELECT regime_category FROM speed_regime")}
    assert "to_30" in tiers


def test_line_themes_are_views_of_segments_with_full_texts(runs):
    path, result = _gpkg(runs), runs[1]
    with closing(sqlite3.connect(path)) as con:
        kinds = dict(con.execute("SELECT name, type FROM sqlite_master WHERE name IN "
                                 "('segments', 'speed_regime', 'toets_segments', 'driven_speed')"))
        texts = con.execute(f'SELECT count(*), count(DISTINCT text) FROM "{TEXTS_TABLE}"').fetchone()
    assert kinds["segments"] == "table"
    assert kinds["speed_regime"] == kinds["toets_segments"] == kinds["driven_speed"] == "view"
    assert texts[0] == texts[1] > 0  # each explanation once
    themes = maps.theme_layers(result.after.edges, result.after.nodes, result.after.features)
    view = gpd.read_file(path, layer="speed_regime").set_index("edge_id").sort_index()
    frame = themes["speed_regime"].set_index("edge_id").sort_index()
    assert list(view.index) == list(frame.index)
    for col in ("regime_reason", "c4_evidence", "regime_tier"):
        assert view[col].fillna("").tolist() == frame[col].astype("string").fillna("").tolist(), col
    assert set(frame.columns) <= set(view.columns)  # an attribute filter: every column of segments
    segments = gpd.read_file(path, layer="segments")
    assert len(segments) == len(result.after.edges) and "regime_reason_ref" in segments.columns
    assert pyogrio.read_info(path, layer="toets_segments")["capabilities"]["fast_spatial_filter"]


def test_each_segment_geometry_is_stored_once(runs):
    """Only ``segments`` (and the parking layer, with its own lines) store line geometry; the line
    themes, which together hold more segments than there are, are views."""
    path, result = _gpkg(runs), runs[1]
    with closing(sqlite3.connect(path)) as con:
        tables = [r[0] for r in con.execute(
            "SELECT g.table_name FROM gpkg_geometry_columns AS g JOIN sqlite_master AS m ON m.name = g.table_name "
            "WHERE m.type = 'table' AND g.geometry_type_name LIKE '%LINESTRING'")]
        views = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'view'")]
        in_views = sum(con.execute(f'SELECT count(*) FROM "{v}"').fetchone()[0] for v in views)
    assert set(tables) <= {"segments", "parking_freed"} and "segments" in tables
    assert in_views > len(result.after.edges)


def test_one_geometry_type_per_layer_so_qgis_styles_it_at_once(runs):
    path = _gpkg(runs)
    kinds = {name: set(gpd.read_file(path, layer=name).geom_type) for name in _feature_layers(path)}
    assert kinds["sites"] == {"Point"} and kinds["site_areas"] <= {"Polygon", "MultiPolygon"}
    assert all(len(k) == 1 or k <= {"Polygon", "MultiPolygon"} or k <= {"LineString", "MultiLineString"}
               for k in kinds.values()), kinds


def test_layers_have_plain_titles(runs):
    with closing(sqlite3.connect(_gpkg(runs))) as con:
        rows = con.execute("SELECT table_name, identifier FROM gpkg_contents WHERE data_type = 'features'").fetchall()
    for table, identifier in rows:
        assert identifier == LAYER_STYLES[table].title and " " in identifier, table


def test_compare_reads_the_segments_of_two_runs(runs, data_dir, tmp_path):
    maps_dir = runs[0]
    pipeline.run_scenario(data_dir / "render_baseline.toml", out_dir=maps_dir / "render_baseline", progress=False)
    out = pipeline.compare_runs("render_baseline", "render_scenario", maps_dir=maps_dir, out_dir=tmp_path / "diff")
    assert out["diff_map"].exists() and len(out["table"])
    seg = read_segments(maps_dir / "render_scenario")
    assert {"way_id", "u", "v", "regime", "daily_traffic"} <= set(seg.columns)


def test_an_older_run_with_the_texts_in_segments_still_reads(runs, tmp_path):
    old = gpd.read_file(_gpkg(runs), layer="segments").drop(columns=["regime_reason_ref"])
    old["regime_reason"] = "kept as text"
    (tmp_path / "old").mkdir()
    old.to_file(tmp_path / "old" / "layers.gpkg", layer="segments", driver="GPKG", engine="pyogrio")
    assert (read_segments(tmp_path / "old")["regime_reason"] == "kept as text").all()


def test_bins_expression_matches_the_map_bins():
    expression = bins_expression('"k"', SCHOOL_BINS)
    with closing(sqlite3.connect(":memory:")) as con:
        got = [con.execute(f'SELECT {expression} FROM (SELECT ? AS k)', (k,)).fetchone()[0]
               for k in (None, 0.5, 1, 9.9, 10, 199, 200, 5000)]
    labels = [b.label for b in SCHOOL_BINS]
    assert got == [None, labels[0], labels[0], labels[0], labels[1], labels[2], labels[3], labels[3]]


def test_qml_keeps_the_dash_and_leaves_out_marks_of_another_geometry():
    styles = {"a": line("#123456", 3, 0.5, label="dashed", dash="7 5"),
              "b": {"color": "#222222", "fillColor": "#abcdef", "radius": 4, "label": "a dot"}}
    root = ET.fromstring(layer_qml("line", '"x"', styles, rest=line("#c4c4c4", 1, label="other")).split("\n", 1)[1])
    assert [c.get("value") for c in root.iter("category")] == ["a", ""]  # "": QGIS's all other values
    props = {p.get("k"): p.get("v") for p in next(root.iter("symbol")).iter("prop")}
    assert props["customdash"] == "7;5" and props["line_color"] == "18,52,86,128"
