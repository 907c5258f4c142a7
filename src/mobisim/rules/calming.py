"""Traffic calming for the roads that become (or are) 30 but invite speeding.

A 30-road with two lanes per direction, a wide carriageway or a long straight uncalmed stretch
gets a proposal (road diet, narrowing, humps) and the reason it invites speeding. Lane counts
that are not tagged come from the scenario's ``[toets]`` lane defaults.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from mobisim.frames import column, numbers
from mobisim.rules.scope import street_key
from mobisim.rules.settings import RuleSettings
from mobisim.rules.textkit import T, fmt, select, strings
from mobisim.rules.toets.lts import edge_lanes
from mobisim.rules.toets.settings import ToetsSettings

__all__ = ["calming_proposals", "straight_runs"]


def straight_runs(edges: pd.DataFrame, mask: np.ndarray, tolerance_deg: float
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Length of the straight stretch each masked segment belongs to, and whether it is calmed.

    Segments of the same street that meet at a node with a bend below ``tolerance_deg`` (and are
    themselves nearly straight, sinuosity ≤ 1.1) are joined with a sparse connected-components
    pass.
    """
    n = len(edges)
    run_len = np.zeros(n)
    calmed = np.zeros(n, dtype=bool)
    pos = np.flatnonzero(mask)
    if len(pos) == 0:
        return run_len, calmed
    e = edges.iloc[pos]
    g = e.geometry.to_numpy()
    a, b = shapely.get_point(g, 0), shapely.get_point(g, -1)
    dx, dy = shapely.get_x(b) - shapely.get_x(a), shapely.get_y(b) - shapely.get_y(a)
    chord = np.hypot(dx, dy)
    length = e["length"].to_numpy(dtype="float64")
    straight = (chord > 0) & (length <= 1.1 * chord)
    bearing = np.degrees(np.arctan2(dy, dx)) % 180.0
    keys = street_key(e)
    k = np.arange(len(pos))
    inc = pd.DataFrame({"node": np.concatenate([e["u"].to_numpy(), e["v"].to_numpy()]),
                        "key": np.concatenate([keys, keys]), "i": np.concatenate([k, k]),
                        "bearing": np.concatenate([bearing, bearing])})
    inc = inc[np.concatenate([straight, straight])]
    pairs = inc.merge(inc, on=["node", "key"])
    pairs = pairs[pairs["i_x"] < pairs["i_y"]]
    diff = np.abs(pairs["bearing_x"].to_numpy() - pairs["bearing_y"].to_numpy()) % 180.0
    diff = np.minimum(diff, 180.0 - diff)
    pairs = pairs[diff <= tolerance_deg]
    m = len(pos)
    adj = sparse.coo_matrix((np.ones(len(pairs)), (pairs["i_x"], pairs["i_y"])), shape=(m, m))
    _, comp = connected_components(adj, directed=False)
    has_calming = column(e, "traffic_calming", None).notna().to_numpy()
    lens = pd.Series(np.where(straight, length, 0.0)).groupby(comp).transform("sum").to_numpy()
    calm = pd.Series(has_calming).groupby(comp).transform("any").to_numpy()
    run_len[pos] = np.where(straight, lens, 0.0)
    calmed[pos] = calm
    return run_len, calmed


def calming_proposals(edges: pd.DataFrame, is30: np.ndarray, s: RuleSettings,
                      toets_settings: ToetsSettings) -> tuple[np.ndarray, np.ndarray]:
    """Calming for 30-roads that invite speeding: 2×2 lanes, wide carriageway, long straights.

    Parameters
    ----------
    edges
        All segments.
    is30
        The segments to consider (bool): 30-roads proposed, in the area.
    s
        Thresholds (``calming_*``).
    toets_settings
        The scenario's ``[toets]``: its lane defaults fill the lane counts that are not tagged.

    Returns
    -------
    calming, reason : numpy.ndarray of object
        The proposal and why, ``None`` where none is needed.
    """
    n = len(edges)
    _, per_dir = edge_lanes(edges, toets_settings)
    lanes_tagged = strings(edges, "lanes_source", "").str.startswith("tag").to_numpy()
    width = numbers(edges, "width")
    run_len, calmed = straight_runs(edges, is30, s.calming_bend_tolerance_deg)
    two = is30 & (per_dir >= 2) & (lanes_tagged | strings(edges, "highway").isin(
        ["primary", "trunk"]).to_numpy())
    wide = is30 & (width > s.calming_max_width_m)
    long_ = is30 & (run_len >= s.calming_straight_min_m) & ~calmed
    n_humps = np.maximum(np.floor(run_len / s.calming_hump_spacing_m), 1)
    conds = [two, wide, long_]
    calming = select(conds, [
        "road diet: one lane per direction, the freed lane for a cycle track or planters",
        "narrow the carriageway with planters or chicanes",
        T("speed humps or raised plateaus every ~", f"{s.calming_hump_spacing_m:.0f}",
          " m (~", fmt(n_humps), " on this stretch)"),
    ], None, n)
    reason = select(conds, [
        T(fmt(per_dir), " lanes per direction at 30 km/h invite speeding"),
        T("carriageway ", fmt(width, "{:.1f}"), " m wide (> ", f"{s.calming_max_width_m:g}",
          " m) invites speeding"),
        T("straight stretch of ", fmt(run_len), " m without traffic calming (≥ ",
          f"{s.calming_straight_min_m:.0f}", " m) invites speeding"),
    ], None, n)
    return calming, reason
