"""Which rows and columns a theme or map layer takes: the areas judged, road and toets masks,
picking columns before rows, and merging a street's segments into one line.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from mobisim.load.areas import inside
from mobisim.render.map.values import column_text, flag
from mobisim.rules.driven_speed import LOWERED_BASES

__all__ = ["edges_frame", "select", "rows", "in_area", "road_mask", "toets_mask", "lowered_mask", "merge_runs"]


def edges_frame(edges: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Edges with ``edge_id`` as a column (the index is ``edge_id`` in the data model)."""
    return edges.assign(edge_id=edges.index.to_numpy())  # copy-on-write: no deep copy


def rows(frame: pd.DataFrame, mask: pd.Series | np.ndarray) -> pd.DataFrame:
    """Rows where ``mask`` is true, by position.

    Several times faster than boolean indexing on Arrow-backed string columns.
    """
    return frame.iloc[np.flatnonzero(np.asarray(mask, dtype=bool))]


def select(frame: gpd.GeoDataFrame, columns: Sequence[str], mask: pd.Series | None = None) -> gpd.GeoDataFrame:
    """``columns`` (those present) and the geometry of the rows in ``mask``.

    Columns are picked before rows: masking a frame of ~100 Arrow-backed columns is slow.

    Parameters
    ----------
    frame
        Any frame of the data model.
    columns
        The columns wanted; absent ones are left out.
    mask
        Boolean selection of rows (aligned with ``frame``); every row when ``None``.

    Returns
    -------
    GeoDataFrame
        In the CRS of ``frame``.
    """
    cols = [c for c in columns if c in frame.columns and c != frame.geometry.name]
    sub = frame[cols + [frame.geometry.name]]
    if mask is not None:
        sub = rows(sub, mask)
    return gpd.GeoDataFrame(sub, geometry=frame.geometry.name, crs=frame.crs)


def in_area(frame: pd.DataFrame) -> pd.Series:
    """Whether a segment or node lies in the area judged (:func:`mobisim.load.areas.inside`)."""
    return pd.Series(inside(frame), index=frame.index)


def road_mask(edges: pd.DataFrame) -> pd.Series:
    """Motor roads with a regime, those outside the area judged included (drawn greyed)."""
    regime = column_text(edges, "regime")
    return regime.isin(["30", "50", "out_of_scope"]) | ((regime == "outside_area") & flag(edges, "is_road", True))


def toets_mask(edges: pd.DataFrame) -> pd.Series:
    """Segments the toets judged, inside the area (outside it nothing is judged or listed)."""
    bike, walk = column_text(edges, "toets_bike"), column_text(edges, "toets_walk")
    return (bike.isin(["pass", "fail"]) | walk.isin(["pass", "fail"])) & in_area(edges)


def lowered_mask(edges: pd.DataFrame) -> pd.Series:
    """Segments whose limit the scenario lowers, inside the area judged.

    ``driven_speed_basis`` in :data:`mobisim.rules.driven_speed.LOWERED_BASES`; none when the
    edges carry no driven speeds.
    """
    return column_text(edges, "driven_speed_basis").isin(LOWERED_BASES) & in_area(edges)


def merge_runs(frame: gpd.GeoDataFrame, keys: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Segments with equal ``keys`` merged into one line each (:func:`shapely.line_merge`).

    A street drawn as one feature per volume class instead of one per segment takes a third of the
    bytes (no feature row and no shared end point per segment).

    Parameters
    ----------
    frame
        Line segments.
    keys
        One array per key, aligned with ``frame``.

    Returns
    -------
    codes : numpy.ndarray
        The group of each segment.
    first : numpy.ndarray
        The row of each group's first segment.
    geometries : numpy.ndarray
        The merged line of each group (group order).
    """
    codes, _ = pd.factorize(pd.MultiIndex.from_arrays([np.asarray(k) for k in keys]))
    order = np.argsort(codes, kind="stable")
    parts, which = shapely.get_parts(frame.geometry.to_numpy()[order], return_index=True)
    is_line = shapely.get_type_id(parts) == 1
    multi = np.empty(int(codes.max()) + 1 if len(codes) else 0, dtype=object)
    shapely.multilinestrings(parts[is_line], indices=codes[order][which[is_line]], out=multi)
    first = order[np.unique(codes[order], return_index=True)[1]]
    return codes, first, np.asarray(shapely.line_merge(multi), dtype=object)
