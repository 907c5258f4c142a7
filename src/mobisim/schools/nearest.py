"""Nearest school and child-safe route for every origin at once (package docstring, steps 4-6).

The schools become the sources of two multi-source Dijkstra searches (full and child-safe graph);
every origin attaches to a node and reads its nearest school, the shortest distance and, where a
child-safe route to *that* school exists, the safe distance.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import scipy.sparse.csgraph as csgraph

from mobisim.errors import InputFileError
from mobisim.network import Network
from mobisim.schools import routing
from mobisim.schools.graphs import RouteGraphs, attach
from mobisim.schools.settings import SchoolSettings

#: Schools per bounded Dijkstra call when origins need the safe distance to another school.
SCHOOLS_PER_SEARCH = 32


@dataclass
class SchoolNodes:
    """Where the schools attach to the graph.

    Attributes
    ----------
    node, snap : numpy.ndarray
        Per school row: graph index (-1: not placed) and distance in metres.
    src_nodes : numpy.ndarray
        The distinct school nodes (sorted): the sources of the searches.
    src_school : numpy.ndarray
        Per source: the school row whose id the node's origins carry (the first at the node).
    node_of : numpy.ndarray
        Per school row: its source node when it is that school, else -1.
    """

    node: np.ndarray
    snap: np.ndarray
    src_nodes: np.ndarray
    src_school: np.ndarray
    node_of: np.ndarray


@dataclass
class Trees:
    """The two multi-source searches from the school nodes.

    Attributes
    ----------
    full, safe : routing.Tree
        Over the full graph, and over the child-safe graph from the schools on a usable node.
    safe_src_school : numpy.ndarray
        Per source of the safe search: its school row.
    """

    full: routing.Tree
    safe: routing.Tree
    safe_src_school: np.ndarray


@dataclass
class OriginRoutes:
    """Per origin: where it attaches and its routes (arrays in the order of the origins).

    Attributes
    ----------
    children : numpy.ndarray
        Children living at the origin.
    node, snap : numpy.ndarray
        Graph index (-1: none) and distance of the attachment.
    routed : numpy.ndarray
        Attached within :attr:`SchoolSettings.max_snap_distance_m`.
    on : numpy.ndarray
        The graph node (0 where not routed).
    nearest : numpy.ndarray
        School row of the nearest school (-1: none).
    dist, safe_dist : numpy.ndarray
        Shortest and child-safe distance to the nearest school (NaN: none).
    same : numpy.ndarray
        The nearest safely reachable school is the nearest school.
    reachable : numpy.ndarray
        The nearest school lies in the origin's child-safe component.
    is_safe : numpy.ndarray
        A child-safe route within the detour limit exists.
    detour : numpy.ndarray
        Safe / shortest distance where ``is_safe`` (NaN elsewhere).
    extra_flows : list of numpy.ndarray
        ``[edge_pos, children]`` pairs on the safe routes to another school than the nearest safe
        one (:func:`safe_to_other_school`).
    """

    children: np.ndarray
    node: np.ndarray
    snap: np.ndarray
    routed: np.ndarray
    on: np.ndarray
    nearest: np.ndarray
    dist: np.ndarray
    safe_dist: np.ndarray
    same: np.ndarray
    reachable: np.ndarray
    is_safe: np.ndarray
    detour: np.ndarray
    extra_flows: list[np.ndarray]


def place_schools(net: Network, schools: gpd.GeoDataFrame, graphs: RouteGraphs, settings: SchoolSettings,
                  notes: list[str]) -> SchoolNodes:
    """Attach the schools to the graph; co-located schools share one source node.

    Raises
    ------
    mobisim.errors.InputFileError
        When no school can be placed on the network.
    """
    school_node, school_snap = attach(
        schools.geometry.to_numpy(), graphs.xy, np.ones(graphs.n, dtype=bool), graphs.start_ok,
        settings.max_snap_distance_m,
    )
    src_nodes, first_school = np.unique(school_node[school_node >= 0], return_index=True)
    src_school = np.flatnonzero(school_node >= 0)[first_school]  # school row behind each source
    if len(src_nodes) == 0:
        raise InputFileError(
            f"{', '.join(map(str, net.sources or [])) or 'network'}: no primary school could be "
            f"placed on the {settings.mode} network ({len(schools)} school point(s); check amenity=school or schools_csv)"
        )
    if len(schools) and (school_node < 0).any():
        notes.append(f"{int((school_node < 0).sum())} school(s) could not be placed on the network")
    shared = len(school_node[school_node >= 0]) - len(src_nodes)
    if shared:
        notes.append(f"{shared} school(s) share a network node with another school (they share its children equally)")
    node_of = np.full(len(schools), -1, dtype=np.int64)
    node_of[src_school] = src_nodes
    return SchoolNodes(node=school_node, snap=school_snap, src_nodes=src_nodes, src_school=src_school,
                       node_of=node_of)


def search_trees(graphs: RouteGraphs, placed: SchoolNodes) -> Trees:
    """One multi-source Dijkstra over the full graph, one over the child-safe graph."""
    src_nodes, src_school = placed.src_nodes, placed.src_school
    tree = routing.multi_source(graphs.full, src_nodes)
    safe_src = src_nodes[graphs.node_ok[src_nodes]] if len(src_nodes) else src_nodes
    safe_src_school = src_school[graphs.node_ok[src_nodes]] if len(src_nodes) else src_school
    return Trees(full=tree, safe=routing.multi_source(graphs.safe, safe_src), safe_src_school=safe_src_school)


def attach_origins(origins: gpd.GeoDataFrame, graphs: RouteGraphs, full: routing.Tree,
                   settings: SchoolSettings) -> tuple[np.ndarray, np.ndarray]:
    """Per origin: the graph node it attaches to (one a school can be reached from over the full
    graph ``full``) and the distance; see :func:`~mobisim.schools.graphs.attach`."""
    return attach(origins.geometry.to_numpy(), graphs.xy, np.isfinite(full.dist), graphs.start_ok,
                  settings.max_snap_distance_m)


def route_origins(origins: gpd.GeoDataFrame, graphs: RouteGraphs, placed: SchoolNodes, trees: Trees,
                  settings: SchoolSettings, attached: tuple[np.ndarray, np.ndarray] | None = None) -> OriginRoutes:
    """Attach the origins (to nodes a school can be reached from) and read their routes.

    ``attached``: :func:`attach_origins` of these origins on the same full graph and tree, when
    already known (a what-if session's child-safe pass keeps it).
    """
    children = origins["children"].to_numpy(np.float64)
    o_node, o_snap = attached if attached is not None else attach_origins(origins, graphs, trees.full, settings)
    routed = (o_node >= 0) & (o_snap <= settings.max_snap_distance_m)
    on = np.where(routed, o_node, 0)
    nearest, dist, same, safe_dist = _nearest_schools(graphs.n, routed, on, placed, trees)
    reachable = _same_safe_component(graphs, placed, routed, on, nearest)
    extra_flows = safe_to_other_school(
        graphs.safe, reachable & ~same, nearest, on, dist, children, placed.node_of, safe_dist,
        settings.max_detour_factor,
    )
    safe_dist = np.where(np.isfinite(safe_dist), safe_dist, np.nan)
    is_safe = reachable & (safe_dist <= settings.max_detour_factor * dist + 1e-9)
    detour = np.where(is_safe, np.where(dist > 0, safe_dist / np.where(dist > 0, dist, 1.0), 1.0), np.nan)
    return OriginRoutes(children=children, node=o_node, snap=o_snap, routed=routed, on=on, nearest=nearest,
                        dist=dist, safe_dist=safe_dist, same=same, reachable=reachable, is_safe=is_safe,
                        detour=detour, extra_flows=extra_flows)


def _nearest_schools(n: int, routed: np.ndarray, on: np.ndarray, placed: SchoolNodes,
                     trees: Trees) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per origin: nearest school row, shortest distance, whether the nearest safely reachable
    school is that school, and then the safe distance (NaN elsewhere)."""
    tree, tree_s, src_school = trees.full, trees.safe, placed.src_school
    nearest = np.where(routed, np.where(tree.source[on] >= 0, src_school[np.maximum(tree.source[on], 0)], -1), -1)
    dist = np.where(routed, tree.dist[on], np.nan)
    s_src = tree_s.source[on] if n else np.zeros(len(on), np.int64)
    safe_school = np.where(routed & (s_src >= 0),
                           trees.safe_src_school[np.maximum(s_src, 0)] if len(trees.safe_src_school) else -1, -1)
    same = routed & (safe_school == nearest) & (nearest >= 0)
    safe_dist = np.where(same, tree_s.dist[on] if n else np.nan, np.nan)
    return nearest, dist, same, safe_dist


def _same_safe_component(graphs: RouteGraphs, placed: SchoolNodes, routed: np.ndarray, on: np.ndarray,
                         nearest: np.ndarray) -> np.ndarray:
    """Per origin: its node and its nearest school's node are child-safe and connected."""
    if graphs.n:
        _, comp = csgraph.connected_components(graphs.safe.csr, directed=False)
    else:
        comp = np.zeros(0, np.int64)
    node_ok = graphs.node_ok
    nn = placed.node_of[np.maximum(nearest, 0)]
    reachable = routed & (nearest >= 0) & (nn >= 0)
    return reachable & np.where(
        reachable, node_ok[on] & node_ok[np.maximum(nn, 0)] & (comp[on] == comp[np.maximum(nn, 0)]), False
    )


def safe_to_other_school(
    safe: routing.Graph,
    mismatch: np.ndarray,
    nearest: np.ndarray,
    on: np.ndarray,
    dist: np.ndarray,
    children: np.ndarray,
    school_node_of: np.ndarray,
    safe_dist: np.ndarray,
    max_detour: float,
) -> list[np.ndarray]:
    """Safe distance to the nearest school for origins whose nearest *safe* school is another.

    One bounded Dijkstra per such school (batched, :data:`SCHOOLS_PER_SEARCH` sources per call,
    the schools ordered by how far their farthest such origin lives, each call bounded by the
    detour limit of its farthest), never one per origin; fills ``safe_dist`` in place for the
    ``mismatch`` origins and returns the children per ``net.edges`` position on the safe routes
    of those within the detour limit, as ``[edge_pos, children]`` arrays
    (:func:`~mobisim.schools.routing.path_flow`: only their paths are walked).
    """
    flows: list[np.ndarray] = []
    if not mismatch.any():
        return flows
    who = np.flatnonzero(mismatch)
    targets, inv = np.unique(nearest[who], return_inverse=True)
    farthest = np.full(len(targets), -np.inf)
    np.fmax.at(farthest, inv, dist[who])  # a NaN distance (none today) never bounds the search
    order = np.argsort(farthest, kind="stable")
    by_school = np.argsort(inv, kind="stable")  # the mismatch origins grouped by school
    bounds = np.searchsorted(inv[by_school], np.arange(len(targets) + 1))
    for chunk in np.array_split(order, int(np.ceil(len(targets) / SCHOOLS_PER_SEARCH))):
        limit = max_detour * float(farthest[chunk].max()) + 1.0
        d_mat, p_mat = csgraph.dijkstra(
            safe.csr, directed=True, indices=school_node_of[targets[chunk]], return_predecessors=True, limit=limit
        )
        rows = np.repeat(np.arange(len(chunk)), bounds[chunk + 1] - bounds[chunk])
        sel = who[np.concatenate([by_school[bounds[t]:bounds[t + 1]] for t in chunk])]
        safe_dist[sel] = d_mat[rows, on[sel]]
        ok = safe_dist[sel] <= max_detour * dist[sel] + 1e-9
        if ok.any():  # the chunk's trees side by side: node i of tree r is r·n + i
            n = p_mat.shape[1]
            pred = np.where(p_mat >= 0, p_mat + n * np.arange(len(chunk))[:, None], -1).ravel()
            at, flow = routing.path_flow(pred, rows[ok] * n + on[sel[ok]], children[sel[ok]])
            keep = flow > 0
            r, node = np.divmod(at[keep], n)
            flows.append(np.column_stack([safe.edge_of(p_mat[r, node], node), flow[keep]]))
    return flows
