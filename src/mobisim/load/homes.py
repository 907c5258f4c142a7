"""Origins of school trips: homes, weighted by the children who live there.

Where do primary-school children live? OSM has no population, so the origins are residential
floor area, and the city's children are spread over it in proportion:

1. **Buildings** (``net.buildings``; columns ``geometry``, ``levels``, ``area``, optionally the raw
   ``building`` type). A building counts as residential when its type says so
   (:data:`RESIDENTIAL_TYPES`); a building of a non-residential type
   (:data:`NON_RESIDENTIAL_TYPES`) never counts; a generic one (``building=yes``, the only type in
   the 2021 Den Haag file) counts when its representative point lies in residential landuse
   (``net.landuse``) — or everywhere when ``generic_buildings="all"`` or when the network has no
   residential landuse at all. Buildings under ``min_building_area_m2`` (sheds, garages) are
   dropped.
2. **Floor area** = footprint ``area`` × ``levels``; where the level count is missing, levels =
   ``height / storey_height_m`` (rounded, at least 1) when a height is known, else
   ``default_levels`` — in the 2021 file only 1,408 of 188,493 buildings carry levels and 89
   more a height.
3. **Landuse without buildings**: residential landuse polygons that hold no residential building
   are sampled on a regular grid (``grid_spacing_m``); each grid point stands for
   ``grid_spacing_m² × grid_floor_area_ratio`` m² of floor area (a small polygon that catches no
   grid point gets its representative point and its own area × the ratio).
4. ``children = children_total × floor_area / Σ floor_area``.

Areas are represented by their representative point (always inside the polygon).
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from mobisim.errors import InputFileError
from mobisim.frames import CRS, column, numbers
from mobisim.settings_base import MAX_CELLS, check_size

RESIDENTIAL_TYPES: frozenset[str] = frozenset(
    {"house", "apartments", "residential", "detached", "semidetached_house", "terrace",
     "bungalow", "dormitory", "houseboat", "farm", "static_caravan"}
)
"""OSM ``building=*`` values that are homes (OSM wiki, Key:building, "Accommodation")."""

NON_RESIDENTIAL_TYPES: frozenset[str] = frozenset(
    {"commercial", "industrial", "retail", "office", "warehouse", "school", "university",
     "college", "kindergarten", "hospital", "church", "chapel", "mosque", "temple", "synagogue",
     "cathedral", "civic", "public", "government", "train_station", "transportation", "hotel",
     "garage", "garages", "carport", "parking", "shed", "hut", "roof", "greenhouse", "barn",
     "stable", "service", "transformer_tower", "water_tower", "bunker", "construction",
     "ruins", "sports_hall", "stadium", "supermarket", "kiosk", "toilets", "bridge"}
)
"""OSM ``building=*`` values that are never homes."""

ORIGIN_COLUMNS = ["source", "floor_area_m2", "children", "geometry"]


def _building_types(buildings: gpd.GeoDataFrame) -> pd.Series:
    """The ``building`` type of each building; ``yes`` (generic) where it is missing or not given."""
    kind = column(buildings, "building").astype(object)
    return kind.where(kind.notna(), "yes")


def residential_buildings(
    buildings: gpd.GeoDataFrame,
    landuse: gpd.GeoDataFrame,
    *,
    min_building_area_m2: float,
    default_levels: float,
    generic_buildings: str = "landuse",
    storey_height_m: float = 3.0,
) -> gpd.GeoDataFrame:
    """Residential buildings as points with their floor area.

    Parameters
    ----------
    buildings : geopandas.GeoDataFrame
        ``net.buildings`` (``geometry``, ``levels``, ``area``, optional ``building``).
    landuse : geopandas.GeoDataFrame
        Residential landuse polygons (``net.landuse``).
    min_building_area_m2 : float
        Footprints smaller than this are not homes.
    default_levels : float
        Levels assumed where neither ``levels`` nor ``height`` is known.
    storey_height_m : float
        Floor-to-floor height used to turn a ``height`` (m) into levels where ``levels`` is
        missing.
    generic_buildings : {"landuse", "all"}
        Where a generic building (``building=yes``) counts: inside residential landuse, or
        everywhere.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns :data:`ORIGIN_COLUMNS` (``children`` still 0), point geometry.
    """
    if buildings is None or len(buildings) == 0:
        return gpd.GeoDataFrame({c: [] for c in ORIGIN_COLUMNS[:-1]}, geometry=[], crs=CRS)
    # a frame of building outlines made elsewhere may lack the load step's columns (NaN: unknown)
    footprint = buildings.geometry.area.to_numpy()
    area = numbers(buildings, "area")
    area = np.where(np.isnan(area), footprint, area)
    levels = numbers(buildings, "levels")
    from_height = np.maximum(np.round(numbers(buildings, "height") / storey_height_m), 1.0)
    levels = np.where(np.isnan(levels) | (levels <= 0), from_height, levels)
    levels = np.where(np.isnan(levels), default_levels, levels)
    kind = _building_types(buildings)
    residential = kind.isin(RESIDENTIAL_TYPES).to_numpy()
    generic = ~residential & ~kind.isin(NON_RESIDENTIAL_TYPES).to_numpy()
    points = buildings.geometry.representative_point()
    if generic_buildings == "all" or landuse is None or len(landuse) == 0:
        in_landuse = np.ones(len(buildings), dtype=bool)
    else:
        tree = shapely.STRtree(landuse.geometry.to_numpy())
        hit_points, _ = tree.query(points.to_numpy(), predicate="intersects")
        in_landuse = np.zeros(len(buildings), dtype=bool)
        in_landuse[hit_points] = True
    keep = (residential | (generic & in_landuse)) & (area >= min_building_area_m2)
    return gpd.GeoDataFrame(
        {
            "source": "building",
            "floor_area_m2": (area * levels)[keep],
            "children": 0.0,
        },
        geometry=points.to_numpy()[keep],
        crs=CRS,
    )


def _check_grid_size(xmin: float, ymin: float, xmax: float, ymax: float, spacing_m: float) -> None:
    """Refuse a grid of more than :data:`mobisim.settings_base.MAX_CELLS` points before it is made."""
    if not (math.isfinite(spacing_m) and spacing_m > 0):
        raise InputFileError(f"schools.grid_spacing_m: expected a finite number > 0, got {spacing_m}")

    def cells(spacing: float) -> float:
        nx = math.ceil(xmax / spacing) - math.floor(xmin / spacing) + 1
        ny = math.ceil(ymax / spacing) - math.floor(ymin / spacing) + 1
        return float(nx) * float(ny)

    n = cells(spacing_m)
    if n <= MAX_CELLS:
        return
    smallest = max(1, math.ceil(math.sqrt((xmax - xmin) * (ymax - ymin) / MAX_CELLS)))
    while cells(smallest) > MAX_CELLS:
        smallest += 1
    check_size(n, "schools.grid_spacing_m", spacing_m, what="grid cells",
               over="over the residential landuse without buildings",
               advice=f"use ≥ {smallest} m")


def landuse_grid(
    landuse: gpd.GeoDataFrame,
    homes: gpd.GeoDataFrame,
    *,
    spacing_m: float,
    floor_area_ratio: float,
) -> gpd.GeoDataFrame:
    """Grid points in residential landuse polygons that hold no residential building.

    Parameters
    ----------
    landuse : geopandas.GeoDataFrame
        Residential landuse polygons.
    homes : geopandas.GeoDataFrame
        Residential building points (:func:`residential_buildings`).
    spacing_m : float
        Grid spacing; points sit at cell centres of a grid aligned to multiples of the spacing.
    floor_area_ratio : float
        Floor area per m² of land (floor space index) assumed for such polygons.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns :data:`ORIGIN_COLUMNS`, ``source = "landuse_grid"``.
    """
    empty = gpd.GeoDataFrame({c: [] for c in ORIGIN_COLUMNS[:-1]}, geometry=[], crs=CRS)
    if landuse is None or len(landuse) == 0:
        return empty
    polys = landuse.geometry.to_numpy()
    tree = shapely.STRtree(polys)
    occupied = np.zeros(len(polys), dtype=bool)
    if len(homes):
        _, hit_poly = tree.query(homes.geometry.to_numpy(), predicate="intersects")
        occupied[hit_poly] = True
    empty_polys = polys[~occupied]
    if len(empty_polys) == 0:
        return empty
    xmin, ymin, xmax, ymax = shapely.total_bounds(empty_polys)
    _check_grid_size(xmin, ymin, xmax, ymax, spacing_m)
    xs = np.arange(np.floor(xmin / spacing_m), np.ceil(xmax / spacing_m) + 1) * spacing_m + spacing_m / 2
    ys = np.arange(np.floor(ymin / spacing_m), np.ceil(ymax / spacing_m) + 1) * spacing_m + spacing_m / 2
    gx, gy = np.meshgrid(xs, ys)
    grid = shapely.points(gx.ravel(), gy.ravel())
    sub = shapely.STRtree(empty_polys)
    hit_pt, hit_poly = sub.query(grid, predicate="within")
    hit_pt = np.unique(hit_pt)  # overlapping polygons: one point once
    cell = spacing_m * spacing_m * floor_area_ratio
    # polygons too small to catch a grid point: their representative point, own area
    caught = np.zeros(len(empty_polys), dtype=bool)
    caught[hit_poly] = True
    small = empty_polys[~caught]
    geom = np.concatenate([grid[hit_pt], shapely.point_on_surface(small)])
    floor = np.concatenate([np.full(len(hit_pt), cell), shapely.area(small) * floor_area_ratio])
    return gpd.GeoDataFrame(
        {"source": "landuse_grid", "floor_area_m2": floor, "children": 0.0}, geometry=geom, crs=CRS
    )


def residential_origins(
    buildings: gpd.GeoDataFrame,
    landuse: gpd.GeoDataFrame,
    *,
    children_total: float,
    min_building_area_m2: float = 30.0,
    default_levels: float = 1.0,
    generic_buildings: str = "landuse",
    storey_height_m: float = 3.0,
    grid_spacing_m: float = 50.0,
    grid_floor_area_ratio: float = 1.0,
) -> gpd.GeoDataFrame:
    """All school-trip origins with the children they stand for.

    See the module docstring for the method; parameters as in :func:`residential_buildings`
    and :func:`landuse_grid`.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per origin: ``source`` (``building`` / ``landuse_grid``), ``floor_area_m2``,
        ``children`` (summing to ``children_total``), point geometry in EPSG:28992.
    """
    homes = residential_buildings(
        buildings, landuse, min_building_area_m2=min_building_area_m2,
        default_levels=default_levels, generic_buildings=generic_buildings, storey_height_m=storey_height_m,
    )
    grid = landuse_grid(landuse, homes, spacing_m=grid_spacing_m, floor_area_ratio=grid_floor_area_ratio)
    parts = [p for p in (homes, grid) if len(p)]
    if not parts:
        return gpd.GeoDataFrame({c: [] for c in ORIGIN_COLUMNS[:-1]}, geometry=[], crs=CRS)
    origins = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=CRS)
    total = origins["floor_area_m2"].sum()
    origins["children"] = children_total * origins["floor_area_m2"] / total if total > 0 else 0.0
    origins.index.name = "origin_id"
    return origins[ORIGIN_COLUMNS]
