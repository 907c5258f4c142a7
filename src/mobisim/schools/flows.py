"""Children per segment and node: the routes' intensity and the weakest links (package docstring,
steps 7 and 8).

The children per node are pushed down the predecessor trees of the searches
(:func:`mobisim.schools.routing.tree_flow`); a tree edge carries the flow of the node below it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mobisim.network import Network
from mobisim.schools import routing
from mobisim.schools.graphs import RouteGraphs
from mobisim.schools.nearest import OriginRoutes, Trees


@dataclass
class Flows:
    """Children on the routes, per ``net.edges`` row (index ``edge_id``) or ``net.nodes`` row.

    Attributes
    ----------
    edge_children, node_children : pandas.Series
        On the shortest routes to the nearest school.
    edge_children_safe : pandas.Series
        On the safe routes of the children who have one.
    edge_weakest, node_weakest : pandas.Series
        On failing segments and crossings, the children whose shortest route uses them and who
        cannot go on their own.
    """

    edge_children: pd.Series
    node_children: pd.Series
    edge_children_safe: pd.Series
    edge_weakest: pd.Series
    node_weakest: pd.Series


def route_flows(net: Network, graphs: RouteGraphs, trees: Trees, o: OriginRoutes) -> Flows:
    """Children per segment and node on the shortest, the safe and the blocked routes."""
    edges, nodes = net.edges, net.nodes
    n = graphs.n
    routed, same, is_safe, on, children = o.routed, o.same, o.is_safe, o.on, o.children
    w_all = np.bincount(on[routed], weights=children[routed], minlength=n)
    w_safe_same = np.bincount(on[is_safe & same], weights=children[is_safe & same], minlength=graphs.safe.n)
    w_unsafe = np.bincount(on[routed & ~is_safe], weights=children[routed & ~is_safe], minlength=n)
    edge_children, flow_all = edge_flow(graphs.full, trees.full.pred, w_all, edges.index, n > 0)
    edge_children_safe, _ = edge_flow(graphs.safe, trees.safe.pred, w_safe_same, edges.index, n > 0, o.extra_flows)
    edge_unsafe, node_unsafe = edge_flow(graphs.full, trees.full.pred, w_unsafe, edges.index, n > 0)
    if (graphs.along_u >= 0).any() or (graphs.along_v >= 0).any():
        node_unsafe = crossing_flow(graphs.full, trees.full.pred, node_unsafe, edges, graphs.along_u,
                                    graphs.along_v, ~graphs.node_ok)
    failing = np.flatnonzero(~graphs.node_ok & (graphs.node_pos >= 0))
    return Flows(
        edge_children=edge_children,
        node_children=pd.Series(_per_frame_node(graphs.node_pos, flow_all, np.flatnonzero(graphs.node_pos >= 0),
                                                len(nodes)), index=nodes.index),
        edge_children_safe=edge_children_safe,
        edge_weakest=edge_unsafe.where(~graphs.edge_ok & graphs.usable, 0.0),
        node_weakest=pd.Series(_per_frame_node(graphs.node_pos, node_unsafe, failing, len(nodes)), index=nodes.index),
    )


def _per_frame_node(node_pos: np.ndarray, values: np.ndarray, graph_nodes: np.ndarray, size: int) -> np.ndarray:
    """Graph-node ``values`` at ``graph_nodes`` put on their ``net.nodes`` rows (0 elsewhere)."""
    out = np.zeros(size)
    out[node_pos[graph_nodes]] = values[graph_nodes]
    return out


def edge_flow(graph: routing.Graph, pred: np.ndarray, weight: np.ndarray, index: pd.Index, searched: bool,
              extra: Sequence[np.ndarray] = ()) -> tuple[pd.Series, np.ndarray]:
    """Children per segment from a predecessor tree, plus extra ``[edge_pos, children]`` pairs.

    Parameters
    ----------
    graph
        The graph the tree spans (maps tree edges to ``net.edges`` positions).
    pred
        The tree's predecessors.
    weight
        Children per graph node.
    index
        ``net.edges.index``.
    searched
        The full graph has nodes (else nothing is routed and only ``extra`` counts).
    extra
        More flows, as ``(k, 2)`` arrays of ``net.edges`` position and children.

    Returns
    -------
    (per_edge, flow) : tuple
        The children per ``net.edges`` row, and the flow through every graph node.
    """
    flow = routing.tree_flow(pred, weight) if searched else np.zeros(0)
    out = np.zeros(len(index))
    if searched:
        nodes_i = np.flatnonzero(pred >= 0)
        extra = [np.column_stack([graph.edge_of(pred[nodes_i], nodes_i), flow[nodes_i]]), *extra]
    for arr in extra:
        pos = arr[:, 0].astype(np.int64)
        np.add.at(out, pos[pos >= 0], arr[pos >= 0, 1])
    return pd.Series(out, index=index), flow


def crossing_flow(
    full: routing.Graph, pred: np.ndarray, flow: np.ndarray, edges: pd.DataFrame,
    along_u: np.ndarray, along_v: np.ndarray, failing: np.ndarray,
) -> np.ndarray:
    """Per failing node, the flow that *crosses* there (not along the crossed road).

    A child arriving at failing node X over tree edge (c, X) and leaving over (X, pred[X])
    passes along the road when both ends carry the same along-label; everything else crosses.
    """
    out = np.zeros(full.n)
    child = np.flatnonzero(pred >= 0)
    x = pred[child]
    sel = failing[x] & (pred[x] >= 0)
    child, x = child[sel], x[sel]
    u_ids = edges["u"].to_numpy(np.int64)

    def label(rows: np.ndarray, node: np.ndarray) -> np.ndarray:
        at_u = u_ids[rows] == full.node_ids[node]
        return np.where(rows < 0, -1, np.where(at_u, along_u[np.maximum(rows, 0)], along_v[np.maximum(rows, 0)]))

    l_in = label(full.edge_of(child, x), x)
    l_out = label(full.edge_of(x, pred[x]), x)
    crossing = ~((l_in >= 0) & (l_in == l_out))
    np.add.at(out, x[crossing], flow[child[crossing]])
    return out
