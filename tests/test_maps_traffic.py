"""The traffic model's map layers (volumes today and with the scenario, change, rat runs) and its
columns in the GeoPackage, from segments written by hand (RD New)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString

from browser_tools import layer_rows, page_data
from mobisim.render import map as maps

#: name, highway, way, today, with the scenario, source, rat run, through share, in the area
ROWS = [
    ("Laan A", "primary", 1, 18_000.0, 16_500.0, "model", False, None, True),     # −1,500: large loss
    ("Laan A", "primary", 1, 17_600.0, 17_400.0, "model", False, None, True),     # −200: below 300
    ("Weg B", "residential", 2, 1_200.0, 3_500.0, "model", True, 0.73, True),     # +2,300: rat run
    ("Weg B", "residential", 2, 900.0, 1_250.0, "model", False, 0.40, True),      # +350
    ("Hof C", "living_street", 3, 40.0, 40.0, "model", False, 0.0, True),         # no change
    ("Straat D", "residential", 4, 2_000.0, 150.0, "intervention:filter-d", False, None, True),  # closed
    ("Pad E", "service", 5, 20.0, 20.0, "model", False, None, True),              # not assigned: no volume line
    ("Buiten F", "secondary", 6, 9_000.0, 5_000.0, "model", False, None, False),  # outside the area
    ("Fietspad", "cycleway", 7, None, None, "default:class", False, None, True),  # no car traffic
]


@pytest.fixture()
def edges() -> gpd.GeoDataFrame:
    n = len(ROWS)
    x0 = 80_000.0
    geoms = [LineString([(x0 + 200 * i, 455_000.0), (x0 + 200 * i + 150, 455_040.0)]) for i in range(n)]
    name, hw, way, before, after, src, rat, through, inside = zip(*ROWS)
    before = pd.array(before, dtype="Float64")
    after = pd.array(after, dtype="Float64")
    frame = gpd.GeoDataFrame({
        "u": np.arange(n) * 2, "v": np.arange(n) * 2 + 1, "way_id": list(way), "length": 155.0,
        "name": pd.array(name, dtype="string"), "highway": pd.array(hw, dtype="string"),
        "mode_drive": [h != "cycleway" for h in hw], "is_road": [h != "cycleway" for h in hw],
        "in_area": list(inside), "regime": pd.array(["30"] * n, dtype="string"),
        "daily_traffic": after, "daily_traffic_source": pd.array(src, dtype="string"),
        "daily_traffic_before": before, "traffic_change": pd.array(after - before, dtype="Float64"),
        "traffic_through_min": pd.array(through, dtype="Float64"), "rat_run": list(rat),
        "rat_run_fix": pd.array(["modal filter (close_through_traffic)" if r else None for r in rat], dtype="string"),
    }, geometry=geoms, crs=28992)
    frame.index.name = "edge_id"
    return frame


def _by_key(layers) -> dict[str, maps.MapLayer]:
    return {layer.key: layer for layer in layers}


def _fields(layer: maps.MapLayer) -> dict[str, list[str]]:
    return {label: values.astype("string").fillna("").tolist() for label, values in layer.fields}


def test_map_layers_include_the_traffic_layers_switched_off(edges):
    nodes = gpd.GeoDataFrame(geometry=[], crs=28992)
    layers = _by_key(maps.map_layers(edges, nodes, None))
    for key in ("traffic_before", "traffic_after", "traffic_change", "rat_runs"):
        assert key in layers, key
        assert layers[key].show is False
    assert layers["speed_regime"].show is True  # the existing layers are unchanged


def test_volume_layers_colour_by_class_and_say_the_source(edges):
    layers = _by_key(maps.traffic_layers(edges))
    after, today = layers["traffic_after"], layers["traffic_before"]
    f = _fields(after)
    # one line per street and volume class; no cycleway, no service road, nothing outside the area
    assert sorted(f["Street"]) == ["Hof C", "Laan A", "Straat D", "Weg B", "Weg B"]
    rows = dict(zip(zip(f["Street"], after.category), f["Vehicles/day"]))
    assert rows[("Laan A", "over 15,000")] == "16,500–17,400"
    assert rows[("Weg B", "2,000–5,000")] == "3,500"
    assert rows[("Weg B", "500–2,000")] == "1,300"  # 1,250 to the nearest 100
    assert rows[("Hof C", "under 500 vehicles/day")] == "40"
    assert set(after.category) <= {label for _, label, _, _ in maps.TRAFFIC_BINS}
    source = dict(zip(f["Street"], f["Source"]))
    assert source["Straat D"] == "set by intervention filter-d" and source["Laan A"] == "traffic model"
    # today: today's volumes; what the scenario's intervention sets was modelled today
    t = _fields(today)
    trow = dict(zip(t["Street"], t["Vehicles/day today"]))
    assert trow["Straat D"] == "2,000"
    assert dict(zip(t["Street"], t["Source"]))["Straat D"] == "traffic model"
    # busiest drawn last (on top)
    assert list(after.frame["q"]) == sorted(after.frame["q"])


def test_change_layer_has_only_changes_beyond_the_noise(edges):
    """At least 300 vehicles a day and 10 % of the volume: −1,500 on a road of 18,000 (8 %) is
    within the assignment's convergence noise and not drawn."""
    layer = _by_key(maps.traffic_layers(edges))["traffic_change"]
    change = pd.to_numeric(edges["traffic_change"], errors="coerce").abs()
    volume = np.fmax(pd.to_numeric(edges["daily_traffic"], errors="coerce").fillna(0),
                     pd.to_numeric(edges["daily_traffic_before"], errors="coerce").fillna(0))
    big_enough = ((change >= 300) & (change >= 0.1 * volume)).fillna(False).to_numpy()
    expected = edges.index[big_enough & edges["in_area"].to_numpy()]
    assert 0 < len(expected) < len(edges)
    assert sorted(layer.frame.index) == sorted(expected)
    assert (pd.to_numeric(layer.frame["traffic_change"], errors="coerce").abs() >= 300).all()
    f = _fields(layer)
    text = dict(zip(f["Street"], f["Change"]))
    assert text["Weg B"] in {"+2,300 veh/day (before 1,200 → after 3,500)",
                             "+350 veh/day (before 900 → after 1,250)"}
    assert "+2,300 veh/day (before 1,200 → after 3,500)" in f["Change"]
    assert "\u22121,500 veh/day (before 18,000 → after 16,500)" not in f["Change"]
    cats = dict(zip(f["Change"], layer.category))
    assert cats["+2,300 veh/day (before 1,200 → after 3,500)"] == "gain_large"
    assert cats["+350 veh/day (before 900 → after 1,250)"] == "gain"
    assert cats["\u22121,850 veh/day (before 2,000 → after 150)"] == "loss_large"
    # gains and losses in distinct colours
    styles = layer.styles
    assert styles["gain_large"]["color"] != styles["loss_large"]["color"]
    # a higher threshold keeps fewer segments
    big = _by_key(maps.traffic_layers(edges, change_min=1000))["traffic_change"]
    assert 0 < len(big.frame) < len(layer.frame)


def test_rat_run_layer_names_the_fix(edges):
    layer = _by_key(maps.traffic_layers(edges))["rat_runs"]
    f = _fields(layer)
    assert f["Street"] == ["Weg B"]
    assert f["Vehicles/day"] == ["3,500"] and f["Through traffic"] == ["at least 73 %"]
    assert f["Fix"] == ["modal filter (close_through_traffic)"]


def test_no_traffic_columns_no_traffic_layers(edges):
    bare = edges.drop(columns=maps.TRAFFIC_COLUMNS)
    assert maps.traffic_layers(bare) == []
    keys = {layer.key for layer in maps.map_layers(bare, gpd.GeoDataFrame(geometry=[], crs=28992), None)}
    assert not keys & {"traffic_before", "traffic_after", "traffic_change", "rat_runs"}


def test_traffic_layers_render_and_the_gpkg_segments_carry_the_columns(edges):
    layers = maps.traffic_layers(edges)
    page = maps.render_html(maps.build_map(layers, title="traffic test"))
    assert {ld["key"] for ld in page_data(page)["layers"]} == {layer.key for layer in layers}
    changes = {row["Change"] for row in layer_rows(page, "traffic_change")}
    assert "+2,300 veh/day (before 1,200 \u2192 after 3,500)" in changes
    themes = maps.theme_layers(edges, gpd.GeoDataFrame(geometry=[], crs=28992), None)
    for col in maps.TRAFFIC_COLUMNS:
        assert col in themes["segments"].columns, col
