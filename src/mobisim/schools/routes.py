"""The school-route analysis as one sequence of steps: :func:`route_to_schools`.

Graphs (:mod:`~mobisim.schools.graphs`) → schools and origins on the graph, nearest and safe school
(:mod:`~mobisim.schools.nearest`) → children per segment and node (:mod:`~mobisim.schools.flows`)
→ the origins and schools tables, the weakest links and the city-wide figures.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from mobisim.network import Network
from mobisim.schools.flows import route_flows
from mobisim.schools.graphs import RouteGraphs, build_graphs
from mobisim.schools.nearest import OriginRoutes, SchoolNodes, Trees, place_schools, route_origins, search_trees
from mobisim.schools.result import SchoolRoutes
from mobisim.schools.settings import SchoolSettings
from mobisim.schools.summary import city_scores
from mobisim.schools.weakest import rank_weakest_links


def route_to_schools(
    net: Network,
    schools: gpd.GeoDataFrame,
    origins: gpd.GeoDataFrame,
    *,
    safe_edges: np.ndarray | None,
    safe_nodes: np.ndarray | None,
    settings: SchoolSettings | None = None,
) -> SchoolRoutes:
    """Nearest school, shortest and child-safe route for all origins at once.

    Parameters
    ----------
    net : mobisim.network.Network
        Uses ``edges`` (``u``, ``v``, ``length``, ``mode_<mode>``; optional ``name`` and the
        toets fix columns for the ranking) and ``nodes`` (geometry).
    schools : geopandas.GeoDataFrame
        Points (EPSG:28992), e.g. from :func:`~mobisim.schools.primary_schools`; ``name`` optional.
    origins : geopandas.GeoDataFrame
        Points with a ``children`` column (:func:`mobisim.load.homes.residential_origins`).
    safe_edges : numpy.ndarray of bool or None
        Per ``net.edges`` row: does the segment pass the 8-jarigen-toets. ``None``: all pass.
    safe_nodes : numpy.ndarray of bool or None
        Per ``net.nodes`` row: may a child-safe route pass the node (``False`` at failing
        crossings). ``None``: all may.
    settings : SchoolSettings, optional

    Returns
    -------
    SchoolRoutes

    Raises
    ------
    mobisim.errors.InputFileError
        When no school can be placed on the network.
    """
    s = settings or SchoolSettings()
    notes: list[str] = []
    graphs = build_graphs(net, safe_edges, safe_nodes, s, notes)
    schools = schools.reset_index(drop=True)  # school_id = row position
    schools.index.name = "school_id"
    placed = place_schools(net, schools, graphs, s, notes)
    return routes_on_trees(net, schools, origins, graphs, placed, search_trees(graphs, placed), s, notes)


def routes_on_trees(net: Network, schools: gpd.GeoDataFrame, origins: gpd.GeoDataFrame, graphs: RouteGraphs,
                    placed: SchoolNodes, trees: Trees, s: SchoolSettings, notes: list[str],
                    attached: tuple[np.ndarray, np.ndarray] | None = None) -> SchoolRoutes:
    """The school routes from the search trees: each origin's routes, the flows and weakest links
    on the network, the tables and the city's scores (shared by :func:`route_to_schools` and the
    what-if session's child-safe pass, :func:`mobisim.whatif.schools.safe_pass`, which passes the
    origins' ``attached`` nodes: see :func:`~mobisim.schools.nearest.route_origins`)."""
    routes = route_origins(origins, graphs, placed, trees, s, attached)
    flows = route_flows(net, graphs, trees, routes)
    result = SchoolRoutes(
        origins=origin_table(origins, graphs, routes),
        schools=school_table(schools, graphs, placed, routes, notes),
        edge_children=flows.edge_children, edge_children_safe=flows.edge_children_safe,
        edge_weakest=flows.edge_weakest, node_weakest=flows.node_weakest,
        weakest_links=rank_weakest_links(net, flows.edge_weakest, flows.node_weakest, flows.edge_children,
                                         flows.node_children, s.mode),
        scores={}, notes=notes,
    )
    result.scores = city_scores(result, s)
    return result


def origin_table(origins: gpd.GeoDataFrame, graphs: RouteGraphs, o: OriginRoutes) -> gpd.GeoDataFrame:
    """The origins with their attachment and routes (the columns of :attr:`SchoolRoutes.origins`)."""
    out = origins.copy()
    out["node_id"] = np.where(o.node >= 0, graphs.full.node_ids[np.maximum(o.node, 0)] if graphs.n else -1, -1)
    out["snap_m"] = o.snap
    out["routed"] = o.routed
    out["school_id"] = o.nearest
    out["dist_m"] = o.dist
    out["safe_school_id"] = np.where(o.is_safe, o.nearest, -1)
    out["safe_dist_m"] = np.where(o.is_safe, o.safe_dist, np.nan)
    out["safe_reachable"] = o.reachable
    out["safe"] = o.is_safe
    out["detour"] = o.detour
    return out


def school_table(schools: gpd.GeoDataFrame, graphs: RouteGraphs, placed: SchoolNodes, o: OriginRoutes,
                 notes: list[str]) -> gpd.GeoDataFrame:
    """Per school: its node and the figures of the children for whom it is the nearest school.

    Schools sharing a node (co-located) share its children equally. Adds the columns of
    :attr:`SchoolRoutes.schools` to ``schools`` (in place) and returns it.
    """
    schools["node_id"] = np.where(placed.node >= 0, graphs.full.node_ids[np.maximum(placed.node, 0)]
                                  if graphs.n else -1, -1)
    schools["snap_m"] = placed.snap
    per = pd.DataFrame({
        "school_id": o.nearest, "children": o.children, "safe_children": np.where(o.is_safe, o.children, 0.0),
        "cd": o.children * np.nan_to_num(o.dist),
        "det": np.where(o.is_safe, o.children * np.nan_to_num(o.detour), 0.0),
    })[o.routed & (o.nearest >= 0)].groupby("school_id").sum()
    on_node = placed.node >= 0
    rep = np.full(len(schools), -1, dtype=np.int64)  # the school whose id the node's origins carry
    rep[on_node] = placed.src_school[np.searchsorted(placed.src_nodes, placed.node[on_node])]
    n_at_node = np.bincount(np.maximum(rep, 0), minlength=len(schools))[np.maximum(rep, 0)]
    per = per.reindex(rep, fill_value=0.0)
    split = np.where(on_node, 1.0 / np.maximum(n_at_node, 1), 0.0)
    schools["colocated_schools"] = np.where(on_node, n_at_node, 0)
    schools["children"] = per["children"].to_numpy() * split
    schools["children_safe"] = per["safe_children"].to_numpy() * split
    with np.errstate(invalid="ignore", divide="ignore"):
        schools["share_safe"] = np.where(per["children"] > 0, per["safe_children"] / per["children"], np.nan)
        schools["mean_dist_m"] = np.where(per["children"] > 0, per["cd"] / per["children"], np.nan)
        schools["mean_detour"] = np.where(per["safe_children"] > 0, per["det"] / per["safe_children"], np.nan)
    no_homes = int((schools["children"] <= 0).sum())
    if no_homes:
        notes.append(f"{no_homes} school(s) have no homes for which they are the nearest reachable school")
    return schools
