"""The two graphs of the analysis (full and child-safe) and where homes and schools attach to them.

See the package docstring (:mod:`mobisim.schools`), steps 3 and 5: one undirected graph of the
segments the mode may use, one of the child-safe segments and nodes, and the attachment of points
to the nearest node that is not on a main road.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from mobisim.errors import InputFileError
from mobisim.frames import edge_ends, flags, numbers
from mobisim.network import Network
from mobisim.schools import routing
from mobisim.schools.settings import SchoolSettings


@dataclass
class RouteGraphs:
    """The graphs of one analysis and what every later step reads about them.

    Attributes
    ----------
    full : routing.Graph
        Every segment the mode may use.
    safe : routing.Graph
        The child-safe segments and nodes (same graph indices as ``full``, plus the virtual nodes
        of :func:`safe_graph`).
    usable, edge_ok : numpy.ndarray
        Per ``net.edges`` row: the mode may use the segment; the segment passes the toets.
    node_ok : numpy.ndarray
        Per graph node: a child-safe route may pass the node.
    node_pos : numpy.ndarray
        Per graph node: its position in ``net.nodes`` (-1: absent).
    along_u, along_v : numpy.ndarray
        Per ``net.edges`` row: the along-road label of each end (:func:`along_road_ends`; -1).
    xy : numpy.ndarray
        ``(n, 2)`` coordinates of the graph nodes.
    start_ok : numpy.ndarray
        Per graph node: a home or school may attach there (:func:`start_nodes`).
    """

    full: routing.Graph
    safe: routing.Graph
    usable: np.ndarray
    edge_ok: np.ndarray
    node_ok: np.ndarray
    node_pos: np.ndarray
    along_u: np.ndarray
    along_v: np.ndarray
    xy: np.ndarray
    start_ok: np.ndarray

    @property
    def n(self) -> int:
        """Number of nodes of the full graph."""
        return self.full.n


def build_graphs(net: Network, safe_edges: np.ndarray | None, safe_nodes: np.ndarray | None,
                 settings: SchoolSettings, notes: list[str]) -> RouteGraphs:
    """The full and the child-safe graph of the mode, and the attachment nodes.

    Parameters
    ----------
    net
        ``edges`` (``u``, ``v``, ``length``, ``mode_<mode>``, ``highway``) and ``nodes``.
    safe_edges, safe_nodes
        Per ``net.edges`` / ``net.nodes`` row: child-safe (:func:`mobisim.schools.safe_masks`);
        ``None``: all are.
    settings
        ``mode``, ``crossing_rule`` and ``start_avoid_classes``.
    notes
        Collects the caveats (a missing mode column).
    """
    edges, nodes = net.edges, net.nodes
    usable = _usable(edges, settings.mode, notes)
    u = edges["u"].to_numpy(np.int64)
    v = edges["v"].to_numpy(np.int64)
    length = edges["length"].to_numpy(np.float64)
    full = routing.build_graph(u, v, length, usable)
    node_pos = routing.node_positions(full.node_ids, nodes.index)
    edge_ok = np.ones(len(edges), dtype=bool) if safe_edges is None else np.asarray(safe_edges, dtype=bool)
    node_ok_frame = np.ones(len(nodes), dtype=bool) if safe_nodes is None else np.asarray(safe_nodes, dtype=bool)
    node_ok = np.where(node_pos >= 0, node_ok_frame[np.maximum(node_pos, 0)], True) if full.n else np.zeros(0, bool)
    along_u = along_v = np.full(len(edges), -1, dtype=np.int64)
    if settings.crossing_rule == "along_road_passes" and not node_ok_frame.all():
        along_u, along_v = along_road_ends(net, ~node_ok_frame)
    safe = safe_graph(u, v, length, usable & edge_ok, full.node_ids, node_ok, along_u, along_v)
    xy = node_xy(net, full.node_ids) if full.n else np.zeros((0, 2))
    # attachment: the same for every verdict (package docstring, step 3)
    start_ok = start_nodes(edges, full, usable, settings.start_avoid_classes)
    return RouteGraphs(full=full, safe=safe, usable=usable, edge_ok=edge_ok, node_ok=node_ok, node_pos=node_pos,
                       along_u=along_u, along_v=along_v, xy=xy, start_ok=start_ok)


def _usable(edges: pd.DataFrame, mode: str, notes: list[str]) -> np.ndarray:
    """Per segment: may the mode use it (``mode_<mode>``; every segment, with a note, without it)."""
    mode_col = f"mode_{mode}"
    if mode_col not in edges.columns:
        notes.append(f"net.edges has no {mode_col}: every segment taken as usable")
        return np.ones(len(edges), dtype=bool)
    return edges[mode_col].to_numpy(dtype=bool, na_value=False)


def node_xy(net: Network, node_ids: np.ndarray) -> np.ndarray:
    """``(n, 2)`` coordinates of graph nodes, from ``net.nodes``.

    Raises
    ------
    mobisim.errors.InputFileError
        When a node id of the segments is missing from ``net.nodes``.
    """
    pos = routing.node_positions(node_ids, net.nodes.index)
    if (pos < 0).any():
        raise InputFileError(
            f"network: {int((pos < 0).sum())} node id(s) used by net.edges are missing from net.nodes "
            f"(e.g. {int(node_ids[pos < 0][0])})"
        )
    geom = net.nodes.geometry.to_numpy()[pos]
    return shapely.get_coordinates(geom)


def along_road_ends(net: Network, failing: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which segment ends at failing crossings run *along* the crossed road.

    At a failing crossing node, the crossed road is the fastest motor road there (the toets'
    ``crossed_speed``); a segment end counts as along that road when the segment is a road at
    that speed (or of unknown speed). Ends are grouped per street (``name``, else ``way_id``),
    so moving from one street's segment to the same street's next segment is "along", while a
    turn onto another street or a path is a crossing.

    Parameters
    ----------
    net : mobisim.network.Network
        With the toets columns (``crossed_speed`` on nodes, the speed column named in
        ``edges.attrs["toets_speed_column"]``, default ``maxspeed``).
    failing : numpy.ndarray of bool
        Per ``net.nodes`` row: the crossing fails the toets.

    Returns
    -------
    along_u, along_v : numpy.ndarray
        Per ``net.edges`` row and end: a label shared by the ends along the same street through
        the same failing node (0..k-1), or -1.
    """
    edges, nodes = net.edges, net.nodes
    m = len(edges)
    speed = numbers(edges, edges.attrs.get("toets_speed_column", "maxspeed"))
    is_road = flags(edges, "is_road")
    crossed = numbers(nodes, "crossed_speed")
    key = _street_key(edges)
    ends = pd.DataFrame({
        "row": np.concatenate([np.arange(m), np.arange(m)]),
        "end": np.repeat([0, 1], m),
        "node": np.concatenate([edges["u"].to_numpy(np.int64), edges["v"].to_numpy(np.int64)]),
        "key": np.concatenate([key, key]),
        "speed": np.concatenate([speed, speed]),
        "road": np.concatenate([is_road, is_road]),
    })
    pos = nodes.index.get_indexer(ends["node"])
    fail = np.where(pos >= 0, failing[np.maximum(pos, 0)], False)
    cs = np.where(pos >= 0, crossed[np.maximum(pos, 0)], np.nan)
    sp = ends["speed"].to_numpy()
    along = fail & ends["road"].to_numpy() & (np.isnan(sp) | np.isnan(cs) | (sp >= cs - 1e-9))
    label = np.full(len(ends), -1, dtype=np.int64)
    if along.any():
        codes, _ = pd.factorize(pd.MultiIndex.from_arrays([ends["node"].to_numpy()[along], ends["key"].to_numpy()[along]]))
        label[along] = codes
    return label[:m], label[m:]


def _street_key(edges: pd.DataFrame) -> np.ndarray:
    """Per segment, its street: ``name:<name>``, else ``way:<way_id>`` (else the row)."""
    way = edges["way_id"] if "way_id" in edges.columns else pd.Series(np.arange(len(edges)), index=edges.index)
    key = "way:" + way.astype("string")
    if "name" in edges.columns:
        key = ("name:" + edges["name"].astype("string")).fillna(key)
    return key.to_numpy(dtype=object)


def start_nodes(edges: pd.DataFrame, graph: routing.Graph, usable: np.ndarray, avoid_classes: list[str]) -> np.ndarray:
    """Per graph node: may a home or school attach there (a place where a child starts)?

    ``False`` for every node of a usable segment whose ``highway`` is in ``avoid_classes`` (main
    roads: their nodes are crossings, junctions or points in the carriageway), ``True`` for the
    rest (nodes of side streets and paths only). Decided on the network's classes alone, never on
    the toets verdicts, so that a safety improvement cannot move an origin (see the package
    docstring, step 3). Without a ``highway`` column every node may be used.
    """
    ok = np.ones(graph.n, dtype=bool)
    if "highway" not in edges.columns or graph.n == 0 or not avoid_classes:
        return ok
    main = usable & edges["highway"].isin(list(avoid_classes)).to_numpy(dtype=bool, na_value=False)
    ids = edge_ends(edges, main).astype(np.int64)
    ok[np.searchsorted(graph.node_ids, ids[np.isin(ids, graph.node_ids)])] = False
    return ok


def attach(points: np.ndarray, xy: np.ndarray, allowed: np.ndarray, preferred: np.ndarray,
           max_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Nearest ``preferred`` node within ``max_m``, else the nearest ``allowed`` node.

    ``preferred`` should be a subset of ``allowed``; returns graph index (-1: none) and distance.
    """
    node, dist = routing.snap(points, xy, allowed & preferred)
    fallback = (node < 0) | (dist > max_m)
    if fallback.any():
        node_f, dist_f = routing.snap(np.asarray(points)[fallback], xy, allowed)
        node[fallback], dist[fallback] = node_f, dist_f
    return node, dist


def safe_graph(
    u: np.ndarray, v: np.ndarray, length: np.ndarray, usable: np.ndarray, node_ids: np.ndarray,
    node_ok: np.ndarray, along_u: np.ndarray, along_v: np.ndarray,
) -> routing.Graph:
    """The child-safe graph.

    Segment ends running along the crossed road through a failing crossing are re-attached to a
    virtual node per (node, street), appended after ``node_ids``, so a route can pass along the
    road but not turn or cross there.
    """
    k = int(max(along_u.max(initial=-1), along_v.max(initial=-1))) + 1
    if k == 0:
        return routing.build_graph(u, v, length, usable, node_ids=node_ids, node_usable=node_ok)
    base = int(node_ids.max()) + 1 if len(node_ids) else 0
    u2 = np.where(along_u >= 0, base + along_u, u)
    v2 = np.where(along_v >= 0, base + along_v, v)
    ids = np.concatenate([node_ids, base + np.arange(k)])
    ok = np.concatenate([node_ok, np.ones(k, dtype=bool)])
    return routing.build_graph(u2, v2, length, usable, node_ids=ids, node_usable=ok)
