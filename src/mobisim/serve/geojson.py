"""The street layer of ``mobisim serve``: every segment as a GeoJSON line with its verdicts.

The geometry never changes with an edit, so it is turned into text once
(:class:`StreetGeometry`: simplified in the network's metric CRS, then WGS84 rounded to
:data:`DECIMALS` decimals, about a metre); the properties (:func:`street_properties`) are
taken again from the session's frames after each edit, and :func:`changed_properties` gives the
rows whose properties differ, which the page recolours.

Properties (short keys keep the city's layer small):

====  =========================================================================
key   value
====  =========================================================================
id    ``edge_id`` (also the feature's ``id``)
n     street name (``""`` when unnamed)
b, w  toets verdict for cycling / walking: ``pass``, ``fail``, ``n/a`` (``null``: not judged)
r     30/50 regime (``30``, ``50``, ``not_road``, ``outside_area`` …)
l     the limit in km/h (the proposed limit where the programme sets one)
v     daily motor traffic (vehicles/day, a model estimate; ``null`` when none)
a     1 when the segment lies in the area judged, else 0
====  =========================================================================
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from mobisim.frames import column

__all__ = ["DECIMALS", "PROPERTIES", "SIMPLIFY_M", "StreetGeometry", "changed_properties", "feature_collection",
           "street_properties"]

#: Decimals of a WGS84 coordinate (1e-5 degree is about 1.1 m north–south, 0.7 m east–west here).
DECIMALS = 5
#: Tolerance of the simplification in the network's metric CRS (m).
SIMPLIFY_M = 1.0
#: The property keys, in order.
PROPERTIES = ("n", "b", "w", "r", "l", "v", "a")


def _text(frame: pd.DataFrame, name: str) -> np.ndarray:
    """A text column as an object array, missing as ``None``."""
    if name not in frame.columns:
        return np.full(len(frame), None, dtype=object)
    values = frame[name]
    if not isinstance(values.dtype, pd.StringDtype):
        values = values.astype("string")
    return values.to_numpy(dtype=object, na_value=None)


def _whole(values: pd.Series) -> np.ndarray:
    """Numbers rounded to whole ones (float, NaN where missing)."""
    return np.round(pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan))


def street_properties(edges: pd.DataFrame) -> pd.DataFrame:
    """The layer's properties of every segment (see the module docstring), indexed by ``edge_id``.

    Text columns hold ``None`` where missing, ``l`` and ``v`` whole numbers as floats (NaN where
    missing): :func:`records` and :func:`feature_collection` write them as integers or ``null``.
    """
    limit = _whole(column(edges, "proposed_maxspeed", None))
    limit = np.where(np.isnan(limit), _whole(column(edges, "maxspeed", None)), limit)
    name = _text(edges, "name")
    name[pd.isna(name)] = ""
    text = {"n": name, "b": _text(edges, "toets_bike"), "w": _text(edges, "toets_walk"), "r": _text(edges, "regime")}
    columns = {k: pd.Series(v, index=edges.index, dtype=object) for k, v in text.items()}  # None stays None
    return pd.DataFrame(columns | {
        "l": limit, "v": _whole(column(edges, "daily_traffic", None)),
        "a": column(edges, "in_area", True).astype("boolean").fillna(True).to_numpy(bool).astype(np.int8),
    }, index=edges.index)


def changed_properties(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``new`` whose properties differ from ``old`` (same index)."""
    changed = np.zeros(len(new), dtype=bool)
    for col in PROPERTIES:
        a, b = old[col].to_numpy(), new[col].to_numpy()
        if a.dtype.kind == "f":
            changed |= ~((a == b) | (np.isnan(a) & np.isnan(b)))
        else:
            changed |= a != b
    return new[changed]


def _integers(props: pd.DataFrame) -> pd.DataFrame:
    """``props`` with ``l`` and ``v`` as nullable integers (written as ``30`` or ``null``)."""
    return props.assign(l=props["l"].astype("Int64"), v=props["v"].astype("Int64"), a=props["a"].astype(int))


def records(props: pd.DataFrame) -> list[dict[str, object]]:
    """``props`` as JSON-ready dicts with the ``id`` first."""
    import json

    return json.loads(_integers(props).reset_index(names="id").to_json(orient="records", force_ascii=False))


@dataclass(frozen=True)
class StreetGeometry:
    """Each segment's coordinates as GeoJSON text, in the order of the edges."""

    index: pd.Index
    coordinates: list[str]

    @classmethod
    def build(cls, edges: pd.DataFrame, tolerance: float = SIMPLIFY_M, decimals: int = DECIMALS) -> StreetGeometry:
        """Simplify ``edges.geometry`` by ``tolerance`` (its CRS's units), project it to WGS84
        and write each line's coordinates (rounded to ``decimals``)."""
        import geopandas as gpd

        geoms = gpd.GeoSeries(shapely.simplify(edges.geometry.to_numpy(), tolerance), crs=edges.crs).to_crs(4326)
        xy, which = shapely.get_coordinates(geoms.to_numpy(), return_index=True)
        fmt = f"%.{decimals}f"
        points = np.char.add(np.char.add(np.char.add("[", np.char.mod(fmt, xy[:, 0])), ","),
                             np.char.add(np.char.mod(fmt, xy[:, 1]), "]"))
        cuts = np.searchsorted(which, np.arange(1, len(edges)))
        text = ["[" + ",".join(part.tolist()) + "]" for part in np.split(points, cuts)]
        return cls(index=edges.index, coordinates=text)


def feature_collection(geometry: StreetGeometry, props: pd.DataFrame) -> str:
    """The layer as GeoJSON text: one ``LineString`` feature per segment with its properties."""
    lines = _integers(props.reindex(geometry.index)).to_json(orient="records", lines=True, force_ascii=False)
    features = [f'{{"type":"Feature","id":{int(i)},"geometry":{{"type":"LineString","coordinates":{c}}},'
                f'"properties":{p}}}'
                for i, c, p in zip(geometry.index, geometry.coordinates, lines.splitlines())]
    return '{"type":"FeatureCollection","features":[' + ",".join(features) + "]}"
