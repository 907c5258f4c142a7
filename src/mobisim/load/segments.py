"""Street segments and graph nodes from raw OSM ways, and the *tag* step on them.

:func:`build_segments` cuts every highway way into segments between graph nodes and projects them
to EPSG:28992 on whole arrays; :func:`tag_network` adds the typed columns of the data model
(:mod:`mobisim.load.tags`), the parallel cycle paths (:mod:`mobisim.load.cycleways`) and the
crossing flags of the nodes. See ``docs/data-model.md`` for every column.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from mobisim.frames import CRS
from mobisim.load.cycleways import ParallelSettings, dual_carriageways, parallel_cycle_paths, separated_sides
from mobisim.load.osmread import RawOSM
from mobisim.load.tags import tag_ways

_TO_RD = Transformer.from_crs("EPSG:4326", CRS, always_xy=True)
#: Node ``highway`` values that cut a way (the rules judge every crossing and signal).
_SPLIT_NODE_HIGHWAY = ("crossing", "traffic_signals")
#: Column pairs that swap sides on a way reversed because it was tagged ``oneway=-1``.
_SIDE_PAIRS = (("cycleway_left", "cycleway_right"), ("parking_left", "parking_right"),
               ("cycleway_width_left", "cycleway_width_right"),
               ("cycleway_width_left_source", "cycleway_width_right_source"))


def project(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """WGS84 longitudes and latitudes as an (n, 2) array of EPSG:28992 coordinates."""
    x, y = _TO_RD.transform(lon, lat)
    return np.column_stack([x, y])


@dataclass(frozen=True)
class _WayNodes:
    """The way nodes in way order (reversed ways reversed), repeated nodes dropped."""

    way_idx: np.ndarray
    node_id: np.ndarray
    xy: np.ndarray
    #: the first / last node of a run (a way, or one part of a way cut where its nodes are missing)
    first: np.ndarray
    last: np.ndarray


def _way_nodes(raw: RawOSM) -> _WayNodes:
    """The way nodes ordered along each way, a ``oneway=-1`` way backwards."""
    wn = raw.way_nodes
    way_idx = wn["way_idx"].to_numpy()
    reverse = raw.ways["oneway"].astype("string").str.strip().eq("-1").fillna(False).to_numpy()
    pos = np.arange(len(wn))
    order = np.lexsort((np.where(reverse[way_idx], -pos, pos), way_idx))
    way_idx = way_idx[order]
    node_id = wn["node_id"].to_numpy()[order]
    xy = project(wn["lon"].to_numpy()[order], wn["lat"].to_numpy()[order])
    part = (wn["part"].to_numpy(dtype=np.int64)[order] if "part" in wn.columns  # optional in RawOSM
            else np.zeros(len(order), dtype=np.int64))
    # drop repeated consecutive nodes within a way
    keep = np.ones(len(node_id), dtype=bool)
    keep[1:] = ~((node_id[1:] == node_id[:-1]) & (way_idx[1:] == way_idx[:-1]) & (part[1:] == part[:-1]))
    way_idx, node_id, xy, part = way_idx[keep], node_id[keep], xy[keep], part[keep]
    new_run = (way_idx[1:] != way_idx[:-1]) | (part[1:] != part[:-1])
    first = np.ones(len(node_id), dtype=bool)
    first[1:] = new_run
    last = np.ones(len(node_id), dtype=bool)
    last[:-1] = new_run
    return _WayNodes(way_idx=way_idx, node_id=node_id, xy=xy, first=first, last=last)


def _segment_bounds(wn: _WayNodes, tagged: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Positions (in ``wn``) of the first and last node of every segment.

    A way is cut at its ends, at nodes used more than once (junctions, loops) and at nodes tagged
    as crossings, signals or level crossings; no segment spans two runs.
    """
    node_id = wn.node_id
    _, inverse, counts = np.unique(node_id, return_inverse=True, return_counts=True)
    split_ids = tagged.loc[
        tagged["highway"].isin(_SPLIT_NODE_HIGHWAY) | tagged["crossing"].notna()
        | tagged["railway"].isin(["level_crossing", "crossing"]),
        "node_id",
    ].to_numpy()
    is_break = wn.first | wn.last | (counts[inverse] >= 2) | np.isin(node_id, split_ids)
    breaks = np.flatnonzero(is_break)
    same_run = ~wn.first[breaks[1:]]  # the next break starts no new run: a segment between them
    return breaks[:-1][same_run], breaks[1:][same_run]


def _segment_lines(xy: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """One LineString per segment through the coordinates ``start`` to ``end`` (inclusive)."""
    sizes = end - start + 1
    offsets = np.cumsum(sizes) - sizes
    coord_idx = np.repeat(start, sizes) + (np.arange(sizes.sum()) - np.repeat(offsets, sizes))
    return shapely.linestrings(xy[coord_idx], indices=np.repeat(np.arange(len(start)), sizes))


def _calming_on_segments(wn: _WayNodes, start: np.ndarray, end: np.ndarray, tagged: pd.DataFrame,
                         index: pd.Index) -> pd.Series:
    """The ``traffic_calming`` value of the first calming node inside each segment (NA: none)."""
    calm = tagged.loc[tagged["traffic_calming"].notna(), ["node_id", "traffic_calming"]]
    if not len(calm):
        return pd.Series(pd.NA, index=index, dtype="string")
    at = np.flatnonzero(np.isin(wn.node_id, calm["node_id"].to_numpy()) & ~wn.last)
    seg_of = np.searchsorted(start, at, side="right") - 1
    valid = (seg_of >= 0) & (at < end[np.clip(seg_of, 0, None)])
    kinds = calm.drop_duplicates("node_id").set_index("node_id")["traffic_calming"]
    values = pd.Series(kinds.reindex(wn.node_id[at[valid]]).to_numpy(), index=seg_of[valid])
    values = values.groupby(level=0).first()
    return pd.Series(values, index=index, dtype="string")


def _segment_nodes(raw: RawOSM, wn: _WayNodes, start: np.ndarray, end: np.ndarray) -> gpd.GeoDataFrame:
    """Every segment end, with its raw node tags, ``street_count`` and ``roundabout``."""
    ends = np.concatenate([start, end])
    ids, first_at, street_count = np.unique(wn.node_id[ends], return_index=True, return_counts=True)
    nodes = pd.DataFrame({"node_id": ids, "street_count": street_count})
    tagged = raw.nodes.drop(columns=["lon", "lat"]).drop_duplicates("node_id")
    nodes = nodes.merge(tagged, on="node_id", how="left")
    roundabout_ways = raw.ways["junction"].isin(["roundabout", "circular"]).to_numpy()
    roundabout_ids = np.unique(wn.node_id[roundabout_ways[wn.way_idx]])
    nodes["roundabout"] = np.isin(nodes["node_id"].to_numpy(), roundabout_ids)
    return gpd.GeoDataFrame(nodes, geometry=shapely.points(wn.xy[ends[first_at]]), crs=CRS).set_index("node_id")


def build_segments(raw: RawOSM) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Cut highway ways into segments between graph nodes.

    Graph nodes are way ends, nodes used more than once by the highway ways (junctions, loops) and
    nodes tagged as crossings or traffic signals (so the rules see every crossing). Ways tagged
    ``oneway=-1`` are reversed so that ``oneway`` always reads from ``u`` to ``v``. A way whose
    nodes are partly missing from the file is cut at each gap (``raw.way_nodes["part"]``): no
    segment bridges a missing node, and a part with a single node makes no segment.

    Parameters
    ----------
    raw
        One street file as read (:func:`mobisim.load.osmread.read_osm`).

    Returns
    -------
    edges, nodes : geopandas.GeoDataFrame
        Segments with ``u``, ``v``, ``way_id``, ``length``, the raw way tags, ``node_traffic_calming``
        and ``geometry``; nodes with the raw node tags, ``street_count``, ``roundabout`` and
        ``geometry``. EPSG:28992.
    """
    wn = _way_nodes(raw)
    start, end = _segment_bounds(wn, raw.nodes)
    geometry = _segment_lines(wn.xy, start, end)
    edges = raw.ways.iloc[wn.way_idx[start]].reset_index(drop=True)
    edges.insert(0, "u", wn.node_id[start])
    edges.insert(1, "v", wn.node_id[end])
    edges["length"] = shapely.length(geometry)
    edges = gpd.GeoDataFrame(edges, geometry=geometry, crs=CRS)
    edges.index.name = "edge_id"
    # traffic calming nodes inside a segment mark the segment as calmed
    edges["node_traffic_calming"] = _calming_on_segments(wn, start, end, raw.nodes, edges.index)
    return edges, _segment_nodes(raw, wn, start, end)


def _swap_reversed_sides(typed: pd.DataFrame) -> None:
    """``oneway=-1`` ways were reversed in :func:`build_segments`: their side and direction tags flip too."""
    rev = typed["oneway_reverse"].to_numpy()
    if not rev.any():
        return
    for a, b in _SIDE_PAIRS:
        typed.loc[rev, [a, b]] = typed.loc[rev, [b, a]].to_numpy()
    by_dir = rev & typed["lanes_source"].eq("tag:lanes:forward/backward").to_numpy()
    cols = ["lanes_forward", "lanes_backward"]
    typed.loc[by_dir, cols] = typed.loc[by_dir, cols[::-1]].to_numpy()
    side = typed.loc[rev, "sidewalk"]
    typed.loc[rev, "sidewalk"] = side.replace({"left": "right", "right": "left"})


def _add_cycle_paths(out: gpd.GeoDataFrame, parallel: ParallelSettings) -> gpd.GeoDataFrame:
    """Parallel cycle paths per road side, the separated sides and the dual carriageways."""
    roads = out["is_road"].to_numpy()
    cycle = out["is_cycleway"].to_numpy()
    par = parallel_cycle_paths(out.geometry[roads], out.geometry[cycle], parallel).reindex(out.index)
    for column in par.columns:
        fill = 0.0 if "coverage" in column else False
        out[column] = par[column].fillna(fill).astype(float if "coverage" in column else bool)
    out = pd.concat([out, separated_sides(out)], axis=1)
    out["dual_carriageway"] = dual_carriageways(out)
    return out


def _node_flags(nodes: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The typed node columns: raw ``highway``/``crossing``, island, signals, zebra, calming."""
    hw = nodes["highway"].astype("string")
    crossing = nodes["crossing"].astype("string")
    node_out = nodes[["street_count", "roundabout", "geometry"]].copy()
    node_out["highway"] = hw
    node_out["crossing"] = crossing
    node_out["crossing_island"] = (
        nodes["crossing:island"].astype("string").eq("yes").fillna(False) | crossing.eq("island").fillna(False)
    ).astype(bool)
    node_out["signals"] = (
        hw.eq("traffic_signals").fillna(False) | crossing.eq("traffic_signals").fillna(False)
        | nodes["crossing:signals"].astype("string").eq("yes").fillna(False)
    ).astype(bool)
    node_out["zebra"] = (
        crossing.eq("zebra").fillna(False) | nodes["crossing_ref"].astype("string").eq("zebra").fillna(False)
        | nodes["crossing:markings"].astype("string").eq("zebra").fillna(False)
    ).astype(bool)
    node_out["traffic_calming"] = nodes["traffic_calming"].astype("string")
    node_out["railway"] = nodes["railway"].astype("string")
    return gpd.GeoDataFrame(node_out, geometry="geometry", crs=CRS)


def tag_network(edges: gpd.GeoDataFrame, nodes: gpd.GeoDataFrame, *, parallel: ParallelSettings) -> tuple[
        gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The *tag* step: typed columns with provenance, parallel cycle paths, crossing node flags.

    Parameters
    ----------
    edges, nodes
        From :func:`build_segments`.
    parallel
        Thresholds of the parallel cycle path detection.

    Returns
    -------
    edges, nodes : geopandas.GeoDataFrame
        The columns of ``docs/data-model.md``.
    """
    typed = tag_ways(edges)
    _swap_reversed_sides(typed)
    calm_node = edges["node_traffic_calming"].astype("string")
    typed["traffic_calming"] = typed["traffic_calming"].fillna(calm_node)
    out = gpd.GeoDataFrame(
        pd.concat([edges[["u", "v", "way_id", "length"]], typed], axis=1), geometry=edges.geometry, crs=CRS
    )
    return _add_cycle_paths(out, parallel), _node_flags(nodes)
