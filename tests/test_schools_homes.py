"""Homes as school-trip origins (mobisim.load.homes): residential filter, floor area, landuse grid."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from mobisim.load.homes import residential_origins

CRS = "EPSG:28992"


def _buildings() -> gpd.GeoDataFrame:
    geoms = [box(0, 0, 10, 10), box(20, 0, 40, 10), box(50, 0, 54, 5), box(500, 0, 520, 20), box(60, 0, 80, 20)]
    return gpd.GeoDataFrame(
        {
            "levels": pd.array([3, pd.NA, pd.NA, pd.NA, pd.NA], dtype="Int64"),
            "area": [g.area for g in geoms],
            "building": ["yes", "house", "yes", "apartments", "industrial"],
        },
        geometry=geoms, crs=CRS,
    )


def _landuse() -> gpd.GeoDataFrame:
    # one polygon covering the first buildings, one empty polygon 200 m further (no buildings)
    return gpd.GeoDataFrame(geometry=[box(-5, -5, 100, 30), box(200, 200, 300, 260)], crs=CRS)


def test_floor_area_weights_and_filters():
    o = residential_origins(_buildings(), _landuse(), children_total=1000, grid_spacing_m=50,
                            grid_floor_area_ratio=1.0)
    b = o[o["source"] == "building"]
    # 100 m² × 3 levels; 200 m² house × 1 (default); shed (20 m²) and industrial dropped;
    # apartments outside residential landuse count by their type
    assert sorted(b["floor_area_m2"].round(6)) == [200.0, 300.0, 400.0]
    grid = o[o["source"] == "landuse_grid"]
    # the 100 × 60 m empty polygon holds the cell centres x ∈ {225, 275}, y = 225 (spacing 50)
    assert len(grid) == 2
    assert np.allclose(grid["floor_area_m2"], 2500.0)
    assert o["children"].sum() == pytest.approx(1000)
    total = 200 + 300 + 400 + 5000
    assert o.loc[b.index[b["floor_area_m2"] == 300].item(), "children"] == pytest.approx(1000 * 300 / total)


def test_generic_buildings_everywhere_and_small_polygon_gets_its_point():
    land = gpd.GeoDataFrame(geometry=[box(1000, 1000, 1010, 1010)], crs=CRS)  # smaller than a cell
    o = residential_origins(_buildings(), land, children_total=10, generic_buildings="all",
                            grid_spacing_m=50, grid_floor_area_ratio=0.5)
    assert (o["source"] == "building").sum() == 3  # 300 + 200 (house) + 400; shed & industrial still out
    g = o[o["source"] == "landuse_grid"]
    assert len(g) == 1 and g["floor_area_m2"].item() == pytest.approx(50.0)
    assert g.geometry.item().within(land.geometry.item())


def test_no_buildings_no_landuse_gives_no_origins():
    empty = gpd.GeoDataFrame(geometry=[], crs=CRS)
    o = residential_origins(empty, empty, children_total=100)
    assert len(o) == 0


def test_levels_from_height_where_levels_are_missing():
    geoms = [box(0, 0, 10, 10), box(20, 0, 30, 10), box(40, 0, 50, 10)]
    b = gpd.GeoDataFrame(
        {"levels": pd.array([2, pd.NA, pd.NA], dtype="Int64"), "height": [30.0, 12.0, np.nan],
         "area": [100.0, 100.0, 100.0], "building": ["yes", "yes", "yes"]},
        geometry=geoms, crs=CRS,
    )
    o = residential_origins(b, gpd.GeoDataFrame(geometry=[], crs=CRS), children_total=70, storey_height_m=3.0)
    # tagged levels win over height; 12 m / 3 m = 4 levels; nothing known → default 1
    assert list(o["floor_area_m2"]) == [200.0, 400.0, 100.0]
    assert list(o["children"]) == pytest.approx([20.0, 40.0, 10.0])
