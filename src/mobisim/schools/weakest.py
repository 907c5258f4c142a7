"""The weakest links: failing segments and crossings ranked by the children they block, their street
stretches, and the network with the top ones fixed (package docstring, step 8).
"""

from __future__ import annotations

import dataclasses
import re
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from scipy.sparse import csgraph

from mobisim.frames import CRS, column
from mobisim.load.areas import inside
from mobisim.network import Network
from mobisim.schools.result import SchoolRoutes

#: Columns of :func:`rank_weakest_links`.
WEAKEST_COLUMNS = ["rank", "element", "id", "name", "children", "school_route_children", "rule", "reason", "fix",
                   "geometry"]

#: Columns of :func:`weakest_stretches`.
STRETCH_COLUMNS = ["rank", "name", "children", "segments", "crossings", "length_m", "fix", "edge_ids", "node_ids",
                   "geometry"]

_AT_NODE = re.compile(r" at node \d+")


def _values(frame: pd.DataFrame, name: str, mask: np.ndarray) -> np.ndarray:
    """Column ``name`` (``None`` where absent) of the selected rows, as objects."""
    return column(frame, name, None).astype(object).to_numpy()[mask]


def rank_weakest_links(
    net: Network,
    edge_weakest: pd.Series,
    node_weakest: pd.Series,
    edge_children: pd.Series,
    node_children: pd.Series,
    mode: str = "bike",
) -> pd.DataFrame:
    """Failing segments and crossings ranked by the children whose safe route they break.

    Returns
    -------
    pandas.DataFrame
        ``rank`` (1 = most children; also the index), ``element`` (``segment`` / ``crossing``),
        ``id`` (edge_id / node_id), ``name``,
        ``children`` (weakest-link children), ``school_route_children`` (all children whose
        shortest route uses the element), ``rule``, ``reason``,
        ``fix``, ``geometry``; sorted by ``children`` then ``school_route_children`` (descending).
        Elements outside the area judged (``in_area`` false) are not listed.
    """
    edges, nodes = net.edges, net.nodes
    # only what the area judges is listed (a failing street across the border is not the city's)
    em = (edge_weakest.to_numpy() > 0) & inside(edges)
    seg = pd.DataFrame({
        "element": "segment",
        "id": edges.index.to_numpy()[em],
        "name": _values(edges, "name", em),
        "children": edge_weakest.to_numpy()[em],
        "school_route_children": edge_children.to_numpy()[em],
        "rule": _values(edges, f"toets_{mode}_rule", em),
        "reason": _values(edges, f"toets_{mode}_reason", em),
        "fix": _values(edges, f"toets_{mode}_fix", em),
        "geometry": edges.geometry.to_numpy()[em],
    })
    nm = (node_weakest.to_numpy() > 0) & inside(nodes)
    node_ids = nodes.index.to_numpy()[nm]
    crs = pd.DataFrame({
        "element": "crossing",
        "id": node_ids,
        "name": _crossing_names(edges, node_ids).reindex(node_ids).to_numpy(dtype=object),
        "children": node_weakest.to_numpy()[nm],
        "school_route_children": node_children.to_numpy()[nm],
        "rule": _values(nodes, "toets_crossing_rule", nm),
        "reason": _values(nodes, "toets_crossing_reason", nm),
        "fix": _values(nodes, "toets_crossing_fix", nm),
        "geometry": nodes.geometry.to_numpy()[nm],
    })
    parts = [p for p in (seg, crs) if len(p)]
    if not parts:
        return pd.DataFrame(columns=WEAKEST_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    out = out.sort_values(["children", "school_route_children"], ascending=False, kind="stable", na_position="last")
    out.index = pd.RangeIndex(1, len(out) + 1)
    out.insert(0, "rank", out.index.to_numpy())
    return out


def _crossing_names(edges: pd.DataFrame, node_ids: np.ndarray) -> pd.Series:
    """A crossing's name: the streets that meet there (``" / "``-joined, sorted), by node id."""
    node = np.concatenate([edges["u"].to_numpy(), edges["v"].to_numpy()])
    hit = np.flatnonzero(np.isin(node, node_ids))
    ends = pd.DataFrame({"node": node[hit],
                         "name": column(edges, "name", None).iloc[hit % len(edges)].astype(object).to_numpy()})
    ends = ends[ends["name"].notna()]
    return ends.drop_duplicates(["node", "name"]).groupby("node")["name"].agg(lambda x: " / ".join(sorted(map(str, x))))


def weakest_stretches(net: Network, weakest_links: pd.DataFrame | None) -> pd.DataFrame:
    """Group the weakest links into street stretches: the council's list per street.

    A stretch is a connected run of failing segments of the same street (``name``) plus the
    failing crossings on it (a crossing joins the stretch of its busiest incident weakest
    segment; a crossing without one is a stretch of its own). Consecutive segments of one road
    usually block the same children, so the element list repeats a street; per stretch it does
    not.

    Returns
    -------
    pandas.DataFrame
        ``rank``, ``name``, ``children`` (the most children any member blocks: a lower bound of
        the children the stretch blocks), ``segments``, ``crossings``, ``length_m``, ``fix``
        (distinct fixes), ``edge_ids`` and ``node_ids`` (lists), ``geometry`` (union of the
        members); ranked by ``children``.
    """
    if weakest_links is None or len(weakest_links) == 0:
        return pd.DataFrame(columns=STRETCH_COLUMNS)
    wl = weakest_links.reset_index(drop=True)
    seg = wl[wl["element"] == "segment"]
    crs = wl[wl["element"] == "crossing"]
    e = net.edges.loc[seg["id"].to_numpy()]
    name = seg["name"].astype(object).where(seg["name"].notna(), "(unnamed)").astype(str).to_numpy()
    label = _segment_stretches(e, name)
    c_label = _crossing_stretches(e, seg, crs, label)
    members = pd.DataFrame({
        "stretch": np.concatenate([label, c_label]),
        "element": np.concatenate([np.full(len(seg), "segment"), np.full(len(crs), "crossing")]),
        "id": np.concatenate([seg["id"].to_numpy(), crs["id"].to_numpy()]),
        "name": np.concatenate([name, crs["name"].astype(object).where(crs["name"].notna(), "(unnamed)").astype(str).to_numpy()]),
        "children": np.concatenate([seg["children"].to_numpy(float), crs["children"].to_numpy(float)]),
        "length": np.concatenate([e["length"].to_numpy(float), np.zeros(len(crs))]),
        "fix": np.concatenate([seg["fix"].to_numpy(object), crs["fix"].to_numpy(object)]),
        "geometry": np.concatenate([seg["geometry"].to_numpy(), crs["geometry"].to_numpy()]),
    })
    out = _stretch_table(members)
    out = out.sort_values(["children", "length_m"], ascending=[False, False], kind="stable").reset_index(drop=True)
    out.index = pd.RangeIndex(1, len(out) + 1)
    out.insert(0, "rank", out.index.to_numpy())
    return out[STRETCH_COLUMNS]


def _segment_stretches(e: pd.DataFrame, name: np.ndarray) -> np.ndarray:
    """Per weakest segment, its stretch: the connected component of the (node, street) graph, so
    that two streets meeting at a node stay apart."""
    if not len(e):
        return np.zeros(0, dtype=np.int64)
    codes, _ = pd.factorize(name)
    nkey = np.concatenate([e["u"].to_numpy(np.int64), e["v"].to_numpy(np.int64)]) * (codes.max() + 1) + np.concatenate([codes, codes])
    verts, inv = np.unique(nkey, return_inverse=True)
    a, b = inv[: len(e)], inv[len(e):]
    adj = sp.coo_matrix((np.ones(len(e)), (a, b)), shape=(len(verts), len(verts)))
    _, comp = csgraph.connected_components(adj, directed=False)
    return comp[a]


def _crossing_stretches(e: pd.DataFrame, seg: pd.DataFrame, crs: pd.DataFrame, label: np.ndarray) -> np.ndarray:
    """Per weakest crossing, its stretch: that of the busiest weakest segment ending at the node,
    else a new one of its own (numbered after the segments' stretches)."""
    ends = pd.DataFrame({
        "node": np.concatenate([e["u"].to_numpy(), e["v"].to_numpy()]),
        "label": np.concatenate([label, label]),
        "children": np.concatenate([seg["children"].to_numpy(float)] * 2),
    }).sort_values("children", ascending=False, kind="stable").drop_duplicates("node")
    c_label = ends.set_index("node")["label"].reindex(crs["id"].to_numpy()).to_numpy()
    n_lab = int(label.max()) + 1 if len(seg) else 0
    lone = np.isnan(c_label)
    return np.where(lone, n_lab + np.cumsum(lone) - 1, c_label).astype(np.int64)


def _stretch_table(members: pd.DataFrame) -> pd.DataFrame:
    """One row per stretch from its members (segments and crossings), unranked."""
    is_seg = members["element"] == "segment"
    g = members.groupby("stretch")
    out = pd.DataFrame({
        # a stretch is named after its segments' street (crossings only: the crossing's streets)
        "name": members[is_seg].groupby("stretch")["name"].first().reindex(g.size().index)
                 .fillna(g["name"].first()),
        "children": g["children"].max(),
        "segments": is_seg.groupby(members["stretch"]).sum(),
        "crossings": (~is_seg).groupby(members["stretch"]).sum(),
        "length_m": g["length"].sum(),
        "fix": g["fix"].agg(lambda x: " | ".join(dict.fromkeys(
            _AT_NODE.sub("", str(v)) for v in x if v is not None and v == v))),
        "edge_ids": members[is_seg].groupby("stretch")["id"].agg(list).reindex(g.size().index),
        "node_ids": members[~is_seg].groupby("stretch")["id"].agg(list).reindex(g.size().index),
        "geometry": gpd.GeoSeries(members["geometry"].to_numpy(), crs=CRS).groupby(members["stretch"].to_numpy()).agg(
            lambda x: shapely.union_all(x.to_numpy())),
    })
    for c in ("edge_ids", "node_ids"):
        out[c] = out[c].apply(lambda x: x if isinstance(x, list) else [])
    return out


def fix_weakest_links(
    net: Network, top_n: int, result: SchoolRoutes, *, mode: str = "bike",
    by: Literal["element", "stretch"] = "element",
) -> Network:
    """A copy of the network with the top-N weakest links marked as passing the toets.

    Segments get ``toets_<mode> = "pass"``, crossings ``toets_crossing = "pass"``, with the rule
    ``fixed:weakest_link`` and the applied fix as the reason. The original network is untouched.

    Parameters
    ----------
    net : mobisim.network.Network
    top_n : int
        How many links of ``result.weakest_links`` (by rank) to fix.
    result : SchoolRoutes
        The analysis whose ranking is used.
    mode : {"bike", "walk"}
    by : {"element", "stretch"}
        Fix the top-N elements of ``result.weakest_links`` or the top-N street stretches of
        :func:`weakest_stretches` (every member of each).
    """
    edges = net.edges.copy()
    nodes = net.nodes.copy()
    if by == "stretch":
        top_s = weakest_stretches(net, result.weakest_links).head(top_n)
        seg_ids = np.asarray([i for ids in top_s["edge_ids"] for i in ids], dtype=np.int64)
        node_ids = np.asarray([i for ids in top_s["node_ids"] for i in ids], dtype=np.int64)
    else:
        top = result.weakest_links.head(top_n)
        seg_ids = top.loc[top["element"] == "segment", "id"].to_numpy()
        node_ids = top.loc[top["element"] == "crossing", "id"].to_numpy()
    _mark_fixed(edges, seg_ids, f"toets_{mode}")
    _mark_fixed(nodes, node_ids, "toets_crossing")
    return dataclasses.replace(net, edges=edges, nodes=nodes)


def _mark_fixed(frame: pd.DataFrame, ids: np.ndarray, col: str) -> None:
    """Mark the rows ``ids`` of ``frame`` as passing verdict column ``col`` (in place), with the
    rule ``fixed:weakest_link`` and the fix as the reason."""
    if len(ids) == 0:
        return
    if col not in frame.columns:
        frame[col] = pd.array(["pass"] * len(frame), dtype=object)
    fix_col = f"{col}_fix"
    reason = (
        "fixed (what-if): " + frame.loc[ids, fix_col].astype(object).fillna("fix").astype(str)
        if fix_col in frame.columns
        else pd.Series("fixed (what-if)", index=ids)
    )
    frame.loc[ids, col] = "pass"
    frame.loc[ids, f"{col}_rule"] = "fixed:weakest_link"
    frame.loc[ids, f"{col}_reason"] = reason.to_numpy()
