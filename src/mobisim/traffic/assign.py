"""Assignment: the peak hour on the car network, a static user equilibrium (AequilibraE).

The links (:func:`mobisim.traffic.supply.car_links`) and the zones' connectors form an
AequilibraE :class:`~aequilibrae.paths.Graph` (centroids may not be passed through). The
free-flow skims feed the gravity model (:func:`mobisim.traffic.demand.daily_demand`); the
peak-hour matrix (``peak_hour_share`` of the day) is assigned with a BPR volume-delay function
``t = t0 · (1 + α (v/c)^β)`` by bi-conjugate Frank-Wolfe until the relative gap is below
``relative_gap`` or ``max_iterations`` is reached.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mobisim.traffic.demand import Demand, daily_demand
from mobisim.traffic.settings import TrafficSettings
from mobisim.traffic.zones import Zones

os.environ.setdefault("AEQ_SHOW_PROGRESS", "FALSE")  # no tqdm bars from AequilibraE

__all__ = ["Assignment", "assign", "graph_network"]

#: Capacity of a connector (veh/h): never a bottleneck.
_CONNECTOR_CAPACITY = 1e6


@dataclass
class Assignment:
    """What :func:`assign` found.

    Attributes
    ----------
    peak_flow : numpy.ndarray
        Peak-hour vehicles per link (link order of the link table).
    congested_minutes : numpy.ndarray
        Travel time per link at equilibrium (minutes).
    iterations : int
    relative_gap : float
    seconds : float
        Wall time of skims, gravity and assignment.
    demand : Demand
    notes : list of str
    """

    peak_flow: np.ndarray
    congested_minutes: np.ndarray
    iterations: int
    relative_gap: float
    seconds: float
    demand: Demand
    notes: list[str] = field(default_factory=list)


def graph_network(links: pd.DataFrame, zones: Zones, settings: TrafficSettings) -> pd.DataFrame:
    """The AequilibraE network table: the car links, then the connectors in both directions."""
    c = zones.connectors
    k = len(c)
    minutes = np.maximum(c["length_m"].to_numpy(dtype=float), 1.0) / 1000.0 / settings.connector_speed_kmh * 60.0
    conn = pd.DataFrame({
        "link_id": len(links) + 1 + np.arange(2 * k, dtype=np.int64),
        "a_node": np.concatenate([c["zone_id"].to_numpy(), c["node"].to_numpy()]).astype(np.int64),
        "b_node": np.concatenate([c["node"].to_numpy(), c["zone_id"].to_numpy()]).astype(np.int64),
        "free_flow_time": np.concatenate([minutes, minutes]),
        "capacity": _CONNECTOR_CAPACITY,
        "distance": np.concatenate([c["length_m"].to_numpy(dtype=float)] * 2),
    })
    car = pd.DataFrame({"link_id": links["link_id"].to_numpy(np.int64), "a_node": links["a_node"].to_numpy(np.int64),
                        "b_node": links["b_node"].to_numpy(np.int64),
                        "free_flow_time": links["free_flow_time"].to_numpy(float),
                        "capacity": links["capacity"].to_numpy(float), "distance": links["length_m"].to_numpy(float)})
    net = pd.concat([car, conn], ignore_index=True)
    net["direction"] = np.int8(1)
    net["id"] = net["link_id"]
    return net


def _graph(network: pd.DataFrame, centroids: np.ndarray):
    from aequilibrae.paths import Graph

    g = Graph()
    g.network = network
    g.prepare_graph(centroids.astype(np.int64), remove_dead_ends=False)
    g.set_graph("free_flow_time")
    g.set_skimming(["free_flow_time"])
    g.set_blocked_centroid_flows(True)
    return g


def _skims(graph, ids: np.ndarray, cores: int) -> np.ndarray:
    skims = graph.compute_skims(cores=cores).results.skims
    order = pd.Index(skims.index).get_indexer(ids)
    minutes = np.array(skims.matrix["free_flow_time"], dtype="float64")[np.ix_(order, order)]
    minutes[minutes > 1e9] = np.inf
    n = len(ids)
    if n:
        minutes[np.arange(n), np.arange(n)] = np.inf
    return minutes


def assign(links: pd.DataFrame, zones: Zones, settings: TrafficSettings, *, cores: int | None = None) -> Assignment:
    """Demand and the peak-hour equilibrium of ``links`` and ``zones``.

    Parameters
    ----------
    links : pandas.DataFrame
        :func:`mobisim.traffic.supply.car_links`.
    zones : Zones
        :func:`mobisim.traffic.zones.build_zones`.
    settings : TrafficSettings
    cores : int, optional
        Threads (default: all cores).

    Returns
    -------
    Assignment
    """
    from aequilibrae.matrix import AequilibraeMatrix
    from aequilibrae.paths import TrafficAssignment, TrafficClass

    t0 = time.perf_counter()
    cores = cores or os.cpu_count() or 1
    ids = zones.table.index.to_numpy(dtype=np.int64)
    network = graph_network(links, zones, settings)
    graph = _graph(network, ids)
    minutes = _skims(graph, ids, cores)
    demand = daily_demand(zones.table, minutes, settings)
    notes: list[str] = []
    made = float(zones.table["productions"].sum())
    if made > 0 and demand.unplaced > 0.01 * made:
        notes.append(f"{demand.unplaced:,.0f} of the {made:,.0f} car trips a day the homes make reach no destination "
                     "(no zone with shops, services or jobs can be reached): they are not in the model")
    mat = AequilibraeMatrix()
    mat.create_empty(zones=len(ids), matrix_names=["car"], memory_only=True)
    mat.index[:] = ids
    mat.matrices[:, :, 0] = demand.matrix * settings.peak_hour_share
    mat.computational_view(["car"])
    tc = TrafficClass("car", graph, mat)
    tc.set_pce(1.0)
    ta = TrafficAssignment()
    ta.set_classes([tc])
    ta.set_vdf("BPR")
    ta.set_vdf_parameters({"alpha": settings.bpr_alpha, "beta": settings.bpr_beta})
    ta.set_capacity_field("capacity")
    ta.set_time_field("free_flow_time")
    ta.set_algorithm(settings.algorithm)
    ta.max_iter = settings.max_iterations
    ta.rgap_target = settings.relative_gap
    ta.set_cores(cores)
    ta.execute()
    res = ta.results()
    flow = res["PCE_tot"].reindex(links["link_id"].to_numpy()).fillna(0.0).to_numpy(dtype=float)
    tcol = next((c for c in ("Congested_Time_Max", "Congested_Time_AB") if c in res.columns), None)
    congested = (res[tcol].reindex(links["link_id"].to_numpy()).to_numpy(dtype=float) if tcol
                 else links["free_flow_time"].to_numpy(dtype=float))
    report = ta.report()
    iterations = int(report["iteration"].max()) if len(report) else 0
    gap = float(report["rgap"].iloc[-1]) if len(report) else float("nan")
    if gap > settings.relative_gap:
        notes.append(f"the assignment stopped after {iterations} iterations at a relative gap of {gap:.1e} "
                     f"(target {settings.relative_gap:.0e})")
    return Assignment(peak_flow=flow, congested_minutes=congested, iterations=iterations, relative_gap=gap,
                      seconds=time.perf_counter() - t0, demand=demand, notes=notes)
