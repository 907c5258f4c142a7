"""The shared frame toolkit: the CRS, road-class groups, column access, edge ends, attribution.

Every step works on the frames of :class:`mobisim.network.Network` (``docs/data-model.md``). The
helpers here are the one place where a column is read with a default, a numeric column becomes a
float array, or the end nodes of segments are listed, so that no step keeps its own copy.

Examples
--------
>>> import pandas as pd
>>> frame = pd.DataFrame({"u": [1, 2], "v": [2, 3], "lanes": ["2", None]})
>>> numbers(frame, "lanes").tolist()
[2.0, nan]
>>> edge_ends(frame).tolist()
[1, 2, 3]
>>> column(frame, "width", 0.0).tolist()
[0.0, 0.0]
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from mobisim import ATTRIBUTION

#: Every frame's coordinate reference system: RD New (Amersfoort / RD New), metres.
CRS = "EPSG:28992"

#: The classes of the national and regional through-road network (traffic model, dashboards).
MAIN_CLASSES: tuple[str, ...] = ("motorway", "trunk", "primary", "secondary")

#: Link roads (ramps and slip roads) of the classes above.
LINK_CLASSES: tuple[str, ...] = ("motorway_link", "trunk_link", "primary_link", "secondary_link", "tertiary_link")

#: Attribution every output that shows OSM data must carry (defined once, in :mod:`mobisim`).
OSM_ATTRIBUTION = ATTRIBUTION

#: Extra credit for the 2021 city files, which were rebuilt from OpenMapTiles vector tiles.
OPENMAPTILES_ATTRIBUTION = "© OpenMapTiles"


def column(frame: pd.DataFrame, name: str, default: Any = pd.NA) -> pd.Series:
    """Column ``name`` of ``frame``, or a constant column of ``default`` where the frame has none.

    For optional columns only (``docs/data-model.md`` marks them); the columns of the data model are
    always present after :func:`mobisim.network.conform`.

    Parameters
    ----------
    frame
        Any frame.
    name
        The column.
    default
        The value of every row when the column is absent.

    Returns
    -------
    pandas.Series
        Aligned with ``frame.index``.
    """
    if name in frame.columns:
        return frame[name]
    return pd.Series(default, index=frame.index, dtype=None if default is not pd.NA else object)


def numbers(frame: pd.DataFrame, name: str) -> np.ndarray:
    """Column ``name`` as a float array (NaN where missing, not numeric, or the column is absent)."""
    if name not in frame.columns:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def flags(frame: pd.DataFrame, name: str) -> np.ndarray:
    """Column ``name`` as a bool array (``False`` where missing or the column is absent)."""
    if name not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    return frame[name].fillna(False).astype(bool).to_numpy()


def edge_ends(edges: pd.DataFrame, mask: np.ndarray | pd.Series | None = None) -> np.ndarray:
    """The distinct end nodes (``u`` and ``v``) of the segments, optionally of a selection.

    Parameters
    ----------
    edges
        Segments with ``u`` and ``v``.
    mask
        Boolean selection of rows; all rows when ``None``.

    Returns
    -------
    numpy.ndarray
        Sorted unique node ids.
    """
    ends = edges[["u", "v"]] if mask is None else edges.loc[np.asarray(mask, dtype=bool), ["u", "v"]]
    return np.unique(ends.to_numpy().ravel())


def attribution(sources: Iterable[object]) -> str:
    """The data credit for outputs built from ``sources`` (file paths or place names).

    OSM always; OpenMapTiles too when a source is one of the 2021 city files (rebuilt from its
    vector tiles, see ``../shared/osm/README.md``).
    """
    text = OSM_ATTRIBUTION
    if any("den-haag-city-2021" in str(s) for s in sources):
        text += " · " + OPENMAPTILES_ATTRIBUTION
    return text
