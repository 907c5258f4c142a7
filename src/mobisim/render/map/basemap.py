"""The offline basemap of ``map.html``, drawn from the run's own data (no tiles, no internet).

Built-up areas (the residential landuse polygons of the OSM file), the wijk outlines with their
names, and the names of the main streets as labels at street zoom (from the segment table).
What the basemap is drawn from is said in the legend (:attr:`Basemap.note`); the OpenStreetMap
tiles stay a switchable base layer for when the reader is online.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from mobisim.render.map.encode import COORD_DECIMALS, delta, shape_table, wgs84

__all__ = ["LABEL_CLASSES", "LABEL_MIN_LENGTH_M", "Basemap", "basemap_data", "street_labels"]

#: Road classes whose names are labelled, with the zoom from which each shows (main roads first).
LABEL_CLASSES: dict[str, int] = {
    "motorway": 15, "trunk": 15, "primary": 15, "secondary": 15, "tertiary": 16, "unclassified": 16,
    "residential": 16, "living_street": 17, "pedestrian": 17,
}
#: A street part shorter than this gets no label (metres).
LABEL_MIN_LENGTH_M = 80.0
#: Wijk names show from this zoom until street zoom (15).
_WIJK_LABEL_ZOOM = 13
#: Simplification of the basemap areas (metres): drawn faintly, they need no detail.
_AREA_TOLERANCE_M = 6.0


@dataclass
class Basemap:
    """What the offline basemap is drawn from.

    Parameters
    ----------
    built_up : GeoDataFrame, optional
        Built-up areas (``Network.landuse``: residential landuse polygons).
    wijken : GeoDataFrame, optional
        Wijk polygons with a ``name`` column.
    """

    built_up: gpd.GeoDataFrame | None = None
    wijken: gpd.GeoDataFrame | None = None

    @property
    def note(self) -> str:
        """What the basemap shows and what it lacks (the legend's basemap line)."""
        shown = [what for what, frame in [("built-up areas (OSM residential landuse)", self.built_up),
                                          ("wijk outlines", self.wijken)] if frame is not None and len(frame)]
        return ("Offline basemap drawn from this run's data: " + ", ".join(shown + ["street names (OSM)"])
                + ". Water and parks are not drawn (not among the data mobisim loads); the OpenStreetMap"
                " tiles can be switched on when online.")


def street_labels(segments: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One label point per named main street part at least :data:`LABEL_MIN_LENGTH_M` long.

    Parameters
    ----------
    segments
        ``name``, ``highway`` and line geometry (a projected CRS, metres).

    Returns
    -------
    GeoDataFrame
        ``name``, ``zoom`` (from which the label shows) and the point halfway along the part; the
        main streets first (the page places labels in this order and skips one that would overlap).
    """
    main = segments[(segments["name"] != "") & segments["highway"].isin(list(LABEL_CLASSES))]
    if main.empty:
        return gpd.GeoDataFrame({"name": [], "zoom": []}, geometry=[], crs=segments.crs)
    zoom = main["highway"].map(LABEL_CLASSES).astype(int)
    codes, names = pd.factorize(main["name"].to_numpy(dtype=object))
    merged = np.empty(len(names), dtype=object)
    lines, of = shapely.get_parts(main.geometry.to_numpy(), return_index=True)
    shapely.multilinestrings(lines, indices=codes[of], out=merged)
    parts, which = shapely.get_parts(shapely.line_merge(merged), return_index=True)
    long = shapely.length(parts) >= LABEL_MIN_LENGTH_M
    points = shapely.line_interpolate_point(parts[long], 0.5, normalized=True)
    lowest = zoom.groupby(codes).min().to_numpy()
    labels = gpd.GeoDataFrame({"name": names[which[long]], "zoom": lowest[which[long]]}, geometry=points,
                              crs=segments.crs)
    return labels.sort_values("zoom", kind="stable").reset_index(drop=True)  # main streets placed first


def _areas(frame: gpd.GeoDataFrame | None) -> dict[str, object] | None:
    """Polygons of ``frame`` as a shape table (simplified for the faint basemap), ``None`` when none."""
    if frame is None or frame.empty:
        return None
    geoms = wgs84(frame.geometry, _AREA_TOLERANCE_M)
    geoms = geoms[shapely.get_type_id(geoms) >= 3]  # (multi)polygons
    geoms = geoms[~shapely.is_empty(geoms)]
    return shape_table(geoms) if len(geoms) else None


def _labels(labels: gpd.GeoDataFrame, decimals: int = COORD_DECIMALS) -> dict[str, object]:
    """Label points: ``t`` (texts), ``z`` (zoom from which each shows), ``c`` (coordinates, deltas)."""
    if labels.empty:
        return {"t": [], "z": [], "c": [], "d": decimals}
    xy = shapely.get_coordinates(labels.geometry.to_crs(4326).to_numpy())
    return {"t": labels["name"].astype(str).tolist(), "z": labels["zoom"].astype(int).tolist(), "d": decimals,
            "c": delta(np.round(xy * 10**decimals).astype(np.int64))}


def basemap_data(basemap: Basemap | None, segments: gpd.GeoDataFrame) -> dict[str, object]:
    """The offline basemap for the page script.

    Parameters
    ----------
    basemap
        The built-up areas and wijken (either may be missing).
    segments
        The segment table's frame (:class:`mobisim.render.map.segments.SegmentTable`).

    Returns
    -------
    dict
        ``built_up`` and ``wijken`` (shape tables or ``None``), ``wijk_labels`` and
        ``street_labels`` (:func:`_labels`), ``note``.
    """
    basemap = basemap or Basemap()
    wijken = basemap.wijken
    wijk_labels = gpd.GeoDataFrame({"name": [], "zoom": []}, geometry=[], crs=segments.crs)
    if wijken is not None and len(wijken):
        wijk_labels = gpd.GeoDataFrame(
            {"name": wijken["name"].astype("string").fillna("").to_numpy() if "name" in wijken.columns else "",
             "zoom": _WIJK_LABEL_ZOOM}, geometry=wijken.geometry.representative_point().to_numpy(), crs=wijken.crs)
        wijk_labels = wijk_labels[wijk_labels["name"] != ""]
    projected = segments.crs is not None and segments.crs.is_projected
    return {"built_up": _areas(basemap.built_up), "wijken": _areas(wijken),
            "wijk_labels": _labels(wijk_labels),
            "street_labels": _labels(street_labels(segments) if projected and len(segments) else wijk_labels.iloc[:0]),
            "note": basemap.note}
