"""Sparse-graph routing on the street network: multi-source shortest paths and tree flows.

The school-route analysis (:mod:`mobisim.schools`) needs, for *every* origin at once, the nearest
destination over the network and the route to it, and then the number of people on every segment.
This module does that with one CSR matrix and one multi-source Dijkstra
(:func:`scipy.sparse.csgraph.dijkstra` with ``min_only=True``), never one search per origin:

- :func:`build_graph` turns the rows of ``net.edges`` that a mode may use into a symmetric CSR
  graph (undirected: the analysis is about children walking or cycling, and ``oneway`` describes
  motor traffic only — see :mod:`mobisim.schools` for this choice). Parallel segments between the
  same two nodes collapse to the shortest one; self-loops are dropped.
- :func:`multi_source` runs the multi-source Dijkstra and returns, for every graph node, the
  distance to, the predecessor towards and the index of its nearest source.
- :func:`tree_flow` pushes weights down a shortest-path forest (children per node → children
  through every node and over every tree edge), level by level with :func:`numpy.add.at`;
  :func:`path_flow` does the same along the paths of a few weighted nodes only.
- :func:`snap` assigns points to their nearest candidate node (k-d tree on whole arrays).

All arrays are indexed by *graph index* (0..n-1); :attr:`Graph.node_ids` maps back to OSM ids.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

NO_PRED = -9999
"""Predecessor value scipy uses for roots and unreachable nodes."""

MIN_EDGE_LENGTH_M = 0.01
"""Zero-length segments get this length: a sparse graph cannot hold an explicit zero weight."""


@dataclass
class Graph:
    """An undirected, weighted graph over a subset of ``net.edges`` rows.

    Attributes
    ----------
    node_ids : numpy.ndarray
        int64 OSM node id of every graph index (sorted ascending).
    pair_a, pair_b : numpy.ndarray
        Graph indices of the node pairs (``pair_a < pair_b``), one per undirected link.
    pair_edge : numpy.ndarray
        Position (``iloc``) in ``net.edges`` of the segment that realises the link (the shortest
        of parallel segments).
    pair_length : numpy.ndarray
        Link length in metres.
    csr : scipy.sparse.csr_matrix
        Symmetric ``n × n`` weight matrix (one entry per direction).
    """

    node_ids: np.ndarray
    pair_a: np.ndarray
    pair_b: np.ndarray
    pair_edge: np.ndarray
    pair_length: np.ndarray
    csr: sp.csr_matrix

    @property
    def n(self) -> int:
        """Number of graph nodes."""
        return len(self.node_ids)

    def _pair_keys(self) -> np.ndarray:
        return self.pair_a.astype(np.int64) * self.n + self.pair_b.astype(np.int64)

    def edge_of(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Position in ``net.edges`` of the link between graph nodes ``a`` and ``b`` (-1: none).

        Parameters
        ----------
        a, b : numpy.ndarray
            Graph indices (same length; order within a pair does not matter).
        """
        a = np.asarray(a, dtype=np.int64)
        b = np.asarray(b, dtype=np.int64)
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        keys = self._pair_keys()  # sorted by construction
        query = lo * self.n + hi
        if len(keys) == 0:
            return np.full(len(query), -1, dtype=np.int64)
        pos = np.minimum(np.searchsorted(keys, query), len(keys) - 1)
        found = keys[pos] == query
        return np.where(found, self.pair_edge[pos], -1)


def _empty_csr(n: int) -> sp.csr_matrix:
    return sp.csr_matrix((n, n), dtype=np.float64)


def build_graph(
    u: np.ndarray,
    v: np.ndarray,
    length: np.ndarray,
    usable: np.ndarray,
    *,
    node_ids: np.ndarray | None = None,
    node_usable: np.ndarray | None = None,
) -> Graph:
    """Build an undirected CSR graph from segment arrays.

    Parameters
    ----------
    u, v : numpy.ndarray
        int64 OSM node ids of the segment ends (one entry per ``net.edges`` row).
    length : numpy.ndarray
        Segment length in metres.
    usable : numpy.ndarray of bool
        Which segments belong to the graph.
    node_ids : numpy.ndarray, optional
        Use this (sorted) node set instead of the ends of the usable segments, so that a
        subgraph shares graph indices with its parent graph.
    node_usable : numpy.ndarray of bool, optional
        Per entry of ``node_ids``: may a route pass through the node. Links touching an
        unusable node are dropped.

    Returns
    -------
    Graph
    """
    u = np.asarray(u, dtype=np.int64)
    v = np.asarray(v, dtype=np.int64)
    length = np.asarray(length, dtype=np.float64)
    usable = np.asarray(usable, dtype=bool) & (u != v)
    rows = np.flatnonzero(usable)
    if node_ids is None:
        node_ids = np.unique(np.concatenate([u[rows], v[rows]]))
    n = len(node_ids)
    a = np.searchsorted(node_ids, u[rows])
    b = np.searchsorted(node_ids, v[rows])
    if node_usable is not None and len(rows):
        ok = np.asarray(node_usable, dtype=bool)[a] & np.asarray(node_usable, dtype=bool)[b]
        rows, a, b = rows[ok], a[ok], b[ok]
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    w = np.maximum(np.nan_to_num(length[rows], nan=MIN_EDGE_LENGTH_M), MIN_EDGE_LENGTH_M)
    # one link per node pair: the shortest segment (sort by pair, then length; keep the first)
    keys = lo.astype(np.int64) * n + hi.astype(np.int64)
    order = np.lexsort((w, keys))
    keys, lo, hi, w, rows = keys[order], lo[order], hi[order], w[order], rows[order]
    first = np.ones(len(keys), dtype=bool)
    first[1:] = keys[1:] != keys[:-1]
    lo, hi, w, rows = lo[first], hi[first], w[first], rows[first]
    if len(lo):
        csr = sp.csr_matrix(
            (np.concatenate([w, w]), (np.concatenate([lo, hi]), np.concatenate([hi, lo]))),
            shape=(n, n),
        )
    else:
        csr = _empty_csr(n)
    return Graph(node_ids=node_ids, pair_a=lo, pair_b=hi, pair_edge=rows, pair_length=w, csr=csr)


@dataclass
class Tree:
    """Result of a multi-source Dijkstra: a shortest-path forest rooted at the sources.

    Attributes
    ----------
    dist : numpy.ndarray
        Metres from every graph node to its nearest source (``inf``: unreachable).
    pred : numpy.ndarray
        Predecessor of every node on the way to that source (:data:`NO_PRED` at roots and
        unreachable nodes).
    source : numpy.ndarray
        Index (into the ``sources`` argument) of the nearest source, -1 when unreachable.
    """

    dist: np.ndarray
    pred: np.ndarray
    source: np.ndarray


def multi_source(graph: Graph, sources: np.ndarray, *, limit: float = np.inf) -> Tree:
    """Nearest source for every node, in one multi-source Dijkstra.

    Parameters
    ----------
    graph : Graph
    sources : numpy.ndarray
        Graph indices of the sources (e.g. school nodes). Must be unique.
    limit : float
        Stop searching beyond this distance (metres).

    Returns
    -------
    Tree
    """
    sources = np.asarray(sources, dtype=np.int64)
    n = graph.n
    if len(sources) == 0 or n == 0:
        return Tree(
            dist=np.full(n, np.inf),
            pred=np.full(n, NO_PRED, dtype=np.int64),
            source=np.full(n, -1, dtype=np.int64),
        )
    dist, pred, src_node = csgraph.dijkstra(
        graph.csr, directed=True, indices=sources, min_only=True, return_predecessors=True,
        limit=limit,
    )
    # scipy returns the *node* of the nearest source; map it to the position in `sources`
    lookup = np.full(n, -1, dtype=np.int64)
    lookup[sources] = np.arange(len(sources))
    src_node = np.asarray(src_node, dtype=np.int64)
    source = np.where(src_node >= 0, lookup[np.maximum(src_node, 0)], -1)
    return Tree(dist=np.asarray(dist), pred=np.asarray(pred, dtype=np.int64), source=source)


def tree_depth(pred: np.ndarray) -> np.ndarray:
    """Number of tree edges from every node to its root (pointer jumping, O(n log depth)).

    Parameters
    ----------
    pred : numpy.ndarray
        Predecessor array (:data:`NO_PRED` or any negative value for roots/unreachable nodes).
    """
    pred = np.asarray(pred, dtype=np.int64)
    n = len(pred)
    has = pred >= 0
    anc = np.where(has, pred, np.arange(n))
    depth = has.astype(np.int64)  # invariant: depth[i] = tree edges from i to anc[i]
    while True:
        nxt = anc[anc]
        if np.array_equal(nxt, anc):
            return depth
        depth = depth + depth[anc]
        anc = nxt


def tree_flow(pred: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Accumulate node weights towards the roots of a shortest-path forest.

    ``flow[i]`` is the total weight of node ``i`` and every node whose path to the root passes
    through ``i``; it is also what the tree edge ``(pred[i], i)`` carries.

    Parameters
    ----------
    pred : numpy.ndarray
        Predecessor array of the forest.
    weight : numpy.ndarray
        Weight per node (e.g. children living at the node).

    Returns
    -------
    numpy.ndarray
        float64 flow per node.

    Notes
    -----
    Vectorised by tree depth: the deepest level is added to its predecessors first
    (:func:`numpy.add.at`), then the next, so each level is one numpy call. Only nodes that carry
    weight are visited.
    """
    pred = np.asarray(pred, dtype=np.int64)
    flow = np.asarray(weight, dtype=np.float64).copy()
    depth = tree_depth(pred)
    if not flow.any():
        return flow
    cand = np.flatnonzero(depth > 0)
    order = cand[np.argsort(-depth[cand], kind="stable")]
    d_sorted = depth[order]
    cuts = np.flatnonzero(np.diff(d_sorted)) + 1
    for level in np.split(order, cuts):
        lv = level[flow[level] != 0]
        if len(lv):
            np.add.at(flow, pred[lv], flow[lv])
    return flow


def path_flow(pred: np.ndarray, start: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Accumulate weights along the tree paths of a few nodes, walking from each to its root.

    What :func:`tree_flow` gives on the nodes those paths pass, for trees where few nodes carry
    weight: the cost is the total length of their paths, not the size of the tree.

    Parameters
    ----------
    pred : numpy.ndarray
        Predecessor array of the forest (negative: root or unreachable).
    start : numpy.ndarray
        Graph indices of the weighted nodes (repeats allowed).
    weight : numpy.ndarray
        Weight per entry of ``start``.

    Returns
    -------
    (nodes, flow) : tuple of numpy.ndarray
        The nodes below a tree edge on those paths (sorted; each has ``pred >= 0``) and the weight
        that edge ``(pred[node], node)`` carries.
    """
    pred = np.asarray(pred, dtype=np.int64)
    cur = np.asarray(start, dtype=np.int64)
    w: np.ndarray = np.asarray(weight, dtype=np.float64)
    keep = pred[cur] >= 0
    cur, w = cur[keep], w[keep]
    seen, carried = [], []
    while len(cur):
        node, inv = np.unique(cur, return_inverse=True)  # paths that meet walk on as one
        w = np.bincount(inv, weights=w, minlength=len(node))
        seen.append(node)
        carried.append(w)
        cur = pred[node]
        keep = pred[cur] >= 0
        cur, w = cur[keep], w[keep]
    if not seen:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    nodes, inv = np.unique(np.concatenate(seen), return_inverse=True)
    return nodes, np.bincount(inv, weights=np.concatenate(carried), minlength=len(nodes))


def tree_edges(graph: Graph, tree: Tree) -> tuple[np.ndarray, np.ndarray]:
    """The ``net.edges`` position of every tree edge.

    Returns
    -------
    nodes : numpy.ndarray
        Graph indices of the nodes that have a predecessor.
    edge_pos : numpy.ndarray
        Position in ``net.edges`` of the link ``(pred[node], node)``.
    """
    nodes = np.flatnonzero(tree.pred >= 0)
    return nodes, graph.edge_of(tree.pred[nodes], nodes)


def snap(points: np.ndarray, node_xy: np.ndarray, candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Nearest candidate node for every point.

    Parameters
    ----------
    points : numpy.ndarray of shapely.Point
        Points to snap (same CRS as the nodes).
    node_xy : numpy.ndarray
        ``(n, 2)`` coordinates of all graph nodes.
    candidates : numpy.ndarray of bool
        Per graph node: may a point snap to it.

    Returns
    -------
    node : numpy.ndarray
        Graph index of the nearest candidate (-1 when there is no candidate at all).
    distance : numpy.ndarray
        Straight-line distance in metres (``inf`` when there is no candidate).

    Notes
    -----
    Point-to-point nearest neighbours on whole arrays with :class:`scipy.spatial.cKDTree`
    (an order of magnitude faster than a shapely ``STRtree`` for points; same result).
    """
    m = len(points)
    node = np.full(m, -1, dtype=np.int64)
    distance = np.full(m, np.inf)
    cand = np.flatnonzero(candidates)
    if m == 0 or len(cand) == 0:
        return node, distance
    xy = shapely.get_coordinates(np.asarray(points))
    dist, hit = cKDTree(node_xy[cand]).query(xy)
    return cand[hit], dist


def node_positions(node_ids: np.ndarray, index: pd.Index) -> np.ndarray:
    """Position of every graph node id in a node frame's index (-1 when absent)."""
    return index.get_indexer(pd.Index(node_ids))
