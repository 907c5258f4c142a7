"""Zones: grid cells with their homes and destinations, connectors, and gateways at the edge.

* **Internal zones** are the square cells (``zone_size_m``) of a grid over the network that hold
  homes (:func:`mobisim.load.homes.residential_origins`: residential buildings, or residential landuse
  where no buildings are loaded) or destinations (``net.activities``, non-residential buildings).
  A cell with neither is no zone: it makes and attracts no trips.
* **Connectors** join a zone to the access roads (:data:`~mobisim.traffic.settings.ACCESS_CLASSES`)
  of its cell: one per quadrant that holds homes or destinations, to the access-road node nearest
  the quadrant's weighted centre; a node that touches a main road is never used, so zone traffic
  enters the network on local streets as it does in reality. A cell without access roads falls
  back to its nearest tertiary node, and failing that to any node within one cell size.
* **Gateways** are the ends of main roads (:data:`~mobisim.frames.MAIN_CLASSES`) at the
  edge of the network: traffic entering and leaving the city. Ends closer than
  ``gateway_merge_m`` form one gateway (the two carriageways of one road).

Only nodes of the largest strongly connected part of the car network are used, so every zone
can reach every other; segments outside it keep the class table (a note says how many).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from mobisim.frames import MAIN_CLASSES
from mobisim.load.homes import residential_buildings, residential_origins
from mobisim.traffic.settings import ACCESS_CLASSES, TrafficSettings
from mobisim.traffic.supply import dead_ends

if TYPE_CHECKING:
    from mobisim.network import Network

__all__ = ["Zones", "build_zones", "main_component", "edge_cells"]

_TERTIARY = ("tertiary", "tertiary_link")


@dataclass
class Zones:
    """The zones of a traffic model.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per zone, indexed by ``zone_id`` (the centroid's node id in the assignment graph):
        ``kind`` (``internal`` / ``gateway``), ``cell`` (grid cell key; −1 for gateways),
        ``x``/``y`` (RD New), ``residents``, ``productions`` (car trips a day made by its
        residents), ``attraction_units`` (unscaled), ``gateway_daily`` (two-way vehicles a day
        through a gateway), ``through_share`` (of a gateway's traffic, to other gateways), ``label`` (gateway: the road's name or ref).
    connectors : pandas.DataFrame
        ``zone_id``, ``node`` (network node id), ``length_m``, ``cell`` (the grid cell of the node).
    edge_cell : numpy.ndarray of int
        Grid cell key of each segment's midpoint (row order of the edges).
    component : numpy.ndarray of bool
        Per segment: its car links lie in the main strongly connected part.
    notes : list of str
    """

    table: pd.DataFrame
    connectors: pd.DataFrame
    edge_cell: np.ndarray
    component: np.ndarray
    notes: list[str] = field(default_factory=list)


def main_component(links: pd.DataFrame, extra: pd.DataFrame | None = None) -> set[int]:
    """Node ids of the largest strongly connected part of the directed link graph.

    ``extra`` (``a_node``, ``b_node``) adds links that only count for connectivity: the gateways'
    connectors, without which the entry carriageway of a motorway (one-way, in from the edge) is
    never strongly connected.
    """
    ab = links[["a_node", "b_node"]] if extra is None else pd.concat([links[["a_node", "b_node"]], extra])
    nodes, inv = np.unique(np.concatenate([ab["a_node"].to_numpy(), ab["b_node"].to_numpy()]),
                           return_inverse=True)
    n = len(nodes)
    if n == 0:
        return set()
    a, b = inv[: len(ab)], inv[len(ab):]
    g = sp.coo_matrix((np.ones(len(ab)), (a, b)), shape=(n, n)).tocsr()
    _, labels = connected_components(g, directed=True, connection="strong")
    largest = np.bincount(labels).argmax()
    return set(nodes[labels == largest].tolist())


def _cell_keys(x: np.ndarray, y: np.ndarray, origin: tuple[float, float], size: float) -> tuple[np.ndarray, np.ndarray]:
    return np.floor((x - origin[0]) / size).astype(np.int64), np.floor((y - origin[1]) / size).astype(np.int64)


def edge_cells(edges: gpd.GeoDataFrame, origin: tuple[float, float], size: float) -> np.ndarray:
    """Grid cell key (``i * 100000 + j``) of each segment's midpoint."""
    mid = edges.geometry.interpolate(0.5, normalized=True)
    i, j = _cell_keys(mid.x.to_numpy(), mid.y.to_numpy(), origin, size)
    return i * 100_000 + j


def _trip_points(net: Network, settings: TrafficSettings) -> pd.DataFrame:
    """Points with ``x``, ``y``, ``floor_area`` (homes, m²) and ``units`` (destination attraction units)."""
    w = settings.attraction_weights
    homes = residential_origins(net.buildings, net.landuse, children_total=1.0)
    parts = [pd.DataFrame({"x": homes.geometry.x.to_numpy(), "y": homes.geometry.y.to_numpy(),
                           "floor_area": homes["floor_area_m2"].to_numpy(dtype=float), "units": 0.0})]
    act = net.activities
    if len(act):
        kind = act["activity"].astype("string")
        per_point = kind.map(w).astype("float64").fillna(0.0).to_numpy()
        hectares = act["area_m2"].to_numpy(dtype=float) / 10_000.0
        units = np.where(kind.str.startswith("landuse_").fillna(False).to_numpy(), per_point * hectares, per_point)
        parts.append(pd.DataFrame({"x": act.geometry.x.to_numpy(), "y": act.geometry.y.to_numpy(),
                                   "floor_area": 0.0, "units": units}))
    b = net.buildings
    if len(b):
        res = residential_buildings(b, net.landuse, min_building_area_m2=30.0, default_levels=1.0)
        other = b[~b.index.isin(res.index) & (b["area"].to_numpy(dtype=float) >= 30.0)]
        if len(other):
            levels = pd.to_numeric(other["levels"], errors="coerce").astype("float64").fillna(1.0).to_numpy()
            floor = other["area"].to_numpy(dtype=float) * levels
            pt = other.geometry.representative_point()
            parts.append(pd.DataFrame({"x": pt.x.to_numpy(), "y": pt.y.to_numpy(), "floor_area": 0.0,
                                       "units": floor / 100.0 * w.get("floor_area_nonresidential", 0.0)}))
    return pd.concat(parts, ignore_index=True)


def _node_xy(nodes: gpd.GeoDataFrame, ids: np.ndarray) -> np.ndarray:
    sub = nodes.loc[ids]
    return np.column_stack([sub.geometry.x.to_numpy(), sub.geometry.y.to_numpy()])


def _classes_at_nodes(links: pd.DataFrame) -> pd.DataFrame:
    """Per node: whether it touches a main road, a tertiary road, an access road."""
    ends = pd.concat([links[["a_node", "highway"]].rename(columns={"a_node": "node"}),
                      links[["b_node", "highway"]].rename(columns={"b_node": "node"})], ignore_index=True)
    hw = ends["highway"].astype(str)
    base = hw.str.replace("_link", "", regex=False)
    ends = ends.assign(main=base.isin(MAIN_CLASSES).to_numpy(), tertiary=hw.isin(_TERTIARY).to_numpy(),
                       access=hw.isin(ACCESS_CLASSES).to_numpy())
    return ends.groupby("node")[["main", "tertiary", "access"]].any()


def _gateways(net: Network, links: pd.DataFrame, settings: TrafficSettings) -> pd.DataFrame:
    """Ends of main roads at the edge of the network, merged per road (``gateway_merge_m``)."""
    e = net.edges
    dead = set(dead_ends(links).tolist())
    if not dead:
        return pd.DataFrame(columns=["node", "x", "y", "highway", "label", "group"])
    hw = e["highway"].astype("string").fillna("")
    main = hw.isin(MAIN_CLASSES).to_numpy() & e["mode_drive"].to_numpy(dtype=bool)
    inside = e["in_area"].to_numpy(dtype=bool) if "in_area" in e.columns else np.zeros(len(e), bool)
    rows = []
    for col in ("u", "v"):
        node = e[col].to_numpy(dtype=np.int64)
        pick = main & np.isin(node, list(dead))
        label = e["ref"].astype("string").str.upper().fillna(e["name"].astype("string")).fillna(hw)
        rows.append(pd.DataFrame({"node": node[pick], "highway": hw.to_numpy()[pick],
                                  "label": label.to_numpy()[pick], "inside": inside[pick]}))
    g = pd.concat(rows, ignore_index=True).drop_duplicates("node")
    # an end inside the area judged is a dead end of the city's own streets, not its edge
    g = g[~g["inside"].to_numpy(dtype=bool)] if "in_area" in e.columns and (~inside).any() else g
    if g.empty:
        return pd.DataFrame(columns=["node", "x", "y", "highway", "label", "group"])
    xy = _node_xy(net.nodes, g["node"].to_numpy())
    g = g.assign(x=xy[:, 0], y=xy[:, 1]).reset_index(drop=True)
    pairs = cKDTree(xy).query_pairs(settings.gateway_merge_m, output_type="ndarray")
    adj = sp.coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])) if len(pairs) else
                        (np.zeros(0), (np.zeros(0, int), np.zeros(0, int))), shape=(len(g), len(g)))
    _, group = connected_components(adj, directed=False)
    return g.assign(group=group)


def _gateway_flows(net: Network, links: pd.DataFrame, settings: TrafficSettings) -> pd.DataFrame:
    """:func:`_gateways` with ``daily``: two-way vehicles a day through each end, from the capacity
    of its links at the class's peak utilisation; ends without traffic are dropped."""
    gw = _gateways(net, links, settings)
    if len(gw):
        cap_in = links.groupby("a_node")["capacity"].sum()
        cap_out = links.groupby("b_node")["capacity"].sum()
        util = gw["highway"].map(settings.gateway_peak_utilisation).astype("float64").fillna(0.0)
        cap = gw["node"].map(cap_in).fillna(0.0) + gw["node"].map(cap_out).fillna(0.0)
        gw["daily"] = (cap * util / settings.peak_hour_share).to_numpy()
        gw = gw[gw["daily"] > 0]
    return gw


def _gateway_links(gw: pd.DataFrame) -> pd.DataFrame:
    """Virtual links (``a_node``, ``b_node``) both ways between each gateway end and a hub per
    gateway group (id ``−1 − group``), for connectivity only (see :func:`main_component`)."""
    if not len(gw):
        return pd.DataFrame({"a_node": [], "b_node": []})
    hub = -1 - gw["group"].to_numpy(dtype=np.int64)
    node = gw["node"].to_numpy(np.int64)
    return pd.DataFrame({"a_node": np.concatenate([hub, node]), "b_node": np.concatenate([node, hub])})


def _component(edges: gpd.GeoDataFrame, links: pd.DataFrame, keep: set[int]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Which links and segments lie in the main strongly connected part ``keep``.

    Returns
    -------
    in_main : numpy.ndarray of bool
        Per link.
    component : numpy.ndarray of bool
        Per segment (row order of ``edges``): its real links lie in the main part.
    notes : list of str
        How many car segments are cut off (they keep the class table).
    """
    in_main = links["a_node"].isin(keep).to_numpy() & links["b_node"].isin(keep).to_numpy()
    component = np.zeros(len(edges), dtype=bool)
    real = links["edge_pos"].to_numpy() >= 0  # not the virtual links across gaps in the data
    component[links.loc[in_main & real, "edge_pos"].to_numpy()] = True
    has_links = np.zeros(len(edges), dtype=bool)
    has_links[links.loc[real, "edge_pos"].to_numpy()] = True
    cut_off = has_links & ~component
    notes = []
    if cut_off.any():
        km = edges["length"].to_numpy(dtype=float)[cut_off].sum() / 1000.0
        notes.append(f"{int(cut_off.sum())} car segments ({km:.1f} km) are not connected both ways to the main "
                     "car network (dead-end one-way parts, islands): they keep the class table")
    return in_main, component, notes


def _zone_points(
    net: Network, settings: TrafficSettings, origin: tuple[float, float], edge_cell: np.ndarray,
    residents: float | None,
) -> pd.DataFrame:
    """:func:`_trip_points` with their grid ``cell`` and ``quad`` (quadrant 0–3), ``residents``
    and ``weight`` (residents + attraction units).

    The residents (``residents``, default ``settings.residents_total``) are spread over the floor
    area of the homes in the cells that lie mostly (by street length) in the area judged; homes
    beyond it (the margin of the extract) are other municipalities', whose traffic enters at the
    gateways. Points in a cell without streets (a landuse polygon reaching past the network) are
    dropped.
    """
    size = float(settings.zone_size_m)
    pts = _trip_points(net, settings)
    ci, cj = _cell_keys(pts["x"].to_numpy(), pts["y"].to_numpy(), origin, size)
    qi, qj = _cell_keys(pts["x"].to_numpy(), pts["y"].to_numpy(), origin, size / 2.0)
    pts = pts.assign(cell=ci * 100_000 + cj, quad=(qi % 2) * 2 + (qj % 2))
    edges = net.edges
    inside = edges["in_area"].to_numpy(dtype=bool) if "in_area" in edges.columns else np.ones(len(edges), bool)
    length = edges["length"].to_numpy(dtype=float)
    share_in = (pd.Series(length * inside).groupby(edge_cell).sum() / pd.Series(length).groupby(edge_cell).sum())
    share = pts["cell"].map(share_in)
    pts = pts[share.notna().to_numpy()]
    cell_in = share.dropna().to_numpy() >= 0.5
    floor_in = pts["floor_area"].to_numpy()[cell_in].sum()
    total = settings.residents_total if residents is None else residents
    density = total / floor_in if floor_in > 0 else 0.0
    pts = pts.assign(residents=np.where(cell_in, pts["floor_area"].to_numpy() * density, 0.0))
    pts["weight"] = pts["residents"] + pts["units"]
    return pts


def _connector_trees(links: pd.DataFrame, nodes: gpd.GeoDataFrame) -> list[tuple[np.ndarray, cKDTree]]:
    """Candidate connector nodes with their spatial index, in order of preference: access-road
    nodes, tertiary nodes, any node of ``links`` — never a node that touches a main road (except
    as the last resort)."""
    at = _classes_at_nodes(links)
    access_nodes = at.index[(at["access"] & ~at["main"] & ~at["tertiary"]).to_numpy()].to_numpy()
    tertiary_nodes = at.index[(at["tertiary"] & ~at["main"]).to_numpy()].to_numpy()
    any_nodes = at.index.to_numpy()
    return [(n, cKDTree(_node_xy(nodes, n))) for n in (access_nodes, tertiary_nodes, any_nodes) if len(n)]


def _quadrants(pts: pd.DataFrame, per_zone: int) -> pd.DataFrame:
    """The weighted centre (``x``, ``y``) and ``weight`` of each quadrant of a cell that holds
    homes or destinations; the ``per_zone`` heaviest of each cell."""
    quads = (pts[pts["weight"] > 0].assign(wx=lambda d: d["x"] * d["weight"], wy=lambda d: d["y"] * d["weight"])
             .groupby(["cell", "quad"])[["wx", "wy", "weight"]].sum())
    quads["x"], quads["y"] = quads["wx"] / quads["weight"], quads["wy"] / quads["weight"]
    quads = quads.reset_index()
    return quads.sort_values(["cell", "weight"], ascending=[True, False]).groupby("cell").head(per_zone)


def _snap(quads: pd.DataFrame, trees: list[tuple[np.ndarray, cKDTree]], size: float) -> pd.DataFrame:
    """``quads`` with ``node`` (the nearest candidate within ``size``, by preference; −1 none) and
    ``length_m`` (the distance)."""
    node = np.full(len(quads), -1, dtype=np.int64)
    dist = np.full(len(quads), np.inf)
    qxy = quads[["x", "y"]].to_numpy()
    for ids, tree in trees:  # access roads first, then tertiary roads, then any node
        todo = node < 0
        if not todo.any():
            break
        d, k = tree.query(qxy[todo], distance_upper_bound=size)
        ok = np.isfinite(d)
        idx = np.flatnonzero(todo)[ok]
        node[idx], dist[idx] = ids[k[ok]], d[ok]
    return quads.assign(node=node, length_m=dist)


def _connected_quadrants(
    pts: pd.DataFrame, links: pd.DataFrame, nodes: gpd.GeoDataFrame, settings: TrafficSettings
) -> tuple[pd.DataFrame, list[str]]:
    """The quadrants joined to a car node (:func:`_quadrants`, :func:`_snap`), and a note on the
    cells left without one."""
    size = float(settings.zone_size_m)
    quads = _snap(_quadrants(pts, settings.connectors_per_zone), _connector_trees(links, nodes), size)
    lost = quads[quads["node"] < 0]
    notes = []
    if len(lost):
        lost_w = pts[pts["cell"].isin(lost["cell"])]
        notes.append(f"{lost['cell'].nunique()} grid cells with homes or destinations (≈ "
                     f"{lost_w['residents'].sum():,.0f} residents) have no car node within {size:.0f} m: "
                     "their trips are not in the model")
    return quads[quads["node"] >= 0], notes


def _internal_zones(
    pts: pd.DataFrame, quads: pd.DataFrame, settings: TrafficSettings, base_id: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One zone per connected cell (ids from ``base_id``) with its trip ends, and its connectors.

    Returns
    -------
    table : pandas.DataFrame
        The internal rows of :attr:`Zones.table`.
    connectors : pandas.DataFrame
        ``zone_id``, ``node``, ``length_m`` (one per distinct node of a zone).
    """
    cells = pts.groupby("cell")[["residents", "units"]].sum()
    cells = cells[cells.index.isin(quads["cell"])]
    hh = cells["residents"] / settings.household_size
    productions = hh * settings.cars_per_household * settings.car_trips_per_car * settings.other_traffic_factor
    units = cells["units"] + cells["residents"] * settings.attraction_weights.get("residents", 0.0)
    cxy = (quads.assign(wx=quads["x"] * quads["weight"], wy=quads["y"] * quads["weight"]).groupby("cell")
           [["wx", "wy", "weight"]].sum())
    internal = pd.DataFrame({
        "kind": "internal", "cell": cells.index.to_numpy(),
        "x": (cxy["wx"] / cxy["weight"]).reindex(cells.index).to_numpy(),
        "y": (cxy["wy"] / cxy["weight"]).reindex(cells.index).to_numpy(),
        "residents": cells["residents"].to_numpy(), "productions": productions.to_numpy(),
        "attraction_units": units.to_numpy(), "gateway_daily": 0.0, "through_share": 0.0, "label": "",
    })
    internal.index = pd.Index(base_id + np.arange(len(internal)), name="zone_id")
    cell_zone = pd.Series(internal.index.to_numpy(), index=internal["cell"].to_numpy())
    conns = pd.DataFrame({"zone_id": quads["cell"].map(cell_zone).to_numpy(), "node": quads["node"].to_numpy(),
                          "length_m": quads["length_m"].to_numpy()}).drop_duplicates(["zone_id", "node"])
    return internal, conns


def _gateway_zones(
    gw: pd.DataFrame, settings: TrafficSettings, first_id: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One zone per gateway group with traffic (ids from ``first_id``), and its connectors.

    The group's daily traffic is the sum over its ends; its through share and label are those of
    its busiest end.

    Returns
    -------
    table : pandas.DataFrame
        The gateway rows of :attr:`Zones.table`.
    connectors : pandas.DataFrame
        ``zone_id``, ``node``, ``length_m`` (1 m) for each end.
    """
    gw = gw.assign(through=gw["highway"].map(settings.external_through_share_by_class).astype("float64").fillna(0.0))
    gw = gw.sort_values("daily", ascending=False, kind="mergesort")
    grouped = gw.groupby("group").agg(x=("x", "mean"), y=("y", "mean"), daily=("daily", "sum"),
                                      through=("through", "first"), label=("label", "first"))
    grouped = grouped[grouped["daily"] > 0]
    gid = pd.Series(first_id + np.arange(len(grouped)), index=grouped.index)
    gateways = pd.DataFrame({"kind": "gateway", "cell": -1, "x": grouped["x"].to_numpy(),
                             "y": grouped["y"].to_numpy(), "residents": 0.0, "productions": 0.0,
                             "attraction_units": 0.0, "gateway_daily": grouped["daily"].to_numpy(),
                             "through_share": grouped["through"].to_numpy(),
                             "label": grouped["label"].astype(str).to_numpy()},
                            index=pd.Index(gid.to_numpy(), name="zone_id"))
    gconn = gw[gw["group"].isin(grouped.index)]
    conns = pd.DataFrame({"zone_id": gconn["group"].map(gid).to_numpy(), "node": gconn["node"].to_numpy(),
                          "length_m": 1.0})
    return gateways, conns


def build_zones(net: Network, links: pd.DataFrame, settings: TrafficSettings, *, residents: float | None = None) -> Zones:
    """Zones, connectors and gateways of ``net`` (see the module docstring).

    The steps: the grid and each segment's cell; the gateways and their traffic
    (:func:`_gateway_flows`); the main strongly connected part (:func:`main_component`); the
    homes and destinations per cell and quadrant (:func:`_zone_points`); the connectors to the
    access roads (:func:`_connected_quadrants`); the internal and the gateway zones.

    Parameters
    ----------
    net : mobisim.network.Network
        With ``buildings``, ``landuse``, ``activities`` and ``in_area`` on the edges.
    links : pandas.DataFrame
        :func:`mobisim.traffic.supply.car_links`.
    settings : TrafficSettings
    residents : float, optional
        Residents of the area judged (default ``settings.residents_total``; the pipeline scales it
        by the share of the municipality the area covers).

    Returns
    -------
    Zones
    """
    size = float(settings.zone_size_m)
    x0, y0 = np.floor(net.edges.total_bounds[:2] / size) * size
    origin = (float(x0), float(y0))
    edge_cell = edge_cells(net.edges, origin, size)
    gw = _gateway_flows(net, links, settings)
    keep = main_component(links, _gateway_links(gw))
    in_main, component, notes = _component(net.edges, links, keep)
    pts = _zone_points(net, settings, origin, edge_cell, residents)
    quads, lost = _connected_quadrants(pts, links[in_main], net.nodes, settings)
    notes += lost
    base_id = int(max(net.nodes.index.max(), links[["a_node", "b_node"]].to_numpy().max())) + 1
    table, conns = _internal_zones(pts, quads, settings, base_id)
    gw = gw[gw["node"].isin(keep)] if len(gw) else gw
    if len(gw):
        gateways, gconns = _gateway_zones(gw, settings, base_id + len(table))
        conns = pd.concat([conns, gconns], ignore_index=True)
        table = pd.concat([table, gateways])
    else:
        notes.append("no main road leaves the network: no traffic enters or leaves the area from outside")
    conns = conns.reset_index(drop=True)
    nxy = _node_xy(net.nodes, conns["node"].to_numpy())
    ci, cj = _cell_keys(nxy[:, 0], nxy[:, 1], origin, size)
    conns["cell"] = ci * 100_000 + cj
    return Zones(table=table, connectors=conns, edge_cell=edge_cell, component=component, notes=notes)
