"""The shared segment table of ``map.html``: every street segment any layer draws, stored once.

Segments are ordered by street name, so a street is one run of the table (the search and the
permalink select it by name; the script finds its run in ``streets``); unnamed segments come last.
Each layer drawn on the segments refers to them by position
(:func:`mobisim.render.map.encode.layer_data`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from mobisim.render.map.encode import COORD_DECIMALS, SIMPLIFY_TOLERANCE_M, shape_table, wgs84
from mobisim.render.map.layer import MapLayer

__all__ = ["ROAD_WEIGHTS", "SegmentTable", "segment_table"]

#: Line width factor by road class (``highway``): the main roads drawn wider in every view.
ROAD_WEIGHTS: dict[str, float] = {
    "motorway": 1.6, "trunk": 1.6, "primary": 1.5, "secondary": 1.35, "tertiary": 1.2,
    "motorway_link": 1.1, "trunk_link": 1.1, "primary_link": 1.1, "secondary_link": 1.05,
    "tertiary_link": 1.0, "unclassified": 1.0, "residential": 0.95, "living_street": 0.85,
    "road": 0.9, "busway": 0.9, "service": 0.7, "pedestrian": 0.75, "cycleway": 0.75,
    "footway": 0.6, "path": 0.6, "steps": 0.6, "bridleway": 0.6, "track": 0.6,
}


@dataclass
class SegmentTable:
    """The segments of every layer drawn on edges, once each, ordered by street name.

    Parameters
    ----------
    frame : GeoDataFrame
        ``edge_id``, ``name`` (``""`` when unnamed), ``highway`` and the geometry, in table order.
    position : pandas.Series
        ``edge_id`` → position in the table.
    """

    frame: gpd.GeoDataFrame
    position: pd.Series

    def data(self, tolerance: float = SIMPLIFY_TOLERANCE_M, decimals: int = COORD_DECIMALS) -> dict[str, object]:
        """The table for the page script.

        Returns
        -------
        dict
            ``shapes`` (:func:`~mobisim.render.map.encode.shape_table` of the lines), ``streets``
            (``[name, number of segments]`` per named street, in table order), ``classes``
            (the road classes), ``h`` (each segment's class index) and ``weights`` (the line
            width factor per class, :data:`ROAD_WEIGHTS`).
        """
        names = self.frame["name"].to_numpy(dtype=object)
        named = names != ""
        street_names, counts = np.unique(names[named], return_counts=True)
        # the table is sorted by name as np.unique sorts: the counts follow the table's runs
        streets = [[str(n), int(c)] for n, c in zip(street_names, counts)]
        h, classes = pd.factorize(self.frame["highway"].to_numpy(dtype=object))
        shapes = shape_table(wgs84(self.frame.geometry, tolerance), decimals) if len(self.frame) else None
        return {"shapes": shapes, "streets": streets, "classes": [str(c) for c in classes], "h": h.tolist(),
                "weights": ROAD_WEIGHTS}


def segment_table(layers: Sequence[MapLayer]) -> SegmentTable:
    """The segments of the layers whose frames carry ``edge_id`` (line segments of the network).

    Parameters
    ----------
    layers
        The map's layers; those with an ``edge_id`` column contribute their segments.

    Returns
    -------
    SegmentTable
        Empty when no layer is drawn on the segments.
    """
    parts: list[gpd.GeoDataFrame] = []
    for layer in layers:
        f = layer.frame
        if "edge_id" in f.columns and len(f):
            parts.append(gpd.GeoDataFrame(
                {"edge_id": f["edge_id"].to_numpy(),
                 "name": f["name"].astype("string").fillna("").to_numpy() if "name" in f.columns else "",
                 "highway": f["highway"].astype("string").fillna("").to_numpy() if "highway" in f.columns else ""},
                geometry=f.geometry.to_crs(parts[0].crs if parts else f.crs).to_numpy(),
                crs=parts[0].crs if parts else f.crs))
    if not parts:
        empty = gpd.GeoDataFrame({"edge_id": [], "name": [], "highway": []}, geometry=[], crs=None)
        return SegmentTable(empty, pd.Series([], dtype=np.int64))
    frame = pd.concat(parts, ignore_index=True).drop_duplicates("edge_id")
    unnamed = (frame["name"] == "").to_numpy()
    order = np.lexsort((frame["edge_id"].to_numpy(), frame["name"].to_numpy(dtype=str), unnamed))
    frame = gpd.GeoDataFrame(frame.iloc[order].reset_index(drop=True), geometry="geometry", crs=parts[0].crs)
    position = pd.Series(np.arange(len(frame), dtype=np.int64), index=frame["edge_id"].to_numpy())
    return SegmentTable(frame, position)
