"""The compact encoding of a map layer's features for ``map.html``.

The map stays small enough for the whole city: geometries are simplified in RD New (metres),
coordinates rounded to 5 decimals (about 1 m), every text value is stored once per layer in a
lookup table and features carry only indexes into it, and each feature is one compact row
(:func:`layer_data`; about 9 MB for the whole city instead of 20 MB as plain GeoJSON).
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from mobisim.render.map.layer import MapLayer, Style

__all__ = ["SIMPLIFY_TOLERANCE_M", "COORD_DECIMALS", "GEOMETRY_CODES", "layer_data"]

SIMPLIFY_TOLERANCE_M = 2.0
"""Douglas-Peucker tolerance (metres, RD New) for map geometries; GeoPackage keeps the originals."""

COORD_DECIMALS = 5
"""Decimals kept for WGS84 coordinates in ``map.html`` (1e-5° ≈ 0.7–1.1 m in Den Haag)."""

#: Short codes for the GeoJSON geometry types in the compact rows (decoded by ``mobisimFeatures``
#: in ``templates/map_helpers.js``).
GEOMETRY_CODES = {"Point": "P", "LineString": "L", "Polygon": "A", "MultiPoint": "MP",
                  "MultiLineString": "ML", "MultiPolygon": "MA"}
_GEOJSON_PARTS = re.compile(r'^\{"type":"(\w+)","coordinates":(.*)\}$', re.S)


def _wgs84_geometries(frame: gpd.GeoDataFrame, tolerance: float, decimals: int) -> np.ndarray:
    """Simplified WGS84 GeoJSON geometry strings (``""`` for empty ones)."""
    geom = frame.geometry
    if geom.crs is not None and geom.crs.is_projected and tolerance > 0:
        geom = geom.simplify(tolerance, preserve_topology=False)
    geom = geom.to_crs(4326) if geom.crs is not None else geom
    arr = shapely.transform(geom.to_numpy(), lambda xy: np.round(xy, decimals))  # one numpy call
    out = np.asarray(shapely.to_geojson(arr), dtype=object)
    out[shapely.is_empty(arr) | shapely.is_missing(arr)] = ""
    return out


def _lookup_codes(layer: MapLayer, index: pd.Index) -> tuple[pd.Series, list[list[str]]]:
    """Per feature the comma-separated lookup indices of its tooltip fields, and the lookup tables."""
    lookups: list[list[str]] = []
    joined = pd.Series("", index=index, dtype=object)
    for i, (_, values) in enumerate(layer.fields):
        codes, uniques = pd.factorize(values.astype("string").fillna("").to_numpy())
        lookups.append([str(u) for u in uniques])
        joined = joined + ("," if i else "") + pd.Series(pd.Series(codes).astype(str).to_numpy(), dtype=object)
    return joined, lookups


def layer_data(layer: MapLayer, *, tolerance: float = SIMPLIFY_TOLERANCE_M,
               decimals: int = COORD_DECIMALS) -> tuple[str, list[list[str]], list[Style]]:
    """Encode a layer compactly.

    A GeoJSON ``Feature`` wrapper costs about 80 bytes, more than the coordinates of a typical
    street segment; the whole-city map holds some 135,000 features. So each feature is one row
    ``[s, [p…], t, coordinates]``: the style index, one lookup index per tooltip field, a short
    geometry type code (:data:`GEOMETRY_CODES`) and the GeoJSON coordinates. The map's
    ``mobisimFeatures`` script turns the rows back into GeoJSON features (properties ``s`` and
    ``p``). A geometry of another type (a collection) is kept whole with the type code ``""``.

    Parameters
    ----------
    layer
        The layer (its frame in any CRS with one).
    tolerance
        Simplification tolerance in metres (projected frames only; ``0``: none).
    decimals
        Decimals of the WGS84 coordinates.

    Returns
    -------
    rows_json : str
        A JSON array with one row per non-empty feature.
    lookups : list of list of str
        Distinct values per tooltip field.
    styles : list of dict
        Leaflet path options per style index (without the legend label).
    """
    geoms = pd.Series(_wgs84_geometries(layer.frame, tolerance, decimals), dtype=object)
    keep = (geoms != "").to_numpy()
    parts = geoms.str.extract(_GEOJSON_PARTS)
    short = parts[0].map(GEOMETRY_CODES)
    code = '"' + short.fillna("") + '"'
    coords = parts[1].where(short.notna(), geoms)
    style_names = list(layer.styles)
    s_codes = pd.Categorical(layer.category.astype("string").fillna(""), categories=style_names).codes
    s_codes = np.where(s_codes < 0, 0, s_codes)
    joined, lookups = _lookup_codes(layer, geoms.index)
    rows = "[" + pd.Series(s_codes).astype(str).to_numpy() + ",[" + joined + "]," + code + "," + coords + "]"
    styles = [{k: v for k, v in layer.styles[name].items() if k != "label"} for name in style_names]
    return "[" + ",".join(rows[keep].tolist()) + "]", lookups, styles
