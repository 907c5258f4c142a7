"""Supply: the directed car links of the network, with capacity and free-flow time.

One link per direction a car may drive a segment (``mode_drive``, ``oneway``,
``oneway_reverse``); a segment closed to through traffic (``through_traffic`` false, the
``close_through_traffic`` intervention, a modal filter) carries no link: its destination traffic
comes from the intervention's figure. Capacity is the class's capacity per lane × lanes per
direction (× the fietsstraat factor on a ``bicycle_road``); free-flow time uses the *driven*
speed (:func:`driven_speed`), not the limit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mobisim.traffic.settings import TrafficSettings

__all__ = ["LINK_COLUMNS", "driven_speed", "car_links"]

#: Columns of the link table: ``link_id`` (1..n), ``edge_pos`` (row in the edges), ``reverse``
#: (the link runs v→u), ``a_node``/``b_node`` (OSM node ids), ``length_m``, ``highway``,
#: ``speed_kmh`` (driven, free flow), ``free_flow_time`` (minutes), ``capacity`` (veh/h).
LINK_COLUMNS = ["link_id", "edge_pos", "reverse", "a_node", "b_node", "length_m", "highway", "speed_kmh",
                "free_flow_time", "capacity"]

#: The limit assumed where a road has none (urban default, RVV 1990 art. 20).
_FALLBACK_LIMIT = 50.0


def _bool(edges: pd.DataFrame, name: str, default: bool) -> np.ndarray:
    if name not in edges.columns:
        return np.full(len(edges), default)
    return edges[name].astype("boolean").fillna(default).to_numpy(dtype=bool)


def _limit(edges: pd.DataFrame, column: str) -> np.ndarray:
    values = pd.to_numeric(edges[column], errors="coerce") if column in edges.columns else pd.Series(np.nan, index=edges.index)
    return values.astype("float64").fillna(_FALLBACK_LIMIT).clip(lower=5.0).to_numpy()


def driven_speed(edges: pd.DataFrame, settings: TrafficSettings, *, limit_column: str = "maxspeed",
                 today_column: str = "maxspeed", speed_response: float = 0.25) -> np.ndarray:
    """Driven free-flow speed (km/h) per segment.

    Today: the limit × the class's free-flow ratio (junction delay included). Where the scenario
    changes the limit, the driven speed changes by ``speed_response`` of the relative limit change
    (a 50 → 30 sign with the default 0.25 lowers the driven speed by 10 %, the order Amsterdam
    measured one year after its 30 km/h norm), so the traffic model and the Power Model assume the
    same driver response.

    Parameters
    ----------
    edges
        Segments with ``highway`` and the limit columns.
    settings
        ``free_flow_ratio_by_class``.
    limit_column, today_column
        The scenario's limit and today's limit.
    speed_response
        Fraction of a limit change that drivers follow (``[scores] speed_response_fraction``).

    Returns
    -------
    numpy.ndarray of float
    """
    ratio = edges["highway"].astype("string").map(settings.free_flow_ratio_by_class).astype("float64").fillna(0.55)
    today = _limit(edges, today_column)
    after = _limit(edges, limit_column)
    v0 = ratio.to_numpy() * today
    return np.maximum(v0 * (1.0 + speed_response * (after - today) / today), 3.0)


def car_links(edges: pd.DataFrame, settings: TrafficSettings, *, limit_column: str = "maxspeed",
              speed_response: float = 0.25) -> pd.DataFrame:
    """The directed car links of ``edges`` (:data:`LINK_COLUMNS`).

    Parameters
    ----------
    edges
        Segments (``u``, ``v``, ``length``, ``highway``, ``mode_drive``, ``oneway``,
        ``oneway_reverse``, ``lanes_per_direction``, ``bicycle_road``, ``through_traffic``, limits).
    settings
        Capacities, free-flow ratios, fietsstraat factor.
    limit_column
        The limit the drivers see (``proposed_maxspeed`` for the programme, ``maxspeed`` today).
    speed_response
        See :func:`driven_speed`.

    Returns
    -------
    pandas.DataFrame
    """
    drive = (_bool(edges, "mode_drive", True) & _bool(edges, "through_traffic", True)
             & ~edges["highway"].astype("string").isin(settings.unassigned_classes).fillna(False).to_numpy())
    pos = np.flatnonzero(drive)
    e = edges.iloc[pos]
    hw = e["highway"].astype("string")
    lanes = pd.to_numeric(e.get("lanes_per_direction", pd.Series(1.0, index=e.index)), errors="coerce")
    lanes = lanes.astype("float64").fillna(1.0).clip(lower=1.0).to_numpy()
    if "lanes_source" in e.columns:
        default = e["lanes_source"].astype("string").str.startswith("default").fillna(True).to_numpy()
        floor = hw.map(settings.default_lanes_per_direction).astype("float64").fillna(1.0).to_numpy()
        lanes = np.where(default, np.maximum(lanes, floor), lanes)
    cap = hw.map(settings.capacity_per_lane_by_class).astype("float64").fillna(settings.capacity_other).to_numpy() * lanes
    cap = np.where(_bool(e, "bicycle_road", False), cap * settings.fietsstraat_capacity_factor, cap)
    speed = driven_speed(e, settings, limit_column=limit_column, speed_response=speed_response)
    length = e["length"].to_numpy(dtype="float64")
    minutes = np.maximum(length, 1.0) / 1000.0 / speed * 60.0
    u, v = e["u"].to_numpy(dtype=np.int64), e["v"].to_numpy(dtype=np.int64)
    rev_only = _bool(e, "oneway_reverse", False)
    oneway = _bool(e, "oneway", False)
    fwd = pd.DataFrame({"edge_pos": pos, "reverse": rev_only, "a_node": np.where(rev_only, v, u),
                        "b_node": np.where(rev_only, u, v)})
    two = ~oneway
    bwd = pd.DataFrame({"edge_pos": pos[two], "reverse": ~rev_only[two], "a_node": v[two], "b_node": u[two]})
    attrs = pd.DataFrame({"edge_pos": pos, "length_m": length, "highway": hw.to_numpy(dtype=object),
                          "speed_kmh": speed, "free_flow_time": minutes, "capacity": cap})
    links = pd.concat([fwd, bwd], ignore_index=True).merge(attrs, on="edge_pos", how="left")
    links = links[links["a_node"] != links["b_node"]].sort_values(["edge_pos", "reverse"], kind="mergesort")
    links.insert(0, "link_id", np.arange(1, len(links) + 1, dtype=np.int64))
    return links.reset_index(drop=True)[LINK_COLUMNS]
