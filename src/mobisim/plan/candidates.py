"""The candidates of the plan: every failing segment and crossing with its fix type and cost, or the
reason the city cannot fix it.

A failing element's fix type comes from the 8-jarigen-toets's own rule and fix text
(:data:`mobisim.rules.toets.bike.BIKE_RULES`, :data:`mobisim.rules.toets.crossings.CROSSING_RULES`):

- segments: a painted lane at 50 (``B5``) or mixed traffic above 30 (``B6``) get a separated
  cycle track, unless the toets says lowering the limit to 30 is enough (``street_redesign_30``:
  a lower limit only counts with a redesign); too much traffic on a 30-street (``B7`` at ≤ 30 km/h)
  gets a modal filter (the toets's own fix: cut motor traffic below the LTS 1 volume; one filter per
  segment) or a fietsstraat where its traffic is low enough for ``B4`` to pass it (else a filter),
  :attr:`PlanSettings.busy_street_fix`; a too-narrow
  lane a 30-redesign, the rest a cycle track;
- crossings: a fast (``X6``) or multi-lane road (``X7``) gets signals, a two-way road without
  island (``X8``) a refuge island or a raised crossing (:attr:`PlanSettings.no_island_fix`).

Excluded, and named: segments out of the city's scope (``regime == "out_of_scope"``: motorways,
national routes), rail crossings (``railway`` on the node), crossings of an out-of-scope road, and
everything outside the area judged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mobisim.frames import column, numbers
from mobisim.load.areas import inside
from mobisim.network import Network
from mobisim.plan.settings import PER_KM, PlanSettings

__all__ = ["CANDIDATE_COLUMNS", "candidate_fixes", "element_keys", "key_arrays"]

#: Columns of :func:`candidates` (index: element key, segments first then crossings).
CANDIDATE_COLUMNS = ["element", "id", "name", "rule", "fix", "fix_type", "length_m", "cost_low", "cost_central",
                     "cost_high", "excluded"]


def _text(frame: pd.DataFrame, name: str) -> pd.Series:
    """Column ``name`` as text ('' where missing or absent)."""
    return column(frame, name, None).astype("string").fillna("")


def segment_fix_types(edges: pd.DataFrame, settings: PlanSettings, mode: str = "bike") -> np.ndarray:
    """Per segment, the fix type its toets rule and fix call for ('' where none applies)."""
    rule = _text(edges, f"toets_{mode}_rule")
    fix = _text(edges, f"toets_{mode}_fix")
    speed = numbers(edges, edges.attrs.get("toets_speed_column", "maxspeed"))
    slow = np.nan_to_num(speed, nan=np.inf) <= 30
    redesign = fix.str.startswith("lower the limit to 30") | fix.str.startswith("widen the bike lane")
    busy = rule.eq("B7-lts").to_numpy() & slow
    conds = [rule.eq("").to_numpy(), redesign.to_numpy(), busy & _fietsstraat_passes(edges, settings), busy,
             rule.str.match(r"B[5-7]").to_numpy()]
    return np.select(conds, ["", "street_redesign_30", "fietsstraat", "modal_filter", "cycle_track"], "")


def _fietsstraat_passes(edges: pd.DataFrame, settings: PlanSettings) -> np.ndarray:
    """Where the plan makes a busy 30-street a fietsstraat: when :attr:`PlanSettings.busy_street_fix`
    says so and the street's traffic is low enough for the toets's ``B4`` (a fietsstraat sign does
    not lower the volume; above the bound only a filter helps)."""
    if settings.busy_street_fix != "fietsstraat":
        return np.zeros(len(edges), dtype=bool)
    from mobisim.rules.toets import ToetsSettings

    bound = edges.attrs.get("toets_fietsstraat_max_daily", ToetsSettings().fietsstraat_max_daily_traffic)
    return ~(numbers(edges, "daily_traffic") > bound)


def crossing_fix_types(nodes: pd.DataFrame, settings: PlanSettings) -> np.ndarray:
    """Per node, the fix type its crossing rule calls for ('' where none applies)."""
    rule = _text(nodes, "toets_crossing_rule")
    conds = [rule.isin(["X6-fast-road", "X7-multi-lane"]).to_numpy(), rule.eq("X8-no-island").to_numpy()]
    return np.select(conds, ["signals", settings.no_island_fix], "")


def _excluded_segments(edges: pd.DataFrame) -> np.ndarray:
    """Why the city cannot fix each segment (None: it can)."""
    regime = _text(edges, "regime").to_numpy()
    rule = _text(edges, "regime_rule").to_numpy()
    why = np.select([regime == "out_of_scope", ~inside(edges)],
                    ["out of scope (" + rule + "): not the city's road", "outside the area judged"], "")
    return _none_where_empty(why)


def _excluded_crossings(net: Network) -> np.ndarray:
    """Why the city cannot fix each crossing (None: it can)."""
    edges, nodes = net.edges, net.nodes
    oos = _text(edges, "regime").eq("out_of_scope").to_numpy()
    ends = np.concatenate([edges["u"].to_numpy()[oos], edges["v"].to_numpy()[oos]])
    crosses_oos = nodes.index.isin(ends)
    rail = _text(nodes, "railway").ne("").to_numpy()
    why = np.select(
        [rail, crosses_oos, ~inside(nodes)],
        ["rail crossing: the rail manager's, not the city's", "crossing of an out-of-scope road (motorway, "
         "national route): not the city's road", "outside the area judged"], "")
    return _none_where_empty(why)


def _none_where_empty(why: np.ndarray) -> np.ndarray:
    """The reasons as objects, None where there is none ('')."""
    out = why.astype(object)
    out[why == ""] = None
    return out


def candidate_fixes(net: Network, settings: PlanSettings, mode: str = "bike") -> pd.DataFrame:
    """Every failing segment and crossing: its fix type and cost, or why it is excluded.

    Returns
    -------
    pandas.DataFrame
        :data:`CANDIDATE_COLUMNS`; the index is the element key (segment: its position in
        ``net.edges``; crossing: ``len(net.edges)`` + its position in ``net.nodes``). ``excluded``
        is None for a fixable element; costs are NaN for an excluded one.
    """
    edges, nodes = net.edges, net.nodes
    seg_fail = _text(edges, f"toets_{mode}").eq("fail").to_numpy()
    node_fail = _text(nodes, "toets_crossing").eq("fail").to_numpy()
    seg = pd.DataFrame({
        "element": "segment", "id": edges.index.to_numpy(), "name": column(edges, "name", None).to_numpy(dtype=object),
        "rule": _text(edges, f"toets_{mode}_rule").to_numpy(), "fix": _text(edges, f"toets_{mode}_fix").to_numpy(),
        "fix_type": segment_fix_types(edges, settings, mode), "length_m": numbers(edges, "length"),
        "excluded": _excluded_segments(edges)}, index=np.arange(len(edges))).iloc[np.flatnonzero(seg_fail)]
    crs = pd.DataFrame({
        "element": "crossing", "id": nodes.index.to_numpy(), "name": column(nodes, "crossed_name", None).to_numpy(dtype=object),
        "rule": _text(nodes, "toets_crossing_rule").to_numpy(), "fix": _text(nodes, "toets_crossing_fix").to_numpy(),
        "fix_type": crossing_fix_types(nodes, settings), "length_m": 0.0,
        "excluded": _excluded_crossings(net)}, index=np.arange(len(nodes))).iloc[np.flatnonzero(node_fail)]
    crs.index = crs.index + len(edges)
    out = pd.concat([seg, crs])
    no_type = (out["fix_type"] == "") & out["excluded"].isna()
    out.loc[no_type, "excluded"] = "no fix type for toets rule " + out.loc[no_type, "rule"].replace("", "(none)")
    return _with_costs(out, settings)


def _with_costs(out: pd.DataFrame, settings: PlanSettings) -> pd.DataFrame:
    """Add the low/central/high cost of every fixable candidate (NaN for excluded ones)."""
    ok = out["excluded"].isna().to_numpy()
    per_km = out["fix_type"].isin(list(PER_KM)).to_numpy()
    units = np.where(per_km, np.nan_to_num(out["length_m"].to_numpy(float)) / 1000.0, 1.0)
    for case in ("low", "central", "high"):
        unit = out["fix_type"].map({t: c.value(case) for t, c in settings.unit_costs.items()}).to_numpy(float)
        out[f"cost_{case}"] = np.where(ok, units * unit, np.nan)
    return out[CANDIDATE_COLUMNS]


def element_keys(net: Network, fixes: pd.DataFrame) -> np.ndarray:
    """The element keys (:func:`candidate_fixes`' index) of rows naming an ``element`` and its ``id``."""
    seg = fixes["element"].eq("segment").to_numpy()
    ids = fixes["id"].to_numpy()
    keys = np.empty(len(fixes), np.int64)
    keys[seg] = net.edges.index.get_indexer(ids[seg])
    keys[~seg] = len(net.edges) + net.nodes.index.get_indexer(ids[~seg])
    return keys


def key_arrays(net: Network, cand: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Per element key (every segment, then every node): can the city fix it, and its central cost
    (0 where it is no candidate)."""
    size = len(net.edges) + len(net.nodes)
    fixable = np.zeros(size, bool)
    fixable[cand.index[cand["excluded"].isna()]] = True
    cost = np.zeros(size)
    cost[cand.index] = np.nan_to_num(cand["cost_central"].to_numpy(float))
    return fixable, cost
