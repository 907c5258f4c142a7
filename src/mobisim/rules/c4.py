"""Criterion C4: a road at 50 must be crossable by an 8-year-old.

Every crossing at the segment's ends passes the 8-jarigen-toets (:mod:`mobisim.rules.toets`), and
no point of the segment is farther than half the maximum gap
(:attr:`~mobisim.rules.settings.RuleSettings.crossing_max_gap_m`, default 250 m) from a
child-safe crossing of the same street. Without any crossing or signal tag in the data,
protection may exist unmapped: a failure is then *unknown*.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from mobisim.frames import column, flags
from mobisim.rules.scope import street_key
from mobisim.rules.settings import RuleSettings
from mobisim.rules.textkit import cat, fmt, strings

__all__ = ["criterion_c4", "gap_to_safe_crossing", "sample_points"]

#: Streets are kept apart in one spatial index by shifting x by the street's index × this (m).
_STREET_SHIFT = 1e7


def sample_points(geoms: np.ndarray, lengths: np.ndarray, spacing: float) -> tuple[np.ndarray, np.ndarray]:
    """Points every ``spacing`` m along each line (ends included); returns (points, owner)."""
    counts = np.maximum(np.ceil(lengths / spacing).astype("int64"), 1) + 1
    owner = np.repeat(np.arange(len(geoms)), counts)
    start = np.repeat(np.cumsum(counts) - counts, counts)
    k = np.arange(owner.size) - start
    frac = k / (counts[owner] - 1)
    pts = shapely.line_interpolate_point(geoms[owner], frac, normalized=True)
    return pts, owner


def gap_to_safe_crossing(edges: pd.DataFrame, pos: np.ndarray, nodes: pd.DataFrame, crossing: pd.DataFrame,
                         keys: np.ndarray, spacing_m: float) -> np.ndarray:
    """The largest distance from a point of each segment ``pos`` to the nearest child-safe crossing
    of the same street (``inf`` where the street has none).

    Parameters
    ----------
    edges
        All segments (the safe crossings are the ends of road segments of the same street).
    pos
        Positions of the segments measured.
    nodes, crossing
        Node geometries and the crossing verdicts (``toets_crossing``) by node.
    keys
        :func:`~mobisim.rules.scope.street_key` of ``edges``.
    spacing_m
        Spacing of the points sampled along a segment.

    Returns
    -------
    numpy.ndarray
        Metres, aligned with ``pos``.
    """
    # (node, street) pairs, separated per street by shifting x by street index × _STREET_SHIFT
    road = flags(edges, "is_road")
    inc = pd.DataFrame({"node": np.concatenate([edges["u"].to_numpy(), edges["v"].to_numpy()]),
                        "key": np.concatenate([keys, keys]),
                        "road": np.concatenate([road, road])})
    inc = inc[inc["road"]]
    safe_nodes = crossing.index[(crossing["toets_crossing"] == "pass").to_numpy()]
    inc = inc[inc["node"].isin(safe_nodes)].drop_duplicates(["node", "key"])
    codes, _ = pd.factorize(pd.Index(np.concatenate([inc["key"].to_numpy(), keys[pos]])))
    code_safe, code_seg = codes[: len(inc)], codes[len(inc):]
    if not len(inc):
        return np.full(len(pos), np.inf)
    e = edges.iloc[pos]
    pts, owner = sample_points(e.geometry.to_numpy(), e["length"].to_numpy(dtype="float64"), spacing_m)
    safe = nodes.geometry.reindex(inc["node"]).to_numpy()
    tree = shapely.STRtree(shapely.points(shapely.get_x(safe) + code_safe * _STREET_SHIFT, shapely.get_y(safe)))
    px = shapely.get_x(pts) + code_seg[owner] * _STREET_SHIFT
    (src, _), d = tree.query_nearest(shapely.points(px, shapely.get_y(pts)), return_distance=True,
                                     all_matches=False)
    dist = np.full(len(pts), np.inf)
    dist[src] = np.where(d < _STREET_SHIFT / 2, d, np.inf)
    return pd.Series(dist).groupby(owner).max().reindex(np.arange(len(pos))).to_numpy()


def _has_crossing_tags(nodes: pd.DataFrame) -> bool:
    """Whether the data maps any crossing or signal at all."""
    return bool(flags(nodes, "signals").any() or column(nodes, "crossing", None).notna().any()
                or (strings(nodes, "highway") == "crossing").any())


def _c4_evidence(end_fail: np.ndarray, bad_node: np.ndarray, bad_reason: np.ndarray, n_safe: np.ndarray,
                 worst: np.ndarray, s: RuleSettings) -> np.ndarray:
    """Why each segment passes or fails C4: the unsafe crossing, the gap, or the safe crossings."""
    half_gap = s.crossing_max_gap_m / 2.0
    worst_txt = np.where(np.isinf(worst), "no child-safe crossing on this street",
                         cat("a point of the segment lies ", fmt(np.where(np.isinf(worst), np.nan, worst)),
                             " m from the nearest child-safe crossing of this street"))
    ok_txt = cat(np.where(n_safe > 0, cat(n_safe.astype(str), " child-safe crossing(s) at its ends; "),
                          "no crossing at its ends; "), worst_txt,
                 f" (≤ {half_gap:.0f} m = half the {s.crossing_max_gap_m:.0f} m gap)")
    return np.where(end_fail,
                    cat("crossing at node ", bad_node.astype(str), " is not child-safe: ", bad_reason.astype(str)),
                    np.where(worst > half_gap,
                             cat(worst_txt, f" (more than {half_gap:.0f} m = half the "
                                            f"{s.crossing_max_gap_m:.0f} m gap)"),
                             ok_txt)).astype(object)


def criterion_c4(edges: pd.DataFrame, cand: np.ndarray, nodes: pd.DataFrame,
                 crossing: pd.DataFrame, s: RuleSettings, data_has_crossing_tags: bool | None = None,
                 *, keys: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """C4: all crossings on the segment child-safe, and safe crossings at most the gap apart.

    Without any crossing or signal node in the input (``data_has_crossing_tags`` false; measured
    on ``nodes`` when ``None``) protection may exist unmapped: a failure becomes ``unknown``.

    Parameters
    ----------
    edges
        All segments.
    cand
        The segments judged (bool); the others get ``None``.
    nodes
        Nodes with their geometry (and the crossing tags, when ``data_has_crossing_tags`` is ``None``).
    crossing
        The crossing verdicts by node (``toets_crossing``, ``toets_crossing_reason``).
    s
        Thresholds (``crossing_max_gap_m``, ``gap_sample_spacing_m``).
    data_has_crossing_tags
        Whether the input carries crossing or signal tags at all.
    keys
        :func:`~mobisim.rules.scope.street_key` of ``edges`` when the caller has it already.

    Returns
    -------
    verdict, evidence : numpy.ndarray of object
    """
    n = len(edges)
    verdict = np.full(n, None, dtype=object)
    evidence = np.full(n, None, dtype=object)
    pos = np.flatnonzero(cand)
    if len(pos) == 0:
        return verdict, evidence
    e = edges.iloc[pos]
    # 1. crossings at the segment's ends
    state = crossing["toets_crossing"].astype("object")
    reason = crossing["toets_crossing_reason"].astype("object").fillna("")
    u, v = e["u"].to_numpy(), e["v"].to_numpy()
    su, sv = state.reindex(u).to_numpy(), state.reindex(v).to_numpy()
    fail_u = su == "fail"
    end_fail = fail_u | (sv == "fail")
    bad_node = np.where(fail_u, u, v)
    bad_reason = np.where(fail_u, reason.reindex(u).to_numpy(), reason.reindex(v).to_numpy())
    n_safe = (su == "pass").astype(int) + (sv == "pass").astype(int)
    # 2. distance from every point of the segment to the nearest child-safe crossing of the same street
    worst = gap_to_safe_crossing(edges, pos, nodes, crossing, street_key(edges) if keys is None else keys,
                                 s.gap_sample_spacing_m)
    v4 = np.where(end_fail | (worst > s.crossing_max_gap_m / 2.0), "fail", "pass").astype(object)
    ev = _c4_evidence(end_fail, bad_node, bad_reason, n_safe, worst, s)
    # Without any crossing/signal tag in the data, protection may exist unmapped: not shown.
    tagged_any = _has_crossing_tags(nodes) if data_has_crossing_tags is None else data_has_crossing_tags
    if not tagged_any:
        v4 = np.where(v4 == "fail", "unknown", v4).astype(object)
        ev = np.where(v4 == "unknown",
                      cat(ev, " — the data has no crossing or signal tags, so protection may "
                              "exist unmapped"), ev).astype(object)
    verdict[pos] = v4
    evidence[pos] = ev
    return verdict, evidence
