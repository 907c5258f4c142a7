"""What one edit can change: the segments and nodes to judge again, and the sub-networks to judge them on.

The rules are whole-frame column operations, and every one of them that looks beyond its own row
looks at a bounded neighbourhood (read from :mod:`mobisim.rules` and :mod:`mobisim.rules.toets`):

- a **crossing** verdict reads every segment meeting at its node and the signals within
  ``[toets] signal_search_radius_m`` (:func:`mobisim.rules.toets.find_crossings`);
- **C4** reads the crossings on the segment's whole street and the gap to the street's next safe
  crossing; the out-of-scope rule for the rest of a street, and the straight runs of the calming
  proposals, also group by street (:func:`mobisim.rules.street_key`);
- a **junction fix** reads the regime of every segment meeting at its node;
- the **calming plan** orders whole streets city-wide (:func:`mobisim.rules.driven_speed.plan_redesign`):
  it is ordered again over kept per-segment arrays, and the segments whose redesign by the horizon
  flips join the set judged again.

:class:`Index` holds the look-ups built once per session; :func:`region` expands an edit's
segments and nodes to whole streets and their nodes; :func:`sub_network` builds a network of those
rows (in frame order, so order-dependent ties break as in the full frame) with everything its
judged rows read.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from mobisim.network import Network
from mobisim.rules.scope import street_key

__all__ = ["Index", "Region", "region", "sub_network"]


@dataclass
class Index:
    """Look-ups over one network's frames, built once (:meth:`build`).

    Attributes
    ----------
    keys : numpy.ndarray
        :func:`~mobisim.rules.street_key` per segment (names never change with an edit).
    street_rows : dict
        Street key → positions of its segments.
    inc_node, inc_pos : numpy.ndarray
        Segment ends sorted by node id: the node and the segment position.
    node_ids : pandas.Index
        ``nodes.index``.
    tree : shapely.STRtree
        Over the node points, for the signals near a junction.
    """

    keys: np.ndarray
    street_rows: dict[object, np.ndarray]
    inc_node: np.ndarray
    inc_pos: np.ndarray
    node_ids: pd.Index
    tree: shapely.STRtree

    @classmethod
    def build(cls, net: Network) -> Index:
        """The look-ups of ``net`` (segments, their streets and ends, node points)."""
        e = net.edges
        keys = street_key(e)
        codes, uniques = pd.factorize(keys)
        order = np.argsort(codes, kind="stable")
        bounds = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
        rows = {uniques[i]: order[bounds[i]:bounds[i + 1]] for i in range(len(uniques))}
        node = np.concatenate([e["u"].to_numpy(np.int64), e["v"].to_numpy(np.int64)])
        pos = np.concatenate([np.arange(len(e)), np.arange(len(e))])
        o = np.argsort(node, kind="stable")
        return cls(keys=keys, street_rows=rows, inc_node=node[o], inc_pos=pos[o], node_ids=net.nodes.index,
                   tree=shapely.STRtree(net.nodes.geometry.to_numpy()))

    def incident(self, nodes: np.ndarray) -> np.ndarray:
        """Positions of the segments with an end at one of ``nodes`` (sorted, unique)."""
        nodes = np.unique(np.asarray(nodes, dtype=np.int64))
        lo = np.searchsorted(self.inc_node, nodes, side="left")
        hi = np.searchsorted(self.inc_node, nodes, side="right")
        if not len(nodes):
            return np.zeros(0, dtype=np.int64)
        return np.unique(np.concatenate([self.inc_pos[a:b] for a, b in zip(lo, hi)] or [np.zeros(0, np.int64)]))

    def streets(self, positions: np.ndarray) -> np.ndarray:
        """Positions of every segment of the streets of ``positions`` (sorted, unique)."""
        keys = pd.unique(self.keys[positions])
        parts = [self.street_rows[k] for k in keys]
        return np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)

    def near(self, nodes: np.ndarray, radius_m: float) -> np.ndarray:
        """Node ids within ``radius_m`` of the points of ``nodes``."""
        pos = self.node_ids.get_indexer(np.asarray(nodes))
        pos = pos[pos >= 0]
        if not len(pos) or radius_m <= 0:
            return np.zeros(0, dtype=np.int64)
        geoms = self.tree.geometries.take(pos)
        _, hit = self.tree.query(geoms, predicate="dwithin", distance=radius_m)
        return self.node_ids.to_numpy()[np.unique(hit)]


@dataclass(frozen=True)
class Region:
    """The rows an edit can change, in segment positions and node ids.

    Attributes
    ----------
    rows : numpy.ndarray
        The whole streets of the edited segments and of every segment at a touched node.
    nodes : numpy.ndarray
        The ends of ``rows``: the crossings and junctions judged again.
    """

    rows: np.ndarray
    nodes: np.ndarray


def ends(edges: pd.DataFrame, positions: np.ndarray) -> np.ndarray:
    """The node ids at the ends of the segments at ``positions`` (unique)."""
    return np.unique(np.concatenate([edges["u"].to_numpy(np.int64)[positions],
                                     edges["v"].to_numpy(np.int64)[positions]]))


def region(index: Index, edges: pd.DataFrame, rows: np.ndarray, nodes: np.ndarray, radius_m: float) -> Region:
    """What an edit of the segments ``rows`` and the nodes ``nodes`` can change.

    The touched nodes are the ends of ``rows``, ``nodes`` and, around an edited node, the nodes
    within ``radius_m`` (a junction's signals count within that radius); every segment meeting
    there belongs to a street judged again, whole.
    """
    touched = np.unique(np.concatenate([ends(edges, rows), np.asarray(nodes, np.int64),
                                        index.near(nodes, radius_m)]))
    seeds = np.unique(np.concatenate([np.asarray(rows, np.int64), index.incident(touched)]))
    streets = index.streets(seeds)
    return Region(rows=streets, nodes=ends(edges, streets))


def sub_network(net: Network, index: Index, nodes: np.ndarray, radius_m: float,
                rows: np.ndarray | None = None) -> Network:
    """A network of ``rows`` and every segment at ``nodes``, with their ends and the nodes near ``nodes``.

    The crossings at ``nodes`` then see every road meeting there and every signal within
    ``radius_m``; the segments keep their frame order. Buildings, features and the coverage are
    the whole network's.
    """
    pos = index.incident(nodes)
    if rows is not None:
        pos = np.union1d(pos, rows)
    edges = net.edges.iloc[pos]
    keep = np.union1d(ends(net.edges, pos), index.near(nodes, radius_m))
    out = copy.copy(net)
    out.edges = edges  # a new frame (copy-on-write): nothing written here reaches ``net``
    out.nodes = net.nodes.loc[net.nodes.index.isin(keep)]
    out.edges.attrs = dict(net.edges.attrs)
    return out
