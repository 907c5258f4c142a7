"""The compact encoding of the map's geometry and of each layer's features for ``map.html``.

The whole-city map holds some 70,000 street segments shown in several views. Each segment's
geometry is stored **once** (:mod:`~mobisim.render.map.segments`); a layer drawn on the segments
holds only, per feature, the position of its segment and one index into a table of its distinct
style-and-tooltip combinations. Layers of other shapes (crossings, wijken, sites, merged streets)
carry their own shape table in the same format.

A shape table (:func:`shape_table`) is :func:`shapely.to_ragged_array`: the coordinates as
integers of 10\\ :sup:`-5` degree (about 1 m; :data:`COORD_DECIMALS`) stored as differences from
the previous coordinate, and the offset arrays as counts. The map's script (``mobisimShapes`` in
``templates/map_app.js``) turns them back into GeoJSON geometries.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from mobisim.render.map.layer import MapLayer

__all__ = ["SIMPLIFY_TOLERANCE_M", "COORD_DECIMALS", "GEOMETRY_CODES", "STREET_LABEL", "shape_table",
           "shape_tables", "wgs84", "layer_data", "delta"]

SIMPLIFY_TOLERANCE_M = 2.0
"""Douglas-Peucker tolerance (metres, RD New) for map geometries; GeoPackage keeps the originals."""

COORD_DECIMALS = 5
"""Decimals kept for WGS84 coordinates in ``map.html`` (1e-5° ≈ 0.7–1.1 m in Den Haag)."""

#: The GeoJSON geometry types of the shape tables (``type`` of :func:`shape_table`).
GEOMETRY_CODES = {"Point": "P", "LineString": "L", "Polygon": "A", "MultiPoint": "MP",
                  "MultiLineString": "ML", "MultiPolygon": "MA"}
#: The tooltip field a layer on the shared segments takes from the segment table (not stored per layer).
STREET_LABEL = "Street"
#: Geometry families one shape table can hold (a type and its multi-type).
_GEOJSON_TYPE = {name.upper(): name for name in GEOMETRY_CODES}
_FAMILY = {"Point": 0, "MultiPoint": 0, "LineString": 1, "MultiLineString": 1, "Polygon": 2, "MultiPolygon": 2}


def delta(values: np.ndarray) -> list[int]:
    """Integers as differences from the previous one (the first from 0), for short JSON.

    A 2-D array (coordinates ``(n, 2)``) is differenced per column and returned interleaved.
    """
    v = np.asarray(values, dtype=np.int64)
    if not v.size:
        return []
    v = v.reshape(len(v), -1)
    return np.diff(v, axis=0, prepend=np.zeros((1, v.shape[1]), dtype=np.int64)).ravel().tolist()


def wgs84(geoms: gpd.GeoSeries, tolerance: float = SIMPLIFY_TOLERANCE_M) -> np.ndarray:
    """Geometries simplified in their projected CRS (``tolerance`` metres) and reprojected to WGS84."""
    if geoms.crs is not None and geoms.crs.is_projected and tolerance > 0:
        geoms = geoms.simplify(tolerance, preserve_topology=True)
    return np.asarray((geoms.to_crs(4326) if geoms.crs is not None else geoms).to_numpy(), dtype=object)


def shape_table(geoms: np.ndarray, decimals: int = COORD_DECIMALS) -> dict[str, object]:
    """One family of WGS84 geometries (points, lines or polygons, single and multi) encoded compactly.

    Parameters
    ----------
    geoms
        Non-empty shapely geometries of one family.
    decimals
        Decimals of the coordinates kept.

    Returns
    -------
    dict
        ``type`` (the GeoJSON type), ``d`` (the decimals), ``c`` (the coordinates ×10^d, x and y interleaved,
        each a difference from the previous value) and ``o`` (the ragged offsets as counts, the
        innermost first).
    """
    kind, coords, offsets = shapely.to_ragged_array(np.asarray(geoms, dtype=object))
    scaled = np.round(coords[:, :2] * 10**decimals).astype(np.int64)
    return {"type": _GEOJSON_TYPE[shapely.GeometryType(kind).name],
            "d": decimals, "c": delta(scaled), "o": [np.diff(o).tolist() for o in offsets]}


def shape_tables(geoms: np.ndarray, decimals: int = COORD_DECIMALS) -> tuple[list[dict[str, object]], np.ndarray]:
    """Geometries of any types as one shape table per family, and each geometry's position.

    Returns
    -------
    tables : list of dict
        :func:`shape_table` per family present (points, lines, polygons); the script concatenates
        their geometries in this order.
    position : numpy.ndarray
        Each input geometry's index in the concatenated list.
    """
    types = shapely.get_type_id(geoms)
    names = np.array(["Point", "LineString", "LinearRing", "Polygon", "MultiPoint", "MultiLineString",
                      "MultiPolygon", "GeometryCollection"])
    family = pd.Series(names[types]).map(_FAMILY).fillna(1).astype(int).to_numpy()
    order = np.argsort(family, kind="stable")
    position = np.empty(len(geoms), dtype=np.int64)
    position[order] = np.arange(len(geoms))
    tables = [shape_table(geoms[order][family[order] == f]) for f in (0, 1, 2) if (family == f).any()]
    return tables, position


def _combos(fields: Sequence[tuple[str, pd.Series]], style_codes: np.ndarray,
            keep: np.ndarray) -> tuple[np.ndarray, list[list[int]], list[list[str]]]:
    """Per kept feature the index of its (style, tooltip values) combination, the combinations and lookups."""
    lookups, codes = [], [style_codes[keep]]
    for _, values in fields:
        c, uniques = pd.factorize(values.astype("string").fillna("").to_numpy()[keep])
        lookups.append([str(u) for u in uniques])
        codes.append(c)
    stacked = np.column_stack(codes) if keep.any() else np.zeros((0, len(codes)), dtype=np.int64)
    table, inverse = np.unique(stacked, axis=0, return_inverse=True)
    return inverse.ravel(), table.tolist(), lookups


def _draw_rank(style_codes: np.ndarray) -> np.ndarray:
    """Each feature's drawing rank: its style's first appearance in the frame (the frame's order)."""
    _, first = np.unique(style_codes, return_index=True)
    rank = np.empty(int(style_codes.max()) + 1 if len(style_codes) else 0, dtype=np.int64)
    rank[np.unique(style_codes)] = np.argsort(np.argsort(first))
    return rank[style_codes]


def layer_data(layer: MapLayer, segment_position: pd.Series | None = None, *,
               tolerance: float = SIMPLIFY_TOLERANCE_M, decimals: int = COORD_DECIMALS) -> dict[str, object]:
    """Encode a layer compactly.

    Parameters
    ----------
    layer
        The layer (its frame in any CRS with one).
    segment_position
        ``edge_id`` → position in the shared segment table; a layer whose frame has an
        ``edge_id`` column found there refers to those geometries (and takes its ``Street``
        field from the segment table) instead of carrying its own.
    tolerance, decimals
        Simplification (metres, projected frames only) and decimals of the coordinates.

    Returns
    -------
    dict
        ``key``, ``title``, ``styles`` (Leaflet options; the ``label`` is the tooltip's second line), ``labels`` and
        ``lookups`` of the tooltip fields, ``combos`` (per distinct combination: the style index
        and one lookup index per field), ``k`` (per feature its combination), ``g`` (per feature
        its geometry, differences from the previous one) and either ``shared: true`` or ``shapes``
        (the layer's own :func:`shape_tables`). Features are in drawing order: by the first
        appearance of their style in the frame, then by geometry.
    """
    frame = layer.frame
    style_names = list(layer.styles)
    s_codes = pd.Categorical(layer.category.astype("string").fillna(""), categories=style_names).codes
    s_codes = np.where(s_codes < 0, 0, s_codes).astype(np.int64)
    shared = (segment_position is not None and "edge_id" in frame.columns
              and frame["edge_id"].isin(segment_position.index).all())
    out: dict[str, object] = {"key": layer.key, "title": layer.title}
    if shared:
        assert segment_position is not None
        g = segment_position.reindex(frame["edge_id"].to_numpy()).to_numpy(dtype=np.int64)
        keep = np.ones(len(frame), dtype=bool)
        fields = [(label, values) for label, values in layer.fields if label != STREET_LABEL]
        out["shared"] = True
    else:
        geoms = wgs84(frame.geometry, tolerance) if len(frame) else np.array([], dtype=object)
        keep = ~(shapely.is_empty(geoms) | shapely.is_missing(geoms)) if len(geoms) else np.zeros(0, dtype=bool)
        out["shapes"], g = shape_tables(geoms[keep], decimals)
        fields = list(layer.fields)
    k, combos, lookups = _combos(fields, s_codes, keep)
    s_kept = s_codes[keep]
    order = np.lexsort((g, _draw_rank(s_kept))) if len(g) else np.zeros(0, dtype=np.int64)
    out |= {"styles": [dict(layer.styles[n]) for n in style_names],
            "labels": [label for label, _ in fields], "lookups": lookups, "combos": combos,
            "k": k[order].tolist(), "g": delta(g[order])}
    return out

