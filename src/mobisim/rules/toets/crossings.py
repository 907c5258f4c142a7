"""Crossings: the places where a child crosses a motor road, and whether a child of 8 can cross there.

:func:`find_crossings` finds them (crossing tags, a path meeting the road, or a road junction) and
what is crossed there (the fastest road, its lanes, signals, island, zebra); :func:`judge_crossings`
judges each by the first matching rule of :data:`CROSSING_RULES` (``X1``–``X8``), with a reason and,
for a failure, a fix. :func:`classify_crossings` does both.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from mobisim.frames import column, flags
from mobisim.network import Network
from mobisim.rules.textkit import Fmt, Lazy, Select, T, select, strings
from mobisim.rules.toets.lts import crossing_lts, edge_lanes, edge_speed
from mobisim.rules.toets.settings import LTS_SOURCE, ToetsSettings

__all__ = ["CROSSING_RULES", "NODE_COLUMNS", "CrossingSites", "classify_crossings", "find_crossings",
           "judge_crossings"]

#: The columns :func:`classify_crossings` returns (and :func:`~mobisim.rules.toets.evaluate_toets` adds to ``nodes``).
NODE_COLUMNS = ["is_crossing", "crossing_kind", "lanes_crossed", "crossed_speed", "crossed_name",
                "lts_crossing", "toets_crossing", "toets_crossing_rule", "toets_crossing_reason",
                "toets_crossing_fix"]

#: The crossing rules, first match wins: rule id and verdict (the conditions are :func:`_crossing_conditions`).
CROSSING_RULES: list[tuple[object, str]] = [
    (pd.NA, "n/a"),  # not a crossing
    ("X1-signals", "pass"),
    ("X2-slow-road", "pass"),
    ("X3-roundabout", "pass"),
    ("X4-island", "pass"),
    ("X5-one-lane", "pass"),
    ("X6-fast-road", "fail"),
    ("X7-multi-lane", "fail"),
]
#: Rule id and verdict where no rule of :data:`CROSSING_RULES` matches: two-way, no island, no signals.
CROSSING_DEFAULT = ("X8-no-island", "fail")


@dataclass(frozen=True)
class CrossingSites:
    """Every node of the network: whether a child crosses a motor road there, and what is crossed.

    Arrays are aligned with ``nodes``; ``speed``, ``lanes`` and ``per_dir`` are those of the
    fastest road at the node (NaN off the roads), ``crossed_name`` its name.
    """

    nodes: pd.DataFrame
    is_crossing: np.ndarray
    signals: np.ndarray  #: signals tagged at the node
    near_signals: np.ndarray  #: a junction with signals mapped on its approaches
    zebra: np.ndarray
    island: np.ndarray
    roundabout: np.ndarray
    tagged: np.ndarray  #: any crossing tag (``highway=crossing``, ``crossing=*``, signals, zebra, island)
    path_meets: np.ndarray  #: a footway, cycleway or path meets the road
    speed: np.ndarray
    lanes: np.ndarray
    per_dir: np.ndarray
    crossed_name: pd.Series

    @property
    def signalised(self) -> np.ndarray:
        return self.signals | self.near_signals

    def __len__(self) -> int:
        return len(self.nodes)


def _incidence(edges: pd.DataFrame, speed: np.ndarray, lanes: np.ndarray,
               per_dir: np.ndarray) -> pd.DataFrame:
    """Long frame: one row per (node, edge end) with what the crossing rules need."""
    base = pd.DataFrame({
        "edge_id": edges.index.to_numpy(),
        "is_road": flags(edges, "is_road"),
        "mode_drive": flags(edges, "mode_drive"),
        "slow_mode": (flags(edges, "mode_walk") | flags(edges, "mode_bike"))
        & ~flags(edges, "mode_drive"),
        "roundabout": (strings(edges, "junction") == "roundabout").to_numpy(),
        "speed": speed,
        "lanes": lanes,
        "per_dir": per_dir,
        "name": strings(edges, "name").to_numpy(),
    })
    u = base.assign(node=edges["u"].to_numpy())
    v = base.assign(node=edges["v"].to_numpy())
    return pd.concat([u, v], ignore_index=True)


def _crossed_roads(inc: pd.DataFrame, nodes: pd.DataFrame) -> pd.DataFrame:
    """Per node: the road ends meeting there and the fastest road (speed, lanes, name)."""
    road = inc[inc["is_road"]].sort_values("speed", ascending=False, kind="stable")
    agg = road.groupby("node").agg(
        road_ends=("edge_id", "size"), crossed_speed=("speed", "max"),
        lanes_crossed=("lanes", "max"), per_dir=("per_dir", "max"),
        crossed_name=("name", "first"), roundabout_edge=("roundabout", "any"),
    )
    return agg.reindex(nodes.index)


def _near_signals(nodes: pd.DataFrame, signals: np.ndarray, candidates: np.ndarray,
                  radius_m: float) -> np.ndarray:
    """Which ``candidates`` lie within ``radius_m`` of a node with signals."""
    near = np.zeros(len(nodes), dtype=bool)
    sig_pts = nodes.geometry.to_numpy()[signals]
    cand = np.flatnonzero(candidates)
    if len(sig_pts) and len(cand):
        tree = shapely.STRtree(sig_pts)
        hit, _ = tree.query(nodes.geometry.to_numpy()[cand], predicate="dwithin", distance=radius_m)
        near[cand[np.unique(hit)]] = True
    return near


def find_crossings(net: Network, settings: ToetsSettings, *, speed_column: str = "maxspeed") -> CrossingSites:
    """Find the places where a child crosses a motor road, and what is crossed there.

    A node is a crossing when it lies on a motor road (``is_road``) and either carries crossing
    tags (``highway=crossing``, ``crossing=*``, signals, zebra, island), or a footway/cycleway/
    path meets the road there, or it is a road–road junction (three or more road ends). The
    crossed road is the fastest road at the node; lanes to cross are its total lanes (``lanes``,
    class default when untagged, see :attr:`ToetsSettings.default_lanes_by_class`). A junction
    without tags counts as signal-controlled when signals lie within
    :attr:`ToetsSettings.signal_search_radius_m` (OSM maps them on the approaches).
    """
    edges, nodes = net.edges, net.nodes
    lanes, per_dir = edge_lanes(edges, settings)
    inc = _incidence(edges, edge_speed(edges, speed_column, settings), lanes, per_dir)
    agg = _crossed_roads(inc, nodes)
    road_ends = agg["road_ends"].fillna(0).to_numpy()
    hw = strings(nodes, "highway")
    signals = flags(nodes, "signals") | (hw == "traffic_signals").to_numpy()
    zebra, island = flags(nodes, "zebra"), flags(nodes, "crossing_island")
    tagged = ((hw == "crossing").to_numpy() | column(nodes, "crossing", None).notna().to_numpy()
              | signals | zebra | island)
    path_meets = nodes.index.isin(inc.loc[inc["slow_mode"], "node"].unique())
    junction = road_ends >= 3
    is_crossing = (road_ends > 0) & (tagged | path_meets | junction)
    near = _near_signals(nodes, signals, is_crossing & junction & ~tagged, settings.signal_search_radius_m)
    return CrossingSites(
        nodes=nodes, is_crossing=is_crossing, signals=signals, near_signals=near, zebra=zebra, island=island,
        roundabout=flags(nodes, "roundabout") | agg["roundabout_edge"].fillna(False).astype(bool).to_numpy(),
        tagged=tagged, path_meets=path_meets, speed=agg["crossed_speed"].to_numpy(dtype="float64"),
        lanes=agg["lanes_crossed"].to_numpy(dtype="float64"), per_dir=agg["per_dir"].to_numpy(dtype="float64"),
        crossed_name=agg["crossed_name"])


def _crossing_conditions(c: CrossingSites, s: ToetsSettings) -> list[np.ndarray]:
    """The conditions of :data:`CROSSING_RULES`, in order."""
    v, ln, pd_ = c.speed, c.lanes, c.per_dir
    return [
        ~c.is_crossing,
        c.signalised,
        (v <= s.crossing_unprotected_max_speed_kmh) & (ln <= 3),
        c.roundabout & (pd_ <= 1),
        c.island & (pd_ <= 1) & (v <= s.island_max_speed_kmh),
        (ln <= 1) & (v <= s.island_max_speed_kmh),
        v > s.island_max_speed_kmh,
        pd_ >= 2,
    ]


def _crossing_reasons(c: CrossingSites, lts: np.ndarray, conds: list[np.ndarray], s: ToetsSettings) -> np.ndarray:
    """The reason of each crossing's rule (texts built only on the crossings of their rule)."""
    v_s, lts_s = Fmt(c.speed), Fmt(lts.astype(float))
    what = T(Fmt(c.lanes), " lane(s) at ", v_s, " km/h")
    zebra_note = Select([c.zebra], [" (a zebra alone is not enough above 30 km/h)"], "")
    reason = select(conds, [
        pd.NA,
        T("signal-controlled crossing of ", what,
          np.where(c.near_signals, " (signals at the junction)", ""),
          " — LTS 1 (", LTS_SOURCE, ")"),
        T("crossing ", what, ": a road at ≤", str(s.crossing_unprotected_max_speed_kmh),
          " km/h (Dutch practice; LTS ", lts_s, ")"),
        T("single-lane roundabout (", what, "): splitter islands let a child cross one lane "
          "at a time (CROW)"),
        T("one lane per direction with a refuge island, ", what, " (Dutch practice, CROW)"),
        T("a single one-way lane to cross at ", v_s, " km/h: one lane, one direction at a "
          "time, as with a refuge island (LTS ", lts_s, ")"),
        T("crossing ", what, " without signals: children aged 5–9 misjudge gaps in fast "
          "traffic (Connelly et al. 1998); LTS ", lts_s, zebra_note),
        T(what, " to cross (", Fmt(c.per_dir), " per direction) without signals: LTS ", lts_s,
          " (Mekuria et al. 2012)", zebra_note),
    ], T("two-way road, ", what, ", no refuge island and no signals: LTS ", lts_s,
         ", but Dutch practice needs an island or signals above ",
         str(s.crossing_unprotected_max_speed_kmh), " km/h", zebra_note), len(c))
    return np.where(c.is_crossing, reason, pd.NA)


def _crossing_fixes(c: CrossingSites, conds: list[np.ndarray]) -> np.ndarray:
    """What would make each failing crossing child-safe (texts built only on the failing rows)."""
    node_id = Lazy(lambda idx: c.nodes.index[idx].astype(str).to_numpy(dtype=object))
    road_name = Lazy(lambda idx: c.crossed_name.iloc[idx].fillna("").replace("", "the road").to_numpy(dtype=object))
    return select(conds, [pd.NA] * 6 + [
        T("add traffic signals at node ", node_id, ", or lower the limit of ", road_name, " to 50 km/h or less"),
        T("add traffic signals at node ", node_id,
          " (or reduce to one lane per direction with a refuge island)"),
    ], T("add a refuge island (≥ 1.80 m wide) at node ", node_id,
         ", or lower the limit to 30 km/h"), len(c))


def _crossing_kind(c: CrossingSites) -> np.ndarray:
    """``signals``, ``roundabout``, ``zebra+island``, … (``None`` where not a crossing)."""
    return select(
        [~c.is_crossing, c.signalised, c.roundabout, c.island & c.zebra, c.island, c.zebra, c.tagged,
         c.path_meets],
        [None, "signals", "roundabout", "zebra+island", "island", "zebra", "uncontrolled", "path_meets_road"],
        "junction", len(c),
    )


def _int_array(values: np.ndarray) -> pd.arrays.IntegerArray:
    """Float array (NaN = missing) to a nullable Int64 array."""
    return pd.array(values, dtype="Float64").round().astype("Int64")


def judge_crossings(c: CrossingSites, settings: ToetsSettings) -> pd.DataFrame:
    """Judge every crossing of :func:`find_crossings` for a child of 8: verdict, rule, reason, fix.

    Returns
    -------
    pandas.DataFrame
        Indexed like the nodes, the :data:`NODE_COLUMNS`.
    """
    lts = np.where(c.signalised, 1, crossing_lts(np.nan_to_num(c.lanes), c.island, c.speed, settings))
    conds = _crossing_conditions(c, settings)
    n = len(c)
    verdict = select(conds, [v for _, v in CROSSING_RULES], CROSSING_DEFAULT[1], n)
    fix = np.where(verdict == "fail", _crossing_fixes(c, conds), pd.NA)
    crossing = c.is_crossing
    out = pd.DataFrame({
        "is_crossing": crossing,
        "crossing_kind": pd.array(_crossing_kind(c), dtype="string"),
        "lanes_crossed": _int_array(np.where(crossing, c.lanes, np.nan)),
        "crossed_speed": _int_array(np.where(crossing, c.speed, np.nan)),
        "crossed_name": pd.array(np.where(crossing, c.crossed_name.to_numpy(dtype=object), None), dtype="string"),
        "lts_crossing": pd.array(np.where(crossing, lts, np.nan), dtype="Float64").astype("Int64"),
        "toets_crossing": verdict,
        "toets_crossing_rule": pd.array(select(conds, [r for r, _ in CROSSING_RULES], CROSSING_DEFAULT[0], n),
                                        dtype="string"),
        "toets_crossing_reason": pd.array(_crossing_reasons(c, lts, conds, settings), dtype="string"),
        "toets_crossing_fix": pd.array(fix, dtype="string"),
    }, index=c.nodes.index)
    out["crossed_name"] = out["crossed_name"].replace("", pd.NA)
    return out


def classify_crossings(net: Network, settings: ToetsSettings | None = None, *,
                       speed_column: str = "maxspeed") -> pd.DataFrame:
    """Find the places where a child crosses a motor road and judge each one.

    :func:`find_crossings`, then :func:`judge_crossings`.

    Parameters
    ----------
    net
        Network with segments and nodes (``docs/data-model.md``).
    settings
        Thresholds; ``ToetsSettings()`` when omitted.
    speed_column
        Edge column with the speed to judge.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``net.nodes``: ``is_crossing``, ``crossing_kind``, ``lanes_crossed``,
        ``crossed_speed``, ``crossed_name``, ``lts_crossing``, ``toets_crossing``,
        ``toets_crossing_rule``, ``toets_crossing_reason``, ``toets_crossing_fix``.
    """
    s = settings or ToetsSettings()
    return judge_crossings(find_crossings(net, s, speed_column=speed_column), s)
