"""The school routes again after an edit: only the child-safe pass, on structures built once.

The full graph, the schools' nodes, the shortest-route tree and the homes do not change with a
verdict (:mod:`mobisim.schools`: the routes are judged, not chosen, by the toets), so
:class:`Prebuilt` keeps them; :func:`safe_pass` builds the child-safe graph from the verdicts,
runs its one multi-source search and the figures after it, as
:func:`mobisim.schools.route_to_schools` does.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np

from mobisim.network import Network
from mobisim.schools import routing
from mobisim.schools.graphs import RouteGraphs, along_road_ends, build_graphs, safe_graph
from mobisim.schools.inputs import clip_origins, home_origins, safe_masks
from mobisim.schools.nearest import SchoolNodes, Trees, attach_origins, place_schools
from mobisim.schools.result import SchoolRoutes
from mobisim.schools.routes import routes_on_trees
from mobisim.schools.settings import SchoolSettings
from mobisim.schools.summary import scores_per_wijk

__all__ = ["Prebuilt", "safe_pass"]


@dataclass
class Prebuilt:
    """What the school routes keep between edits: the full graph and tree, the schools, the homes
    and where they attach to the full graph (``attached``: node and distance per home)."""

    graphs: RouteGraphs
    placed: SchoolNodes
    full_tree: routing.Tree
    schools: gpd.GeoDataFrame
    origins: gpd.GeoDataFrame
    wijken: gpd.GeoDataFrame | None
    settings: SchoolSettings
    attached: tuple[np.ndarray, np.ndarray]

    @classmethod
    def build(cls, net: Network, schools: gpd.GeoDataFrame, settings: SchoolSettings,
              wijken: gpd.GeoDataFrame | None) -> Prebuilt:
        """The structures of ``net`` (its verdicts only decide the safe graph, rebuilt per edit)."""
        origins = home_origins(net, settings)
        if wijken is not None and settings.clip_homes_to_wijken:
            origins = clip_origins(origins, wijken, settings.children_total)
        safe_e, safe_n = safe_masks(net, settings.mode)
        graphs = build_graphs(net, safe_e, safe_n, settings, [])
        schools = schools.reset_index(drop=True)
        schools.index.name = "school_id"
        placed = place_schools(net, schools, graphs, settings, [])
        tree = routing.multi_source(graphs.full, placed.src_nodes)
        return cls(graphs=graphs, placed=placed, full_tree=tree, schools=schools, origins=origins, wijken=wijken,
                   settings=settings, attached=attach_origins(origins, graphs, tree, settings))


def _graphs(pre: Prebuilt, net: Network) -> RouteGraphs:
    """The prebuilt graphs with the child-safe graph of ``net``'s verdicts."""
    g, s = pre.graphs, pre.settings
    edges = net.edges
    safe_e, safe_n = safe_masks(net, s.mode)
    edge_ok = np.ones(len(edges), dtype=bool) if safe_e is None else safe_e
    node_ok_frame = np.ones(len(net.nodes), dtype=bool) if safe_n is None else safe_n
    node_ok = np.where(g.node_pos >= 0, node_ok_frame[np.maximum(g.node_pos, 0)], True) if g.n \
        else np.zeros(0, bool)
    along_u = along_v = np.full(len(edges), -1, dtype=np.int64)
    if s.crossing_rule == "along_road_passes" and not node_ok_frame.all():
        along_u, along_v = along_road_ends(net, ~node_ok_frame)
    safe = safe_graph(edges["u"].to_numpy(np.int64), edges["v"].to_numpy(np.int64),
                      edges["length"].to_numpy(np.float64), g.usable & edge_ok, g.full.node_ids, node_ok,
                      along_u, along_v)
    return RouteGraphs(full=g.full, safe=safe, usable=g.usable, edge_ok=edge_ok, node_ok=node_ok,
                       node_pos=g.node_pos, along_u=along_u, along_v=along_v, xy=g.xy, start_ok=g.start_ok)


def safe_pass(pre: Prebuilt, net: Network, *, per_wijk: bool = False) -> SchoolRoutes:
    """The school routes of ``net``'s verdicts: the child-safe search and the figures after it.

    Equals :func:`mobisim.schools.evaluate_school_routes` on ``net`` (same schools, homes and
    settings) without building the full graph, placing the schools or searching the shortest
    routes again. The result columns are not written onto ``net``; the per-wijk figures (a
    spatial join, ~0.07 s on the city) only with ``per_wijk``.
    """
    graphs = _graphs(pre, net)
    placed, s = pre.placed, pre.settings
    ok = graphs.node_ok[placed.src_nodes] if len(placed.src_nodes) else np.zeros(0, bool)
    trees = Trees(full=pre.full_tree, safe=routing.multi_source(graphs.safe, placed.src_nodes[ok]),
                  safe_src_school=placed.src_school[ok])
    result = routes_on_trees(net, pre.schools.copy(), pre.origins, graphs, placed, trees, s, [], pre.attached)
    if per_wijk and pre.wijken is not None:
        result.per_wijk = scores_per_wijk(result.origins, pre.wijken)
    return result
