"""What an intervention changes: the motor-road segments of a street or way, or one node."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from mobisim.errors import NotFoundError
from mobisim.frames import CRS, edge_ends, flags
from mobisim.names import fold_names, street_mask
from mobisim.scenario.interventions.models import Crossing, StreetSelection

if TYPE_CHECKING:
    import geopandas as gpd
    from shapely.geometry import Point

__all__ = ["normalise_names", "select_edges", "select_node"]

#: Street-name folding shared with the reviewer command (:mod:`mobisim.names`).
normalise_names = fold_names


def _street_selection(edges: pd.DataFrame, intervention: StreetSelection,
                      folded: pd.Series | None) -> np.ndarray:
    """The segments of the named streets (any segment, road or not)."""
    if folded is None and "name" in edges.columns:
        folded = fold_names(edges["name"])
    mask = np.zeros(len(edges), dtype=bool)
    for name in intervention.streets():
        mask |= street_mask(edges, name, folded=folded, context=f'intervention "{intervention.id}": ')
    return mask


def _way_selection(edges: pd.DataFrame, intervention: StreetSelection) -> np.ndarray:
    """The segments of the given OSM ways (any segment, road or not)."""
    wanted = intervention.ways()
    way_ids = edges["way_id"].to_numpy()
    missing = sorted(set(wanted) - set(np.unique(way_ids).tolist()))
    if missing:
        raise NotFoundError(
            f'intervention "{intervention.id}": way {", ".join(map(str, missing))} '
            "is not in the network"
        )
    return np.isin(way_ids, wanted)


def select_edges(
    edges: pd.DataFrame, intervention: StreetSelection, folded: pd.Series | None = None,
) -> np.ndarray:
    """Boolean mask of the motor-road segments an intervention selects.

    Parameters
    ----------
    edges : DataFrame
        The segments (``name``, ``way_id``, ``is_road``).
    intervention : StreetSelection
        Any street intervention (by ``street`` or ``way``).
    folded : pandas.Series, optional
        ``normalise_names(edges["name"])`` when the caller has it already.

    Returns
    -------
    numpy.ndarray of bool
        Aligned with ``edges``.

    Raises
    ------
    NotFoundError
        A street name or way id that is not in the network, or a selection without motor-road
        segments.
    """
    if intervention.street is not None:
        mask = _street_selection(edges, intervention, folded)
    else:
        mask = _way_selection(edges, intervention)
    if "is_road" in edges.columns:
        mask &= flags(edges, "is_road")
    if not mask.any():
        raise NotFoundError(
            f'intervention "{intervention.id}": {intervention.where()} has no motor-road segments'
        )
    return mask


def _project_wgs84(lat: float, lon: float, crs: object) -> Point:
    """``[lat, lon]`` (WGS84) as a point in ``crs`` (RD New when the frame has none)."""
    from pyproj import Transformer  # geometry libraries only when a crossing is placed by `at`
    from shapely.geometry import Point

    x, y = Transformer.from_crs("EPSG:4326", crs or CRS, always_xy=True).transform(lon, lat)
    return Point(float(x), float(y))


def _nearest(candidates: gpd.GeoDataFrame, point: Point) -> tuple[int, float]:
    """Position in ``candidates`` of the node nearest to ``point`` and its distance (m).

    The spatial index finds the nearest distance and the nodes within it; among those the
    Euclidean distance decides, the first in frame order on a tie (exactly the answer of a scan
    over every node).
    """
    _, nearest = candidates.sindex.nearest(point, return_distance=True)
    reach = float(nearest.max()) * (1 + 1e-9) + 1e-9
    near = np.sort(candidates.sindex.query(point, predicate="dwithin", distance=reach))
    xy = candidates.geometry.iloc[near]
    d = np.hypot(xy.x.to_numpy() - point.x, xy.y.to_numpy() - point.y)
    k = int(np.argmin(d))
    return int(near[k]), float(d[k])


def select_node(nodes: gpd.GeoDataFrame, edges: pd.DataFrame, intervention: Crossing) -> int:
    """The node id a ``crossing`` intervention works on (given, or nearest road node to ``at``).

    Parameters
    ----------
    nodes : GeoDataFrame
        Graph nodes (points), indexed by OSM node id.
    edges : DataFrame
        The segments (``u``, ``v``, ``is_road``): only nodes on a motor road qualify for ``at``.
    intervention : Crossing

    Returns
    -------
    int
        The OSM node id.

    Raises
    ------
    NotFoundError
        A node id not in the network, or no motor-road node within ``max_snap_m`` of ``at``.
    """
    if intervention.at is None:  # by node (the model holds exactly one of `node` and `at`)
        node = intervention.node
        if node is None or node not in nodes.index:
            raise NotFoundError(f'intervention "{intervention.id}": node {node} is not in the network')
        return int(node)
    roads = flags(edges, "is_road") if "is_road" in edges.columns else None
    candidates = nodes.loc[nodes.index.isin(edge_ends(edges, roads))]
    if candidates.empty:
        raise NotFoundError(f'intervention "{intervention.id}": the network has no road nodes')
    lat, lon = intervention.at
    i, d = _nearest(candidates, _project_wgs84(lat, lon, getattr(nodes, "crs", None)))
    if d > intervention.max_snap_m:
        raise NotFoundError(
            f'intervention "{intervention.id}": no road node within {intervention.max_snap_m:g} m '
            f"of {intervention.where()} (nearest {d:.0f} m away)"
        )
    return int(candidates.index[i])
