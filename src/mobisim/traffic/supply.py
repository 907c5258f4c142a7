"""Supply: the directed car links of the network, with capacity and free-flow time.

One link per direction a car may drive a segment (``mode_drive``, ``oneway``; the loader has
already turned ``oneway=-1`` ways round); a segment closed to through traffic (``through_traffic`` false, the
``close_through_traffic`` intervention, a modal filter) carries no link: its destination traffic
comes from the intervention's figure. Capacity is the class's capacity per lane × lanes per
direction (× the fietsstraat factor on a ``bicycle_road``); free-flow time uses the *driven*
speed (:func:`driven_speed`), not the limit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mobisim.traffic.settings import TrafficSettings

__all__ = ["LINK_COLUMNS", "driven_speed", "car_links", "bridge_gaps", "dead_ends"]

#: Columns of the link table: ``link_id`` (1..n), ``edge_pos`` (row in the edges; −1 for a virtual
#: link of :func:`bridge_gaps`), ``reverse``
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
                 today_column: str = "maxspeed", speed_response: float | np.ndarray = 0.25,
                 today_limits: pd.Series | None = None) -> np.ndarray:
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
    today_limits
        Today's limits aligned with ``edges`` (they win over ``today_column``): the scenario
        network's ``maxspeed`` already carries its interventions' limits.
    speed_response
        Fraction of a limit change that drivers follow: one number, or one per segment
        (``[scores] speed_response_sign_only`` where only the sign changes,
        ``speed_response_redesign`` where the street is redesigned; central values).

    Returns
    -------
    numpy.ndarray of float
    """
    ratio = edges["highway"].astype("string").map(settings.free_flow_ratio_by_class).astype("float64").fillna(0.55)
    today = _limit(edges, today_column)
    if today_limits is not None:
        given = pd.to_numeric(today_limits, errors="coerce").astype("float64").to_numpy()
        today = np.where(np.isnan(given), today, np.clip(given, 5.0, None))
    after = _limit(edges, limit_column)
    v0 = ratio.to_numpy() * today
    return np.maximum(v0 * (1.0 + speed_response * (after - today) / today), 3.0)


def car_links(edges: pd.DataFrame, settings: TrafficSettings, *, limit_column: str = "maxspeed",
              speed_response: float | np.ndarray = 0.25, today_limits: pd.Series | None = None,
              bridges: bool = True) -> pd.DataFrame:
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
    speed_response, today_limits
        See :func:`driven_speed`.
    bridges
        Join main roads broken in the data (:func:`bridge_gaps`); ``False`` for the links of
        some segments alone (a what-if edit re-reads the links of the segments it changed).

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
    response = speed_response if np.ndim(speed_response) == 0 else np.asarray(speed_response, dtype=float)[pos]
    speed = driven_speed(e, settings, limit_column=limit_column, speed_response=response,
                         today_limits=None if today_limits is None else today_limits.iloc[pos])
    length = e["length"].to_numpy(dtype="float64")
    minutes = np.maximum(length, 1.0) / 1000.0 / speed * 60.0
    # a oneway=-1 way is already reversed by the loader: oneway always reads from u to v
    u, v = e["u"].to_numpy(dtype=np.int64), e["v"].to_numpy(dtype=np.int64)
    oneway = _bool(e, "oneway", False)
    fwd = pd.DataFrame({"edge_pos": pos, "reverse": False, "a_node": u, "b_node": v})
    two = ~oneway
    bwd = pd.DataFrame({"edge_pos": pos[two], "reverse": True, "a_node": v[two], "b_node": u[two]})
    attrs = pd.DataFrame({"edge_pos": pos, "length_m": length, "highway": hw.to_numpy(dtype=object),
                          "speed_kmh": speed, "free_flow_time": minutes, "capacity": cap})
    links = pd.concat([fwd, bwd], ignore_index=True).merge(attrs, on="edge_pos", how="left")
    links = links[links["a_node"] != links["b_node"]].sort_values(["edge_pos", "reverse"], kind="mergesort")
    joined = bridge_gaps(links, edges, settings) if bridges else pd.DataFrame()
    if len(joined):
        links = pd.concat([links, joined], ignore_index=True)
    links = links.astype({"edge_pos": np.int64, "reverse": bool, "a_node": np.int64, "b_node": np.int64,
                          "length_m": float, "speed_kmh": float, "free_flow_time": float, "capacity": float})
    links.insert(0, "link_id", np.arange(1, len(links) + 1, dtype=np.int64))
    return links.reset_index(drop=True)[LINK_COLUMNS]


def dead_ends(links: pd.DataFrame) -> np.ndarray:
    """Nodes with one neighbour in the link graph (in either direction): road ends."""
    pairs = pd.concat([links[["a_node", "b_node"]].rename(columns={"a_node": "n", "b_node": "m"}),
                       links[["b_node", "a_node"]].rename(columns={"b_node": "n", "a_node": "m"})]).drop_duplicates()
    degree = pairs.groupby("n").size()
    return degree.index[degree.to_numpy() == 1].to_numpy(dtype=np.int64)


def _end_headings(links: pd.DataFrame, edges: pd.DataFrame, nodes: np.ndarray, incoming: bool) -> pd.DataFrame:
    """Position and unit heading of the road at each of ``nodes`` (the last piece of its incoming
    link, or the first piece of its outgoing link)."""
    import shapely

    col = "b_node" if incoming else "a_node"
    sub = links[links[col].isin(nodes)].drop_duplicates(col)
    geom = edges.geometry.to_numpy()[sub["edge_pos"].to_numpy()]
    # the link's end at the node: the geometry's last point (incoming) or first (outgoing), and
    # the other way round on a link that runs against the geometry (v → u)
    at_last = sub["reverse"].to_numpy(dtype=bool) != incoming
    end_i = np.where(at_last, -1, 0)
    near_i = np.where(at_last, -2, 1)
    end = shapely.get_coordinates(shapely.get_point(geom, end_i))
    near = shapely.get_coordinates(shapely.get_point(geom, near_i))
    d = end - near if incoming else near - end
    norm = np.hypot(d[:, 0], d[:, 1])
    norm[norm == 0] = 1.0
    return pd.DataFrame({"node": sub[col].to_numpy(), "x": end[:, 0], "y": end[:, 1], "hx": d[:, 0] / norm,
                         "hy": d[:, 1] / norm, "highway": sub["highway"].to_numpy(),
                         "speed_kmh": sub["speed_kmh"].to_numpy(), "capacity": sub["capacity"].to_numpy(),
                         "edge_pos": sub["edge_pos"].to_numpy()})


def bridge_gaps(links: pd.DataFrame, edges: pd.DataFrame, settings: TrafficSettings) -> pd.DataFrame:
    """Virtual links that join the two ends of a main road broken in the data.

    A main road (:data:`~mobisim.traffic.settings.MAIN_CLASSES`) that ends (a dead end driven
    into) and the same road (same ``ref``, else the same ``name``) that starts again (a dead end
    driven out of) within ``gap_bridge_m``, straight ahead (both headings within 45° of the line
    between the ends), are one road: a virtual link joins them (never at the end of a segment
    closed to through traffic or to cars: a modal filter or a bus gate is no break in the data), with the first road's speed and
    the smaller capacity over 1.2 × the straight distance. The other carriageway's end beside it
    is never joined (it lies across, not ahead). Each end is joined at most once, nearest first.

    Returns
    -------
    pandas.DataFrame
        Links without ``link_id`` (``edge_pos`` −1), possibly empty.
    """
    from mobisim.traffic.settings import MAIN_CLASSES

    cols = [c for c in LINK_COLUMNS if c != "link_id"]
    if settings.gap_bridge_m <= 0 or links.empty:
        return pd.DataFrame(columns=cols)
    base = links["highway"].astype(str).str.replace("_link", "", regex=False)
    main = links[base.isin(MAIN_CLASSES).to_numpy() & ~links["highway"].astype(str).str.endswith("_link").to_numpy()]
    dead = dead_ends(links)
    # never across a segment the scenario closed (a modal filter) or that cars may not use (a bus
    # gate): only where the data itself breaks the road
    closed = ~(_bool(edges, "mode_drive", True) & _bool(edges, "through_traffic", True))
    blocked = set(edges.loc[closed, "u"].tolist()) | set(edges.loc[closed, "v"].tolist())
    dead = np.array([n for n in dead if n not in blocked], dtype=np.int64)
    outs, ins = set(links["a_node"]), set(links["b_node"])
    sinks = np.array([n for n in dead if n in ins and n in set(main["b_node"])], dtype=np.int64)
    sources = np.array([n for n in dead if n in outs and n in set(main["a_node"])], dtype=np.int64)
    if not len(sinks) or not len(sources):
        return pd.DataFrame(columns=cols)
    key = edges["ref"].astype("string").str.upper().fillna(edges["name"].astype("string")) if "ref" in edges.columns \
        else edges["name"].astype("string")
    s = _end_headings(main, edges, sinks, incoming=True)
    t = _end_headings(main, edges, sources, incoming=False)
    s["key"] = key.iloc[s["edge_pos"].to_numpy()].to_numpy()
    t["key"] = key.iloc[t["edge_pos"].to_numpy()].to_numpy()
    m = s.merge(t, on="key", suffixes=("_s", "_t")).dropna(subset=["key"])
    m = m[m["node_s"] != m["node_t"]]
    dx, dy = m["x_t"] - m["x_s"], m["y_t"] - m["y_s"]
    dist = np.hypot(dx, dy)
    with np.errstate(invalid="ignore", divide="ignore"):
        ahead_s = (m["hx_s"] * dx + m["hy_s"] * dy) / dist
        ahead_t = (m["hx_t"] * dx + m["hy_t"] * dy) / dist
    ok = (dist > 0) & (dist <= settings.gap_bridge_m) & (ahead_s >= 0.7) & (ahead_t >= 0.7)
    m = m[ok.to_numpy()].assign(dist=dist[ok]).sort_values("dist", kind="mergesort")
    m = m.drop_duplicates("node_s").drop_duplicates("node_t")
    if m.empty:
        return pd.DataFrame(columns=cols)
    length = 1.2 * m["dist"].to_numpy()
    speed = m["speed_kmh_s"].to_numpy(dtype=float)
    return pd.DataFrame({
        "edge_pos": -1, "reverse": False, "a_node": m["node_s"].to_numpy(np.int64),
        "b_node": m["node_t"].to_numpy(np.int64), "length_m": length, "highway": m["highway_s"].to_numpy(),
        "speed_kmh": speed, "free_flow_time": length / 1000.0 / speed * 60.0,
        "capacity": np.minimum(m["capacity_s"].to_numpy(float), m["capacity_t"].to_numpy(float)),
    })
