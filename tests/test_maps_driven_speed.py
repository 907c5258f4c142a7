"""The driven-speed map layer ("Signs or redesign") and the GeoPackage theme ``driven_speed``,
from segments written by hand (RD New)."""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import LineString

from browser_tools import layer_rows, page_data
from mobisim.render import map as maps
from mobisim.render.outputs import write_gpkg

SIGN_REASON = ("sign only (50 → 30 km/h): driven at 40 km/h, the new limit + 10 (Amsterdam 2024: ~20 % still "
               "drive ≥ 40 on a 30-road)")
REDESIGN_REASON = "limit 30 km/h kept by the redesign of the calming plan"
DESIGN_REASON = "limit 30 km/h kept by the design: traffic calming present"
UNCHANGED = "limit unchanged: driven at the limit (assumption)"

#: name, limit today, after, driven, basis, reason, redesign year, in the area
ROWS = [
    ("Laan A", 50, 30, 30.0, "redesign", REDESIGN_REASON, 2028, True),
    ("Laan A", 50, 30, 30.0, "redesign", REDESIGN_REASON, 2028, True),    # same street: one line
    ("Weg B", 50, 30, 40.0, "sign only", SIGN_REASON, 2033, True),        # planned after the horizon
    ("<b>Straat</b> {{C}}", 50, 30, 40.0, "sign only", SIGN_REASON, None, True),  # not in the plan
    ("Hof D", 50, 30, 30.0, "design", DESIGN_REASON, None, True),
    ("Kade E", 30, 30, 30.0, "limit", UNCHANGED, None, True),             # not lowered
    ("Buiten F", 50, 30, 40.0, "sign only", SIGN_REASON, 2029, False),    # outside the area
    ("Snelweg G", 100, 100, 100.0, "limit", UNCHANGED, None, True),
    ("Fietspad", None, None, None, None, None, None, True),               # no limit
]


@pytest.fixture()
def edges() -> gpd.GeoDataFrame:
    n = len(ROWS)
    x0 = 80_000.0
    # the two Laan A segments touch (merged into one line), the rest lie apart
    geoms = [LineString([(x0, 455_000.0), (x0 + 150, 455_000.0)]),
             LineString([(x0 + 150, 455_000.0), (x0 + 300, 455_000.0)])]
    geoms += [LineString([(x0 + 200 * i, 455_100.0), (x0 + 200 * i + 150, 455_140.0)]) for i in range(2, n)]
    name, before, after, driven, basis, reason, year, inside = zip(*ROWS)
    frame = gpd.GeoDataFrame({
        "u": np.arange(n) * 2, "v": np.arange(n) * 2 + 1, "way_id": np.arange(n) + 100, "length": 150.0,
        "name": pd.array(name, dtype="string"),
        "highway": pd.array(["residential"] * (n - 1) + ["cycleway"], dtype="string"),
        "is_road": [True] * (n - 1) + [False], "in_area": list(inside),
        "regime": pd.array(["30"] * (n - 2) + ["out_of_scope", None], dtype="string"),
        # with the programme on, ``maxspeed`` stays today's limit and ``proposed_maxspeed`` is the new one
        "maxspeed": pd.array(before, dtype="Int64"), "proposed_maxspeed": pd.array(after, dtype="Int64"),
        "limit_before": pd.array(before, dtype="Int64"),
        "driven_speed": pd.array(driven, dtype="Float64"),
        "driven_speed_basis": pd.array(basis, dtype="string"),
        "driven_speed_reason": pd.array(reason, dtype="string"),
        "driven_speed_sign_only": pd.array([40.0 if b and b != "limit" and a < lim else a
                                            for a, lim, b in zip(after, before, basis)], dtype="Float64"),
        "redesign_year": pd.array(year, dtype="Int64"),
    }, geometry=geoms, crs=28992)
    frame.index.name = "edge_id"
    return frame


def _nodes() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=[], crs=28992)


def _fields(layer: maps.MapLayer) -> dict[str, list[str]]:
    return {label: values.astype("string").fillna("").tolist() for label, values in layer.fields}


def _layer(edges) -> maps.MapLayer:
    layers = {layer.key: layer for layer in maps.map_layers(edges, _nodes(), None)}
    assert "driven_speed" in layers
    return layers["driven_speed"]


def test_layer_draws_only_the_lowered_roads_inside_the_area_switched_off(edges):
    layer = _layer(edges)
    assert layer.title == "Signs or redesign (driven speed)"
    assert layer.show is False
    f = _fields(layer)
    # no unchanged limit, no motorway, no cycleway, nothing outside the area; Laan A as one line
    assert sorted(f["Street"]) == sorted(["Laan A", "Weg B", "<b>Straat</b> {{C}}", "Hof D"])
    by_street = dict(zip(f["Street"], layer.category))
    assert by_street == {"Laan A": "redesign", "Weg B": "sign only", "<b>Straat</b> {{C}}": "sign only",
                         "Hof D": "design"}
    laan = layer.frame.geometry[np.array(f["Street"]) == "Laan A"].iloc[0]
    assert laan.geom_type == "LineString" and laan.length == pytest.approx(300.0)
    # drawn length = length of the lowered segments inside the area
    lowered = edges["driven_speed_basis"].isin(["redesign", "design", "sign only"]).fillna(False) & edges["in_area"]
    assert layer.frame.geometry.length.sum() == pytest.approx(edges.geometry[lowered.to_numpy()].length.sum())
    # sign only on top
    assert list(layer.category)[-2:] == ["sign only", "sign only"]


def test_colours_by_basis_are_distinct_and_not_the_toets_red(edges):
    styles = _layer(edges).styles
    assert list(styles) == ["redesign", "design", "sign only"]
    colours = {k: s["color"] for k, s in styles.items()}
    assert len(set(colours.values())) == 3
    taken = {maps.RED, maps.PURPLE, maps.MAGENTA, maps.TO30, maps.SHOWN50, maps.KEEP50, maps.GREEN}
    assert not set(colours.values()) & taken
    assert all(s.get("label") for s in styles.values())


def test_tooltip_gives_limits_speed_basis_reason_and_year(edges):
    f = _fields(_layer(edges))
    row = {street: {label: values[i] for label, values in f.items()} for i, street in enumerate(f["Street"])}
    weg = row["Weg B"]
    assert weg["Limit today → after"] == "50 → 30 km/h"
    assert weg["Driven speed"] == "40 km/h"
    assert weg["Basis"] == "sign only"
    assert weg["Why"] == SIGN_REASON
    assert weg["Redesign"] == "redesign planned in 2033 (after the horizon)"
    assert row["<b>Straat</b> {{C}}"]["Redesign"] == "not in the calming plan"
    laan = row["Laan A"]
    assert laan["Redesign"] == "redesigned in 2028 (by the horizon)"
    assert laan["Why"] == REDESIGN_REASON and laan["Driven speed"] == "30 km/h"
    assert row["Hof D"]["Why"] == DESIGN_REASON and row["Hof D"]["Redesign"] == ""


def test_layer_renders_with_names_escaped_and_a_legend_entry(edges):
    layer = _layer(edges)
    page = maps.render_html(maps.build_map([layer], title="driven speed test"))
    assert [ld["key"] for ld in page_data(page)["layers"]] == ["driven_speed"]
    assert "Signs or redesign (driven speed)" in page
    # the name is never markup (escaped in the script) nor a template (``{{ }}`` kept as text)
    assert "<b>Straat</b>" not in page
    assert "\\u003cb\\u003eStraat\\u003c/b\\u003e {{C}}" in page
    rows = layer_rows(page, "driven_speed")
    assert "<b>Straat</b> {{C}}" in {row["Street"] for row in rows}  # decoded text, shown with textContent
    assert "redesign planned in 2033 (after the horizon)" in {row["Redesign"] for row in rows}
    legend = re.search(r'<div class="mobisim-lg" data-layer="driven_speed">(.*?)</div></div>', page).group(1)
    for style in layer.styles.values():
        assert style["color"] in legend


def test_gpkg_theme_layer_has_the_lowered_roads_and_columns(tmp_path, edges):
    themes = maps.theme_layers(edges, _nodes(), None)
    theme = themes["driven_speed"]
    for col in ["limit_before", "maxspeed", "proposed_maxspeed", "driven_speed", "driven_speed_basis",
                "driven_speed_reason", "driven_speed_sign_only", "redesign_year", "edge_id", "name"]:
        assert col in theme.columns, col
    assert sorted(theme["edge_id"]) == [0, 1, 2, 3, 4]
    path = write_gpkg(tmp_path / "layers.gpkg", themes)
    assert "driven_speed" in dict(pyogrio.list_layers(path))
    back = gpd.read_file(path, layer="driven_speed")
    assert len(back) == 5
    assert sorted(back["redesign_year"].dropna().astype(int)) == [2028, 2028, 2033]
    assert set(back["driven_speed_basis"]) == {"redesign", "design", "sign only"}


def test_limit_after_without_the_programme_is_maxspeed(edges):
    """A run with interventions only: no ``proposed_maxspeed``, ``maxspeed`` is the limit after."""
    only = edges.drop(columns=["proposed_maxspeed"]).assign(maxspeed=pd.array([r[2] for r in ROWS], dtype="Int64"))
    f = _fields(maps.driven_speed_layer(only))
    assert dict(zip(f["Street"], f["Limit today → after"]))["Weg B"] == "50 → 30 km/h"


def test_no_driven_speed_columns_no_layer_and_no_error(edges):
    bare = edges.drop(columns=["limit_before", "driven_speed", "driven_speed_basis", "driven_speed_reason",
                               "driven_speed_sign_only", "redesign_year"])
    assert maps.driven_speed_layer(bare) is None
    keys = {layer.key for layer in maps.map_layers(bare, _nodes(), None)}
    assert "driven_speed" not in keys and "speed_regime" in keys
    themes = maps.theme_layers(bare, _nodes(), None)
    assert themes["driven_speed"].empty


def test_nothing_lowered_gives_no_map_layer(edges):
    flat = edges.assign(driven_speed_basis=pd.array(["limit"] * len(edges), dtype="string"))
    assert maps.driven_speed_layer(flat) is not None
    assert "driven_speed" not in {layer.key for layer in maps.map_layers(flat, _nodes(), None)}
